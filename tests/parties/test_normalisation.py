"""Invisible and look-alike characters, letters written apart, and words joined or split across
scripts must not defeat party screening: each obfuscated name still gives a party hit (not green)."""

import pytest

from kordon.config import Settings
from kordon.index.names import name_key
from kordon.index.text import normalise_name_text
from kordon.ingest.sanctions import lifecycle
from kordon.models import Action, Declaration, Lane
from kordon.screen import build_context, screen_declaration

OBFUSCATED = {
    "zero-width space": "Roso\u200bboron\u200bexport",
    "soft hyphen": "Roso\u00adboron\u00adexport",
    "word joiner": "Roso\u2060boron\u2060export",
    "zero-width joiner/non-joiner": "Roso\u200dboron\u200cexport",
    "variation selectors": "Rosoboron\ufe0fexport\ufe0e",
    "tag characters": "Roso\U000e0072\U000e0041boronexport",
    "byte-order mark": "\ufeffRosoboronexport",
    "full-width letters": "Ｒｏｓｏｂｏｒｏｎｅｘｐｏｒｔ",
    "mathematical bold": "𝐑𝐨𝐬𝐨𝐛𝐨𝐫𝐨𝐧𝐞𝐱𝐩𝐨𝐫𝐭",
    "Cyrillic look-alikes in a Latin word": "Rоsоbоrоnехроrt",
    "letters spaced": "R o s o b o r o n e x p o r t",
    "letters dotted": "R.o.s.o.b.o.r.o.n.e.x.p.o.r.t",
    "split words": "Roso boron export",
}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "none.db"  # the shipped snapshot (OFAC lists Rosoboronexport)
    return build_context(Settings(database_url=f"sqlite:///{db}", profile=None))  # the rule's own action


def decl(name, country="RU"):
    return Declaration.model_validate({
        "id": "N1", "type": "export", "date": "2026-11-20",
        "parties": [{"role": "consignee", "name": name, "country": country}],
        "route": {"dispatch": "KZ", "destination": "KG"},
        "items": [{"hs_code": "940360", "description": "wooden office furniture"}],
    })


@pytest.mark.parametrize("kind", sorted(OBFUSCATED))
def test_obfuscated_listed_name_is_still_a_party_hit(ctx, kind):
    d = screen_declaration(decl(OBFUSCATED[kind]), ctx)
    hits = [h for h in d.hits if h.rule == "parties.sanctions"]
    assert hits, f"{kind}: no party hit for {OBFUSCATED[kind]!r}"
    # A match (critical), never green; whether it denies or holds depends on the jurisdiction profile
    # (an OFAC listing does not bind a Kazakh post).
    assert hits[0].list.entry == "ofac-18782" and hits[0].severity.value == "critical"
    assert hits[0].action in (Action.deny, Action.inspect) and d.lane is not Lane.green


def test_the_same_normal_form_for_list_and_query():
    plain = name_key("Rosoboronexport").tokens
    for text in OBFUSCATED.values():
        if " " in text and "." not in text and len(text.split()) < 5:
            continue  # split words meet through joined parts in the index, not in the key
        assert name_key(text).tokens == plain, text


def test_normalisation_keeps_real_names_apart():
    assert normalise_name_text("Kim Il Sung") == "Kim Il Sung"  # two-letter parts are not letters written apart
    assert normalise_name_text("Мeталл") == "Металл"  # Latin e in a Cyrillic word
    assert normalise_name_text("A B") == "A B"
    assert normalise_name_text("ООО\u00a0«Ромашка»\u200b") == "ООО «Ромашка»"


def test_words_joined_in_one_script_and_split_in_the_other(shared_data, tmp_path):
    """EU Reg. 833/2014 Annex IV lists "MetallStan LLP"; declarations write "ТОО «Металл Стан»"."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    path = shared_data / "sanctions_lists" / "eu_official_journal" / "32014R0833.csv.gz"
    _, outcome = lifecycle.load_file(url, path, "eu")
    assert outcome.activated
    ctx = build_context(Settings(database_url=url, profile=None))
    for name in ("ТОО «Металл Стан»", "Metall Stan LLP", "МеталлСтан", "ЖШС «МЕТАЛЛ СТАН»"):
        d = screen_declaration(decl(name, "KZ"), ctx)
        hits = [h for h in d.hits if h.rule == "parties.sanctions"]
        assert hits and hits[0].list.entry == "eu-32014R0833-IV-736", name
        assert hits[0].severity.value == "critical" and d.lane is not Lane.green, name
