"""API keys: who may call kordon and in which role.

A key is shown once when it is made; only its SHA-256 is stored. Keys are 256 random bits, so a
fast hash is enough (a slow password hash guards low-entropy secrets, which these are not) and
lets every request be checked in microseconds.

A key may carry a jurisdiction profile (whose law decides for its requests; docs/profiles.md). A key
with a profile is pinned to it unless made with ``profile_override=True``: a request naming another
profile is then refused (403), so a bank's key cannot be switched to a laxer law by a query parameter.
A key without a profile follows the server's settings and may name a profile per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.record.tables import ApiKeyRow, utcnow

__all__ = ["ROLES", "ApiKeyRow", "KeyInfo", "PinnedProfile", "Principal", "authenticate", "create_key", "list_keys",
           "revoke_key"]

ROLES = ("officer", "supervisor", "analyst", "admin")

# What each role may do. Kept as data so the role matrix is one table, tested as one table.
PERMISSIONS: dict[str, frozenset[str]] = {
    "officer": frozenset({"read", "screen", "review"}),
    "supervisor": frozenset({"read", "screen", "review", "override", "cases"}),
    "analyst": frozenset({"read", "audit"}),
    "admin": frozenset({"lists", "keys", "audit"}),
}

PREFIX = "kd_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class PinnedProfile(PermissionError):
    """A request named a profile other than the one its key is pinned to."""


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a key's id, name and role, and the profile its requests are decided under."""

    key_id: int
    name: str
    role: str
    profile: str | None = None  # None: the server's settings
    profile_override: bool = True

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def profile_for(self, requested: str | None) -> str | None:
        """The profile a request is decided under: the one it names, else the key's (None: the settings').
        Raises PinnedProfile when the key is pinned and the request names another."""
        if requested is None or requested == self.profile:
            return self.profile
        if not self.profile_override:
            raise PinnedProfile(f"this API key is pinned to profile {self.profile!r}; a request may not name "
                                f"{requested!r} (make a key for that profile instead)")
        return requested

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
    profile: str | None = None
    profile_override: bool = True

    @property
    def pinned(self) -> bool:
        return self.profile is not None and not self.profile_override

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "hint": self.hint,
                "created_at": self.created_at.isoformat() if self.created_at else None, "created_by": self.created_by,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "profile": self.profile, "profile_pinned": self.pinned}


def _info(row: ApiKeyRow) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.role, row.hint, row.created_at, row.created_by, row.revoked_at, row.profile,
                   row.profile_override)


def check_key_profile(profile: str | None) -> None:
    """A key's profile must be a bundled one (as a request's must): raises ValueError naming the choices."""
    from kordon.ingest.profiles import bundled_profile_names

    names = bundled_profile_names()
    if profile is not None and profile not in names:
        raise ValueError(f"unknown profile {profile!r}; profiles: {', '.join(names)}")


def create_key(store: Any, name: str, role: str, created_by: str = "cli", profile: str | None = None,
               profile_override: bool = False) -> tuple[str, KeyInfo]:
    """Make a key; returns the secret (shown once) and its record. The change is audited.

    With a `profile`, the key's requests are decided under it and, unless `profile_override`, may not
    name another. Without one, the server's settings decide and a request may name any bundled profile."""
    from kordon.record import audit

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValueError("a key needs a name (who or what will use it)")
    check_key_profile(profile)
    override = profile is None or profile_override
    secret = PREFIX + secrets.token_urlsafe(32)

    def write(s: Session) -> KeyInfo:
        row = ApiKeyRow(name=name.strip(), role=role, key_sha256=hash_key(secret), hint=secret[:8], created_by=created_by,
                        created_at=utcnow(), profile=profile, profile_override=override)
        s.add(row)
        s.flush()
        info = _info(row)
        audit.append_in(s, created_by, "key.create", f"key:{info.id}",
                        {"name": info.name, "role": role, "hint": info.hint, "profile": profile,
                         "profile_pinned": info.pinned}, rows=[row])
        return info

    return secret, audit.transaction(store, write)


def list_keys(store: Any) -> list[KeyInfo]:
    with store.session() as s:
        return [_info(r) for r in s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke_key(store: Any, key_id: int, revoked_by: str = "cli") -> KeyInfo:
    from kordon.record import audit

    def write(s: Session) -> KeyInfo:
        row = s.get(ApiKeyRow, key_id)
        if row is None:
            raise LookupError(f"no key with id {key_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        s.flush()
        info = _info(row)
        audit.append_in(s, revoked_by, "key.revoke", f"key:{key_id}", {"name": info.name, "role": info.role}, rows=[row])
        return info

    return audit.transaction(store, write)


def authenticate(store: Any, secret: str | None) -> Principal | None:
    """The principal a presented key belongs to, or None if it is unknown or revoked."""
    if not secret or not secret.startswith(PREFIX):
        return None
    with store.session() as s:
        row = s.scalars(select(ApiKeyRow).where(ApiKeyRow.key_sha256 == hash_key(secret))).first()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.name, row.role, row.profile, row.profile_override)
