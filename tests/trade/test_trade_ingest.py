from __future__ import annotations

import csv
import gzip

import pytest

from kordon.ingest.trade import ingest_declarations, ingest_file, read_bns, read_comtrade, read_eurostat
from trade_testdata import BNS, COMTRADE_AM, EUROSTAT


def test_real_files_load_completely():
    recs, rep = read_eurostat(EUROSTAT)
    assert (rep.read, rep.accepted, rep.rejected) == (14063, 14063, 0)
    assert {r.currency for r in recs} == {"EUR"}
    assert {r.reporter for r in recs} >= {"EU27", "EU", "DE", "FR", "BE", "GB"}
    assert {r.partner for r in recs} == {"RU", "KZ", "KG", "AM", "UZ", "GE"}

    recs, rep = read_bns(BNS)
    assert (rep.read, rep.rejected) == (1229, 0)
    assert {r.reporter for r in recs} == {"KZ"}
    assert {"RU", "WORLD", "EU", "CIS", "EAEU"} <= {r.partner for r in recs}
    # thousand USD in the file, USD in the store
    ru23 = [r for r in recs if r.partner == "RU" and r.year == 2023 and r.flow == "export"]
    assert len(ru23) == 1 and ru23[0].value == pytest.approx(10207415.70534 * 1000)

    recs, rep = read_comtrade(COMTRADE_AM)
    assert (rep.read, rep.rejected) == (10405, 0)
    assert {r.hs_edition for r in recs if r.year == 2021} == {"HS2017"}
    assert {r.hs_edition for r in recs if r.year == 2022} == {"HS2022"}
    assert {r.valuation for r in recs if r.flow == "import"} == {"CIF"}


