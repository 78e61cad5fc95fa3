"""Liveness and readiness: the only endpoints without a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Ready to screen: lists loaded and the database reachable")
def ready(request: Request) -> Any:
    k = request.app.state.kordon
    problems = []
    if not k.context.goods.lists:
        problems.append("no goods lists loaded")
    try:
        with k.store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any database failure means not ready
        problems.append(f"database unreachable: {type(exc).__name__}")
    body = {"ready": not problems, "problems": problems, "lists": k.context.list_versions()}
    return JSONResponse(body, status_code=200 if not problems else 503)
