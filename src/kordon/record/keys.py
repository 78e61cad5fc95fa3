"""API keys: who may call kordon and in which role.

A key is shown once when it is made; only its SHA-256 is stored. Keys are 256 random bits, so a
fast hash is enough (a slow password hash guards low-entropy secrets, which these are not) and
lets every request be checked in microseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from kordon.record.db import Base

ROLES = ("officer", "supervisor", "analyst", "admin")

# What each role may do. Kept as data so the role matrix is one table, tested as one table.
PERMISSIONS: dict[str, frozenset[str]] = {
    "officer": frozenset({"read", "screen", "review"}),
    "supervisor": frozenset({"read", "screen", "review", "override", "cases"}),
    "analyst": frozenset({"read", "audit"}),
    "admin": frozenset({"lists", "keys", "audit"}),
}

PREFIX = "kd_"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16), doc="The first characters of the key, to tell keys apart")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a key's id, name and role."""

    key_id: int
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def actor(self) -> str:
        return f"{self.name} (key {self.key_id}, {self.role})"


@dataclass
class KeyInfo:
    id: int
    name: str
    role: str
    hint: str
    created_at: dt.datetime
    created_by: str | None
    revoked_at: dt.datetime | None

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "hint": self.hint,
                "created_at": self.created_at.isoformat() if self.created_at else None, "created_by": self.created_by,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.role, row.hint, row.created_at, row.created_by, row.revoked_at)


def create_key(store, name: str, role: str, created_by: str = "cli") -> tuple[str, KeyInfo]:
    """Make a key; returns the secret (shown once) and its record. The change is audited."""
    from kordon.record import audit

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("a key needs a name (who or what will use it)")
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.session.begin() as s:
        row = ApiKeyRow(name=name.strip(), role=role, key_sha256=hash_key(secret), hint=secret[:8], created_by=created_by)
        s.add(row)
        s.flush()
        info = _info(row)
    audit.append(store, created_by, "key.create", f"key:{info.id}", {"name": info.name, "role": role, "hint": info.hint})
    return secret, info


def list_keys(store) -> list[KeyInfo]:
    with store.session() as s:
        return [_info(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke_key(store, key_id: int, revoked_by: str = "cli") -> KeyInfo:
    from kordon.record import audit

    with store.session.begin() as s:
        row = s.get(ApiKeyRow, key_id)
        if row is None:
            raise LookupError(f"no key with id {key_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        info = _info(row)
    audit.append(store, revoked_by, "key.revoke", f"key:{key_id}", {"name": info.name, "role": info.role})
    return info


def authenticate(store, secret: str | None) -> Principal | None:
    """The principal a presented key belongs to, or None if it is unknown or revoked."""
    if not secret or not secret.startswith(PREFIX):
        return None
    with store.session() as s:
        row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.key_sha256 == hash_key(secret))).first()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.name, row.role)
