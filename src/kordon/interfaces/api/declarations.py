"""POST /v1/declarations (screen and store, one or a batch) and reading stored decisions."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from kordon.interfaces.api import limits
from kordon.interfaces.api.deps import requires
from kordon.interfaces.api.writer import as_result, public_decision
from kordon.models import Declaration
from kordon.record import cases
from kordon.record.keys import Principal
from kordon.record.store import Stored
from kordon.service import Kordon

router = APIRouter(prefix="/v1/declarations", tags=["declarations"])

MAX_BATCH = 1000


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused once it passes the limit (without reading the rest into memory)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"request body of {int(length)} bytes exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    try:
        return limits.parse(raw)
    except limits.BadBody as exc:
        raise HTTPException(exc.status, exc.detail) from None


def _errors(exc: ValidationError, index: int | None) -> list[dict[str, Any]]:
    prefix: list[Any] = ["body"] if index is None else ["body", "declarations", index]
    return [{"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors(include_url=False, include_input=False)]


def check_profile(who: Principal, profile: str | None) -> str | None:
    """The profile a request is decided under: the one it names, else its key's (None: the server's settings).
    A named profile must be a bundled one (a file path from a client is not accepted: 422); a key pinned
    to its profile may not name another (403)."""
    from kordon.ingest.profiles import bundled_profile_names
    from kordon.record.keys import PinnedProfile

    names = bundled_profile_names()
    if profile is not None and profile not in names:
        raise HTTPException(422, f"unknown profile {profile!r}; profiles: {', '.join(names)}")
    try:
        chosen = who.profile_for(profile)
    except PinnedProfile as exc:
        raise HTTPException(403, str(exc)) from None
    if chosen is not None and chosen not in names:
        # The key names a profile this server no longer ships: decide nothing rather than fall back to another law.
        raise HTTPException(409, f"this API key's profile {chosen!r} is not available on this server; "
                                 f"profiles: {', '.join(names)}")
    return chosen


def profile_conflict(who: Principal, chosen: str | None, stored: Stored) -> str | None:
    """Why a repeat may not be answered with its stored decision: the content was decided before under
    another profile than the one this key is pinned to (answering with it would switch the key's law)."""
    made_under = stored.decision.profile
    if not stored.repeat or who.profile_override or made_under == chosen:
        return None
    return (f"declaration {stored.declaration.id!r} version {stored.version} was decided under profile "
            f"{made_under!r}; this key is pinned to {chosen!r}; submit the declaration under a new id or ask "
            f"an officer to review it under {chosen!r}")


async def screen_and_store(request: Request, who: Principal, decls: list[Declaration],
                           profile: str | None = None) -> list[dict[str, Any]]:
    """Hand the declarations to the group writer (the one screening path) and wait until they are committed,
    so a 2xx means screened, stored and audited. A repeat a pinned key may not be answered with comes back
    as {"declaration_id", "version", "conflict"}."""
    if not decls:
        return []
    stored: list[Stored] = await asyncio.wrap_future(request.app.state.writer.submit(who, decls, profile))
    k: Kordon = request.app.state.kordon
    out: list[dict[str, Any]] = []
    for x in stored:
        conflict = profile_conflict(who, profile, x)
        if conflict is not None:
            out.append({"declaration_id": x.declaration.id, "version": x.version, "conflict": conflict})
            continue
        result = as_result(x)
        if x.repeat:  # the stored declaration may have been reviewed or seized since
            result["status"] = await run_in_threadpool(cases.declaration_status, k.store, x.declaration.id, x.version)
        out.append(result)
    return out


def _declaration_schema() -> dict[str, Any]:
    return {"oneOf": [
        {"$ref": "#/components/schemas/Declaration"},
        {"type": "array", "items": {"$ref": "#/components/schemas/Declaration"}, "maxItems": MAX_BATCH},
        {"type": "object", "required": ["declarations"], "additionalProperties": False,
         "properties": {"declarations": {"type": "array", "items": {"$ref": "#/components/schemas/Declaration"}, "maxItems": MAX_BATCH}}},
    ]}


@router.post(
    "",
    summary="Screen and store one declaration or a batch",
    description=(
        "Idempotent by declaration id and content: the same content again returns the stored decision (`repeat: true`); "
        "changed content is an amendment, screened again and stored as the next version. A single declaration that does "
        "not validate gets 422; in a batch, valid declarations are processed and each invalid one is reported by index."),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _declaration_schema()}}}},
    responses={400: {"description": "Malformed JSON"}, 413: {"description": "Body too large"}, 422: {"description": "Invalid declaration"}},
)
async def submit(request: Request, who: Principal = Depends(requires("screen")),
                 profile: str | None = Query(None, description="Jurisdiction profile whose law decides the actions "
                                             "(kz_customs, eu_exporter, us_person, bank_kz, uk_exporter); default: the "
                                             "API key's profile, else the server's settings. A key pinned to its profile "
                                             "may not name another (403)")
                 ) -> JSONResponse:
    profile = check_profile(who, profile)
    data = parse_json(await read_body(request, request.app.state.max_body))
    if isinstance(data, dict) and "declarations" in data:
        extra = set(data) - {"declarations"}
        if extra:
            raise HTTPException(422, f"unknown field(s) {sorted(extra)} next to 'declarations'; a batch has only 'declarations'")
        data = data["declarations"]
        if not isinstance(data, list):
            raise HTTPException(422, f"'declarations' must be a list, got {type(data).__name__}")
    if isinstance(data, dict):
        return await _submit_one(request, who, data, profile)
    if not isinstance(data, list):
        raise HTTPException(422, f"expected a declaration object or a list of them, got {type(data).__name__}")
    if len(data) > MAX_BATCH:
        raise HTTPException(413, f"a batch holds at most {MAX_BATCH} declarations, got {len(data)}")
    valid, errors = [], []
    for i, item in enumerate(data):
        try:
            valid.append((i, Declaration.model_validate(item)))
        except ValidationError as exc:
            errors.append({"index": i, "id": item.get("id") if isinstance(item, dict) else None, "errors": _errors(exc, i)})

    stored = await screen_and_store(request, who, [d for _, d in valid], profile)
    return JSONResponse(_batch_answer(len(data), [i for i, _ in valid], stored, errors))


