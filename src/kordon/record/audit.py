"""The audit trail: append-only, hash-chained, signed records of what was done, by whom, when.

Each record carries the SHA-256 of its own content and of the record before it, and an HMAC of
that hash with the server's audit key. Changing a record breaks its own hash; deleting one leaves
a gap in the sequence and breaks the next record's link; re-hashing the whole chain after a change
needs the key, or every signature after the change fails; cutting records off the end shows
against an exported head (``export_head`` / ``verify(anchor=...)``).

A record also binds (``payload.bound_rows``) the rows it vouches for — the declaration and decision of a screening, a
review, a seizure, a case, a key, an allow-list entry — by the SHA-256 of each row's exact content,
written in the same transaction as the rows (``transaction``). ``verify`` checks every row of
those tables against its binding: a changed row, a deleted row and a row inserted behind kordon's
back (no record binds it) are each named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kordon.record.tables import AUDITED, AUDITED_GROUPS, AuditRow

GENESIS = "0" * 64
_AUDIT = cast(Table, AuditRow.__table__)
_LOCK = threading.Lock()  # one writing transaction at a time in this process; the database serialises processes
T = TypeVar("T")

KEY_ENV = "KORDON_AUDIT_KEY"
KEY_FILE_ENV = "KORDON_AUDIT_KEY_FILE"
ATTEMPTS = 5
BOUND = "bound_rows"  # the payload key of a record's row bindings: [[table, key, sha256], ...]
BOUND_GROUPS = "bound_groups"  # the payload key of its group bindings: [[table, group, rows, sha256], ...]
# Tables too large to bind row by row (EAEU document rows, millions per load) are bound per batch: the module
# writing them registers, under its record's action, a check that recomputes each batch's digest from the rows.
# check(store, [(seq, payload), ...]) -> (rows checked, problems)
BATCH_CHECKS: dict[str, Callable[[Any, list[tuple[int, dict[str, Any]]]], tuple[int, list[str]]]] = {}


# -- the server key ------------------------------------------------------------------------------------
def key_path() -> Path:
    """Where the audit key file is: $KORDON_AUDIT_KEY_FILE, else $XDG_CONFIG_HOME/kordon/audit.key
    (~/.config/kordon/audit.key). Never next to the database: whoever can rewrite the database
    must not thereby hold the key."""
    env = os.environ.get(KEY_FILE_ENV)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "kordon" / "audit.key"


class AuditKeyError(RuntimeError):
    pass


def server_key(create: bool = True) -> bytes | None:
    """The key audit records are signed with: $KORDON_AUDIT_KEY, else the key file (made with mode
    0600 and 256 random bits on first use when `create`)."""
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env) < 16:
            raise AuditKeyError(f"{KEY_ENV} is too short to be a secret (at least 16 characters)")
        return env.encode("utf-8")
    path = key_path()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise AuditKeyError(f"the audit key file {path} is readable by others; chmod 600 it")
    value = path.read_text(encoding="utf-8").strip()
    if len(value) < 16:
        raise AuditKeyError(f"the audit key file {path} holds no usable key")
    return value.encode("utf-8")


def sign(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


# -- row binding ---------------------------------------------------------------------------------------
def _canon(value: Any) -> Any:
    # The value as any backend gives it back: UTC wall time, decimals without trailing zeros.
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    return value


@dataclass(frozen=True)
class Written:
    """A row written with a Core insert (no ORM object): its table and every value as inserted, key included."""

    table: Table
    values: dict[str, Any]


def _table_values(row: Any) -> tuple[Table, dict[str, Any]]:
    if isinstance(row, Written):
        return row.table, row.values
    table = row.__table__
    return table, {c.name: getattr(row, c.key) for c in table.columns}


def row_key(row: Any) -> tuple[str, str]:
    table, values = _table_values(row)
    return table.name, "/".join(str(values[c.name]) for c in table.primary_key.columns)


def row_digest(row: Any) -> str:
    """SHA-256 of a row's exact content (every column), the same on SQLite and PostgreSQL."""
    table, values = _table_values(row)
    body = {c.name: _canon(values.get(c.name)) for c in table.columns}
    raw = json.dumps({"table": table.name, "row": body}, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                     default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def binding(rows: Iterable[Any]) -> list[list[str]]:
    """[table, key, sha256] of each row (flushed, so its key and defaults are set)."""
    return [[*row_key(r), row_digest(r)] for r in rows]


class _GroupDigest:
    """The digest of a group of rows (see tables.AUDITED_GROUPS): SHA-256 over their row digests in key order."""

    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.rows = 0

    def add(self, row: Any) -> None:
        self.h.update(row_digest(row).encode("ascii") + b"\n")
        self.rows += 1


def group_binding(table: str, rows: Iterable[Any]) -> list[Any]:
    """[table, group, rows, sha256] of a group of flushed rows of one of AUDITED_GROUPS, all of one group value."""
    model, column = AUDITED_GROUPS[table]
    keys = list(model.__table__.primary_key.columns)
    ordered = sorted(rows, key=lambda r: tuple(getattr(r, c.key) for c in keys))  # verify reads them in key order
    groups = {str(getattr(r, column)) for r in ordered}
    if len(groups) > 1:
        raise ValueError(f"rows of {len(groups)} {column} values bound as one group of {table}")
    digest = _GroupDigest()
    for r in ordered:
        digest.add(r)
    return [table, groups.pop() if groups else "", digest.rows, digest.h.hexdigest()]


# -- appending -----------------------------------------------------------------------------------------
def record_hash(seq: int, at: str, actor: str, action: str, subject: str, payload: dict[str, Any], prev: str) -> str:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "payload": payload, "prev": prev}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def _lock_chain(s: Session) -> None:
    if s.info.get("audit_locked"):
        return
    bind = s.get_bind()
    if bind.dialect.name == "postgresql":
        # Every writing transaction of every process queues here: the audit chain has one end.
        s.execute(text("SELECT pg_advisory_xact_lock(7310421)"))
    s.info["audit_locked"] = True


