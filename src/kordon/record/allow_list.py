"""The allow-list: reviewed false positives that stop a known non-match from hitting again.

An entry ties one list entity, *as it read when reviewed* (its content digest), to one party
fingerprint (folded name, country, identifiers), with reviewer, reason and expiry. It suppresses
nothing else: a new list entity, the same entity after a list change, another party, or a date
after the expiry all hit as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.index.identifiers import normalise
from kordon.index.names import name_key
from kordon.record.db import make_engine
from kordon.record.tables import AllowListRow, utcnow

__all__ = ["AllowEntry", "AllowList", "AllowListRow", "add", "load", "party_fingerprint"]


def party_fingerprint(name: str, country: str | None, identifiers: dict[str, str] | list[tuple[str, str]] | None = None) -> str:
    items = identifiers.items() if isinstance(identifiers, dict) else (identifiers or [])
    ids = sorted(normalise(k, v).key for k, v in items)
    basis = "|".join([" ".join(sorted(name_key(name).tokens)), (country or "").upper(), *ids])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class AllowEntry:
    list_id: str
    entity_id: str
    entity_digest: str
    party_fingerprint: str
    reviewer: str
    reason: str
    expires: dt.date


class AllowList:
    def __init__(self, entries: list[AllowEntry], upto: int = 0):
        # Later entries for the same party and entity replace earlier ones (entries come in store order).
        self._by = {(e.party_fingerprint, e.list_id, e.entity_id): e for e in entries}
        self.upto = upto  # store key of the last entry loaded: the allow-list "version" a decision used

    def __len__(self) -> int:
        return len(self._by)

    def covers(self, fingerprint: str, list_id: str, entity_id: str, entity_digest: str, on: dt.date) -> AllowEntry | None:
        e = self._by.get((fingerprint, list_id, entity_id))
        if e is None or e.entity_digest != entity_digest or on > e.expires:
            return None
        return e


def _sessions(store_url: str) -> sessionmaker:
    from kordon.record.db import Base
    from kordon.record.schema import _models

    _models()
    engine = make_engine(store_url)
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def add(store_url: str, *, list_id: str, entity_id: str, entity_digest: str, party_name: str, country: str | None,
        identifiers: dict[str, str] | None, reviewer: str, reason: str, expires: dt.date, actor: str | None = None) -> AllowEntry:
    """Add an entry; it is written with its audit record in one transaction."""
    from kordon.record import audit
    from kordon.record.store import Store

    if not reviewer.strip() or not reason.strip():
        raise ValueError("an allow-list entry needs a reviewer and a reason")
    if expires <= dt.date.today():
        raise ValueError(f"expiry {expires} is not in the future")
    fp = party_fingerprint(party_name, country, identifiers)

    def write(s: Session) -> None:
        row = AllowListRow(list_id=list_id, entity_id=entity_id, entity_digest=entity_digest, party_fingerprint=fp,
                           party_name=party_name, reviewer=reviewer, reason=reason, expires=expires, created_at=utcnow())
        s.add(row)
        s.flush()
        audit.append_in(s, actor or reviewer, "allow_list.add", f"list:{list_id}",
                        {"entity_id": entity_id, "party": party_name, "reason": reason, "expires": expires.isoformat()},
                        rows=[row])

    store = Store(store_url)
    try:
        store.transaction(write)
    finally:
        store.engine.dispose()
    return AllowEntry(list_id, entity_id, entity_digest, fp, reviewer, reason, expires)


def load(store_url: str | None, upto: int | None = None) -> AllowList:
    """The allow-list, or as it stood when its last entry was `upto` (for replaying a past decision)."""
    from kordon.record.sanctions_lists import _store_exists

    if not store_url or not _store_exists(store_url):
        return AllowList([])
    with _sessions(store_url)() as s:
        q = select(AllowListRow).order_by(AllowListRow.pk)
        if upto is not None:
            q = q.where(AllowListRow.pk <= upto)
        rows = s.scalars(q).all()
        entries = [AllowEntry(r.list_id, r.entity_id, r.entity_digest, r.party_fingerprint, r.reviewer, r.reason, r.expires) for r in rows]
        return AllowList(entries, rows[-1].pk if rows else 0)
