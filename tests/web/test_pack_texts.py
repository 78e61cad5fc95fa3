"""Texts from the packs in the officer's language: every rule and every profile has its Russian and Kazakh texts,
and every hit and EAEU reason the examples produce is explained in Russian and Kazakh without English left in it."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml

pytest.importorskip("babel")

from kordon.ingest.errors import ListFileError  # noqa: E402
from kordon.ingest.profiles import bundled_profile_names, parse_profile, read_profile  # noqa: E402
from kordon.ingest.rule_pack import bundled_rule_pack  # noqa: E402
from kordon.interfaces.web import explain, i18n, present  # noqa: E402

LANGS = ("ru", "kk")
# Proper names kept in English in the Russian and Kazakh texts (the US lists are known by them), and Latin terms.
KEPT = ("Entity List", "Denied Persons", "de minimis", "kordon", "FinCEN")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]*[a-z][A-Za-z]*\b")


def _pack_rules() -> dict[str, dict[str, Any]]:
    return present.pack_rules(bundled_rule_pack())


def test_every_rule_has_russian_and_kazakh_texts_and_templates_that_compile():
    rules = _pack_rules()
    eaeu = yaml.safe_load((resources.files("kordon") / "data" / "eaeu" / "rules.yaml").read_text(encoding="utf-8"))["rules"]
    assert set(bundled_rule_pack().rules) | {r["id"] for r in eaeu} <= set(rules)
    missing = [f"{rid}: {key}_{lang}" for rid, raw in rules.items() for key in ("title", "rationale", "explanation")
               for lang in LANGS if not str(raw.get(f"{key}_{lang}") or "").strip()]
    assert not missing, missing
    for rid, raw in rules.items():
        for lang in LANGS:
            explain._compiled(raw[f"explanation_{lang}"])  # a syntax error in a pack template fails here, not on a page
            assert raw[f"rationale_{lang}"] != raw["rationale"], (rid, lang)


@pytest.mark.parametrize("name", bundled_profile_names())
def test_every_profile_has_russian_and_kazakh_texts(name):
    profile = read_profile(name)
    for lang in LANGS:
        assert profile.missing_texts(lang) == [], (name, lang)
        with i18n_lang(lang):
            assert re.search("[а-яәіңғүұқөһ]", profile.localized(profile, "title", lang), re.I)


def test_a_translation_that_loses_or_invents_a_placeholder_is_refused_with_its_line():
    text = (resources.files("kordon") / "data" / "profiles" / "kz_customs.yaml").read_text(encoding="utf-8")
    lost = text.replace('says_ru: "проверить, что казахстанская лицензия {licence} покрывает',
                        'says_ru: "проверить, что казахстанская лицензия покрывает', 1)
    assert lost != text
    with pytest.raises(ListFileError, match=r"mine\.yaml:\d+: .*says_ru uses placeholders \[\] but the English text uses \['licence'\]"):
        parse_profile(lost, "mine.yaml")
    invented = text.replace("покрывает эти товары, эту операцию", "покрывает {goods}, эту операцию", 1)
    with pytest.raises(ListFileError, match="says_ru uses placeholders"):
        parse_profile(invented, "mine.yaml")
    words = text.replace('  deny: "отказ в выпуске"\naction_words_kk:', "action_words_kk:", 1)
    with pytest.raises(ListFileError, match="action_words_ru.*no wording for action"):
        parse_profile(words, "mine.yaml")


class i18n_lang:  # noqa: N801 - reads as a phrase at the call site
    def __init__(self, lang: str):
        self.lang = lang

    def __enter__(self) -> None:
        self.before = i18n.current()
        i18n.activate(self.lang)

    def __exit__(self, *exc: object) -> None:
        i18n.activate(self.before)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _english_left(text: str, values: list[str]) -> list[str]:
    """Latin words with lower-case letters left once the hit's own data (names, descriptions, ids) is taken out."""
    values = values + [v[:39] for v in values]  # descriptions are cut at 40 characters ("…")
    for v in sorted({v for v in values if v and len(v) > 1}, key=len, reverse=True):
        text = text.replace(v, " ")
    for kept in KEPT:
        text = text.replace(kept, " ")
    return [w for w in ENGLISH_WORD.findall(text) if len(w) >= 3]


@pytest.fixture(scope="module")
def stored(app_client):
    """Every declaration and decision of the demo store (examples, synthetic traffic, the EAEU DTs), and the
    latest verdict on every SNT of the EAEU examples."""
    from sqlalchemy import select

    from kordon.record.documents import VerdictRow
    from kordon.record.tables import DecisionRow, DeclarationRow

    _client, store, _secrets = app_client
    with store.session() as s:
        decls = {(r.declaration_id, r.version): r.body for r in s.scalars(select(DeclarationRow))}
        decisions = [(r.declaration_id, r.declaration_version, r.body) for r in s.scalars(select(DecisionRow))]
        verdicts = [r.body for r in s.scalars(select(VerdictRow))]
    return decls, decisions, verdicts


