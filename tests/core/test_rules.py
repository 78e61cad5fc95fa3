"""One test that each core rule fires and one that it stays silent on the closest harmless case."""

from __future__ import annotations

import pytest

from kordon.config import Settings
from kordon.models import Action, Lane
from kordon.screen import build_context, screen_declaration
from tests.core.helpers import decl, item


@pytest.fixture(scope="module")
def ctx():
    # The rules' own findings and actions; which law turns them into actions is tested in tests/profiles.
    return build_context(Settings(profile=None))


def rules_of(decision, rule=None):
    return [h for h in decision.hits if rule is None or h.rule == rule]


def screen(ctx, **kw):
    return screen_declaration(decl(**kw), ctx)


RU_BUYER = [{"role": "consignor", "name": "A LLP", "country": "KZ"}, {"role": "consignee", "name": "B OOO", "country": "RU"}]


def test_chpl_item_to_russia_without_licence_is_denied(ctx):
    d = screen(ctx, parties=RU_BUYER, route={"dispatch": "KZ", "destination": "RU"}, items=[item("8542319090", "cpu")])
    (hit,) = rules_of(d, "goods.chpl")
    assert d.lane is Lane.red and d.action is Action.deny
    assert hit.list.id == "chpl" and hit.list.version == "2024-02-23" and hit.subject == "items[0]"
    assert "without a licence" in hit.explanation


def test_licence_turns_deny_into_document_check(ctx):
    d = screen(ctx, parties=RU_BUYER, route={"dispatch": "KZ", "destination": "RU"},
               items=[item("8526912000", "gnss", licence="KZ-DU-1")])
    assert d.action is Action.check_documents and d.lane is Lane.yellow
    assert all(h.action in (None, Action.check_documents) for h in d.hits)


def test_chpl_item_to_a_non_restricted_destination_asks_for_due_diligence(ctx):
    d = screen(ctx, items=[item("8542399090", "mcu")])
    (hit,) = rules_of(d, "goods.chpl")
    assert hit.action is None and "due diligence" in hit.explanation
    assert d.action is not Action.deny


def test_unlisted_goods_raise_no_goods_hit(ctx):
    d = screen(ctx, parties=RU_BUYER, route={"dispatch": "KZ", "destination": "RU"}, items=[item("1001990000", "wheat")])
    assert not [h for h in d.hits if h.rule.startswith("goods.")]
    assert d.lane is Lane.green


def test_national_list_needs_a_licence_for_any_destination(ctx):
    d = screen(ctx, items=[item("8806240009", "Agras T30 crop sprayers")])
    (hit,) = rules_of(d, "goods.national")
    # An illustrative entry of a list defined by technical parameters: "may fall under", never a refusal.
    assert hit.action is Action.check_documents and "illustrative" in hit.explanation
    assert hit.evidence["precision"] == "may_fall_under" and "identification conclusion" in hit.explanation
    # When the description itself names drones, the same entry calls for inspection (still no refusal).
    (named,) = rules_of(screen(ctx, items=[item("8806240009", "drones")]), "goods.national")
    assert named.action is Action.inspect
    licensed = screen(ctx, items=[item("8806240009", "drones", licence="L-1")])
    assert rules_of(licensed, "goods.national")[0].action is Action.check_documents


def test_military_goods_to_russia_are_denied_even_with_a_licence(ctx):
    d = screen(ctx, parties=RU_BUYER, route={"dispatch": "KZ", "destination": "RU"}, items=[item("9306210000", "cartridges", licence="L-9")])
    assert d.action is Action.deny


def test_imports_of_listed_goods_are_only_noted(ctx):
    d = screen(ctx, type="import", route={"dispatch": "CN", "destination": "KZ"}, items=[item("8542319090", "cpu")])
    assert {h.severity.value for h in rules_of(d, "goods.chpl")} == {"info"} and d.lane is Lane.green