def append_in(s: Session, actor: str, action: str, subject: str, payload: dict[str, Any] | None = None,
              rows: Iterable[Any] = (), groups: Iterable[list[Any]] = ()) -> int:
    """Add one record inside a writing transaction (see `transaction`), binding `rows` (flushed ORM
    rows) by their content hash and `groups` (from `group_binding`); it commits or rolls back with what it records."""
    payload = json.loads(json.dumps(payload or {}, default=str))  # exactly what the JSON column will give back
    bound = binding(rows)
    if bound:
        payload[BOUND] = bound
    grouped = [list(g) for g in groups]
    if grouped:
        payload[BOUND_GROUPS] = grouped
    tail = s.info.get("audit_tail")
    if tail is None:
        # The first record of this transaction takes the lock and reads the end of the chain; once the
        # lock is held nobody else can append, so later records of the transaction chain on from memory.
        _lock_chain(s)
        last = s.execute(select(AuditRow.seq, AuditRow.sha256).order_by(AuditRow.seq.desc()).limit(1)).first()
        tail = (0, GENESIS) if last is None else (last[0], last[1])
    key: bytes | None = s.info.get("audit_key")
    if key is None:
        key = s.info["audit_key"] = server_key()
    assert key is not None  # server_key() makes one when there is none
    seq, prev = tail[0] + 1, tail[1]
    at = dt.datetime.now(dt.UTC).isoformat()
    digest = record_hash(seq, at, actor, action, subject, payload, prev)
    values = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "payload": payload,
              "prev_sha256": prev, "sha256": digest, "mac": sign(key, digest)}
    pending = s.info.get("audit_pending")
    if pending is not None:
        pending.append(values)  # written in one statement when `transaction` commits
    else:
        s.execute(insert(_AUDIT), values)
    s.info["audit_tail"] = (seq, digest)
    return seq


# -- a fair hand-over of SQLite's write lock between processes ------------------------------------------------
# SQLite has no queue for its write lock: a process waiting in BEGIN IMMEDIATE polls (sleeping up to 100 ms),
# and a writer that commits and begins again at once — the server's group writer under load — wins nearly every
# time, so `kordon lists load` in another process could wait for minutes. Every writing transaction on a SQLite
# file therefore goes through two lock files beside the database: `-kordon-lock`, held exclusively for the whole
# transaction (so kordon's own writers never meet in SQLite's busy wait), and `-kordon-intent`, held shared by
# a process while it waits for the first. Before waiting, a writer gives way: it lets every process already
# waiting take its turn first (it can lock the intent file exclusively only once nobody holds it shared). Two
# processes writing back to back thus alternate, one transaction each. PostgreSQL's lock queue is fair already.
GIVE_WAY_SECONDS = 10.0  # a waiter that keeps its intent longer (stuck, or behind a process outside kordon that
WAIT_SECONDS = 60.0  # holds SQLite's lock) must not stall the others for ever; past these, SQLite's own wait decides


