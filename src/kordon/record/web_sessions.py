"""Sessions of the officers' workspace: the browser holds a random token, the store its hash.

The API key is exchanged once at sign-in and never leaves the server again. A session ends at
sign-out (the row is deleted, so a copied cookie is worthless), after ``IDLE`` without a request,
after ``LIFETIME`` in any case, and as soon as its key is revoked (checked on every request).
Each session carries its own CSRF token, which every form posts back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kordon.record.audit import transaction
from kordon.record.db import Base
from kordon.record.keys import ApiKeyRow, Principal
from kordon.record.store import Store

LIFETIME = dt.timedelta(hours=12)  # one shift, with its overtime
IDLE = dt.timedelta(hours=1)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen is written at most this often (one write per minute, not per click)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC.
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class WebSession:
    token: str | None  # only known right after sign-in
    who: Principal
    csrf: str
    expires_at: dt.datetime

    def csrf_ok(self, posted: str | None) -> bool:
        return bool(posted) and hmac.compare_digest(self.csrf, posted or "")


def start(store: Store, who: Principal, now: dt.datetime | None = None) -> WebSession:
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)

    def write(s: Session) -> None:
        # Expired sessions are swept here rather than by a timer: sign-ins are rare, rows are small.
        s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
        s.add(WebSessionRow(token_sha256=token_hash(token), key_id=who.key_id, csrf=csrf, created_at=now,
                            last_seen=now, expires_at=now + LIFETIME))

    transaction(store, write)
    return WebSession(token, who, csrf, now + LIFETIME)


def resume(store: Store, token: str | None, now: dt.datetime | None = None) -> WebSession | None:
    """The live session of a cookie's token, or None (unknown, expired, idle too long, or key revoked)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with store.session() as s:
        found = s.execute(select(WebSessionRow, ApiKeyRow).join(ApiKeyRow, ApiKeyRow.id == WebSessionRow.key_id)
                          .where(WebSessionRow.token_sha256 == token_hash(token))).first()
        if found is None:
            return None
        row, key = found
        expires, seen = _aware(row.expires_at), _aware(row.last_seen)
        who = Principal(key.id, key.name, key.role, key.profile, key.profile_override)
        row_id, csrf = row.id, row.csrf
        dead = key.revoked_at is not None or expires <= now or now - seen > IDLE
    # Writes go through the store's one writing path, so on SQLite they take their turn with the
    # server's other writers and a `lists load` in another process instead of racing them.
    if dead:
        transaction(store, lambda s: s.execute(delete(WebSessionRow).where(WebSessionRow.id == row_id)))
        return None
    if now - seen > TOUCH_EVERY:
        transaction(store, lambda s: s.execute(update(WebSessionRow).where(WebSessionRow.id == row_id)
                                               .values(last_seen=now)))
    return WebSession(None, who, csrf, expires)


def end(store: Store, token: str | None) -> None:
    if not token:
        return
    transaction(store, lambda s: s.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == token_hash(token))))
