"""Russian, Kazakh and English: every text of the templates and the web code is translated; formats follow the language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kordon.interfaces.web import i18n
from kordon.interfaces.web.present import rule_title

WEB = Path(i18n.__file__).parent


def _texts() -> set[str]:
    """Every msgid in the templates and the web code, extracted now (not from the committed .pot)."""
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    out = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(WEB), method_map, options_map=options):
        out.add(message if isinstance(message, str) else tuple(message))
    return out


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_text_has_a_translation(lang):
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    texts = _texts()
    assert len(texts) > 200
    missing = []
    for msgid in texts:
        key = msgid if isinstance(msgid, str) else msgid[0]
        found = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
        strings = found.string if found is not None and isinstance(found.string, tuple) else [found.string if found else ""]
        if found is None or found.fuzzy or not all(strings):
            missing.append(key)
        elif isinstance(msgid, str):
            # A translation keeps every placeholder of the English text, or formatting fails at run time.
            import re
            assert set(re.findall(r"%\(\w+\)[sd]", msgid)) == set(re.findall(r"%\(\w+\)[sd]", found.string)), msgid
    assert not missing, f"{lang}: no translation for {sorted(missing)[:20]} (run python scripts/web_i18n.py)"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_translations_are_not_the_english_text(lang):
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id and any(c.isalpha() for c in m.id)
            and m.id not in {"SHA-256"}]
    assert not same, same  # words left in English are untranslated, whatever the catalogue says


@pytest.mark.parametrize(("cookie", "header", "expected"), [
    (None, "kk-KZ,kk;q=0.9,ru;q=0.8", "kk"),
    (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
    (None, "de-DE,en;q=0.5,ru;q=0.7", "ru"),
    (None, "de-DE", "en"),
    (None, None, "en"),
    (None, "ru;q=0, kk;q=0.1", "kk"),
    ("kk", "ru-RU", "kk"),  # the officer's choice wins over the browser
    ("xx", "ru-RU", "ru"),
])
def test_language_negotiation(cookie, header, expected):
    assert i18n.negotiate(cookie, header) == expected


def test_formats_follow_the_language(monkeypatch):
    monkeypatch.delenv("KORDON_TIMEZONE", raising=False)
    i18n.zone.cache_clear()
    at = dt.datetime(2026, 12, 5, 4, 30, 12, 123456, tzinfo=dt.UTC)
    expected = {
        "ru": ("14 шт.", "120\xa0000\xa0$", "05.12.2026, 09:30 (UTC+5)", "1\xa0234,5"),
        "kk": ("14 дана", "120\xa0000\xa0$", "05.12.2026, 09:30 (UTC+5)", "1\xa0234,5"),
        "en": ("14 pcs", "$120,000.00", "12/5/2026, 09:30 (UTC+5)", "1,234.5"),
    }
    for lang, (qty, value, when, num) in expected.items():
        i18n.activate(lang)
        assert i18n.quantity("14.0000", "pcs") == qty
        assert i18n.money("120000", "USD").replace(",00", "").replace("\u202f", "\xa0") == value.replace(",00", "")
        assert i18n.when(at.isoformat()) == when  # no microseconds, local time with the zone
        assert i18n.number("1234.5000").replace("\u202f", "\xa0") == num
    i18n.activate("ru")
    assert i18n.age(1) == "1 день" and i18n.age(3) == "3 дня" and i18n.age(11) == "11 дней" and i18n.age(21) == "21 день"
    assert i18n.country("RU").startswith("RU (Росси")
    i18n.activate("kk")
    assert i18n.age(5) == "5 күн"
    i18n.activate("en")


def test_every_rule_has_a_russian_and_kazakh_title():
    from kordon.ingest.rule_pack import bundled_rule_pack

    pack = bundled_rule_pack()
    for lang in ("ru", "kk"):
        i18n.activate(lang)
        for rule_id, spec in pack.rules.items():
            title = rule_title(pack, rule_id)
            assert title and title != spec.title, f"{lang}: rule {rule_id} has no title_{lang} in the rule pack"
    i18n.activate("en")
    assert rule_title(pack, "goods.chpl") == pack.rules["goods.chpl"].title
