"""The virtual warehouse: balances per taxpayer and lot, traces through any number of ESF sales."""

from __future__ import annotations

import datetime as dt

from kordon.index.warehouse import WarehouseView, rows_table
from tests.eaeu.helpers import dt as make_dt
from tests.eaeu.helpers import esf, parse, snt, valid_bin

A, B, C = valid_bin("1501", 11), valid_bin("1601", 22), valid_bin("1701", 33)
DT1 = "50508/010123/0000001"


def view(*raw):
    return WarehouseView.from_documents([parse(r) for r in raw])


def test_balance_counts_dt_in_esf_out_and_earlier_snts():
    v = view(make_dt(DT1, "2023-01-01", A, [("8542319090", "DE", 1000)]),
             esf("E1", "2023-01-10", A, B, "8542319090", 300, DT1),
             snt("S1", "2023-01-20", A, "8542319090", 200, DT1),
             snt("S2", "2023-01-20", A, "8542319090", 100, DT1),
             esf("E2", "2023-02-01", A, C, "8542319090", 50, DT1))
    lot = v.lot(DT1, "1")
    assert v.balance(A, lot, dt.date(2023, 1, 5)) == (1000.0, 0.0, 1000.0)
    # before S1 on its day: the ESF of the 10th is out, S1 itself is not
    assert v.balance(A, lot, dt.date(2023, 1, 20), before_snt="S1") == (1000.0, 300.0, 700.0)
    # S2 of the same day comes after S1 (registration number order)
    assert v.balance(A, lot, dt.date(2023, 1, 20), before_snt="S2") == (1000.0, 500.0, 500.0)
    assert v.balance(B, lot, dt.date(2023, 1, 20)) == (300.0, 0.0, 300.0)
    assert v.totals(v.party(A), lot) == (1000.0, 650.0)
    assert v.balance("999999999999", lot, dt.date(2023, 1, 20)) == (0.0, 0.0, 0.0)


def test_units_are_compared_in_one_base_unit():
    v = view(make_dt(DT1, "2023-01-01", A, [("7202419000", "ZA", 2)], unit="t"),
             esf("E1", "2023-01-10", A, B, "7202419000", 1500, DT1, unit="kg"))
    lot = v.lot(DT1, 1)
    assert v.dt_item(DT1, "01").quantity == 2000.0 and v.dt_item(DT1, 1).unit == "kg"
    assert v.balance(A, lot, dt.date(2023, 2, 1))[2] == 500.0


def test_origin_follows_the_goods_through_a_chain_twelve_sales_deep():
    firms = [valid_bin("1801", 100 + i) for i in range(13)]
    docs = [make_dt(DT1, "2023-01-01", firms[0], [("8482109008", "JP", 1000)])]
    for i in range(12):
        docs.append(esf(f"E{i}", f"2023-02-{i + 1:02d}", firms[i], firms[i + 1], "8482109008", 1000 - i, DT1))
    v = view(*docs)
    steps, cut = v.trace_lot(firms[12], v.lot(DT1, 1), dt.date(2023, 3, 1))
    assert not cut
    imports = [(s.document, s.origin, len(path)) for top in steps for s, path in top.imports()]
    assert imports == [(DT1, "JP", 13)]  # 12 ESF sales and the DT


def test_trace_by_product_when_no_dt_is_named_and_loops_end():
    # A sells to B naming the DT; B sells to C without it; C sells back to B (a loop): the trace ends.
    v = view(make_dt(DT1, "2023-01-01", A, [("8482109008", "JP", 100)]),
             esf("E1", "2023-01-05", A, B, "8482109008", 100, DT1),
             esf("E2", "2023-01-06", B, C, "8482109008", 100, sign="3"),
             esf("E3", "2023-01-07", C, B, "8482109008", 10, sign="3"))
    steps, _ = v.trace_product(C, "8482109008", dt.date(2023, 2, 1))
    found = [(s.document, s.origin) for top in steps for s, _ in top.imports()]
    assert found == [(DT1, "JP")]


def test_view_from_parquet_is_the_same_view(tmp_path):
    import pyarrow.parquet as pq

    from kordon.index.warehouse import rows_of

    docs = [parse(make_dt(DT1, "2023-01-01", A, [("8542319090", "DE", 10)])), parse(esf("E1", "2023-01-10", A, B, "8542319090", 4, DT1))]
    rows = [r for d in docs for r in rows_of(d)]
    pq.write_table(rows_table(rows[:1]), tmp_path / "dt.parquet")
    pq.write_table(rows_table(rows[1:]), tmp_path / "esf.parquet")
    v = WarehouseView.from_parquet(str(tmp_path / "dt.parquet"), str(tmp_path / "esf.parquet"))
    assert v.balance(A, v.lot(DT1, 1), dt.date(2023, 2, 1)) == (10.0, 4.0, 6.0)


def test_view_built_a_column_at_a_time_from_parquet_equals_the_view_of_the_table(tmp_path):
    """from_parquet reads each column when a build step needs it, and lot keys are encoded a slice at a time:
    every array, dictionary and look-up must equal the view built from the whole table."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kordon.index.warehouse import _encode, _encode_sliced, rows_of
    from kordon.ingest.documents import read_all

    root = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "eaeu"
    docs = [r.document for _, r in read_all([root]) if r.document is not None]
    # A DT item given twice (two rows of one lot, each with its own consignor) and a DT from another consignor.
    dup = parse(make_dt(DT1, "2023-01-01", A, [("8542319090", "DE", 10), ("8542319090", "DE", 5)]))
    dup.items[1].number = 1
    dup.consignor.name = "Other GmbH"
    rows = [r for d in [*docs, dup] for r in rows_of(d)]
    table = rows_table(rows)
    for i in range(0, len(rows), 7):  # several row groups
        pq.write_table(table.slice(i, 7), tmp_path / f"part-{i:03d}.parquet")
    a = WarehouseView(table)
    b = WarehouseView.from_parquet(*sorted(str(p) for p in tmp_path.glob("*.parquet")))
    for name in ("kind", "date", "qty", "row_no", "seller", "buyer", "inbound", "lot_of", "code6", "code_of", "unit_of",
                 "origin", "doc", "dt_row", "first_seen"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.lots.equals(b.lots) and a.docs.equals(b.docs)
    assert (a.tins, a.names, a.codes, a.units, a.origins, a.dt_numbers) == (b.tins, b.names, b.codes, b.units, b.origins, b.dt_numbers)
    consignors = [b.consignor(r) for r in range(b.rows)]
    assert consignors == [a.consignor(r) for r in range(a.rows)]
    dup_rows = [r for r in range(b.rows) if b.document(r) == DT1]
    assert [consignors[r] for r in dup_rows] == ["Other GmbH", "Other GmbH"]
    assert all(consignors[r] is None for r in range(b.rows) if b.kind[r] != 0 and not b.inbound[r])
    assert {consignors[r] for r in range(b.rows) if b.kind[r] == 0} >= {"Other GmbH"} and None not in {consignors[r] for r in range(b.rows) if b.kind[r] == 0}
    # Slices of 3 give the ids and dictionary of encoding the whole column.
    col = pa.chunked_array([pa.array(["x", None, "y", "x", "z", "y", "w"])])
    ids, dictionary = _encode_sliced(lambda lo, hi: col.slice(lo, hi - lo), len(col), step=3)
    whole_ids, whole = _encode(col, as_list=False)
    assert np.array_equal(ids, whole_ids) and dictionary.equals(whole)