def _lock_files(store: Any) -> str | None:
    if store.engine.dialect.name != "sqlite":
        return None
    database = store.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _poll(fd: int, mode: int, seconds: float) -> bool:
    """flock `fd` in `mode` without blocking the process for longer than `seconds`; False when it ran out."""
    import fcntl

    deadline = time.monotonic() + seconds
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.004)


class _Turns:
    """The lock and intent files of one SQLite store (see above), opened once per store."""

    def __init__(self, database: str):
        import fcntl

        self.fcntl = fcntl
        self.lock = os.open(f"{database}-kordon-lock", os.O_RDWR | os.O_CREAT, 0o600)
        self.intent = os.open(f"{database}-kordon-intent", os.O_RDWR | os.O_CREAT, 0o600)

    def close(self) -> None:
        for fd in (self.lock, self.intent):
            try:
                os.close(fd)
            except OSError:
                pass

    def take(self) -> None:
        f = self.fcntl
        if _poll(self.intent, f.LOCK_EX, GIVE_WAY_SECONDS):  # nobody waiting (any more): our turn to queue
            f.flock(self.intent, f.LOCK_UN)
        f.flock(self.intent, f.LOCK_SH)
        try:
            _poll(self.lock, f.LOCK_EX, WAIT_SECONDS)
        finally:
            f.flock(self.intent, f.LOCK_UN)

    def release(self) -> None:
        self.fcntl.flock(self.lock, self.fcntl.LOCK_UN)


def _turns(store: Any) -> _Turns | None:
    turns = store.__dict__.get("_kordon_turns", False)
    if turns is False:
        database = _lock_files(store)
        try:
            turns = _Turns(database) if database else None
        except (ImportError, OSError):
            turns = None  # no flock (Windows) or a read-only folder: SQLite's own busy wait only
        if turns is not None:
            weakref.finalize(store, turns.close)  # a process that opens many stores keeps no files open
        store.__dict__["_kordon_turns"] = turns
    return turns


def writing() -> threading.Lock:
    """The process-wide lock every writing transaction holds (see `transaction`)."""
    return _LOCK


def transaction(store: Any, fn: Callable[[Session], T], attempts: int = ATTEMPTS) -> T:
    """Run `fn(session)` in one writing transaction and commit: the one way kordon writes.

    The transaction holds the process lock and the database's write lock from its start (BEGIN
    IMMEDIATE on SQLite, an advisory lock on PostgreSQL), so checks it reads stay true until it
    commits. It is retried whole, with the same back-off, when the database reports a conflict or
    a lock time-out; any other exception (a refused review, say) rolls it back and is raised.
    """
    for attempt in range(attempts):
        try:
            with _LOCK:
                turns = _turns(store)
                if turns is not None:
                    turns.take()
                try:
                    with store.writer.begin() as s:
                        _lock_chain(s)
                        s.info["audit_pending"] = []
                        out = fn(s)
                        # The transaction's audit records in one multi-row insert (a round trip per record
                        # would dominate a group commit on PostgreSQL); still before the commit.
                        if s.info["audit_pending"]:
                            s.execute(insert(_AUDIT), s.info["audit_pending"])
                        return out
                finally:
                    if turns is not None:
                        turns.release()
        except (IntegrityError, OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def append(store: Any, actor: str, action: str, subject: str, payload: dict[str, Any] | None = None) -> int:
    """Add one record at the end of the chain in its own transaction; returns its sequence number."""
    return transaction(store, lambda s: append_in(s, actor, action, subject, payload))


def entries(store: Any, subject: str | None = None, limit: int | None = None, action: str | None = None) -> list[AuditRow]:
    with store.session() as s:
        q = select(AuditRow).order_by(AuditRow.seq)
        if subject is not None:
            q = q.where(AuditRow.subject == subject)
        if action is not None:
            q = q.where(AuditRow.action == action)
        if limit is not None:
            q = q.limit(limit)
        return list(s.scalars(q))


def last_entry(store: Any, subject: str, action: str) -> AuditRow | None:
    with store.session() as s:
        return s.scalars(select(AuditRow).where(AuditRow.subject == subject, AuditRow.action == action)
                         .order_by(AuditRow.seq.desc()).limit(1)).first()


def _walk(store: Any, batch: int = 5000) -> Iterator[AuditRow]:
    # In batches, so a long trail is verified in constant memory. Each record's seq is inside its
    # hash, so renumbering records to reorder them breaks their hashes.
    last = 0
    while True:
        with store.session() as s:
            rows = list(s.scalars(select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq).limit(batch)))
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


