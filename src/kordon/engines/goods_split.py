"""SNT verification and tracing on Spark without the whole warehouse on any executor: the warehouse split by goods.

Every question the SNT checks ask of the warehouse (`kordon.screen.documents`) is about one taxpayer's stock of
one *lot* (a DT item) or one *product* (HS subheading: the first six digits of the TN VED code), followed back
through sellers' purchases of the same lot or product. So the rows split into goods groups that never meet:

- every row is in the group of its own subheading;
- a lot whose rows carry more than one subheading (an ESF row naming a DT item of other goods) joins them;
- an SNT joins the subheadings of its rows and those of the rows it names (DT item or ESF row, and the lot
  named by document and item), so each SNT is verified inside one group.

The groups are the connected components of that graph over subheadings (a few thousand nodes: the driver
joins them); they are packed into as many bins as the job has partitions, and each bin's rows and SNTs meet in
one cogrouped task, which builds its view with the one builder (`WarehouseView`) and runs the one per-SNT
function (`kordon.eaeu.verify_row`, or `trace_row` for a trace).

What crosses goods, and how it is kept exact:
- a document named by an SNT row ("does DT X exist", "the rows of ESF Y") may hold other goods: all rows of
  every document an SNT names are copied into its bin (they answer only questions about their own goods,
  which no SNT of the bin asks otherwise);
- `chain.one_day_firm` reads a taxpayer's first day in *any* document, and the first day the records cover;
  names of taxpayers come from their first document of any goods. These three are computed over the whole
  warehouse (a group-by per taxpayer) and set on each bin's view in place of the bin's own.
The Spark tests check that verdicts and traces are the same as on the whole view.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from kordon.engines.spark import SparkEngine

SEP = "\x1f"
NO_CODE = ""
OUT = "seq long, verdict string, error string, _pos long"


def check_rows(types: dict[str, str], where: str) -> None:
    from kordon.index.warehouse import ROW_COLUMNS

    for col in ROW_COLUMNS:
        if col not in types:
            raise ValueError(f"{where}: no column {col!r} (a warehouse row table has {', '.join(ROW_COLUMNS)})")


def snt_keys(document: str | None) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The subheadings of an SNT's rows and the (document, item) each row names; nothing for an SNT that cannot be read
    (its row is reported by `verify_row` wherever it lands)."""
    from kordon.index.warehouse import item_ref
    from kordon.models.documents import SNT

    try:
        snt = SNT.model_validate_json(document or "")
    except ValueError:
        return [], []
    codes, refs = [], []
    for _, p in snt.rows():
        codes.append((p.codeTNVED or "")[:6])
        if p.manufactureOrImportDocNumber:
            refs.append((p.manufactureOrImportDocNumber.strip(), item_ref(p.productNumberInImportDoc)))
    return codes, refs


def patched_view(rows: "pa.Table", earliest: int) -> Any:
    """The bin's view from the one builder, with the three whole-warehouse facts per taxpayer set in."""
    import numpy as np

    from kordon.index.warehouse import ROW_COLUMNS, WarehouseView, row_schema

    rows = rows.sort_by("_pos")
    view = WarehouseView(rows.select(list(ROW_COLUMNS)).cast(row_schema()))
    names: dict[str, str | None] = {}
    first: dict[str, int] = {}
    for side in ("seller", "buyer"):
        for tin, name, day in zip(rows[f"{side}_tin"].to_pylist(), rows[f"{side}_gname"].to_pylist(), rows[f"{side}_first"].to_pylist()):
            if tin is not None:
                names[tin], first[tin] = name, day
    view.names = [names.get(t) for t in view.tins]
    view.first_seen = np.array([first.get(t, np.iinfo(np.int32).max) for t in view.tins], dtype=np.int32)
    view.earliest = earliest
    return view


def trace_row(view: Any, ctx: Any, row: Any) -> tuple[dict[str, Any] | None, str | None]:
    """An SNT row traced (`kordon.eaeu.trace_snt`), or why it cannot be: what both engines run for `documents trace`."""
    from kordon.eaeu import trace_snt
    from kordon.models.documents import SNT

    try:
        snt = SNT.model_validate_json(row.document or "")
    except ValueError as exc:
        return None, f"{row.where}: field 'document': {str(exc).splitlines()[0]}"
    return trace_snt(snt, view, ctx, row.version), None