def _profiles() -> dict[str, Any]:
    from kordon.decide.profiles import load_profile

    return {name: load_profile(name) for name in bundled_profile_names()}


@pytest.mark.parametrize("lang", LANGS)
def test_every_hit_over_the_examples_is_explained_without_english(stored, lang):
    """Each rule that fired over the examples and the synthetic traffic, under the profile it was decided by and read
    under every other bundled profile: the finding comes from the rule's template and the consequence from the
    profile's provision in the language, with nothing of the English left but the hit's own data."""
    from kordon.decide.profiles import apply_profile
    from kordon.models import Hit

    decls, decisions, _ = stored
    rules = bundled_rule_pack()
    raw = _pack_rules()
    profiles = _profiles()
    fired: set[str] = set()
    provisions: set[tuple[str, int]] = set()
    with i18n_lang(lang):
        for decl_id, version, decision in decisions:
            decl = decls[(decl_id, version)]
            readings = [(profiles.get(decision.get("profile") or ""), decision.get("hits", []))]
            for name, profile in profiles.items():
                if name != decision.get("profile"):
                    hits = apply_profile([Hit.model_validate(h) for h in decision.get("hits", [])], profile)
                    readings.append((profile, [h.model_dump(mode="json") for h in hits]))
            for profile, hits in readings:
                for hit in hits:
                    rule = hit["rule"]
                    text = explain.explain_hit(rules, hit, decl, profile, "KZ")
                    if rule in ("selection.random", "screening.error"):
                        assert text != hit["explanation"]
                        continue
                    fired.add(rule)
                    params = explain.hit_params(hit, decl, "KZ")
                    assert explain.render_finding(raw[rule], params, "\0") != "\0", (rule, hit["evidence"])
                    if hit.get("legal_basis"):
                        p = explain.provision_for(profile, hit)
                        assert p is not None, (profile.id, rule, hit["legal_basis"])
                        provisions.add((profile.id, getattr(p, "line", 0)))
                    assert text != hit["explanation"], (rule, text)
                    values = _strings(hit.get("evidence")) + _strings(hit.get("list")) + _strings(decl.get("items")) \
                        + _strings(decl.get("parties"))
                    left = _english_left(text, values)
                    assert not left, (lang, rule, left, text)
    # The examples exercise the goods, route, party, code and red-flag rules, and many provisions of every profile.
    assert {"goods.chpl", "goods.eu_russia", "goods.national", "parties.sanctions", "route.restricted_destination",
            "goods.code_valid"} <= fired, sorted(fired)
    assert len(fired) >= 15, sorted(fired)
    assert {pid for pid, _ in provisions} == set(profiles), provisions


@pytest.mark.parametrize("lang", LANGS)
def test_every_eaeu_reason_over_the_examples_is_explained_without_english(stored, lang):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    _, _, verdicts = stored
    rules = bundled_rule_pack()
    profiles = _profiles()
    codes: set[str] = set()
    with i18n_lang(lang):
        for verdict in verdicts:
            profile = profiles.get(verdict.get("profile") or "")
            for reason in verdict.get("reasons", []):
                text = explain.explain_reason(rules, reason, None, profile)
                codes.add(reason["code"])
                assert text != reason["explanation"], (reason["code"], text)
                left = _english_left(text, _strings(reason.get("evidence")))
                assert not left, (lang, reason["code"], left, text)
    assert {"documents.mismatch", "balance.insufficient", "origin.prohibiting_state", "chain.origin_traced"} <= codes, codes
    assert any(c.startswith("chain.") and c != "chain.origin_traced" for c in codes), codes


def test_english_is_the_recorded_text_and_a_rule_without_template_falls_back_to_it():
    hit = {"rule": "goods.chpl", "explanation": "Item 1 is listed.", "evidence": {"hs_code": "854231"}, "subject": "items[0]"}
    rules = bundled_rule_pack()
    with i18n_lang("en"):
        assert explain.explain_hit(rules, hit, None, None, "KZ") == "Item 1 is listed."
    with i18n_lang("ru"):
        assert explain.render_finding(None, {}, "recorded") == "recorded"
        assert explain.render_finding({"explanation_ru": "{{ ev.x.y.z|code }} {% if %}"}, {"ev": {}}, "recorded") == "recorded"
        # A template may not reach outside its evidence (the pack is data a site may supply).
        assert explain.render_finding({"explanation_ru": "{{ ev.__class__.__mro__ }}"}, {"ev": {}}, "recorded") == "recorded"