# -- the head and its anchor ---------------------------------------------------------------------------
def export_head(store: Any) -> dict[str, Any]:
    """The end of the chain, signed: keep it outside the database (a ticket, a second system, paper)."""
    with store.session() as s:
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    key = server_key()
    assert key is not None
    seq, digest = (0, GENESIS) if last is None else (last.seq, last.sha256)
    exported = dt.datetime.now(dt.UTC).isoformat()
    return {"seq": seq, "sha256": digest, "at": None if last is None else last.at, "exported_at": exported,
            "mac": sign(key, f"{seq}:{digest}")}


# -- verification --------------------------------------------------------------------------------------
@dataclass
class Verification:
    checked: int = 0
    rows_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Any, anchor: dict[str, Any] | None = None, rows: bool = True) -> Verification:
    """Walk the chain (hashes, links, signatures), then check every audited row against its binding,
    and the chain against an exported head when one is given."""
    result = Verification()
    key = server_key(create=False)
    if key is None:
        result.problems.append(f"no audit key ({KEY_ENV} or {key_path()}): the signatures cannot be checked")
    expected_seq, prev = 1, GENESIS
    bound: dict[tuple[str, str], tuple[str, int]] = {}
    bound_groups: dict[tuple[str, str], tuple[int, str, int]] = {}
    by_seq: dict[int, str] = {}
    bad_macs: list[int] = []
    batches: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row in _walk(store):
        result.checked += 1
        result.problems.extend(_record_problems(row, expected_seq, prev))
        if key is not None and (row.mac is None or not hmac.compare_digest(row.mac, sign(key, row.sha256))):
            bad_macs.append(row.seq)
        if anchor is not None and row.seq == anchor.get("seq"):
            by_seq[row.seq] = row.sha256
        _collect_bindings(row, bound, bound_groups, batches)
        expected_seq, prev = row.seq + 1, row.sha256
    if bad_macs:
        shown = ", ".join(map(str, bad_macs[:10])) + (f" and {len(bad_macs) - 10} more" if len(bad_macs) > 10 else "")
        result.problems.append(f"{len(bad_macs)} record(s) not signed with this server's audit key ({shown}): "
                               "the chain was re-hashed or written without the key")
    if anchor is not None:
        _check_anchor(anchor, key, expected_seq - 1, by_seq, result)
    if rows:
        _check_rows(store, bound, result)
        _check_groups(store, bound_groups, result)
        _check_batches(store, batches, result)
    return result


