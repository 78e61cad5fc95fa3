"""The audit trail: append-only, hash-chained records of what was done, by whom, when.

Each record carries the SHA-256 of its own content and of the record before it. Changing a record
breaks its own hash; deleting one leaves a gap in the sequence and breaks the next record's link;
moving one breaks the links on both sides. ``verify`` walks the chain and names each break.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import JSON, Integer, String, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from kordon.record.db import Base

GENESIS = "0" * 64
_LOCK = threading.Lock()  # one appender at a time in this process; the database serialises processes


class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Kept as ISO text, not a DateTime column, so the hashed value is byte-for-byte what is stored on every backend.
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(50), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))


def record_hash(seq: int, at: str, actor: str, action: str, subject: str, payload: dict[str, Any], prev: str) -> str:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject, "payload": payload, "prev": prev}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def append_in(s: Session, actor: str, action: str, subject: str, payload: dict[str, Any] | None = None) -> int:
    """Add one record inside a transaction that has already written (so it holds the database's write
    lock on SQLite); it commits or rolls back with what it records."""
    payload = json.loads(json.dumps(payload or {}, default=str))
    tail = s.info.get("audit_tail")
    if tail is None:
        # The first record of this transaction takes the lock and reads the end of the chain; once the
        # lock is held nobody else can append, so later records of the transaction chain on from memory.
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(7310421)"))
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
        tail = (0, GENESIS) if last is None else (last.seq, last.sha256)
    seq, prev = tail[0] + 1, tail[1]
    at = dt.datetime.now(dt.timezone.utc).isoformat()
    digest = record_hash(seq, at, actor, action, subject, payload, prev)
    s.add(AuditRow(seq=seq, at=at, actor=actor, action=action, subject=subject, payload=payload, prev_sha256=prev, sha256=digest))
    s.flush()
    s.info["audit_tail"] = (seq, digest)
    return seq


def writing() -> threading.Lock:
    """Hold this while a transaction of this process writes audit records with `append_in`."""
    return _LOCK


def append(store, actor: str, action: str, subject: str, payload: dict[str, Any] | None = None) -> int:
    """Add one record at the end of the chain; returns its sequence number."""
    payload = json.loads(json.dumps(payload or {}, default=str))  # exactly what the JSON column will give back
    for attempt in range(20):
        try:
            with _LOCK, store.session.begin() as s:
                return append_in(s, actor, action, subject, payload)
        except (IntegrityError, OperationalError):
            # Another process took this sequence number (or held SQLite's write lock): read the new end and retry.
            time.sleep(0.01 * (attempt + 1))
    raise RuntimeError("could not append to the audit trail after 20 attempts")


def entries(store, subject: str | None = None, limit: int | None = None) -> list[AuditRow]:
    with store.session() as s:
        q = select(AuditRow).order_by(AuditRow.seq)
        if subject is not None:
            q = q.where(AuditRow.subject == subject)
        if limit is not None:
            q = q.limit(limit)
        return list(s.scalars(q))


def _walk(store, batch: int = 5000) -> Iterator[AuditRow]:
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


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store) -> Verification:
    """Walk the chain; name every changed, deleted or reordered record."""
    result = Verification()
    expected_seq, prev = 1, GENESIS
    for row in _walk(store):
        result.checked += 1
        if row.seq != expected_seq:
            missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            result.problems.append(f"record {missing} deleted: the sequence jumps from {expected_seq - 1} to {row.seq}")
        own = record_hash(row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_sha256)
        if own != row.sha256:
            result.problems.append(f"record {row.seq} changed: its content no longer matches its hash ({row.action} {row.subject})")
        elif row.prev_sha256 != prev:
            result.problems.append(
                f"record {row.seq} out of chain: it does not follow record {row.seq - 1} (a record was deleted, inserted or reordered)")
        expected_seq, prev = row.seq + 1, row.sha256
    return result
