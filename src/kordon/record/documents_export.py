"""EAEU documents as Parquet tables, for `documents verify --all` on Spark (or anywhere else).

An export folder holds two tables:

- ``rows/``: every current document row (DT items, ESF and SNT rows) in the warehouse's row schema —
  what `WarehouseView.from_parquet` builds the virtual warehouse from;
- ``snts/``: the current SNTs to verify, one per row: ``seq``, ``number``, ``version`` and ``document``
  (the SNT's JSON as stored).

The SNT rows are read the same way on every engine (`rows_from_arrow`), and a damaged row is reported
with file, row and field by `kordon.eaeu.verify_row`, which is what both engines run per SNT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from kordon.record.documents import DocumentStore

COLUMNS = ("seq", "number", "version", "document")


@dataclass(frozen=True, slots=True)
class SntRow:
    seq: int
    where: str
    number: str | None
    version: int | None
    document: str | None  # JSON of the SNT


def schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([("seq", pa.int64()), ("number", pa.string()), ("version", pa.int64()), ("document", pa.string())])


def _text(value: Any) -> str | None:
    import json

    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def iter_store(documents: DocumentStore, batch: int = 2000) -> Iterator[SntRow]:
    """Every current SNT in the store, in store order, its JSON passed through as text."""
    from sqlalchemy import Text, cast, select

    from kordon.record.documents import DocumentRow

    last = 0
    while True:
        with documents.store.session() as s:
            found = list(s.execute(select(DocumentRow.pk, DocumentRow.number, DocumentRow.version, cast(DocumentRow.body, Text).label("body"))
                                   .where(DocumentRow.kind == "snt", DocumentRow.current.is_(True), DocumentRow.pk > last)
                                   .order_by(DocumentRow.pk).limit(batch)))
        if not found:
            return
        for pk, number, version, body in found:
            yield SntRow(pk, f"store: SNT {number} version {version}", number, version, _text(body))
        last = found[-1][0]


def to_arrow(rows: list[SntRow]) -> pa.RecordBatch:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([
        pa.array([r.seq for r in rows], pa.int64()), pa.array([r.number for r in rows], pa.string()),
        pa.array([r.version for r in rows], pa.int64()), pa.array([r.document for r in rows], pa.string())], schema=schema())


def export(documents: DocumentStore, folder: str | Path, rows_per_file: int = 250_000) -> tuple[int, int]:
    """Write ``rows/`` and ``snts/`` into an empty or new folder; returns (document rows, SNTs)."""
    import pyarrow.parquet as pq

    out = Path(folder)
    if (out / "rows").exists() or (out / "snts").exists():
        raise ValueError(f"{out}: already holds an export; give an empty folder")
    (out / "rows").mkdir(parents=True)
    (out / "snts").mkdir()
    table = documents.rows_table()
    pq.write_table(table, out / "rows" / "part-00000.parquet", compression="zstd")
    n = part = in_part = 0
    chunk: list[SntRow] = []
    writer = None
    for row in iter_store(documents):
        chunk.append(row)
        n += 1
        if len(chunk) >= min(10_000, rows_per_file - in_part):
            writer = writer or pq.ParquetWriter(out / "snts" / f"part-{part:05d}.parquet", schema(), compression="zstd")
            writer.write_batch(to_arrow(chunk))
            in_part += len(chunk)
            chunk.clear()
            if in_part >= rows_per_file:
                writer.close()
                writer, part, in_part = None, part + 1, 0
    if chunk:
        writer = writer or pq.ParquetWriter(out / "snts" / f"part-{part:05d}.parquet", schema(), compression="zstd")
        writer.write_batch(to_arrow(chunk))
    if writer is not None:
        writer.close()
    return table.num_rows, n


def check_columns(types: dict[str, str], where: str) -> None:
    for col in COLUMNS:
        kind = types.get(col)
        if kind is None:
            raise ValueError(f"{where}: no column {col!r} (an SNT table has {', '.join(COLUMNS)})")
        if kind not in ({"seq": ("int64", "bigint"), "version": ("int64", "bigint", "int32", "int")}.get(col, ("string", "large_string"))):
            raise ValueError(f"{where}: column {col!r} is {kind}")


def rows_from_arrow(batch: pa.RecordBatch, wheres: list[str] | None = None) -> Iterator[SntRow]:
    cols = {c: batch.column(c).to_pylist() for c in COLUMNS}
    w = batch.column("where").to_pylist() if "where" in batch.schema.names else wheres or [""] * batch.num_rows
    for i in range(batch.num_rows):
        yield SntRow(cols["seq"][i], w[i], cols["number"][i], cols["version"][i], cols["document"][i])


def read_parquet(path: str | Path, batch_size: int = 5000) -> Iterator[SntRow]:
    from kordon.ingest.party_rows import parquet_batches

    for b, wheres in parquet_batches(path, COLUMNS, check_columns, batch_size):
        yield from rows_from_arrow(b, wheres)
