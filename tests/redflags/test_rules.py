"""One test per red-flag rule that it fires, one that it stays silent on the closest harmless case."""

from __future__ import annotations

from kordon.index.history import History
from kordon.screen.redflags.value import load_price_table
from tests.redflags.conftest import day, decl

DRONES_AS_TOYS = [{"hs_code": "9503009909", "description": "Квадрокоптер DJI Agras T30 сельскохозяйственный", "quantity": 14,
                   "net_mass_kg": 600, "value": 200000, "currency": "USD"}]


# -- description -------------------------------------------------------------------------
def test_misfit_fires_when_text_names_another_heading(run):
    d = decl(items=[{"hs_code": "9403609001", "description": "Трансформаторы силовые масляные трехфазные мощностью 630 кВА"}])
    hits = run("description.misfit", d)
    assert len(hits) == 1 and hits[0].evidence["best_heading"] == "8504"
    assert hits[0].source and "BIS" in hits[0].source


def test_misfit_silent_on_fitting_description(run):
    d = decl(items=[{"hs_code": "8504230009", "description": "Трансформаторы силовые масляные трехфазные мощностью 630 кВА"}])
    assert run("description.misfit", d) == []


def test_vague_fires_on_parts_only(run):
    hits = run("description.vague", decl(items=[{"hs_code": "8542399090", "description": "Запчасти, новые"}]))
    assert len(hits) == 1 and hits[0].severity.value == "high"  # listed code: CHPL tier 1


def test_vague_silent_when_parts_are_named(run):
    assert run("description.vague", decl(items=[{"hs_code": "8708309109", "description": "Запчасти: колодки тормозные для грузовых автомобилей"}])) == []


def test_vague_silent_on_part_number(run):
    assert run("description.vague", decl(items=[{"hs_code": "8542399090", "description": "Parts XC7K410T-2FFG900I"}])) == []


def test_lexicon_fires_on_drone_declared_as_toy(run):
    hits = run("description.lexicon", decl(items=DRONES_AS_TOYS))
    assert [h.evidence["category"] for h in hits] == ["uav"]
    assert hits[0].action.value == "inspect"


def test_lexicon_fires_in_kazakh_and_german(run):
    kk = run("description.lexicon", decl(items=[{"hs_code": "4202929800", "description": "Әскери рюкзак"}]))
    de = run("description.lexicon", decl(items=[{"hs_code": "3926909709", "description": "Schutzweste mit Panzerplatte"}]))
    assert kk and kk[0].evidence["category"] == "weapons"
    assert de and de[0].evidence["category"] == "armour"


def test_lexicon_silent_under_the_right_code_and_on_disclaimers(run):
    assert run("description.lexicon", decl(items=[{"hs_code": "8806220009", "description": "Квадрокоптер DJI Mavic 3"}])) == []
    milling = {"hs_code": "8457101008", "description": "Станок фрезерный, не является продукцией военного назначения"}
    assert run("description.lexicon", decl(items=[milling])) == []


# -- value ---------------------------------------------------------------------------------
def _price_history(n: int = 60) -> History:
    return History.build(
        decl(f"P{i}", date=day(i),
             items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 10, "value": 1000 + 10 * (i % 7), "currency": "USD"}])
        for i in range(n)
    )


def test_unit_value_fires_far_above_history(run):
    d = decl(items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 10, "value": 9000, "currency": "USD"}])
    hits = run("value.unit_value", d, _price_history())
    assert len(hits) == 1 and hits[0].evidence["direction"] == "above" and hits[0].evidence["observations"] == 60


def test_unit_value_silent_near_median_and_without_history(run):
    d = decl(items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 10, "value": 1050, "currency": "USD"}])
    assert run("value.unit_value", d, _price_history()) == []
    far = decl(items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 10, "value": 9000, "currency": "USD"}])
    assert run("value.unit_value", far) == []  # no history, no table: silent


def test_unit_value_uses_price_table(run, tmp_path):
    table = tmp_path / "prices.csv"
    table.write_text("hs6,basis,currency,low,high,source\n940360,kg,USD,2,20,test table\n", encoding="utf-8")
    prices = load_price_table(table)
    cheap = decl(items=[{"hs_code": "9403609001", "description": "Столы", "net_mass_kg": 200, "value": 100, "currency": "USD"}])
    fair = decl(items=[{"hs_code": "9403609001", "description": "Столы", "net_mass_kg": 200, "value": 2000, "currency": "USD"}])
    assert run("value.unit_value", cheap, reference_prices=prices)[0].evidence["direction"] == "below"
    assert run("value.unit_value", fair, reference_prices=prices) == []