def test_bad_rows_are_reported_and_the_rest_loaded(tmp_path, db):
    bad = tmp_path / "bns_bad.csv"
    with open(BNS, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[:40]
    rows[5][1] = "Атлантида"  # file line 6: unknown country
    rows[10][3] = "12x"  # file line 11: export_kusd not a number
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    rep = ingest_file(db, "bns", bad)
    assert (rep.read, rep.accepted, rep.rejected) == (39, 37, 2)
    msgs = [str(p) for p in rep.problems]
    assert msgs[0].startswith("bns_bad.csv:6: country_ru: unknown country name")
    assert "bns_bad.csv:11: export_kusd: not a number (got '12x')" == msgs[1]
    stored = db.execute("SELECT file, line, field FROM rejects ORDER BY line").fetchall()
    assert stored == [("bns_bad.csv", 6, "country_ru"), ("bns_bad.csv", 11, "export_kusd")]
    src = db.execute("SELECT rows_read, rows_accepted, rows_rejected FROM sources").fetchone()
    assert src == (39, 37, 2)
    assert db.execute("SELECT count(DISTINCT line) FROM trade").fetchone()[0] == 37


def test_same_file_twice_is_not_double_counted(db):
    ingest_file(db, "bns", BNS)
    n = db.execute("SELECT count(*) FROM trade").fetchone()[0]
    rep = ingest_file(db, "bns", BNS)
    assert rep.skipped == -1
    assert db.execute("SELECT count(*) FROM trade").fetchone()[0] == n
    ingest_file(db, "bns", BNS, replace=True)
    assert db.execute("SELECT count(*) FROM trade").fetchone()[0] == n
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_wrong_kind_of_file_is_refused_with_the_file_name(db):
    with pytest.raises(ValueError, match="kazakhstan_bns.*missing column"):
        ingest_file(db, "eurostat", BNS)


API_HEADER = ("refYear,refMonth,period,reporterCode,reporterISO,flowCode,partnerCode,partnerISO,partner2Code,"
              "classificationCode,cmdCode,motCode,customsCode,qtyUnitAbbr,qty,netWgt,cifvalue,fobvalue,primaryValue")


def test_comtrade_api_columns_keep_totals_and_drop_breakdowns(tmp_path):
    rows = [
        "2023,5,202305,398,KAZ,X,643,RUS,0,H6,854231,0,C00,u,10,1.5,,1000,1000",   # total
        "2023,5,202305,398,KAZ,X,643,RUS,0,H6,854231,3200,C00,u,4,0.5,,400,400",   # road only
        "2023,5,202305,398,KAZ,X,643,RUS,0,H6,854231,3100,C00,u,6,1.0,,600,600",   # rail only
        "2023,5,202305,398,KAZ,M,842,USA,0,H6,854231,0,C00,u,1,0.1,110,,110",      # Comtrade's 842
        "2023,13,202313,398,KAZ,X,643,RUS,0,H6,854231,0,C00,u,1,0.1,,5,5",         # bad month
        "2023,5,202305,398,KAZ,X,643,RUS,0,H6,85423,0,C00,u,1,0.1,,5,5",           # bad code
    ]
    f = tmp_path / "api.csv.gz"
    with gzip.open(f, "wt", encoding="utf-8") as fh:
        fh.write(API_HEADER + "\n" + "\n".join(rows) + "\n")
    recs, rep = read_comtrade(f)
    assert rep.skipped == 2 and rep.accepted == 2 and rep.rejected == 2
    assert [(p.line, p.field) for p in rep.problems] == [(6, "period"), (7, "hs_code")]
    exp, imp = recs
    assert (exp.reporter, exp.partner, exp.value, exp.hs_edition, exp.valuation) == ("KZ", "RU", 1000.0, "HS2022", "FOB")
    assert (imp.partner, imp.valuation, imp.month) == ("US", "CIF", 5)


def test_declarations_are_summed_by_code_partner_month(db):
    items = [
        {"date": "2023-03-02", "type": "export", "reporter": "KZ", "partner": "RU", "hs_code": "8542310001",
         "value": 100, "currency": "USD", "net_mass_kg": 1},
        {"date": "2023-03-20", "type": "export", "reporter": "KZ", "partner": "RU", "hs_code": "8542319000",
         "value": 50.5, "currency": "USD", "net_mass_kg": 2},
        {"date": "2023-04-01", "type": "re-export", "reporter": "KZ", "partner": "RU", "hs_code": "854231",
         "value": 7, "currency": "USD"},
        {"date": "2023-04-01", "type": "export", "reporter": "KZ", "partner": "XX", "hs_code": "854231",
         "value": 7, "currency": "USD"},
        {"date": "2023-04", "type": "smuggle", "reporter": "KZ", "partner": "RU", "hs_code": "854231",
         "value": 7, "currency": "USD"},
        {"date": "2023-04-01", "type": "export", "reporter": "KZ", "partner": "RU", "hs_code": "854231",
         "value": -3, "currency": "USD"},
    ]
    rep = ingest_declarations(db, items, name="screened-2023")
    assert (rep.read, rep.accepted, rep.rejected, rep.records) == (6, 3, 3, 2)
    assert [(p.line, p.field) for p in rep.problems] == [(4, "partner"), (5, "flow"), (6, "value")]
    rows = db.execute("SELECT flow, month, hs_code, value, net_mass_kg FROM trade ORDER BY month").fetchall()
    assert rows == [("export", 3, "854231", 150.5, 3.0), ("re-export", 4, "854231", 7.0, None)]


def test_cluster_orders_rows_and_keeps_every_figure(tmp_path):
    from kordon.ingest.trade import cluster, connect
    from kordon.monitor.change import change
    from kordon.monitor.mirror import mirror

    con = connect(tmp_path / "c.duckdb")
    for kind, f in (("bns", BNS), ("eurostat", EUROSTAT)):
        ingest_file(con, kind, f)

    def figures():
        ch = change(con, reporter="EU27", partner="KG", period="2023-01:2023-05", base="2022-01:2022-05")
        mi = mirror(con, a="EU", b="KZ", currency="USD", source_a="eurostat", years="2021:2023")
        # To 12 significant digits: DuckDB sums in parallel, and the order of a float sum moves its last bits
        # (…730125 against …730127 on a loaded machine); a lost or changed figure moves far more.
        return [[{k: float(f"{v:.12g}") if isinstance(v, float) else v for k, v in r.items()} for r in t.to_dict("records")]
                for t in (ch.tables["summary"], mi.tables["mirror"])]

    before = figures()
    first = con.execute("SELECT reporter FROM trade LIMIT 1").fetchone()[0]
    n = con.execute("SELECT count(*) FROM trade").fetchone()[0]
    assert first == "KZ"  # BNS was loaded first
    assert cluster(con) == n
    ordered = con.execute("SELECT reporter, flow, partner FROM trade").fetchall()
    assert ordered == sorted(ordered) and ordered[0][0] != "KZ"
    assert figures() == before
