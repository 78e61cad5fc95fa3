"""The stored history as rows for a re-screen: read from the store, or from a Parquet export of it.

One row per declaration (its latest version) with its latest decision, both as the JSON the store
keeps. `kordon history export` writes these rows to Parquet; `kordon rescreen --input` reads them
back, on either engine, with the same `rows_from_arrow`. The models are validated where the row is
re-screened, so a damaged row is reported (file, row, field) and the others go on.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import Text, cast, func, select

if TYPE_CHECKING:
    import pyarrow as pa

    from kordon.record.store import Store

COLUMNS = ("seq", "declaration_id", "version", "declaration", "decision")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    seq: int  # order of the re-screen (store key, or position in the export)
    where: str  # "store" or "file: row N", for messages
    declaration_id: str | None
    version: int | None
    declaration: str | None  # JSON of the stored declaration
    decision: str | None  # JSON of its latest decision


def _text(value: Any) -> str | None:
    # PostgreSQL's JSON cast to text is already text; SQLite hands back the stored text too.
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def iter_store(store: "Store", since: dt.datetime | dt.date | None = None, batch: int = 2000) -> Iterator[HistoryRow]:
    """The latest version of every declaration (lodged at or after `since`) with its latest decision, in store order.

    One query per batch: the JSON columns come back as text, never parsed on the way through.
    """
    from kordon.record.tables import DecisionRow, DeclarationRow

    # As `Store.latest_since`: by when the store received a declaration, not by its declared date.
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    latest_q = select(DeclarationRow.declaration_id, func.max(DeclarationRow.version).label("v"))
    if since is not None:
        latest_q = latest_q.where(DeclarationRow.received_at >= since)
    latest = latest_q.group_by(DeclarationRow.declaration_id).subquery()
    last_decision = (select(DecisionRow.declaration_id, DecisionRow.declaration_version, func.max(DecisionRow.pk).label("m"))
                     .group_by(DecisionRow.declaration_id, DecisionRow.declaration_version).subquery())
    last = 0
    while True:
        q = (select(DeclarationRow.pk, DeclarationRow.declaration_id, DeclarationRow.version,
                    cast(DeclarationRow.body, Text).label("declaration_body"), cast(DecisionRow.body, Text).label("decision_body"))
             .join(latest, (DeclarationRow.declaration_id == latest.c.declaration_id) & (DeclarationRow.version == latest.c.v))
             .join(last_decision, (last_decision.c.declaration_id == DeclarationRow.declaration_id)
                   & (last_decision.c.declaration_version == DeclarationRow.version))
             .join(DecisionRow, DecisionRow.pk == last_decision.c.m)
             .where(DeclarationRow.pk > last).order_by(DeclarationRow.pk).limit(batch))
        with store.session() as s:
            rows = list(s.execute(q))
        if not rows:
            return
        for pk, decl_id, version, body, decision in rows:
            yield HistoryRow(pk, f"store: declaration {decl_id} version {version}", decl_id, version, _text(body), _text(decision))
        last = rows[-1][0]


def schema() -> "pa.Schema":
    import pyarrow as pa

    return pa.schema([("seq", pa.int64()), ("declaration_id", pa.string()), ("version", pa.int64()),
                      ("declaration", pa.string()), ("decision", pa.string())])


def to_arrow(rows: list[HistoryRow]) -> "pa.RecordBatch":
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([
        pa.array([r.seq for r in rows], pa.int64()), pa.array([r.declaration_id for r in rows], pa.string()),
        pa.array([r.version for r in rows], pa.int64()), pa.array([r.declaration for r in rows], pa.string()),
        pa.array([r.decision for r in rows], pa.string())], schema=schema())


def export(store: "Store", path: str | Path, since: dt.datetime | dt.date | None = None, rows_per_file: int = 250_000,
           batch: int = 10_000) -> int:
    """Write the history rows to a folder of Parquet part files (part-00000.parquet, ...); returns the row count."""
    import pyarrow.parquet as pq

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("part-*.parquet")):
        raise ValueError(f"{out}: already holds an export; give an empty folder")
    n = part = in_part = 0
    writer = None
    chunk: list[HistoryRow] = []

    def flush() -> None:
        nonlocal writer, part, in_part
        if not chunk:
            return
        if writer is None:
            writer = pq.ParquetWriter(out / f"part-{part:05d}.parquet", schema(), compression="zstd")
        writer.write_batch(to_arrow(chunk))
        in_part += len(chunk)
        chunk.clear()
        if in_part >= rows_per_file:
            writer.close()
            writer, part, in_part = None, part + 1, 0

    for row in iter_store(store, since):
        chunk.append(row)
        n += 1
        if len(chunk) >= min(batch, rows_per_file - in_part):
            flush()
    flush()
    if writer is not None:
        writer.close()
    return n


def check_columns(types: dict[str, str], where: str) -> None:
    want = {"seq": ("int64", "bigint"), "version": ("int64", "bigint", "int32", "int")}
    for col in COLUMNS:
        kind = types.get(col)
        if kind is None:
            raise ValueError(f"{where}: no column {col!r} (a history export has {', '.join(COLUMNS)})")
        if kind not in want.get(col, ("string", "large_string")):
            raise ValueError(f"{where}: column {col!r} is {kind}")


def rows_from_arrow(batch: "pa.RecordBatch", wheres: list[str] | None = None) -> Iterator[HistoryRow]:
    cols = {c: batch.column(c).to_pylist() for c in COLUMNS}
    w = batch.column("where").to_pylist() if "where" in batch.schema.names else wheres or [""] * batch.num_rows
    for i in range(batch.num_rows):
        yield HistoryRow(cols["seq"][i], w[i], cols["declaration_id"][i], cols["version"][i], cols["declaration"][i], cols["decision"][i])


def read_parquet(path: str | Path, batch_size: int = 5000) -> Iterator[HistoryRow]:
    from kordon.ingest.party_rows import parquet_batches

    for b, wheres in parquet_batches(path, COLUMNS, check_columns, batch_size):
        yield from rows_from_arrow(b, wheres)