def test_price_table_error_names_file_and_line(tmp_path):
    import pytest

    from kordon.ingest.errors import ListFileError

    table = tmp_path / "prices.csv"
    table.write_text("hs6,basis,currency,low,high,source\n940360,kg,USD,2,20,x\n9403,kg,USD,5,1,x\n", encoding="utf-8")
    with pytest.raises(ListFileError, match=r"prices.csv:3"):
        load_price_table(table)


# -- parties --------------------------------------------------------------------------------
def _trading_history(n: int = 150) -> History:
    return History.build(decl(f"H{i}", date=day(i)) for i in range(n))


def test_new_party_fires_for_unknown_exporter_of_listed_goods(run):
    d = decl(date=day(200), parties=[{"role": "consignor", "name": "Shell Trade LLP", "country": "KZ"},
                                     {"role": "consignee", "name": "Bishkek Mebel OsOO", "country": "KG"}],
             items=[{"hs_code": "8542319090", "description": "Микросхемы"}])
    hits = run("party.new", d, _trading_history())
    assert [h.evidence["party"] for h in hits] == ["Shell Trade LLP"] and hits[0].severity.value == "high"


def test_new_party_fires_on_bin_registered_after_invasion(run):
    d = decl(date="2023-05-01", parties=[{"role": "consignor", "name": "Nova Trade", "country": "KZ", "identifiers": {"bin": "221140012345"}}])
    assert run("party.new", d)[0].evidence["bin_registered"] == "2022-11-01"


def test_new_party_silent_for_known_traders_and_without_history(run):
    d = decl(date=day(200))
    assert run("party.new", d, _trading_history()) == []
    assert run("party.new", decl(date=day(200), parties=[{"role": "consignor", "name": "Unknown", "country": "KZ"}])) == []


def test_intermediary_consignee_fires(run):
    d = decl(parties=[{"role": "consignor", "name": "Astana Furniture LLP", "country": "KZ"},
                      {"role": "consignee", "name": "OOO \"Vostok Logistics\"", "country": "KG"}])
    assert run("party.intermediary_consignee", d)[0].evidence["matched"] == "logistic"


def test_intermediary_as_carrier_is_silent(run):
    d = decl(parties=[{"role": "consignor", "name": "Astana Furniture LLP", "country": "KZ"},
                      {"role": "carrier", "name": "Vostok Logistics", "country": "KZ"},
                      {"role": "consignee", "name": "Bishkek Mebel OsOO", "country": "KG"}])
    assert run("party.intermediary_consignee", d) == []


def test_third_country_payer_fires(run):
    hits = run("party.third_country_payer", decl(payment={"payer_country": "AE"}))
    assert hits and hits[0].evidence["payer_country"] == "AE"


def test_payer_on_route_is_silent(run):
    assert run("party.third_country_payer", decl(payment={"payer_country": "KG"})) == []


IMPORT = {"type": "import", "route": {"dispatch": "CN", "destination": "KZ"},
          "parties": [{"role": "consignor", "name": "Foshan Furniture Co", "country": "CN"},
                      {"role": "consignee", "name": "Almaty Mebel LLP", "country": "KZ"}]}


def _imports(n: int) -> History:
    return History.build(decl(f"M{i}", date=day(i), **IMPORT) for i in range(n))


def test_outside_line_fires_for_new_chapter(run):
    d = decl(date=day(200), items=[{"hs_code": "8542319090", "description": "Микросхемы"}], **IMPORT)
    hits = run("party.outside_line", d, _imports(10))
    assert hits and hits[0].evidence["usual_chapters"] == ["94"] and hits[0].severity.value == "high"


def test_outside_line_silent_in_usual_chapter_or_short_record(run):
    assert run("party.outside_line", decl(date=day(200), **IMPORT), _imports(10)) == []
    d = decl(date=day(200), items=[{"hs_code": "8542319090", "description": "Микросхемы"}], **IMPORT)
    assert run("party.outside_line", d, _imports(3)) == []