def _collect_bindings(row: Any, bound: dict[tuple[str, str], tuple[str, int]],
                      bound_groups: dict[tuple[str, str], tuple[int, str, int]],
                      batches: dict[str, list[tuple[int, dict[str, Any]]]]) -> None:
    """What a record binds, with its seq: rows one by one, groups by digest, or (for a batch check) the record."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    bindings, groups = payload.get(BOUND), payload.get(BOUND_GROUPS)
    for item in bindings if isinstance(bindings, list) else []:
        if isinstance(item, list) and len(item) == 3:
            bound[(str(item[0]), str(item[1]))] = (str(item[2]), row.seq)
    for item in groups if isinstance(groups, list) else []:
        if isinstance(item, list) and len(item) == 4 and str(item[2]).isdigit():
            bound_groups[(str(item[0]), str(item[1]))] = (int(item[2]), str(item[3]), row.seq)
    if row.action in BATCH_CHECKS and payload:
        batches.setdefault(row.action, []).append((row.seq, payload))


def _record_problems(row: Any, expected_seq: int, prev: str) -> list[str]:
    """What is wrong with one audit record in its place in the chain: a gap before it, a changed content, a broken link."""
    problems = []
    if row.seq != expected_seq:
        missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
        problems.append(f"record {missing} deleted: the sequence jumps from {expected_seq - 1} to {row.seq}")
    own = record_hash(row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_sha256)
    if own != row.sha256:
        problems.append(f"record {row.seq} changed: its content no longer matches its hash ({row.action} {row.subject})")
    elif row.prev_sha256 != prev:
        problems.append(
            f"record {row.seq} out of chain: it does not follow record {row.seq - 1} (a record was deleted, inserted or reordered)")
    return problems


def _check_anchor(anchor: dict[str, Any], key: bytes | None, last_seq: int, by_seq: dict[int, str], result: Verification) -> None:
    seq, digest = anchor.get("seq"), anchor.get("sha256")
    if not isinstance(seq, int) or not isinstance(digest, str):
        result.problems.append("the anchor is not an exported head (needs seq and sha256)")
        return
    if key is not None and not hmac.compare_digest(str(anchor.get("mac", "")), sign(key, f"{seq}:{digest}")):
        result.problems.append("the anchor's signature does not match this server's audit key")
    if seq == 0:
        return
    if seq > last_seq:
        result.problems.append(f"the chain ends at record {last_seq} but the anchor names record {seq}: records were cut off the end")
    elif by_seq.get(seq) != digest:
        result.problems.append(f"record {seq} is not the one anchored (hash {digest[:12]}…): the chain was rewritten up to it")
    else:
        result.notes.append(f"anchor at record {seq} matches")


def _check_rows(store: Any, bound: dict[tuple[str, str], tuple[str, int]], result: Verification, batch: int = 2000) -> None:
    seen: set[tuple[str, str]] = set()
    unbound: dict[str, list[str]] = {}
    changed: list[str] = []
    for table, model in AUDITED.items():
        for row in _rows(store, model, batch):
            result.rows_checked += 1
            k = row_key(row)
            seen.add(k)
            b = bound.get(k)
            if b is None:
                unbound.setdefault(table, []).append(k[1])
            elif b[0] != row_digest(row):
                changed.append(f"{table} row {k[1]} changed after audit record {b[1]} bound it")
    result.problems.extend(changed)
    for table, keys in unbound.items():
        shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
        result.problems.append(f"{len(keys)} {table} row(s) on no audit record (written behind kordon's back): {shown}")
    for (table, pk), (_, seq) in sorted(bound.items(), key=lambda x: x[1][1]):
        if (table, pk) not in seen:
            result.problems.append(f"{table} row {pk} bound by audit record {seq} is missing (deleted)")


def _check_groups(store: Any, bound: dict[tuple[str, str], tuple[int, str, int]], result: Verification,
                  batch: int = 2000) -> None:
    """Recompute each group's digest from its rows, streamed once in key order (one running hash per group)."""
    for table, (model, column) in AUDITED_GROUPS.items():
        found: dict[str, _GroupDigest] = {}
        for row in _rows(store, model, batch):
            result.rows_checked += 1
            found.setdefault(str(getattr(row, column)), _GroupDigest()).add(row)
        for group, digest in sorted(found.items()):
            b = bound.get((table, group))
            if b is None:
                result.problems.append(f"{digest.rows} {table} row(s) of {column} {group} on no audit record "
                                       "(written behind kordon's back)")
            elif (digest.rows, digest.h.hexdigest()) != b[:2]:
                how = ("rows inserted" if digest.rows > b[0] else "rows deleted" if digest.rows < b[0]
                       else "rows changed")
                result.problems.append(f"{table} of {column} {group} changed after audit record {b[2]} bound them: "
                                       f"{b[0]} row(s) bound, {digest.rows} found ({how})")
        for (t, group), (count, _, seq) in sorted(bound.items(), key=lambda x: x[1][2]):
            if t == table and group not in found and count:
                result.problems.append(f"all {count} {table} row(s) of {column} {group} bound by audit record {seq} "
                                       "are missing (deleted)")


def _check_batches(store: Any, batches: dict[str, list[tuple[int, dict[str, Any]]]], result: Verification) -> None:
    for action, check in BATCH_CHECKS.items():
        n, problems = check(store, batches.get(action, []))
        result.rows_checked += n
        result.problems.extend(problems)


def _rows(store: Any, model: Any, batch: int) -> Iterator[Any]:
    """Every row of an audited table in key order, read `batch` rows per session."""
    pk_col = next(iter(model.__table__.primary_key.columns))
    last: Any = None
    while True:
        with store.session() as s:
            q = select(model).order_by(pk_col)
            if last is not None:
                q = q.where(pk_col > last)
            rows = list(s.scalars(q.limit(batch)))
        if not rows:
            return
        yield from rows
        last = getattr(rows[-1], pk_col.key)
