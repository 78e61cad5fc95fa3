"""The Spark engine: kordon's per-record functions on Spark executors, through `mapInArrow`.

What the functions need (the party index, or the whole screening context with the rule pack and the
goods index) is pickled once on the driver and broadcast. On an executor it is unpickled at most
once per Python worker — `_shipped` keeps it in a module-level cache keyed by its content hash —
and never rebuilt per row or per partition. The rows are read by kordon's readers (`rows_from_arrow`
on each Arrow batch), screened by the same function as on the local engine, and come back to the
driver in input order, where the CLI prints them and the service records changed decisions.

Needs the ``spark`` extra (pyspark) and Java. Under `spark-submit` the master and resources come
from spark-submit; otherwise from settings (`spark_master`, `spark_conf`) or KORDON_SPARK_MASTER.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import pickle
import sys
import tempfile
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import unquote, urlparse

from kordon.ingest import party_rows

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.broadcast import Broadcast
    from pyspark.sql import DataFrame, SparkSession

    from kordon.index.parties import PartyIndex
    from kordon.record.store import Store
    from kordon.screen.context import ScreeningContext
    from kordon.screen.party_search import ScreenRow
    from kordon.service import RowOutcome

# Small by default: a job of a few minutes, not a cluster's day. `spark_conf` in settings overrides.
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
    "spark.python.worker.reuse": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}

LOCAL_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

MISSING = ("the spark engine needs pyspark and Java: pip install 'kordon[spark]' and a Java runtime "
           "(Debian: apt-get install openjdk-17-jre-headless)")


def available() -> str | None:
    """None when the Spark engine can run here, else why not."""
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        return MISSING
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return MISSING
    return None


# --- executor side: what a Python worker keeps between tasks -----------------------------------

_LOADED: dict[str, Any] = {}


def _shipped(key: str, bc: "Broadcast[bytes]", loads: Any = None) -> Any:
    """The shipped object, unpickled once per Python worker (keyed by content hash), then reused by every task."""
    value = _LOADED.get(key)
    if value is None:
        gc.disable()  # unpickling ~1M small objects: the cyclic GC would walk them over and over
        try:
            value = pickle.loads(bc.value)  # noqa: S301 - pickled by our own driver for this job
        finally:
            gc.enable()
        gc.freeze()  # long-lived, like the index in a local process (see PartyIndex)
        _LOADED.clear()  # one index per worker: a new list version replaces the old
        _LOADED[key] = value
        if loads is not None:
            loads.add(1)
    return value


PARTY_OUT = "row long, name string, error string, result string"


def _screen_batches(key: str, bc: "Broadcast[bytes]", loads: Any, threshold: float, limit: int, allow: Any,
                    batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
    import pyarrow as pa

    from kordon.screen.party_search import screen_party_row

    index = _shipped(key, bc, loads)
    for batch in batches:
        out = [screen_party_row(index, r, threshold, limit, allow) for r in party_rows.rows_from_arrow(batch)]
        yield pa.RecordBatch.from_arrays([
            pa.array([r.row for r in out], pa.int64()), pa.array([r.name for r in out], pa.string()),
            pa.array([r.error for r in out], pa.string()),
            pa.array([json.dumps({"matches": r.matches, "warnings": r.warnings}, ensure_ascii=False) for r in out], pa.string()),
        ], names=["row", "name", "error", "result"])


RESCREEN_OUT = "seq long, declaration_id string, version long, before string, after string, error string"


def _rescreen_batches(key: str, bc: "Broadcast[bytes]", loads: Any,
                      batches: Iterator["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
    import pyarrow as pa

    from kordon.record.history_export import rows_from_arrow
    from kordon.service import RowOutcome, rescreen_row

    ctx = _shipped(key, bc, loads)
    for batch in batches:
        # Every row comes back (the driver counts what was read) but only a changed outcome carries its decisions.
        keep = [o if o.error or (o.result and o.result.changed) else RowOutcome(o.seq)
                for o in (rescreen_row(ctx, r) for r in rows_from_arrow(batch))]
        yield pa.RecordBatch.from_arrays([
            pa.array([o.seq for o in keep], pa.int64()),
            pa.array([o.result.declaration_id if o.result else None for o in keep], pa.string()),
            pa.array([o.result.version if o.result else None for o in keep], pa.int64()),
            pa.array([o.result.before.model_dump_json() if o.result else None for o in keep], pa.string()),
            pa.array([o.result.after.model_dump_json() if o.result else None for o in keep], pa.string()),
            pa.array([o.error for o in keep], pa.string()),
        ], names=["seq", "declaration_id", "version", "before", "after", "error"])


# --- driver side ---------------------------------------------------------------------------------

def _local_path(uri: str) -> str:
    u = urlparse(uri)
    return unquote(u.path) if u.scheme in ("", "file") else uri


class SparkEngine:
    name = "spark"

    def __init__(self, master: str = "local[*]", conf: dict[str, str] | None = None, partitions: int | None = None,
                 session: "SparkSession | None" = None, staging: str | None = None):
        self.master = master
        # Where executors write results for the driver to read: a folder both see (KORDON_SPARK_STAGING, e.g. an
        # hdfs:// or s3a:// prefix on a cluster). Local masters use a temporary folder; without either, results
        # come back through the JVM (toLocalIterator), which is slower.
        self.staging = staging or os.environ.get("KORDON_SPARK_STAGING") or None
        self.conf = {**DEFAULT_CONF, **(conf or {})}
        self.partitions = partitions
        self._session = session
        self._own_session = session is None
        self.split: dict[str, int] = {}  # the last SNT job's goods split (kordon.engines.goods_split)
        self.loads: Any = None  # accumulator: how many times a Python worker unpickled a shipped object

    @property
    def spark(self) -> "SparkSession":
        if self._session is None:
            why = available()
            if why:
                raise RuntimeError(why)
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None:
                # Inside a Spark application already (a notebook, a test session): use it, leave it running.
                self._session, self._own_session = active, False
                return active
            if self.master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
                # Workers in local mode run this interpreter (the one with kordon installed), not whatever
                # "python3" is first on the PATH.
                os.environ["PYSPARK_PYTHON"] = sys.executable
            # pyspark warns about pandas 3 on import in every worker; kordon's Spark path uses Arrow, not pandas.
            os.environ.setdefault("PYTHONWARNINGS", "ignore:PySpark does not yet fully support pandas:FutureWarning")
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
            builder = SparkSession.builder.appName("kordon")
            # Under spark-submit the gateway is already up with the submitted master: do not override it.
            if "PYSPARK_GATEWAY_PORT" not in os.environ:
                builder = builder.master(self.master)
            conf = dict(self.conf)
            if self.master.startswith("local") and "PYSPARK_GATEWAY_PORT" not in os.environ:
                # One JVM is driver and executor here, and its work is moving Arrow batches and Parquet pages: the
                # optimising compiler and parallel GC threads cost more CPU than they save (30,000 names: 13.3 →
                # 5.1 JVM CPU seconds; docs/scale.md). A cluster's executors keep the JVM defaults.
                conf.setdefault("spark.driver.extraJavaOptions", LOCAL_JVM)
            for k, v in conf.items():
                builder = builder.config(k, v)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def stop(self) -> None:
        if self._session is not None and self._own_session:
            self._session.stop()
            self._session = None

    def _ship(self, obj: Any) -> tuple[str, "Broadcast[bytes]"]:
        """Pickle once on the driver and broadcast: each executor fetches it once, each Python worker unpickles it once."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        key = hashlib.sha256(data).hexdigest()[:24]
        if self.loads is None:
            self.loads = self.spark.sparkContext.accumulator(0)
        return key, self.spark.sparkContext.broadcast(data)

    def _n_partitions(self) -> int:
        return self.partitions or max(2, self.spark.sparkContext.defaultParallelism * 4)

    def _parquet_positions(self, path: str | Path, columns: tuple[str, ...], check: Callable[[dict[str, str], str], None],
                           required: bool = False) -> "DataFrame":
        """A Parquet file or folder as a DataFrame with `_pos` (1-based, over the files in name order, as the local
        reader counts) and `where` ("file: row N"): the same positions and messages as the local engine."""
        from pyspark.sql import functions as F

        given = str(path)
        try:
            df = self.spark.read.parquet(given)
        except Exception as exc:  # noqa: BLE001 - Spark's AnalysisException: a missing or unreadable input
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"{given}: cannot read as Parquet ({first})") from exc
        types = {f.name: "string" if f.dataType.simpleString() == "string" else f.dataType.simpleString() for f in df.schema.fields}
        have = [c for c in columns if c in types]
        df = df.select(*have, F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_ri"))
        counts = df.groupBy("_file").count().collect()
        local = Path(given).exists()

        def name(uri: str) -> str:
            if local:
                return party_rows.label(given, _local_path(uri))
            return given if len(counts) == 1 else uri

        labelled = sorted(((name(r["_file"]), r["_file"], r["count"]) for r in counts))
        for lab, _, _ in labelled:
            check(types, lab)
        offsets, at = [], 0
        for lab, uri, n in labelled:
            offsets.append((uri, lab, at))
            at += n
        files = self.spark.createDataFrame(offsets, "_file string, _label string, _offset long")
        return (df.join(F.broadcast(files), "_file")
                .withColumn("_pos", F.col("_offset") + F.col("_ri") + 1)
                .withColumn("where", F.concat(F.col("_label"), F.lit(": row "), (F.col("_ri") + 1).cast("string")))
                .drop("_file", "_label", "_offset", "_ri"))

    def _run_ordered(self, df: "DataFrame", order: str, fn: Any, schema: str) -> Iterator[Any]:
        """fn over the partitions of df, results streamed back to the driver in `order`.

        The input is range-partitioned on `order` before the function runs, so the output needs no sort (a sort
        after the function would run it twice: once to sample). With a staging folder the driver can read (any
        local master, or `staging` on shared storage) the executors write the results there as Parquet in one
        job — every core busy — and the driver reads them back part by part as Arrow, in partition order: no
        row is pickled by the JVM. Otherwise the result is cached, counted (so all partitions run in parallel)
        and handed back one partition at a time."""
        df = df.repartitionByRange(self._n_partitions(), order).sortWithinPartitions(order)
        out = df.mapInArrow(fn, schema)
        # The running master (under spark-submit it is spark-submit's, whatever `master` says).
        staging = self.staging or ("" if str(self.spark.sparkContext.master).startswith("local") else None)
        if staging is not None:
            yield from self._via_parquet(out, staging)
            return
        out = out.persist()
        try:
            out.count()
            yield from out.toLocalIterator()
        finally:
            out.unpersist()

    def _sorted(self, out: "DataFrame", order: str) -> Iterator[Any]:
        """The output of a job whose tasks do not follow the input order (a cogroup), streamed back in `order`: cached
        first, so that the range sort samples the cache instead of running the job a second time."""
        out = out.persist()
        try:
            out.count()
            sorted_ = out.repartitionByRange(self._n_partitions(), order).sortWithinPartitions(order)
            staging = self.staging or ("" if str(self.spark.sparkContext.master).startswith("local") else None)
            yield from (self._via_parquet(sorted_, staging) if staging is not None else sorted_.toLocalIterator())
        finally:
            out.unpersist()

    def _via_parquet(self, out: "DataFrame", staging: str) -> Iterator[dict[str, Any]]:
        import shutil

        import pyarrow.parquet as pq

        local = not staging or urlparse(staging).scheme in ("", "file")
        if local:
            tmp = tempfile.mkdtemp(prefix="kordon-out-", dir=_local_path(staging) or None)
            target = str(Path(tmp) / "out")
        else:
            tmp, target = "", f"{staging.rstrip('/')}/kordon-out-{os.getpid()}-{id(out)}"
        try:
            out.write.mode("overwrite").parquet(target)
            if local:
                files = sorted(Path(target).glob("part-*.parquet"))  # part-00000-…: partition order
                for f in files:
                    for batch in pq.ParquetFile(f).iter_batches(batch_size=2000):
                        yield from batch.to_pylist()
            else:
                import pyarrow.fs as pafs

                fs, base = pafs.FileSystem.from_uri(target)
                names = sorted(i.path for i in fs.get_file_info(pafs.FileSelector(base)) if i.base_name.startswith("part-"))
                for name in names:
                    with fs.open_input_file(name) as fh:
                        for batch in pq.ParquetFile(fh).iter_batches(batch_size=2000):
                            yield from batch.to_pylist()
        finally:
            if local:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                jvm: Any = self.spark.sparkContext._jvm
                jvm.org.apache.hadoop.fs.FileSystem.get(jvm.java.net.URI(target), self.spark.sparkContext._jsc.hadoopConfiguration()
                                                         ).delete(jvm.org.apache.hadoop.fs.Path(target), True)

    # --- jobs ------------------------------------------------------------------------------------

    def screen_parties(self, index: "PartyIndex", path: str | Path, threshold: float, limit: int,
                       progress: Callable[[int], None] | None = None, allow: Any = None) -> Iterator["ScreenRow"]:
        from kordon.screen.party_search import ScreenRow

        if party_rows.is_parquet(path) or not Path(path).exists() and not str(path).lower().endswith(".csv"):
            df = self._parquet_positions(path, party_rows.COLUMNS, party_rows.check_columns).withColumnRenamed("_pos", "row")
        else:
            # A CSV is one sequential text: kordon's reader takes it in on the driver (line numbers need a
            # sequential read) and the rows go out to the executors. Large inputs should come as Parquet.
            rows = list(party_rows.read_csv(path))
            if not rows:
                return
            df = self.spark.createDataFrame(party_rows.to_arrow(rows))
        key, bc = self._ship(index)
        # The allow-list (reviewed false positives) is small: it travels with the task.
        fn = partial(_screen_batches, key, bc, self.loads, threshold, limit, allow)
        for r in self._run_ordered(df, "row", fn, PARTY_OUT):
            res = json.loads(r["result"])
            yield ScreenRow(r["row"], r["name"], res["matches"], res["warnings"], r["error"])
            if progress:
                progress(r["row"])

    def _rescreen_df(self, ctx: "ScreeningContext", df: "DataFrame") -> Iterator["RowOutcome"]:
        from kordon.models import Decision
        from kordon.service import Rescreen, RowOutcome

        shipped = _shippable(ctx)
        key, bc = self._ship(shipped)
        for r in self._run_ordered(df, "_pos", partial(_rescreen_batches, key, bc, self.loads), RESCREEN_OUT):
            if r["error"] is not None:
                yield RowOutcome(r["seq"], error=r["error"])
            elif r["after"] is None:
                yield RowOutcome(r["seq"])  # re-screened, unchanged
            else:
                yield RowOutcome(r["seq"], result=Rescreen(r["declaration_id"], r["version"], Decision.model_validate_json(r["before"]),
                                                           Decision.model_validate_json(r["after"])))

    def rescreen_parquet(self, ctx: "ScreeningContext", path: str | Path) -> Iterator["RowOutcome"]:
        from kordon.record import history_export

        return self._rescreen_df(ctx, self._parquet_positions(path, history_export.COLUMNS, history_export.check_columns))

    def rescreen_store(self, ctx: "ScreeningContext", store: "Store", since: dt.datetime | dt.date | None = None,
                       staging: str | Path | None = None) -> Iterator["RowOutcome"]:
        """The store's history, exported by the driver to Parquet in a staging folder the executors can read
        (a temporary folder: fine for local masters; on a cluster give `rescreen_parquet` an export on shared storage)."""
        from kordon.record import history_export

        with tempfile.TemporaryDirectory(prefix="kordon-history-", dir=staging) as tmp:
            n = history_export.export(store, tmp, since)
            if n:
                # Store rows carry "store: declaration X version N" in messages, as on the local engine.
                from pyspark.sql import functions as F

                df = self._parquet_positions(tmp, history_export.COLUMNS, history_export.check_columns)
                df = df.withColumn("where", F.concat(F.lit("store: declaration "), F.col("declaration_id"),
                                                     F.lit(" version "), F.col("version").cast("string")))
                yield from self._rescreen_df(ctx, df)

    def verify_export(self, folder: str | Path, ctx: Any) -> Iterator[Any]:
        """Every SNT of a documents export (rows/, snts/), each executor holding only its goods' part of the warehouse."""
        from kordon.eaeu import SntOutcome
        from kordon.engines import goods_split
        from kordon.models.documents import Verdict

        for r in goods_split.run(self, folder, ctx):
            yield SntOutcome(r["seq"], Verdict.model_validate_json(r["verdict"]) if r["verdict"] else None, r["error"])

    def verify_documents(self, documents: Any, ctx: Any, view: Any = None, staging: str | Path | None = None) -> Iterator[Any]:
        """Every current SNT of the store, split by goods as `verify_export`: the driver stages rows and SNTs as Parquet
        in a temporary folder (fine for local masters; on a cluster export to shared storage and use `verify_export`)."""
        import pyarrow.parquet as pq

        from kordon.eaeu import SntOutcome
        from kordon.engines import goods_split
        from kordon.models.documents import Verdict
        from kordon.record import documents_export

        with tempfile.TemporaryDirectory(prefix="kordon-documents-", dir=staging) as tmp:
            (Path(tmp) / "rows").mkdir()
            (Path(tmp) / "snts").mkdir()
            pq.write_table(documents.rows_table(), Path(tmp) / "rows" / "part-00000.parquet")
            if not _stage_snts(documents_export.iter_store(documents), Path(tmp) / "snts"):
                return
            for r in goods_split.run(self, tmp, ctx, from_store=True):
                yield SntOutcome(r["seq"], Verdict.model_validate_json(r["verdict"]) if r["verdict"] else None, r["error"])

    def trace_export(self, folder: str | Path, number: str, ctx: Any) -> tuple[dict[str, Any] | None, str | None]:
        """`documents trace` over an export: the SNT's goods group only, traced where it lives. (None, None): no such SNT."""
        from kordon.engines import goods_split

        for r in goods_split.run(self, folder, ctx, mode="trace", number=number):
            return (json.loads(r["verdict"]) if r["verdict"] else None), r["error"]
        return None, None


def _stage_snts(rows: Iterator[Any], folder: Path) -> int:
    import pyarrow.parquet as pq

    from kordon.record import documents_export

    writer = None
    chunk: list[Any] = []
    n = 0
    for r in rows:
        chunk.append(r)
        n += 1
        if len(chunk) >= 10_000:
            writer = writer or pq.ParquetWriter(folder / "part-00000.parquet", documents_export.schema())
            writer.write_batch(documents_export.to_arrow(chunk))
            chunk.clear()
    if chunk:
        writer = writer or pq.ParquetWriter(folder / "part-00000.parquet", documents_export.schema())
        writer.write_batch(documents_export.to_arrow(chunk))
    if writer is not None:
        writer.close()
    return n


def _shippable(ctx: "ScreeningContext") -> "ScreeningContext":
    """The context without the trade history: a re-screen runs only list rules, which never read it."""
    import copy

    out = copy.copy(ctx)
    out.extras = {k: v for k, v in ctx.extras.items() if k != "history"}
    out._matches_slot = (None, [])
    return out
