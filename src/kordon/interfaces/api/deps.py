"""What every endpoint shares: the service, the caller, and the permission check."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from kordon.record.keys import Principal, authenticate

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer kd_...`")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key in the X-API-Key header")


def caller(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(bearer),
           key: str | None = Depends(header_key)) -> Principal:
    secret = cred.credentials if cred else key
    if not secret:
        raise HTTPException(401, "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    who = authenticate(request.app.state.kordon.store, secret)
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
