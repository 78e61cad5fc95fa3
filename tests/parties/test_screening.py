"""Party screening inside declaration screening, against the shipped OFAC/UN/UK snapshot."""

from pathlib import Path

import pytest

from kordon.config import Settings
from kordon.ingest.sanctions import lifecycle
from kordon.models import Action, Declaration, Lane
from kordon.screen import build_context, screen_declaration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "none.db"  # no store: the shipped snapshot is used
    # The rule's own actions (deny on consignee, end user, payer); the law's are tested in tests/profiles.
    return build_context(Settings(database_url=f"sqlite:///{db}", profile=None))


def decl(*parties, **kw):
    return Declaration.model_validate({
        "id": kw.get("id", "D1"), "type": "export", "date": "2026-11-20", "parties": list(parties),
        "route": {"dispatch": "KZ", "destination": kw.get("destination", "KG")},
        "items": [{"hs_code": "940360", "description": "wooden office furniture"}],
    })


def party_hits(decision, rule="parties.sanctions"):
    return [h for h in decision.hits if h.rule == rule]


def test_listed_consignee_in_cyrillic_is_denied(ctx):
    d = screen_declaration(decl({"role": "consignee", "name": "ТОО «Да Груп 22»", "country": "KZ"}), ctx)
    assert d.action is Action.deny and d.lane is Lane.red
    hit = party_hits(d)[0]
    assert hit.list.id == "ofac_sdn" and hit.list.version == "2026-08-20" and hit.list.entry == "ofac-47923"
    assert hit.subject == "parties[0]" and "DA GROUP 22" in hit.explanation
    assert d.list_versions["ofac_sdn"] == "2026-08-20" and "un_sc" in d.list_versions


def test_listed_consignor_is_inspected_not_denied(ctx):
    d = screen_declaration(decl({"role": "consignor", "name": "Kazstanex LLP", "country": "KZ"}), ctx)
    hit = party_hits(d)[0]
    assert hit.action is Action.inspect and hit.severity.value == "critical"
    assert d.action is Action.inspect


def test_possible_match_is_red_with_candidates(ctx):
    d = screen_declaration(decl({"role": "end_user", "name": "Elem Group Trading", "country": "KZ"}), ctx)
    hit = party_hits(d)[0]
    assert hit.action is Action.inspect and hit.severity.value == "high"
    cands = hit.evidence["candidates"]
    assert cands[0]["entity_id"] == "ofac-47950" and cands[0]["match"] is False and 0.75 <= cands[0]["score"] < 0.9
    assert d.lane is Lane.red


def test_identifier_match_decides_on_its_own(ctx):
    d = screen_declaration(decl({"role": "payer", "name": "Some Unrelated Trading", "country": "RU", "identifiers": {"inn": "7718989383"}}), ctx)
    hit = party_hits(d)[0]
    assert hit.action is Action.deny and hit.list.entry == "ofac-16806" and "ru_inn:7718989383" in hit.explanation


def test_shared_address_is_flagged(ctx):
    d = screen_declaration(decl({"role": "consignee", "name": "Steppe Furniture Trading", "country": "KZ",
                                 "address": "13 Abay Avenue, Sariarka District, Astana, Kazakhstan"}), ctx)
    assert not party_hits(d)
    shared = party_hits(d, "parties.shared_identifier_or_address")
    assert shared and shared[0].list.entry == "ofac-47923"


def test_clean_parties_give_no_party_hits(ctx):
    d = screen_declaration(decl({"role": "consignee", "name": "ТОО «Алматы Мебель Сервис»", "country": "KZ"},
                                {"role": "consignor", "name": "Nurlan Seitkali", "country": "KZ"}), ctx)
    assert not party_hits(d) and not party_hits(d, "parties.shared_identifier_or_address")


def test_loaded_list_version_replaces_the_snapshot(tmp_path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    lifecycle.load_file(url, FIXTURES / "ofac_sdn", "ofac", version="2026-11-25", force=True)  # a small cut replaces the shipped list
    ctx = build_context(Settings(database_url=url, profile=None))
    d = screen_declaration(decl({"role": "consignee", "name": "ООО Волга Груп", "country": "RU"}), ctx)
    hit = party_hits(d)[0]
    assert hit.list.id == "ofac_sdn" and hit.list.version == "2026-11-25" and hit.list.entry == "ofac-16806"
    assert d.list_versions["ofac_sdn"] == "2026-11-25"


@pytest.mark.parametrize("name", ["", " ", "LLC", "CORP", "x", "1234567", "😀🚚😀", "ТОО", "Газпром" * 300,
                                  "Kazstanex КАЗСТАНЕКС mixed", "株式会社アドミラルティ造船所", "\u202e\u0000name"])
def test_odd_names_never_crash_nor_match_everything(ctx, name):
    from kordon.index.parties import Query

    found, warnings = ctx.extras["parties"].match(Query(name))
    assert len(found) <= 10
    if name.strip() in ("", "LLC", "CORP", "x", "1234567", "😀🚚😀", "ТОО"):
        assert not found and warnings and "no meaningful part" in warnings[0]
