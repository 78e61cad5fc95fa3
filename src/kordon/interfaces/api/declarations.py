"""POST /v1/declarations (screen and store, one or a batch) and reading stored decisions."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from kordon.interfaces.api.deps import requires
from kordon.models import Declaration
from kordon.record import audit, cases
from kordon.record.keys import Principal
from kordon.record.store import Stored
from kordon.service import Kordon

router = APIRouter(prefix="/v1/declarations", tags=["declarations"])

MAX_BATCH = 1000
CHUNK = 100  # declarations per transaction in a batch


class BodyTooLarge(Exception):
    pass


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
    if not raw.strip():
        raise HTTPException(400, "empty request body: expected a JSON declaration, a list, or {\"declarations\": [...]}")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _errors(exc: ValidationError, index: int | None) -> list[dict[str, Any]]:
    prefix: list[Any] = ["body"] if index is None else ["body", "declarations", index]
    return [{"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors(include_url=False, include_input=False)]


def _result(stored: Stored) -> dict[str, Any]:
    return {"declaration_id": stored.declaration.id, "version": stored.version, "repeat": stored.repeat,
            "amendment": stored.version > 1 and not stored.repeat,
            "status": "released" if stored.decision.lane.value == "green" else "held",
            "decision": stored.decision.model_dump(mode="json")}


def screen_many(k: Kordon, who: Principal, decls: list[Declaration], write_lock: Any = None) -> list[dict[str, Any]]:
    """Screen and store declarations, CHUNK to a transaction; each new version audited in its transaction."""

    def record(s, stored: Stored) -> None:  # noqa: ANN001
        d = stored.decision
        audit.append_in(s, who.actor, "screening", f"declaration:{stored.declaration.id}",
                        {"version": stored.version, "lane": d.lane.value, "action": d.action.value, "score": d.score,
                         "hits": [h.rule for h in d.hits], "list_versions": d.list_versions, "rules_version": d.rules_version})

    out: list[dict[str, Any]] = []
    for start in range(0, len(decls), CHUNK):
        chunk = decls[start:start + CHUNK]
        for attempt in range(5):
            try:
                # SQLite has one writer at a time: queueing writers on a lock here hands over at once,
                # where SQLite's own busy wait sleeps in steps of up to 100 ms.
                with write_lock or nullcontext():
                    stored = k.screen_and_record_many(chunk, also=record)
                break
            except (IntegrityError, OperationalError):
                # Another process stored one of these ids (or took the audit sequence number) first: the
                # transaction rolled back whole; retried, a same-content declaration is then a repeat.
                if attempt == 4:
                    raise
        out.extend(_result(x) for x in stored)
    return out


def screen_one(k: Kordon, who: Principal, decl: Declaration, write_lock: Any = None) -> dict[str, Any]:
    repeat = k.store.find_repeat(decl)
    if repeat is not None:  # a repeat needs no write, so it does not queue for the lock
        return _result(repeat)
    return screen_many(k, who, [decl], write_lock)[0]


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
async def submit(request: Request, who: Principal = Depends(requires("screen"))) -> JSONResponse:
    k: Kordon = request.app.state.kordon
    data = parse_json(await read_body(request, request.app.state.max_body))
    if isinstance(data, dict) and "declarations" in data:
        extra = set(data) - {"declarations"}
        if extra:
            raise HTTPException(422, f"unknown field(s) {sorted(extra)} next to 'declarations'; a batch has only 'declarations'")
        data = data["declarations"]
        if not isinstance(data, list):
            raise HTTPException(422, f"'declarations' must be a list, got {type(data).__name__}")
    if isinstance(data, dict):
        try:
            decl = Declaration.model_validate(data)
        except ValidationError as exc:
            return JSONResponse({"detail": _errors(exc, None)}, status_code=422)
        return JSONResponse(await run_in_threadpool(screen_one, k, who, decl, request.app.state.write_lock))
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

    stored = await run_in_threadpool(screen_many, k, who, [d for _, d in valid], request.app.state.write_lock)
    results = [{"index": i, **r} for (i, _), r in zip(valid, stored)]
    return JSONResponse({"read": len(data), "accepted": len(results), "rejected": len(errors), "results": results, "errors": errors})


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
    return {
        "declaration_id": declaration_id, "version": record.version, "versions": k.store.versions(declaration_id),
        "status": cases.clearance_status(record.decision.lane.value, record.version, reviews),
        "declaration": record.declaration.model_dump(mode="json", exclude_none=True),
        "decision": record.decision.model_dump(mode="json"),
        "reviews": reviews, "inspections": cases.inspections(k.store, declaration_id),
        "seizures": cases.seizures(k.store, declaration_id),
    }


@router.get("/{declaration_id}", summary="A stored declaration with its decision, hits, reviews, inspections and seizures")
def get_declaration(request: Request, declaration_id: str, version: int | None = Query(None, ge=1),
                    who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    return declaration_view(request.app.state.kordon, declaration_id, version)


@router.get("/{declaration_id}/decision", summary="The decision on a declaration: lane, score, hits and explanations")
def get_decision(request: Request, declaration_id: str, version: int | None = Query(None, ge=1),
                 who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    return declaration_view(request.app.state.kordon, declaration_id, version)["decision"]
