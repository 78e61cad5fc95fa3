"""EAEU documents over HTTP: load DTs/ESFs/SNTs, verify SNTs for export, trace them, and the verdict queue.

The same library functions as `kordon documents load|verify|trace` (kordon.eaeu.Documents).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from kordon.interfaces.api.declarations import parse_json, read_body
from kordon.interfaces.api.deps import requires
from kordon.record.keys import Principal

router = APIRouter(prefix="/v1/documents", tags=["EAEU documents"])

MAX_BATCH = 5000


def documents(request: Request):
    """One Documents service per app, sharing the declaration service's store and screening context."""
    docs = getattr(request.app.state, "documents", None)
    if docs is None:
        from kordon.eaeu import Documents

        k = request.app.state.kordon
        docs = request.app.state.documents = Documents(k.settings, k.store, screening=k.live_context)
    return docs


def _documents_of(raw: bytes, content_type: str) -> list[tuple[int, Any]]:
    """(position, JSON value) of each document: JSON Lines (by line), a JSON list, or {"documents": [...]} (by index)."""
    if "ndjson" in content_type or "jsonl" in content_type:
        out = []
        for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                out.append((n, exc))
        return out
    data = parse_json(raw)
    if isinstance(data, dict) and "documents" in data:
        data = data["documents"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise HTTPException(422, f"expected a document, a list of them or {{\"documents\": [...]}}, got {type(data).__name__}")
    return list(enumerate(data))


@router.post("", summary="Store DTs, ESFs and SNTs (idempotent; changed content is a new version)",
             description="Body: JSON Lines (`Content-Type: application/x-ndjson`, errors by line), a JSON list, or "
                         "`{\"documents\": [...]}` (errors by index). Valid documents are stored, each invalid one reported "
                         "with its field and reason. The same content again changes nothing.")
async def load(request: Request, who: Principal = Depends(requires("screen"))) -> dict[str, Any]:
    from kordon.ingest.documents import validate_document
    from kordon.models.documents import DT, ESF, SNT

    raw = await read_body(request, request.app.state.max_body)
    items = _documents_of(raw, request.headers.get("content-type", ""))
    if len(items) > MAX_BATCH:
        raise HTTPException(413, f"a batch holds at most {MAX_BATCH} documents, got {len(items)}")
    valid: list[DT | ESF | SNT] = []
    errors = []
    for pos, value in items:
        if isinstance(value, Exception):
            errors.append({"position": pos, "field": None, "reason": f"broken JSON: {value}"})
            continue
        result = validate_document(value, "request", pos)
        if result.document is None:
            errors.extend({"position": pos, "number": e.record_id, "field": e.field, "reason": e.reason} for e in result.errors)
        else:
            valid.append(result.document)
    docs = documents(request)
    stored = await run_in_threadpool(docs.load_documents, valid, "api", f"api:{who.name}") if valid else None
    rejected = len({e["position"] for e in errors})
    return {"read": len(items), "accepted": len(valid), "rejected": rejected,
            "new": stored.new if stored else 0, "changed": stored.changed if stored else 0,
            "repeats": stored.repeats if stored else 0, "errors": errors}


def key_profile(who: Principal, requested: str | None) -> str:
    """The profile a document request is decided under: the one named, else the key's, else kz_customs
    (the SRC's export verification); a key pinned to its profile may not name another (403)."""
    from kordon.record.keys import PinnedProfile

    try:
        return who.profile_for(requested) or "kz_customs"
    except PinnedProfile as exc:
        raise HTTPException(403, str(exc)) from None


class VerifyRequest(BaseModel):
    numbers: list[str] = Field(default_factory=list, description="SNT registration numbers", max_length=MAX_BATCH)
    all: bool = Field(False, description="Verify every current SNT on record")
    profile: str | None = Field(None, description="Whose law decides the verdict; default: the API key's profile, else "
                                "kz_customs (the SRC's verification). A key pinned to its profile may not name another")
    record: bool = Field(True, description="Store each verdict with an audit record")


@router.post("/verify", summary="The SRC's export verification of SNTs: verified | refused | review, with reasons")
async def verify(body: VerifyRequest, request: Request, who: Principal = Depends(requires("screen"))) -> dict[str, Any]:
    from kordon.screen.documents import UnknownProfile

    if bool(body.numbers) == body.all:
        raise HTTPException(422, "give 'numbers' or 'all': true (not both)")
    docs = documents(request)
    profile = key_profile(who, body.profile)
    try:
        verdicts, missing = await run_in_threadpool(docs.verify, None if body.all else body.numbers, profile, body.record,
                                                    f"api:{who.name}")
    except UnknownProfile as exc:
        raise HTTPException(422, str(exc)) from None
    from kordon.interfaces.cli.documents import verdict_row

    return {"count": len(verdicts), "verdicts": [verdict_row(v) for v in verdicts], "not_found": missing}


@router.get("/snt", summary="Verified SNTs, latest first (the SNT verification queue)")
def queue(request: Request, verdict: Literal["verified", "refused", "review"] | None = None, limit: int = Query(200, ge=1, le=1000),
          offset: int = Query(0, ge=0), who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    items = documents(request).documents.verdicts(verdict=verdict, limit=limit, offset=offset)
    return {"count": len(items), "offset": offset, "items": items}


@router.get("/snt/{number}/verdict", summary="The latest recorded verdict on an SNT")
def latest_verdict(request: Request, number: str, who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    found = documents(request).documents.verdicts(number, limit=1)
    if not found:
        raise HTTPException(404, f"no verdict on SNT {number!r}; verify it first")
    return found[0]


@router.get("/snt/{number}/trace", summary="Each SNT row back to its imports, with the chain flags")
async def trace(request: Request, number: str, profile: str | None = None, who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    from kordon.screen.documents import UnknownProfile

    try:
        found = await run_in_threadpool(documents(request).trace, number, key_profile(who, profile))
    except UnknownProfile as exc:
        raise HTTPException(422, str(exc)) from None
    if found is None:
        raise HTTPException(404, f"no SNT {number!r} on record")
    return found


@router.get("/{kind}/{number:path}", summary="A stored DT, ESF or SNT (current version unless one is named)")
def get_document(request: Request, kind: Literal["dt", "esf", "snt"], number: str, version: int | None = Query(None, ge=1),
                 who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    store = documents(request).documents
    found = store.get(kind, number, version)
    if found is None:
        raise HTTPException(404, f"no {kind} {number!r} on record" + (f" version {version}" if version else ""))
    doc, v = found
    return {"kind": kind, "number": number, "version": v, "versions": store.versions(kind, number),
            "document": doc.model_dump(mode="json", exclude_none=True)}


__all__ = ["ValidationError", "router"]
