"""The store of EAEU documents and SNT verdicts, on the same database and audit chain as the rest.

A document is identified by kind and number (DT number, ESF or SNT registration number). Loading the
same content again is a repeat and changes nothing; changed content is stored as the next version and
becomes the current one, so both versions stay on record. Each document's rows (DT items, ESF and SNT
product rows) are kept flat in ``eaeu_rows`` for the virtual warehouse. Loads are written with bulk
inserts (no per-row ORM objects); every load and every verdict is an audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    insert,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from kordon.index.warehouse import ROW_COLUMNS, row_tuples
from kordon.ingest.documents import (
    AnyDocument,
    DocResult,
    DocumentCounts,
    paused_gc,
    read_prepared,
)
from kordon.models.documents import DOCUMENT
from kordon.record import audit
from kordon.record.db import Base
from kordon.record.tables import AUDITED

if TYPE_CHECKING:
    import pyarrow as pa

    from kordon.record.store import Store


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DocumentRow(Base):
    __tablename__ = "eaeu_documents"
    __table_args__ = (UniqueConstraint("kind", "number", "version"), Index("ix_eaeu_documents_current", "kind", "number", "current"))

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(3))
    number: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    # No index on date or seller: nothing looks documents up by them, and each index costs every load.
    date: Mapped[dt.date] = mapped_column(Date)
    seller_tin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(Text)  # file:line it was read from
    body: Mapped[str] = mapped_column(Text)  # the document as read (JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A corrected ESF (FIXED_INVOICE): the registration number of the invoice it replaces, whose rows stop counting.
    corrects: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DocumentLineRow(Base):
    """One DT item, ESF product row or SNT product row, in the columns of the warehouse view."""

    __tablename__ = "eaeu_rows"
    # One index only (to find a document's rows when a new version supersedes them): a load writes millions of rows.
    __table_args__ = (Index("ix_eaeu_rows_doc", "kind", "number", "version"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(3))
    number: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    section: Mapped[str] = mapped_column(String(10))
    row_no: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    seller_tin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    seller_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    buyer_tin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    buyer_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    buyer_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    code: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(50))
    origin: Mapped[str | None] = mapped_column(String(10), nullable=True)
    ref_doc: Mapped[str | None] = mapped_column(String(100), nullable=True)
    ref_item: Mapped[str | None] = mapped_column(String(50), nullable=True)


class VerdictRow(Base):
    __tablename__ = "eaeu_verdicts"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snt_number: Mapped[str] = mapped_column(String(100), index=True)
    snt_version: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(10), index=True)
    profile: Mapped[str] = mapped_column(String(50))
    profile_version: Mapped[str] = mapped_column(String(50))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# Verdicts are decisions: every row is bound into the audit chain. Documents and their rows are bound per load
# batch (a row's own binding would cost more than its insert): see `check_loads`.
AUDITED[VerdictRow.__tablename__] = VerdictRow
LOAD_ACTION = "documents.load"
BATCH = "bound_batch"  # payload: {table: [last key before, last key after, rows, sha256 of the rows]}


@dataclass
class LoadResult:
    counts: DocumentCounts = field(default_factory=DocumentCounts)
    new: int = 0  # first versions
    changed: int = 0  # new versions of documents already on record
    repeats: int = 0  # the same content again: nothing written
    rows: int = 0  # warehouse rows written

    def as_dict(self) -> dict[str, Any]:
        c = self.counts
        return {"read": c.read, "accepted": c.accepted, "rejected": c.rejected, "new": self.new, "changed": self.changed,
                "repeats": self.repeats, "rows": self.rows, "by_kind": c.by_kind,
                "errors": [str(e) for e in c.errors]}


def _number(doc: AnyDocument) -> str:
    return doc.id


def _seller(doc: AnyDocument) -> str | None:
    if doc.kind == "esf":
        return doc.sellers[0].tin
    if doc.kind == "snt":
        return doc.seller.tin
    return doc.receiver.tin


def _moved(doc: AnyDocument) -> dt.date:
    return doc.turnover if doc.kind == "esf" else doc.shipped if doc.kind == "snt" else doc.date


# What the writer needs of one valid document, made where it was validated (a worker process, when a load uses them):
# kind, number, content hash, date, seller, "file:line", the body as read, the invoice it corrects, and its warehouse
# rows as version 1 (the store's version replaces it when it is another).
Prepared = tuple[str, str, str, str, "str | None", str, str, "str | None", "list[tuple[Any, ...]]"]


def prepare(path: str, res: DocResult) -> Prepared:
    doc = res.document
    assert doc is not None and res.sha256 is not None
    # The rows' day is the day the goods moved (turnover, shipping), as text once per document.
    return (doc.kind, _number(doc), res.sha256, doc.date.isoformat(), _seller(doc), f"{path}:{res.line}", res.text or "",
            doc.corrects if doc.kind == "esf" else None, row_tuples(doc, 1, _moved(doc).isoformat()))


# The columns a load batch's digest covers, in this order: everything but the key and the `current` flag (a later
# version clears it; `audit verify` checks instead that exactly the latest version of each document is current).
DOC_COLUMNS = ("kind", "number", "version", "content_sha256", "date", "seller_tin", "source", "body", "loaded_at", "corrects")
LINE_COLUMNS = ROW_COLUMNS
_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite; the canonical text of a time


def _canon(value: Any) -> Any:
    """A value as text the same on SQLite and PostgreSQL: dates ISO, times UTC 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value).strftime(_TIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def batch_digest(rows: list[tuple[Any, ...]], text_at: int | None = None) -> str:
    """SHA-256 of a batch of rows in canonical form, in key order: what a load record binds. The long text column
    (`text_at`: a document's body) is hashed as its UTF-8 bytes, length first, rather than escaped into JSON."""
    h = hashlib.sha256()
    if text_at is None:
        h.update(json.dumps(rows, separators=(",", ":")).encode("ascii"))
        return h.hexdigest()
    h.update(json.dumps([r[:text_at] + r[text_at + 1:] for r in rows], separators=(",", ":")).encode("ascii"))
    for r in rows:
        text = r[text_at].encode("utf-8")
        h.update(b"%d:" % len(text))
        h.update(text)
    return h.hexdigest()


_BODY = DOC_COLUMNS.index("body")


def _max_pk(s: Session, table: Any) -> int:
    return int(s.execute(select(func.max(table.c.pk))).scalar() or 0)


def _bulk_insert(s: Session, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]], current: list[bool]) -> None:
    """Many rows in one statement, given in canonical form (the text SQLAlchemy itself stores on SQLite), with
    their `current` flags. On SQLite straight through the driver: the ORM's per-row work would cost more than the insert."""
    cols = (*columns, "current")
    if s.get_bind().dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
        s.connection().exec_driver_sql(sql, [(*r, c) for r, c in zip(rows, current)])
        return
    if s.get_bind().dialect.driver == "psycopg":
        # PostgreSQL through psycopg 3: COPY, in text form, which PostgreSQL parses as it would the literals (ISO dates;
        # the load time given as UTC). A multi-row INSERT cost four times as much of this process's time.
        at = columns.index("loaded_at") if "loaded_at" in columns else -1
        raw: Any = s.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for r, c in zip(rows, current):
                copy.write_row((*r[:at], r[at] + "+00", *r[at + 1:], c) if at >= 0 else (*r, c))
        return
    values = []
    for r, c in zip(rows, current):
        v = dict(zip(columns, r), current=c)
        v["date"] = dt.date.fromisoformat(v["date"])
        if "loaded_at" in v:
            v["loaded_at"] = dt.datetime.strptime(v["loaded_at"], _TIME).replace(tzinfo=dt.UTC)
        values.append(v)
    s.execute(insert(table), values)


