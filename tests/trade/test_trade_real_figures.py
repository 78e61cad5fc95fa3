"""Figures recomputed from the real files and compared with what the
publishers state. Each figure passes through the reader, the store, the
country unification and the analysis function; none is typed in as a result."""
from __future__ import annotations

import csv
import gzip

import pytest

from kordon.monitor.change import change
from kordon.monitor.mirror import mirror
from trade_testdata import BNS, EUROSTAT, annual_ecb

# Eurostat (as published in the source's notes), EUR bn, 2021 / 2022 / 2023.
EU27_EXPORTS = {
    "RU": (89.17, 55.01, 38.18),
    "KZ": (5.49, 10.35, 12.11),
    "KG": (0.26, 1.17, 2.73),
    "AM": (0.76, 1.89, 2.16),
}


@pytest.mark.parametrize("partner", sorted(EU27_EXPORTS))
def test_eu27_exports_by_year_match_eurostat(real_db, partner):
    for year, published in zip((2021, 2022, 2023), EU27_EXPORTS[partner]):
        r = change(real_db, reporter="EU27", partner=partner, period=str(year), base=str(year - 1))
        value = r.tables["summary"].value_period[0] / 1e9
        assert r.params["currency"] == "EUR"
        assert round(value, 2) == published, (partner, year, value)


def test_eu27_to_kyrgyzstan_roughly_tenfold(real_db):
    r = change(real_db, reporter="European Union - 27 countries", partner="Kyrgyzstan", period="2023", base="2021")
    s = r.tables["summary"].iloc[0]
    # 0.26 -> 2.73 bn EUR: "grew tenfold" is 10.4x in the file.
    assert 10.0 < s.value_period / s.value_base < 10.8


def test_kazakhstan_exports_to_russia_match_bns(real_db):
    published = {2021: 7.02, 2022: 9.09, 2023: 10.21}
    for year, bn in published.items():
        r = change(real_db, reporter="KZ", partner="Россия", period=str(year), base=str(year - 1))
        assert round(r.tables["summary"].value_period[0] / 1e9, 2) == bn
    r = change(real_db, reporter="KZ", partner="RU", period="2023", base="2022")
    s = r.tables["summary"].iloc[0]
    assert s.currency == "USD"
    # From the published rounded figures: (10.21 - 9.09) / 9.09 = 12.3 %.
    assert s.change_pct == pytest.approx((10.21 - 9.09) / 9.09 * 100, abs=0.1)
    assert s.change / 1e9 == pytest.approx(10.21 - 9.09, abs=0.01)


def _raw_bns_imports_from_eu() -> dict[int, float]:
    with open(BNS, encoding="utf-8") as fh:
        return {int(r["year"]): float(r["import_kusd"]) * 1000 for r in csv.DictReader(fh) if r["country_ru"] == "Страны ЕС"}


def _raw_eurostat_eu_exports_kz() -> dict[int, float]:
    out: dict[int, float] = {}
    with gzip.open(EUROSTAT, "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["reporter"].startswith("European Union (") and r["partner_iso2"] == "KZ" and r["flow"] == "EXPORT":
                y = int(r["period"][:4])
                out[y] = out.get(y, 0.0) + float(r["value_eur"])
    return out


def test_mirror_eu_exports_vs_kazakhstan_imports(real_db):
    r = mirror(real_db, a="EU", b="KZ", currency="EUR", years="2021:2023", source_a="eurostat")
    m = r.tables["mirror"].set_index("year")
    rates = annual_ecb("USD")
    bns, es = _raw_bns_imports_from_eu(), _raw_eurostat_eu_exports_kz()
    for year, published in zip((2021, 2022, 2023), EU27_EXPORTS["KZ"]):
        assert round(m.a_exports[year] / 1e9, 2) == published
        assert m.a_exports[year] == pytest.approx(es[year])
        # BNS reports USD; the mirror converts with the ECB annual average.
        assert m.b_imports[year] == pytest.approx(bns[year] / rates[str(year)], rel=1e-9)
        assert m.gap[year] == pytest.approx(es[year] - bns[year] / rates[str(year)], rel=1e-9)
    assert m.complete.all()
    assert any("converted USD to EUR" in n for n in r.notes)
    # A CIF/FOB factor shrinks the import side and so widens a positive gap.
    adj = mirror(real_db, a="EU", b="KZ", currency="EUR", years="2021:2023", source_a="eurostat", cif_fob=1.05)
    a = adj.tables["mirror"].set_index("year")
    assert (a.b_imports_fob == m.b_imports / 1.05).all()
    assert (a.gap > m.gap).all()


def test_armenia_car_exports_to_russia_match_comtrade(real_db):
    published_musd = {2021: 3.5, 2022: 236.8, 2023: 354.0}
    for level in (4, 6):  # the HS4 total and the sum of its HS6 lines agree here
        for year, musd in published_musd.items():
            r = change(real_db, reporter="AM", partner="RU", group="hs:8703", period=str(year),
                       base=str(year - 1), level=level)
            assert round(r.tables["summary"].value_period[0] / 1e6, 1) == musd
    r = change(real_db, reporter="AM", partner="RU", group="hs:8703", period="2023", base="2022")
    top = r.tables["top_codes"]
    assert top.hs_code.str.len().eq(6).all()
    assert top.change.abs().is_monotonic_decreasing
    # Quantity is in one unit (pieces), so it is summed.
    assert r.tables["summary"].qty_unit[0] == "u"
    assert r.tables["summary"].qty_period[0] > r.tables["summary"].qty_base[0] > 0
