"""What every endpoint shares: the service, the caller, and the permission check."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kordon.record.keys import Principal, authenticate

KEY_CACHE_SECONDS = 1.0


class KeyCache:
    """Principals of recently presented keys, for one second: a revoked key stops working within a
    second, and a busy server does not query the key table for every request. Owned by the app."""

    def __init__(self, store: Any, ttl: float = KEY_CACHE_SECONDS):
        self.store, self.ttl = store, ttl
        self._seen: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every cached key (a key was revoked through this server: effective at once)."""
        with self._lock:
            self._seen.clear()

    def get(self, secret: str) -> Principal | None:
        now = time.monotonic()
        with self._lock:
            hit = self._seen.get(secret)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        who = authenticate(self.store, secret)
        with self._lock:
            if len(self._seen) > 10_000:  # a flood of made-up keys must not grow it without bound
                self._seen.clear()
            if who is not None:
                self._seen[secret] = (now, who)
        return who

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer kd_...`")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key in the X-API-Key header")


def caller(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(bearer),
           key: str | None = Depends(header_key)) -> Principal:
    secret = cred.credentials if cred else key
    if not secret:
        raise HTTPException(401, "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    who = request.app.state.keys.get(secret)
    if who is None:
        raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return who


def requires(permission: str) -> Callable[..., Principal]:
    def check(who: Principal = Depends(caller)) -> Principal:
        if not who.can(permission):
            raise HTTPException(403, f"role {who.role!r} lacks the {permission!r} permission")
        return who

    check.__name__ = f"requires_{permission}"
    return check
