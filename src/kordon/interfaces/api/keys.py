"""API keys (admin) and the audit trail (admin, analyst)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from kordon.interfaces.api.deps import requires
from kordon.interfaces.api.limits import INT_MAX
from kordon.record import audit, keys
from kordon.record.keys import Principal

router = APIRouter(tags=["keys"])


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["officer", "supervisor", "analyst", "admin"]
    profile: str | None = Field(None, max_length=100, description="Jurisdiction profile the key's requests are decided "
                                "under (a bundled id); null: the server's settings")
    profile_override: bool = Field(False, description="Whether a request with this key may name another profile "
                                   "(false: the key is pinned to its profile)")


@router.post("/v1/keys", status_code=201, summary="Make an API key; the secret is in this response only")
def create_key(request: Request, body: KeyIn, who: Principal = Depends(requires("keys"))) -> dict[str, Any]:
    try:
        secret, info = keys.create_key(request.app.state.kordon.store, body.name, body.role, created_by=who.actor,
                                       profile=body.profile, profile_override=body.profile_override)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"key": secret, **info.as_dict()}


@router.get("/v1/keys", summary="Every key (never the secrets)")
def list_keys(request: Request, who: Principal = Depends(requires("keys"))) -> list[dict[str, Any]]:
    return [k.as_dict() for k in keys.list_keys(request.app.state.kordon.store)]


@router.delete("/v1/keys/{key_id}", summary="Revoke a key")
def revoke_key(request: Request, key_id: int = Path(ge=1, le=INT_MAX), who: Principal = Depends(requires("keys"))) -> dict[str, Any]:
    try:
        revoked = keys.revoke_key(request.app.state.kordon.store, key_id, revoked_by=who.actor).as_dict()
        request.app.state.keys.clear()
        return revoked
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/v1/audit", tags=["audit"], summary="Audit records, oldest first")
def audit_entries(request: Request, subject: str | None = Query(None, max_length=300), limit: int = Query(1000, ge=1, le=10000),
                  who: Principal = Depends(requires("audit"))) -> list[dict[str, Any]]:
    rows = audit.entries(request.app.state.kordon.store, subject=subject, limit=limit)
    return [{"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action, "subject": r.subject, "payload": r.payload,
             "sha256": r.sha256} for r in rows]


@router.get("/v1/audit/verify", tags=["audit"], summary="Check the hash chain; names every changed, deleted or reordered record")
def audit_verify(request: Request, who: Principal = Depends(requires("audit"))) -> dict[str, Any]:
    result = audit.verify(request.app.state.kordon.store)
    return {"ok": result.ok, "checked": result.checked, "problems": result.problems}