async def _submit_one(request: Request, who: Principal, data: dict[str, Any], profile: str | None) -> JSONResponse:
    try:
        decl = Declaration.model_validate(data)
    except ValidationError as exc:
        return JSONResponse({"detail": _errors(exc, None)}, status_code=422)
    result = (await screen_and_store(request, who, [decl], profile))[0]
    if "conflict" in result:
        raise HTTPException(409, result["conflict"])
    return JSONResponse(result)


def _batch_answer(read: int, indexes: list[int], stored: list[dict[str, Any]], errors: list[dict[str, Any]]) -> dict[str, Any]:
    results = [{"index": i, **r} for i, r in zip(indexes, stored) if "conflict" not in r]
    # A repeat decided under another profile than the key's pinned one is an error of its own, not a result.
    errors = sorted(errors + [{"index": i, "id": r["declaration_id"], "errors": [
        {"loc": ["query", "profile"], "msg": r["conflict"], "type": "profile_conflict"}]}
        for i, r in zip(indexes, stored) if "conflict" in r], key=lambda e: e["index"])
    return {"read": read, "accepted": len(results), "rejected": len(errors), "results": results, "errors": errors}


@router.get("", summary="Held declarations, riskiest first (the review queue)")
def list_queue(request: Request, lane: str | None = Query(None, pattern="^(yellow|red)$"), destination: str | None = None,
               type: str | None = None, q: str | None = None, limit: int = Query(200, ge=1, le=1000),
               who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    items = cases.queue(request.app.state.kordon.store, lane=lane, destination=destination, type_=type, q=q, limit=limit)
    return {"count": len(items), "items": items}


def declaration_view(k: Kordon, declaration_id: str, version: int | None = None) -> dict[str, Any]:
    record = k.store.get(declaration_id, version)
    if record is None:
        raise HTTPException(404, f"no stored declaration {declaration_id!r}" + (f" version {version}" if version else ""))
    reviews = cases.reviews(k.store, declaration_id)
    seizures = cases.seizures(k.store, declaration_id)
    return {
        "declaration_id": declaration_id, "version": record.version, "versions": k.store.versions(declaration_id),
        "status": cases.clearance_status(record.decision_now.lane.value, record.version, reviews, seizures),
        "declaration": record.declaration.model_dump(mode="json", exclude_none=True),
        # The decision in force; when a re-screen after a list change escalated it, the first one is kept beside it.
        "decision": public_decision(record.decision_now.model_dump(mode="json")),
        "first_decision": public_decision(record.decision.model_dump(mode="json")) if record.current is not None else None,
        "reviews": reviews, "inspections": cases.inspections(k.store, declaration_id),
        "seizures": seizures,
        # What changed from the version before, when this one is an amendment (the officer sees it beside the hits).
        "changes": _changes(k, declaration_id, record),
    }


def _changes(k: Kordon, declaration_id: str, record: Any) -> list[str] | None:
    from kordon.screen.amendment import changes

    if record.version <= 1:
        return None
    previous = k.store.get(declaration_id, record.version - 1)
    return None if previous is None else changes(previous.declaration, record.declaration)


@router.get("/{declaration_id}", summary="A stored declaration with its decision, hits, reviews, inspections and seizures")
def get_declaration(request: Request, declaration_id: limits.DeclarationIdPath,
                    version: int | None = Query(None, ge=1, le=limits.INT_MAX),
                    who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    return declaration_view(request.app.state.kordon, declaration_id, version)


@router.get("/{declaration_id}/decision", summary="The decision on a declaration: lane, score, hits and explanations")
def get_decision(request: Request, declaration_id: limits.DeclarationIdPath,
                 version: int | None = Query(None, ge=1, le=limits.INT_MAX),
                 who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    return declaration_view(request.app.state.kordon, declaration_id, version)["decision"]