def _bin_task(key: str, bc: Any, loads: Any, earliest: int, mode: str, rows: "pa.Table", snts: "pa.Table") -> "pa.Table":
    import pyarrow as pa

    from kordon.engines.spark import _shipped
    from kordon.record.documents_export import rows_from_arrow

    empty = pa.table({"seq": pa.array([], pa.int64()), "verdict": pa.array([], pa.string()), "error": pa.array([], pa.string()),
                      "_pos": pa.array([], pa.int64())})
    if snts.num_rows == 0:
        return empty
    ctx = _shipped(key, bc, loads)
    view = patched_view(rows, earliest)
    snts = snts.sort_by("_pos")
    seq, verdict, error = [], [], []
    for r in (r for batch in snts.to_batches() for r in rows_from_arrow(batch)):
        if mode == "trace":
            found, err = trace_row(view, ctx, r)
            seq.append(r.seq)
            verdict.append(json.dumps(found, ensure_ascii=False) if found is not None else None)
            error.append(err)
        else:
            from kordon.eaeu import verify_row

            o = verify_row(view, ctx, r)
            seq.append(o.seq)
            verdict.append(o.verdict.model_dump_json() if o.verdict else None)
            error.append(o.error)
    return pa.table({"seq": pa.array(seq, pa.int64()), "verdict": pa.array(verdict, pa.string()),
                     "error": pa.array(error, pa.string()), "_pos": snts["_pos"]})


class _Joined:
    """Union-find over subheadings."""

    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, a: str) -> str:
        up = self.up
        up.setdefault(a, a)
        while up[a] != a:
            up[a] = up[up[a]]
            a = up[a]
        return a

    def join(self, items: list[str]) -> None:
        if not items:
            return
        root = self.find(items[0])
        for b in items[1:]:
            other = self.find(b)
            if other != root:
                self.up[other] = root