def test_restricted_destination_alone_stays_green(ctx):
    d = screen(ctx, route={"dispatch": "KZ", "destination": "RU"})
    assert [h.rule for h in d.hits] == ["route.restricted_destination"] and d.lane is Lane.green
    assert not rules_of(screen(ctx), "route.restricted_destination")


def test_end_user_in_russia_behind_third_country(ctx):
    parties = [{"role": "consignee", "name": "K LLC", "country": "KG"}, {"role": "end_user", "name": "R OOO", "country": "RU"}]
    d = screen(ctx, parties=parties, route={"dispatch": "KZ", "destination": "KG"})
    (hit,) = rules_of(d, "route.restricted_end_user")
    assert hit.subject == "parties[1]"
    harmless = [{"role": "consignee", "name": "K LLC", "country": "KG"}, {"role": "end_user", "name": "K LLC", "country": "KG"}]
    assert not rules_of(screen(ctx, parties=harmless, route={"dispatch": "KZ", "destination": "KG"}), "route.restricted_end_user")


def test_listed_item_for_russian_end_user_is_denied(ctx):
    parties = [{"role": "consignee", "name": "K LLC", "country": "KG"}, {"role": "end_user", "name": "R OOO", "country": "RU"}]
    d = screen(ctx, parties=parties, route={"dispatch": "KZ", "destination": "KG"}, items=[item("8471500000", "servers")])
    assert d.action is Action.deny


def test_false_transit_through_russia(ctx):
    d = screen(ctx, route={"dispatch": "KZ", "transit": ["RU"], "destination": "MN"}, items=[item("8536908500", "connectors")])
    (hit,) = rules_of(d, "route.transit_restricted")
    assert hit.severity.value == "high"
    assert not rules_of(screen(ctx, route={"dispatch": "KZ", "transit": ["CN"], "destination": "MN"}), "route.transit_restricted")


def test_transit_through_kazakhstan_to_russia(ctx):
    d = screen(ctx, type="transit", route={"dispatch": "KG", "transit": ["KZ"], "destination": "RU"}, items=[item("8806240009", "drones")])
    assert rules_of(d, "route.transit_to_restricted") and d.lane is Lane.red and d.action is Action.inspect
    assert not rules_of(screen(ctx, type="transit", route={"dispatch": "KG", "transit": ["KZ"], "destination": "CN"}), "route.transit_to_restricted")


def test_dispatch_from_a_diversion_hub(ctx):
    d = screen(ctx, type="transit", route={"dispatch": "AE", "transit": ["KZ"], "destination": "MN"})
    assert rules_of(d, "route.diversion_hub")
    # The screening country is itself on the hub list; its own exports are not flagged for that.
    assert not rules_of(screen(ctx), "route.diversion_hub")


def test_foreign_origin_listed_goods_reexported(ctx):
    kw = dict(parties=RU_BUYER, route={"dispatch": "KZ", "destination": "RU"})
    d = screen(ctx, items=[item("8532240000", "capacitors", origin="DE")], **kw)
    assert rules_of(d, "route.foreign_origin_reexport")
    assert not rules_of(screen(ctx, items=[item("8532240000", "capacitors", origin="KZ")], **kw), "route.foreign_origin_reexport")


def test_settings_change_the_screening_country_and_restricted_set():
    from kordon.config import Settings

    ctx = build_context(Settings(screening_country="KG", restricted_destinations=["IR", "RU"], profile=None))
    d = screen_declaration(decl(route={"dispatch": "KG", "destination": "IR"}, items=[item("8542319090", "cpu")]), ctx)
    assert rules_of(d, "route.restricted_destination")
    # The CHPL's measures cover Russia and Belarus: for Iran it asks for due diligence, it does not refuse.
    (chpl,) = rules_of(d, "goods.chpl")
    assert chpl.action is None and chpl.evidence["destinations"] == ["RU", "BY"] and d.action is not Action.deny
    d = screen_declaration(decl(route={"dispatch": "KG", "destination": "RU"}, items=[item("8542319090", "cpu")]), ctx)
    assert d.action is Action.deny
