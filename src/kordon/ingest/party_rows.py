"""Reading customer and counterparty files (CSV or Parquet) into party rows, for `kordon parties screen`.

One reader per format, used by every engine: the local engine iterates the rows here, the Spark
engine runs `rows_from_arrow` on each executor's batch, so a row is read — and a bad row
reported — the same way wherever it runs. A row keeps where it came from (``file:line`` for CSV,
``file: row N`` for Parquet), so an error names it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS = ("name", "schema", "country", "birth_date", "identifiers")
_YENTE_COLUMNS = {"full_name": "name", "date_of_birth": "birth_date", "nationality": "country"}
NO_NAME = "the header has no 'name' column (columns: name, schema, country, birth_date, identifiers)"


@dataclass(frozen=True, slots=True)
class PartyRow:
    row: int  # 1-based position in the input (over all files of a Parquet folder, in name order)
    where: str  # "file:line" (CSV) or "file: row N" (Parquet), for messages
    name: str | None
    schema: str | None = None
    country: str | None = None
    birth_date: str | None = None
    identifiers: str | None = None  # "type:value;type:value"
    error: str | None = None  # the row could not be read (the message names file and line)


def is_parquet(path: str | Path) -> bool:
    p = Path(path)
    return p.suffix.lower() in (".parquet", ".pq") or (p.is_dir() and any(parquet_files(p)))


def read_csv(path: str | Path) -> Iterator[PartyRow]:
    """Rows of a CSV with a header naming at least `name`, through the bounded reader (`kordon.ingest.limits`).

    A row that cannot be read (not UTF-8, a field over the size limit) comes as a row with `error` set; a file
    that cannot be used at all (empty, no 'name' column, repeated columns) raises ValueError.
    """
    from kordon.ingest import limits

    data = Path(path).read_bytes()
    columns: list[str] | None = None
    person_file = False
    n = 0
    for line, values, error in limits.csv_rows(data, str(path)):
        if columns is None:
            if error:
                raise ValueError(str(error))
            assert values is not None
            if "name" not in values and "full_name" in values:
                # People in the layout of yente's screening fixtures (full_name, date_of_birth, nationality, gender).
                values = [_YENTE_COLUMNS.get(v, v) for v in values]
                person_file = True
            columns, problems = limits.header(values, str(path), line, required=("name",))
            if problems:
                raise ValueError("; ".join(map(str, problems)) + " (columns: name, schema, country, birth_date, identifiers)")
            continue
        n += 1
        if error:
            yield PartyRow(n, f"{path}:{line}", None, error=str(error))
            continue
        assert values is not None
        r = dict(zip(columns, values))
        if person_file and not (r.get("schema") or "").strip():
            r["schema"] = "Person"
        yield PartyRow(n, f"{path}:{line}", r.get("name"), r.get("schema"), r.get("country"), r.get("birth_date"), r.get("identifiers"))
    if columns is None:
        raise ValueError(f"{path}: the file is empty (expected a header: name, schema, country, birth_date, identifiers)")
    if n == 0:
        raise ValueError(f"{path}: the file has a header but no rows")


def parquet_files(path: str | Path) -> list[Path]:
    """The Parquet files of a file or folder, in name order; hidden and `_` files (Spark's markers) skipped."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    return sorted(f for f in p.rglob("*.parquet") if not any(part.startswith(("_", ".")) for part in f.relative_to(p).parts))


def label(root: str | Path, file: str | Path) -> str:
    """How messages name a Parquet file: the path given, or the path given plus the file inside the folder."""
    root_p = Path(root)
    if not root_p.is_dir():
        return str(root)
    return str(Path(str(root).rstrip("/")) / Path(file).resolve().relative_to(root_p.resolve()))


def check_columns(types: dict[str, str], where: str) -> None:
    """Columns must be text (or absent, except name): a number read as a name would be screened wrong."""
    if "name" not in types:
        raise ValueError(f"{where}: {NO_NAME}")
    for col in COLUMNS:
        kind = types.get(col)
        if kind is not None and kind not in ("string", "large_string", "null"):
            raise ValueError(f"{where}: column {col!r} is {kind}; expected text")


def arrow_types(schema: "pa.Schema") -> dict[str, str]:
    return {f.name: "string" if str(f.type) in ("string", "large_string", "null") else str(f.type) for f in schema}


def rows_from_arrow(batch: "pa.RecordBatch", where: list[str] | None = None, first_row: int = 1) -> Iterator[PartyRow]:
    """Party rows of an Arrow batch. Columns `row` and `where`, when present, say where each row came from."""
    cols: dict[str, list[Any]] = {c: batch.column(c).to_pylist() for c in COLUMNS if c in batch.schema.names}
    n = batch.num_rows
    rows = batch.column("row").to_pylist() if "row" in batch.schema.names else list(range(first_row, first_row + n))
    wheres = batch.column("where").to_pylist() if "where" in batch.schema.names else where or [""] * n
    empty: list[Any] = [None] * n
    errors = batch.column("error").to_pylist() if "error" in batch.schema.names else empty
    for i in range(n):
        yield PartyRow(rows[i], wheres[i], cols["name"][i], cols.get("schema", empty)[i], cols.get("country", empty)[i],
                       cols.get("birth_date", empty)[i], cols.get("identifiers", empty)[i], errors[i])


def parquet_batches(path: str | Path, columns: "Iterable[str]", check: "Callable[[dict[str, str], str], None]",
                    batch_size: int) -> "Iterator[tuple[pa.RecordBatch, list[str]]]":
    """The record batches of a Parquet file or folder of part files (file-name order, then row order), each with
    the file:row of its rows for messages; `check` vets each file's column types before any row is read."""
    import pyarrow.parquet as pq

    files = parquet_files(path)
    if not files or not files[0].exists():
        raise ValueError(f"{path}: no Parquet file")
    for f in files:
        name = label(path, f)
        pf = pq.ParquetFile(f)
        check(arrow_types(pf.schema_arrow), name)
        cols = [c for c in columns if c in pf.schema_arrow.names]
        in_file = 0
        for batch in pf.iter_batches(batch_size=batch_size, columns=cols):
            yield batch, [f"{name}: row {in_file + i + 1}" for i in range(batch.num_rows)]
            in_file += batch.num_rows


def read_parquet(path: str | Path, batch_size: int = 10_000) -> Iterator[PartyRow]:
    """Rows of a Parquet file or folder of part files, in file-name order then row order."""
    seq = 1
    for batch, wheres in parquet_batches(path, COLUMNS, check_columns, batch_size):
        yield from rows_from_arrow(batch, wheres, seq)
        seq += batch.num_rows


def read(path: str | Path) -> Iterator[PartyRow]:
    return read_parquet(path) if is_parquet(path) else read_csv(path)


def to_arrow(rows: list[PartyRow]) -> "pa.Table":
    """Party rows as an Arrow table (row, where and the text columns), e.g. to hand a CSV's rows to Spark."""
    import pyarrow as pa

    return pa.table({
        "row": pa.array([r.row for r in rows], pa.int64()),
        "where": pa.array([r.where for r in rows], pa.string()),
        **{c: pa.array([getattr(r, c) for r in rows], pa.string()) for c in COLUMNS},
        "error": pa.array([r.error for r in rows], pa.string()),
    })