class DocumentStore:
    """Documents and verdicts in a kordon store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store):
        self.store = store

    # -- loading --------------------------------------------------------------------------------------
    def load(self, paths: Iterable[str], actor: str = "kordon", batch: int = 20_000, workers: int | None = None) -> LoadResult:
        """Load JSON Lines files; large ones are validated by `workers` worker processes while this one writes
        (default: every core but one, at most four; 0: all in this process). Results are the same either way."""
        result = LoadResult()
        pending: list[Prepared] = []
        with paused_gc():
            for _path, prepared in read_prepared(paths, result.counts, prepare, workers):
                pending.append(prepared)
                if len(pending) >= batch:
                    self._write(pending, result, actor)
                    pending = []
            if pending:
                self._write(pending, result, actor)
        return result

    def load_documents(self, docs: list[AnyDocument], source: str = "api", actor: str = "kordon") -> LoadResult:
        """Store documents already validated (the API's path); each gets `source#index` as its origin."""
        from kordon.ingest.documents import content_sha256

        result = LoadResult()
        pending = []
        for i, doc in enumerate(docs):
            raw = doc.model_dump(mode="json", exclude_none=True)
            result.counts.read += 1
            result.counts.accepted += 1
            result.counts.add_kind(doc.kind, True)
            pending.append(prepare(source, DocResult(i + 1, doc, content_sha256(doc), json.dumps(raw, ensure_ascii=False))))
        if pending:
            self._write(pending, result, actor)
        return result

    def _write(self, pending: list[Prepared], result: LoadResult, actor: str) -> None:
        # One writing transaction (the database's write lock from its start, retried whole on a conflict), so
        # the counts are taken from the attempt that committed.
        counts = audit.transaction(self.store, lambda s: self._write_in(s, pending, actor))
        result.new += counts["new"]
        result.changed += counts["changed"]
        result.repeats += counts["repeats"]
        result.rows += counts["rows"]

    @staticmethod
    def _current_versions(s: Session, pending: list[Prepared]) -> dict[tuple[str, str], tuple[int, str]]:
        """(kind, number) → (current version, content hash) of the documents of a batch already on record."""
        keys = {(p[0], p[1]) for p in pending}
        latest: dict[tuple[str, str], tuple[int, str]] = {}
        by_kind: dict[str, list[str]] = {}
        for doc_kind, number in keys:
            by_kind.setdefault(doc_kind, []).append(number)
        sqlite = s.get_bind().dialect.name == "sqlite"
        for kind, numbers in by_kind.items():
            for i in range(0, len(numbers), 5000):  # within SQLite's and PostgreSQL's limits on parameters
                chunk = numbers[i:i + 5000]
                if sqlite:
                    # Straight through the driver: compiling an IN of 5,000 parameters cost more than the look-up.
                    found: Any = s.connection().exec_driver_sql(
                        "SELECT number, version, content_sha256 FROM eaeu_documents WHERE kind = ? AND current = 1 AND number IN "
                        f"({', '.join('?' * len(chunk))})", (kind, *chunk))
                else:
                    found = s.execute(select(DocumentRow.number, DocumentRow.version, DocumentRow.content_sha256)
                                      .where(DocumentRow.kind == kind, DocumentRow.number.in_(chunk), DocumentRow.current.is_(True)))
                for number, version, digest in found:
                    latest[(kind, number)] = (version, digest)
        return latest

    def _write_in(self, s: Session, pending: list[Prepared], actor: str) -> dict[str, int]:
        docs_t, rows_t = cast(Table, DocumentRow.__table__), cast(Table, DocumentLineRow.__table__)
        result = {"new": 0, "changed": 0, "repeats": 0, "rows": 0}
        latest = self._current_versions(s, pending)
        doc_rows: list[tuple[Any, ...]] = []
        line_rows: list[tuple[Any, ...]] = []
        doc_keys: list[tuple[str, str, int]] = []
        rows_per_doc: list[int] = []
        superseded: list[tuple[str, str]] = []
        sources: set[str] = set()
        loaded_at = utcnow().astimezone(dt.UTC).replace(tzinfo=None).strftime(_TIME)  # one time for the batch
        for kind, number, sha256, date, seller, source, text, corrects, rows in pending:
            key = (kind, number)
            before = latest.get(key)
            sources.add(source.rpartition(":")[0])
            if before is not None and before[1] == sha256:
                result["repeats"] += 1
                continue
            version = 1 if before is None else before[0] + 1
            if before is None:
                result["new"] += 1
            else:
                result["changed"] += 1
                superseded.append(key)
            latest[key] = (version, sha256)
            doc_rows.append((kind, number, version, sha256, date, seller, source, text, loaded_at, corrects))
            doc_keys.append((kind, number, version))
            line_rows.extend(rows if version == 1 else [(*r[:2], version, *r[3:]) for r in rows])
            rows_per_doc.append(len(rows))
        # A document changed twice in one batch: only its last version stays current.
        for old_kind, number in superseded:
            s.execute(update(DocumentRow).where(DocumentRow.kind == old_kind, DocumentRow.number == number,
                                                DocumentRow.current.is_(True)).values(current=False))
            s.execute(update(DocumentLineRow).where(DocumentLineRow.kind == old_kind, DocumentLineRow.number == number,
                                                    DocumentLineRow.current.is_(True)).values(current=False))
        if doc_rows:
            last_version = {(k, n): v for k, n, v in doc_keys}
            # The write lock is held from the transaction's start, so the keys of this batch's rows follow the last key on
            # record without a gap: the load record binds each table's range of keys by the digest of its rows.
            doc_current = [last_version[(k, n)] == v for k, n, v in doc_keys]
            line_current = [flag for flag, n in zip(doc_current, rows_per_doc) for _ in range(n)]
            bound = {}
            for table, columns, rows, current in ((docs_t, DOC_COLUMNS, doc_rows, doc_current), (rows_t, LINE_COLUMNS, line_rows, line_current)):
                first = _max_pk(s, table)
                _bulk_insert(s, table, columns, rows, current)
                bound[table.name] = [first, _max_pk(s, table), len(rows), batch_digest(rows, _BODY if table is docs_t else None)]
            result["rows"] += len(line_rows)
            audit.append_in(s, actor, LOAD_ACTION, "documents",
                            {"documents": len(doc_rows), "row_count": len(line_rows), BATCH: bound, "sources": sorted(sources)})
        return result

    # -- reading --------------------------------------------------------------------------------------
    def get(self, kind: str, number: str, version: int | None = None) -> tuple[AnyDocument, int] | None:
        with self.store.session() as s:
            q = select(DocumentRow.body, DocumentRow.version).where(DocumentRow.kind == kind, DocumentRow.number == number)
            q = q.where(DocumentRow.version == version) if version is not None else q.where(DocumentRow.current.is_(True))
            found = s.execute(q).first()
        if found is None:
            return None
        return DOCUMENT.validate_json(found[0]), found[1]

    def versions(self, kind: str, number: str) -> list[int]:
        with self.store.session() as s:
            return list(s.scalars(select(DocumentRow.version).where(DocumentRow.kind == kind, DocumentRow.number == number)
                                  .order_by(DocumentRow.version)))

    def snt_numbers(self) -> list[str]:
        with self.store.session() as s:
            return list(s.scalars(select(DocumentRow.number).where(DocumentRow.kind == "snt", DocumentRow.current.is_(True))
                                  .order_by(DocumentRow.date, DocumentRow.number)))

    def iter_snts(self, batch: int = 2000) -> Iterator[tuple[AnyDocument, int]]:
        last = 0
        while True:
            with self.store.session() as s:
                found = list(s.execute(select(DocumentRow.pk, DocumentRow.body, DocumentRow.version)
                                       .where(DocumentRow.kind == "snt", DocumentRow.current.is_(True), DocumentRow.pk > last)
                                       .order_by(DocumentRow.pk).limit(batch)))
            if not found:
                return
            for _, body, version in found:
                yield DOCUMENT.validate_json(body), version
            last = found[-1][0]

    def last_key(self) -> int:
        """The store key of the last document written: it changes whenever a document or a version is stored."""
        from sqlalchemy import func

        with self.store.session() as s:
            return int(s.scalar(select(func.max(DocumentRow.pk))) or 0)

    def count(self) -> dict[str, int]:
        from sqlalchemy import func

        with self.store.session() as s:
            return {k: n for k, n in s.execute(select(DocumentRow.kind, func.count()).where(DocumentRow.current.is_(True))
                                                .group_by(DocumentRow.kind))}

    def rows_table(self, batch: int = 200_000) -> pa.Table:
        """Every current document row as an Arrow table in the warehouse's row schema, less the rows of ESFs that a
        corrected invoice (FIXED_INVOICE) on record replaces, whatever order the two were loaded in."""
        import pyarrow as pa

        from kordon.index.warehouse import row_schema

        schema = row_schema()
        cols = [getattr(DocumentLineRow, c) for c in ROW_COLUMNS]
        tables = []
        sqlite = self.store.engine.dialect.name == "sqlite"
        date_at = ROW_COLUMNS.index("date")
        with self.store.engine.connect() as conn:
            if sqlite:
                # Straight from the driver: SQLAlchemy's per-value processing would cost more than the query.
                # Dates come back as the ISO text SQLAlchemy stored and are parsed by Arrow in one go.
                result: Any = conn.exec_driver_sql(
                    f"SELECT {', '.join(ROW_COLUMNS)} FROM eaeu_rows WHERE current = 1 AND NOT (kind = 'esf' AND number IN "
                    "(SELECT corrects FROM eaeu_documents WHERE current = 1 AND corrects IS NOT NULL)) ORDER BY pk")
            else:
                result = conn.execution_options(stream_results=True).execute(
                    select(*cols).where(DocumentLineRow.current.is_(True), ~and_(DocumentLineRow.kind == "esf", DocumentLineRow.number.in_(
                        select(DocumentRow.corrects).where(DocumentRow.current.is_(True), DocumentRow.corrects.is_not(None)))))
                    .order_by(DocumentLineRow.pk))
            while True:
                chunk = result.fetchmany(batch)
                if not chunk:
                    break
                columns = list(zip(*chunk))
                arrays = []
                for i in range(len(ROW_COLUMNS)):
                    if sqlite and i == date_at:
                        arrays.append(pa.array(columns[i], pa.string()).cast(pa.date32()))
                    else:
                        arrays.append(pa.array(columns[i], type=schema.field(i).type))
                tables.append(pa.table(arrays, schema=schema))
        return pa.concat_tables(tables) if tables else schema.empty_table()

    # -- verdicts ---------------------------------------------------------------------------------------
    def save_verdicts(self, verdicts: list[tuple[dict[str, Any], int]], actor: str = "kordon") -> None:
        """Store verdicts (body, SNT version) in one transaction, each with its audit record."""
        if not verdicts:
            return

        table = cast(Table, VerdictRow.__table__)

        def write(s: Session) -> None:
            for body, version in verdicts:
                row = {"snt_number": body["registrationNumber"], "snt_version": version, "verdict": body["verdict"],
                       "profile": body.get("profile", ""), "profile_version": body.get("profile_version", ""), "body": body,
                       "verified_at": utcnow()}
                row["pk"] = s.execute(insert(table).returning(table.c.pk), row).scalar_one()
                # The record binds the verdict row itself, so `kordon audit verify` notices a verdict edited later.
                audit.append_in(s, actor, "documents.verify", f"snt:{body['registrationNumber']}",
                                {"version": version, "verdict": body["verdict"], "profile": body.get("profile"),
                                 "reasons": sorted({r["code"] for r in body.get("reasons", [])}),
                                 "sha256": hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
                                                          .encode()).hexdigest()},
                                rows=[audit.Written(table, row)])

        audit.transaction(self.store, write)

    def verdicts(self, snt_number: str | None = None, verdict: str | None = None, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Latest first: the queue of verified SNTs (filter by number or verdict)."""
        with self.store.session() as s:
            q = select(VerdictRow.body, VerdictRow.snt_version, VerdictRow.verified_at).order_by(VerdictRow.pk.desc())
            if snt_number is not None:
                q = q.where(VerdictRow.snt_number == snt_number)
            if verdict is not None:
                q = q.where(VerdictRow.verdict == verdict)
            return [dict(body, snt_version=v, verified_at=at.isoformat() if at else None)
                    for body, v, at in s.execute(q.limit(limit).offset(offset))]


def _stream(conn: Any, query: Any, chunk: int) -> Iterator[Any]:
    result = conn.execution_options(stream_results=True).execute(query)
    while found := result.fetchmany(chunk):
        yield from found


# -- the audit check of loaded documents ---------------------------------------------------------------
def _check_table(conn: Any, table: Any, columns: tuple[str, ...], batches: list[tuple[int, int, int, str, int]],
                 chunk: int = 50_000) -> tuple[int, list[str]]:
    """Recompute each batch's digest from the rows in its range of keys; name rows in no batch's range."""
    problems: list[str] = []
    outside: list[int] = []
    batches = sorted(batches)
    i, n = 0, 0
    buffer: list[tuple[Any, ...]] = []

    def close(b: tuple[int, int, int, str, int], rows: list[tuple[Any, ...]]) -> None:
        lo, hi, count, digest, seq = b
        where = f"{table.name} rows {lo + 1}-{hi} (load record {seq})"
        if len(rows) < count:
            problems.append(f"{where}: {count - len(rows)} row(s) deleted")
        elif len(rows) > count:
            problems.append(f"{where}: {len(rows) - count} row(s) inserted behind kordon's back")
        elif batch_digest(rows, _BODY if table.name == DocumentRow.__tablename__ else None) != digest:
            problems.append(f"{where}: changed after the load record bound them")

    for pk, *values in _stream(conn, select(table.c.pk, *[table.c[c] for c in columns]).order_by(table.c.pk), chunk):
        n += 1
        while i < len(batches) and pk > batches[i][1]:
            close(batches[i], buffer)
            i, buffer = i + 1, []
        if i < len(batches) and batches[i][0] < pk:
            buffer.append(tuple(_canon(v) for v in values))
        else:
            outside.append(pk)
    for b in batches[i:]:
        close(b, buffer)
        buffer = []
    if outside:
        shown = ", ".join(map(str, outside[:10])) + (f" and {len(outside) - 10} more" if len(outside) > 10 else "")
        problems.append(f"{len(outside)} {table.name} row(s) on no load record (written behind kordon's back): {shown}")
    return n, problems + _current_flags(conn, table)


def _current_flags(conn: Any, table: Any) -> list[str]:
    # `current` is left out of the digests (a new version clears it): it must mark exactly each document's latest version.
    latest = select(table.c.kind, table.c.number, func.max(table.c.version).label("v")).group_by(table.c.kind, table.c.number).subquery()
    wrong = conn.execute(
        select(table.c.kind, table.c.number, table.c.version).join(latest, (latest.c.kind == table.c.kind) & (latest.c.number == table.c.number))
        .where(case((table.c.version == latest.c.v, 1), else_=0) != case((table.c.current.is_(True), 1), else_=0)).limit(11)).all()
    if wrong:
        shown = ", ".join(f"{k} {num} v{v}" for k, num, v in wrong[:10])
        return [(f"{table.name}: the current-version flag is wrong on {shown}{' and more' if len(wrong) > 10 else ''} "
                        "(only each document's latest version is current)")]
    return []


def check_loads(store: Any, records: list[tuple[int, dict[str, Any]]]) -> tuple[int, list[str]]:
    """`kordon audit verify`'s check of the document tables against the load records (see audit.BATCH_CHECKS)."""
    per_table: dict[str, list[tuple[int, int, int, str, int]]] = {}
    for seq, payload in records:
        for name, bound in (payload.get(BATCH) or {}).items():
            if isinstance(bound, list) and len(bound) == 4:
                per_table.setdefault(name, []).append((int(bound[0]), int(bound[1]), int(bound[2]), str(bound[3]), seq))
    n, problems = 0, []
    with store.engine.connect() as conn:
        for table, columns in ((cast(Table, DocumentRow.__table__), DOC_COLUMNS), (cast(Table, DocumentLineRow.__table__), LINE_COLUMNS)):
            checked, found = _check_table(conn, table, columns, per_table.get(table.name, []))
            n += checked
            problems.extend(found)
    return n, problems


audit.BATCH_CHECKS[LOAD_ACTION] = check_loads