def run(engine: "SparkEngine", folder: str | Path, ctx: Any, mode: str = "verify", number: str | None = None,
        from_store: bool = False) -> Iterator[dict[str, Any]]:
    """Verify (or, with a number, trace) the SNTs of a documents export on Spark, bin by bin; rows in SNT order.
    `from_store`: the export was staged from the store, so messages name the SNT as the local engine does."""
    from functools import partial

    from pyspark.sql import functions as F

    from kordon.index.warehouse import ROW_COLUMNS
    from kordon.record import documents_export

    spark = engine.spark
    base = str(folder).rstrip("/")
    rows = engine._parquet_positions(f"{base}/rows", ROW_COLUMNS, check_rows).drop("where")
    rows = rows.select(*[F.col(c) for c in ROW_COLUMNS], "_pos").select(
        "*",
        F.coalesce(F.substring("code", 1, 6), F.lit(NO_CODE)).alias("code6"),
        F.when((F.col("kind") == "dt") | (F.col("section") == "inbound"), F.concat_ws(SEP, "number", F.col("row_no").cast("string")))
         .otherwise(F.concat(F.col("ref_doc"), F.lit(SEP), F.coalesce(F.col("ref_item"), F.lit("")))).alias("lot"),
        F.coalesce(F.datediff(F.col("date").cast("date"), F.lit("1970-01-01").cast("date")), F.lit(0)).alias("_day"))
    rows = rows.persist()
    snts = engine._parquet_positions(f"{base}/snts", documents_export.COLUMNS, documents_export.check_columns)
    if from_store:
        snts = snts.withColumn("where", F.concat(F.lit("store: SNT "), F.col("number"), F.lit(" version "), F.col("version").cast("string")))
    if number is not None:
        snts = snts.where(F.col("number") == number)
    keys = _keys(snts).persist()
    try:
        # Graph of subheadings: lots carrying several, and what each SNT touches.
        joined = _Joined()
        for r in rows.where(F.col("lot").isNotNull()).groupBy("lot").agg(F.array_sort(F.collect_set("code6")).alias("c")) \
                .where(F.size("c") > 1).select("c").distinct().collect():
            joined.join(list(r["c"]))
        refs = keys.select("_pos", F.explode("refs").alias("ref")).select("_pos", F.col("ref.doc").alias("doc"), F.col("ref.item").alias("item"))
        by_row = refs.join(rows.select("number", F.col("row_no").cast("string").alias("item"), "code6").withColumnRenamed("number", "doc"),
                           ["doc", "item"])
        by_lot = refs.select("_pos", F.concat(F.col("doc"), F.lit(SEP), F.coalesce(F.col("item"), F.lit(""))).alias("lot")) \
            .join(rows.select("lot", "code6"), "lot")
        touched = keys.select("_pos", F.explode("codes").alias("code6")).unionByName(by_row.select("_pos", "code6")) \
            .unionByName(by_lot.select("_pos", "code6"))
        for r in touched.groupBy("_pos").agg(F.array_sort(F.collect_set("code6")).alias("c")).select("c").distinct().collect():
            joined.join(list(r["c"]))
        sizes = {r["code6"]: r["count"] for r in rows.groupBy("code6").count().collect()}
        for c in sizes:
            joined.find(c)
        # Components packed into bins, largest first into the emptiest.
        comp: dict[str, int] = {}
        for c, n in sizes.items():
            root = joined.find(c)
            comp[root] = comp.get(root, 0) + n
        n_bins = engine._n_partitions()
        load = [0] * n_bins
        bin_of_root: dict[str, int] = {}
        for root, n in sorted(comp.items(), key=lambda kv: (-kv[1], kv[0])):
            chosen = min(range(n_bins), key=lambda i: (load[i], i))
            bin_of_root[root] = chosen
            load[chosen] += n
        # What the split came to, for the benchmark and the tests: the largest bin is what one task holds.
        engine.split = {"groups": len(comp), "bins": sum(1 for x in load if x), "rows": sum(sizes.values()), "largest_bin_rows": max(load)}
        bins = spark.createDataFrame([(c, bin_of_root[joined.find(c)]) for c in joined.up], "code6 string, _bin int")
        rows_b = rows.join(F.broadcast(bins), "code6", "left").fillna(0, ["_bin"])
        first_code = keys.select("_pos", F.try_element_at("codes", F.lit(1)).alias("code6")).join(F.broadcast(bins), "code6", "left")
        snts_b = snts.join(first_code.select("_pos", "_bin"), "_pos", "left").fillna(0, ["_bin"])
        # Every row of each document an SNT names, in that SNT's bin (unless it is there already).
        named = refs.join(snts_b.select("_pos", "_bin"), "_pos").select(F.col("doc").alias("number"), F.col("_bin").alias("_to")).distinct()
        copies = rows_b.join(named, "number").where(F.col("_bin") != F.col("_to")).drop("_bin").withColumnRenamed("_to", "_bin")
        all_rows = rows_b.unionByName(copies)
        # The whole warehouse's facts per taxpayer: first day in any document, name from the first document.
        day_min = rows.agg(F.min("_day")).collect()[0][0]
        earliest = int(day_min) if day_min is not None else 0
        b = rows.where(F.col("buyer_tin").isNotNull()).groupBy(F.col("buyer_tin").alias("tin")).agg(
            F.min_by(F.struct("buyer_name"), "_pos").alias("bn"), F.min("_day").alias("bd"))
        s = rows.where(F.col("seller_tin").isNotNull()).groupBy(F.col("seller_tin").alias("tin")).agg(
            F.min_by(F.struct("seller_name"), "_pos").alias("sn"), F.min("_day").alias("sd"))
        tins = b.join(s, "tin", "full").select("tin", F.coalesce("bn.buyer_name", "sn.seller_name").alias("gname"),
                                               F.least("bd", "sd").alias("first"))
        for side in ("seller", "buyer"):
            t = tins.select(F.col("tin").alias(f"{side}_tin"), F.col("gname").alias(f"{side}_gname"), F.col("first").alias(f"{side}_first"))
            all_rows = all_rows.join(t, f"{side}_tin", "left")
        key, bc = engine._ship(ctx)
        fn = partial(_bin_task, key, bc, engine.loads, earliest, mode)
        out = all_rows.groupBy("_bin").cogroup(snts_b.groupBy("_bin")).applyInArrow(fn, OUT)
        yield from engine._sorted(out, "_pos")
    finally:
        keys.unpersist()
        rows.unpersist()


def _keys(snts: "DataFrame") -> "DataFrame":
    """Per SNT row: the subheadings it carries and the (document, item) pairs it names, read by `snt_keys`."""
    schema = "_pos long, codes array<string>, refs array<struct<doc:string, item:string>>"
    return snts.select("_pos", "document").mapInArrow(_keys_batches, schema)


def _keys_batches(batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
    import pyarrow as pa

    t = pa.struct([("doc", pa.string()), ("item", pa.string())])
    for batch in batches:
        codes, refs = [], []
        for d in batch.column("document").to_pylist():
            c, r = snt_keys(d)
            codes.append(c)
            refs.append([{"doc": a, "item": b} for a, b in r])
        yield pa.RecordBatch.from_arrays([batch.column("_pos"), pa.array(codes, pa.list_(pa.string())), pa.array(refs, pa.list_(t))],
                                         names=["_pos", "codes", "refs"])
