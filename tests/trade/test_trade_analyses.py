"""Analyses on small hand-made tables whose answers follow from arithmetic."""
from __future__ import annotations

import math

import pytest

from kordon.ingest.trade import load_rates
from kordon.ingest.trade.records import TradeRecord
from kordon.ingest.trade.report import IngestReport
from kordon.ingest.trade.store import store
from kordon.monitor.anomalies import anomalies
from kordon.monitor.change import change
from kordon.monitor.diversion import diversion
from kordon.monitor.mirror import mirror
from kordon.monitor.selection import SelectionError


def rec(reporter, partner, flow, year, month, hs, value, currency="USD", edition=None, qty=None, unit=None):
    ed = edition or (None if hs == "TOTAL" else ("HS2022" if year >= 2022 else "HS2017"))
    return TradeRecord(reporter, partner, flow, year, month, hs, ed, float(value), currency, qty, unit,
                       None, None, 1)


def put(db, records, source="comtrade"):
    rep = IngestReport(source, f"{source}.csv")
    rep.read = rep.accepted = len(records)
    store(db, records, rep)


def test_change_totals_top_codes_and_quantity(db):
    put(db, [
        rec("KZ", "RU", "export", 2022, 1, "854231", 100, qty=10, unit="u"),
        rec("KZ", "RU", "export", 2022, 2, "851762", 50, qty=5, unit="u"),
        rec("KZ", "RU", "export", 2023, 1, "854231", 400, qty=30, unit="u"),
        rec("KZ", "RU", "export", 2023, 2, "851762", 40, qty=4, unit="u"),
        rec("KZ", "RU", "export", 2023, 6, "854231", 9999, qty=1, unit="u"),  # outside Jan-May
        rec("KZ", "RU", "export", 2023, 1, "870323", 777, qty=1, unit="u"),  # not CHPL
        rec("KZ", "CN", "export", 2023, 1, "854231", 5555, qty=1, unit="u"),  # other partner
    ])
    r = change(db, reporter="KZ", partner="RU", group="chpl", period="2023-01:2023-05", base="2022-01:2022-05")
    s = r.tables["summary"].iloc[0]
    assert (s.value_base, s.value_period, s.change) == (150, 440, 290)
    assert s.change_pct == pytest.approx(290 / 150 * 100)
    assert (s.qty_base, s.qty_period, s.qty_unit) == (15, 34, "u")
    top = r.tables["top_codes"]
    assert list(top.hs_code) == ["854231", "851762"]
    assert top.share_of_change_pct.tolist() == pytest.approx([300 / 290 * 100, -10 / 290 * 100])
    series = r.tables["series"]
    assert set(series["in"]) == {"base", "period"}
    assert "2023-06" not in set(series.period)


def test_group_defined_in_hs2022_matches_hs2017_rows(db):
    # 880730 (HS2022, CHPL tier 3B) was 880330 in HS2017.
    put(db, [rec("KZ", "RU", "export", 2021, 3, "880330", 10), rec("KZ", "RU", "export", 2022, 3, "880730", 30)])
    r = change(db, reporter="KZ", partner="RU", group="chpl:3B", period="2022", base="2021")
    assert r.tables["summary"].change[0] == 20


def test_mixed_currencies_need_a_target_and_a_rate(db, tmp_path):
    put(db, [rec("EU27", "KZ", "export", 2023, 1, "TOTAL", 100, currency="EUR")], source="eurostat")
    put(db, [rec("KZ", "EU27", "import", 2023, 1, "TOTAL", 100, currency="KZT")], source="bns")
    with pytest.raises(SelectionError, match="no exchange rate to EUR for KZT 2023-01"):
        mirror(db, a="EU27", b="KZ", currency="EUR")
    rates = tmp_path / "rates.csv"
    rates.write_text("currency_from,currency_to,period,rate\nEUR,KZT,2023-01,500\n")
    load_rates(db, rates)
    m = mirror(db, a="EU27", b="KZ", currency="EUR", by="month").tables["mirror"].iloc[0]
    assert (m.a_exports, m.b_imports, m.gap) == (100, 0.2, 99.8)
    # Cross rate through EUR: KZT -> USD uses EUR->USD (ECB, shipped) and EUR->KZT (loaded).
    rates.write_text("currency_from,currency_to,period,rate\nEUR,USD,2023-01,2\n")
    load_rates(db, rates)
    m = mirror(db, a="EU27", b="KZ", currency="USD", by="month").tables["mirror"].iloc[0]
    assert m.a_exports == pytest.approx(200) and m.b_imports == pytest.approx(0.4)
    bad = tmp_path / "bad.csv"
    bad.write_text("currency_from,currency_to,period,rate\nEUR,KZT,2023-01,-1\n")
    with pytest.raises(ValueError, match="bad.csv: unusable rate on line"):
        load_rates(db, bad)