# -- chains --------------------------------------------------------------------------------
def test_amended_destination_fires(run):
    h = History.build([decl("A1", route={"dispatch": "KZ", "destination": "KG"})])
    hits = run("chain.amended_route", decl("A1", route={"dispatch": "KZ", "destination": "RU"}), h)
    assert hits and hits[0].severity.value == "high" and "KG → RU" in hits[0].evidence["changes"][0]


def test_unchanged_resubmission_is_silent(run):
    h = History.build([decl("A1")])
    assert run("chain.amended_route", decl("A1", items=[{"hs_code": "9403609001", "description": "Столы", "value": 2100, "currency": "USD"}]), h) == []


IMPORTER = {"role": "consignee", "name": "Steppe Components LLP", "country": "KZ", "address": "Dostyk 5, office 12, Almaty"}
SISTER = {"role": "consignor", "name": "Steppe Export LLP", "country": "KZ", "address": "Dostyk 5, office 12, Almaty"}


def _import_history(date: str) -> History:
    return History.build([decl("IMP1", type="import", date=date, route={"dispatch": "DE", "destination": "KZ"},
                               parties=[{"role": "consignor", "name": "Chip GmbH", "country": "DE"}, IMPORTER],
                               items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 50}])])


def test_reexport_by_related_party_fires(run):
    out = decl("EXP1", date="2025-03-01", route={"dispatch": "KZ", "destination": "RU"},
               parties=[SISTER, {"role": "consignee", "name": "OOO Nova", "country": "RU"}],
               items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 40}])
    hits = run("chain.reexport", out, _import_history("2025-01-15"))
    assert hits and hits[0].evidence["imports"][0]["declaration"] == "IMP1" and hits[0].evidence["related_parties"]


def test_reexport_silent_outside_window_or_to_unrestricted(run):
    out = decl("EXP1", date="2025-12-01", route={"dispatch": "KZ", "destination": "RU"},
               parties=[SISTER, {"role": "consignee", "name": "OOO Nova", "country": "RU"}],
               items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 40}])
    assert run("chain.reexport", out, _import_history("2025-01-15")) == []
    to_kg = decl("EXP2", date="2025-03-01", route={"dispatch": "KZ", "destination": "KG"}, parties=[SISTER],
                 items=[{"hs_code": "8542319090", "description": "Микросхемы", "net_mass_kg": 40}])
    assert run("chain.reexport", to_kg, _import_history("2025-01-15")) == []


def _small(i: int, value: float) -> object:
    return decl(f"S{i}", date=day(i * 3), items=[{"hs_code": "9403609001", "description": "Столы", "value": value, "currency": "USD"}])


def test_structuring_fires(run):
    h = History.build(_small(i, 4000) for i in range(3))
    hits = run("chain.structuring", _small(3, 4000), h)
    assert hits and hits[0].evidence["total"] == 16000


def test_structuring_silent_when_total_stays_below(run):
    h = History.build(_small(i, 2000) for i in range(3))
    assert run("chain.structuring", _small(3, 2000), h) == []


def test_lexicon_ignores_abbreviated_disclaimers_and_toy_weapons(run):
    # Both from the real declaration texts in tnved_labelled, where they were false alarms before.
    server = "БЛОКИ ОБРАБОТКИ ДАННЫХ, /НЕ ПРИНАДЛ. К ПРОДУКЦИИ ВОЕННОГО НАЗНАЧ./ СЕРВЕР DELL POWEREDGE R620"
    toy = "ИГРУШКИ - ОРУЖИЕ, ДЛЯ ДЕТЕЙ СТАРШЕ ТРЁХ ЛЕТ, ИЗ ПЛАСТМАССЫ"
    assert run("description.lexicon", decl(items=[{"hs_code": "8471500000", "description": server}])) == []
    assert run("description.lexicon", decl(items=[{"hs_code": "9503007000", "description": toy}])) == []
    # ...but a drone declared as a toy is exactly the case the rule exists for.
    assert run("description.lexicon", decl(items=[{"hs_code": "9503007000", "description": "Игрушка квадрокоптер с камерой"}]))


def test_new_foreign_buyer_of_ordinary_goods_is_silent(run):
    d = decl(date=day(200), parties=[{"role": "consignor", "name": "Astana Furniture LLP", "country": "KZ", "address": "Abai 10, Astana"},
                                     {"role": "consignee", "name": "New Buyer OsOO", "country": "KG"}])
    assert run("party.new", d, _trading_history()) == []