def test_several_sources_must_be_chosen(db):
    put(db, [rec("KZ", "RU", "export", 2023, 1, "TOTAL", 1)], source="bns")
    put(db, [rec("KZ", "RU", "export", 2023, 1, "TOTAL", 2)], source="comtrade")
    with pytest.raises(SelectionError, match="several sources"):
        change(db, reporter="KZ", partner="RU", period="2023", base="2022")
    r = change(db, reporter="KZ", partner="RU", period="2023-01", base="2022-01", source="comtrade")
    assert r.tables["summary"].value_period[0] == 2


def test_annual_data_refuse_part_year_periods(db):
    put(db, [rec("KZ", "RU", "export", 2023, None, "TOTAL", 1), rec("KZ", "RU", "export", 2022, None, "TOTAL", 1)])
    with pytest.raises(SelectionError, match="annual"):
        change(db, reporter="KZ", partner="RU", period="2023-01:2023-05", base="2022-01:2022-05")


def test_mirror_flags_incomplete_years(db):
    put(db, [rec("A1", "B1", "export", 2023, m, "TOTAL", 10) for m in range(1, 13)] if False else
        [rec("KZ", "KG", "export", 2023, m, "TOTAL", 10) for m in range(1, 13)]
        + [rec("KG", "KZ", "import", 2023, m, "TOTAL", 11) for m in range(1, 9)])
    r = mirror(db, a="KZ", b="KG", cif_fob=1.1)
    m = r.tables["mirror"].iloc[0]
    assert (m.a_exports, m.b_imports, bool(m.complete)) == (120, 88, False)
    assert m.b_imports_fob == pytest.approx(80) and m.gap == pytest.approx(40)
    assert m.gap_pct_of_exports == pytest.approx(100 / 3)
    assert any("part of a year" in n for n in r.notes)


def _did_fixture(db):
    recs = []
    # Baseline 2021: every leg and group 10 per month. 2023: bloc->transit
    # sanctioned x3, other x1.5; transit->destination sanctioned x2, other x1.
    growth = {("EU27", "KZ", "854231"): 3.0, ("EU27", "KZ", "010130"): 1.5,
              ("KZ", "RU", "854231"): 2.0, ("KZ", "RU", "010130"): 1.0,
              ("EU27", "RU", "854231"): 0.1, ("EU27", "RU", "010130"): 0.8}
    for (r, p, hs), g in growth.items():
        for m in range(1, 13):
            recs.append(rec(r, p, "export", 2021, m, hs, 10, edition="HS2017"))
            recs.append(rec(r, p, "export", 2023, m, hs, 10 * g, edition="HS2017"))
    put(db, recs)


def test_diversion_index_and_difference_in_differences(db):
    _did_fixture(db)
    r = diversion(db, bloc="EU27", transit="KZ", destination="RU", treated="eu_sanctioned",
                  control="eu_not_sanctioned", baseline="2021")
    did = r.tables["did"].set_index("leg")
    assert did.did["bloc->transit"] == pytest.approx(math.log(3.0) - math.log(1.5))
    assert did.did_pct["bloc->transit"] == pytest.approx(100.0)
    assert did.did["transit->destination"] == pytest.approx(math.log(2.0))
    assert did.did["bloc->destination"] == pytest.approx(math.log(0.1 / 0.8))
    idx = r.tables["index"]
    row = idx[(idx.leg == "bloc->transit") & (idx.group == "eu_sanctioned") & (idx.year == 2023)]
    assert row["index"].iloc[0] == pytest.approx(300)


def test_diversion_notes_missing_transit_reporters(db):
    _did_fixture(db)
    r = diversion(db, bloc="EU27", transit="KZ,KG", destination="RU", groups=("chpl:1",), baseline="2021")
    assert any("no rows for reporter KG" in n for n in r.notes)


def test_anomalies_flag_a_planted_spike_only(db):
    flat = [100, 104, 98, 101, 99, 103, 97, 100, 102, 96, 101, 99, 100, 103, 98, 101]
    recs = [rec("KZ", "RU", "export", 2021 + i // 12, i % 12 + 1, "854231", v) for i, v in enumerate(flat)]
    recs.append(rec("KZ", "RU", "export", 2022, 5, "854231", 900))  # spike
    recs += [rec("KZ", "RU", "export", 2022, 6 + i, "854231", 100) for i in range(3)]
    recs += [rec("KZ", "RU", "export", 2021, m, "851762", 0.0) for m in range(1, 13)]
    recs.append(rec("KZ", "RU", "export", 2022, 1, "851762", 50))  # new lane
    put(db, recs)
    r = anomalies(db, reporter="KZ", partner="RU", group="chpl", window=12, threshold=3.5, min_value=10)
    flags = r.tables["flags"]
    got = {(c, y, m, f) for c, y, m, f in zip(flags.hs_code, flags.year, flags.month, flags.flag)}
    assert got == {("854231", 2022, 5, "spike"), ("851762", 2022, 1, "from zero")}
