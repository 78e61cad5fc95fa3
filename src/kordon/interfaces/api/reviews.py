"""Officers' reviews, inspections and seizures on a declaration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from kordon.interfaces.api.deps import requires
from kordon.interfaces.api.limits import DeclarationIdPath
from kordon.record import cases
from kordon.record.cases import ClearanceError, InspectionIn, ReviewIn, SeizureIn
from kordon.record.keys import Principal

router = APIRouter(prefix="/v1/declarations/{declaration_id}", tags=["reviews"])


def _run(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    try:
        return fn(*args)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from None
    except ClearanceError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/review", status_code=201, summary="Record an officer's decision: release, release with conditions, inspect, seize, refer")
def review(request: Request, body: ReviewIn, declaration_id: DeclarationIdPath, who: Principal = Depends(requires("review"))) -> dict[str, Any]:
    return _run(cases.record_review, request.app.state.kordon.store, who, declaration_id, body)


@router.get("/reviews", summary="Every review of a declaration, oldest first")
def list_reviews(request: Request, declaration_id: DeclarationIdPath, who: Principal = Depends(requires("read"))) -> list[dict[str, Any]]:
    return cases.reviews(request.app.state.kordon.store, declaration_id)


@router.post("/inspections", status_code=201, summary="Record the outcome of a physical inspection")
def inspection(request: Request, body: InspectionIn, declaration_id: DeclarationIdPath, who: Principal = Depends(requires("review"))) -> dict[str, Any]:
    return _run(cases.record_inspection, request.app.state.kordon.store, who, declaration_id, body)


@router.post("/seizures", status_code=201, summary="Record a seizure: goods, quantity, value, legal basis, note")
def seizure(request: Request, body: SeizureIn, declaration_id: DeclarationIdPath, who: Principal = Depends(requires("review"))) -> dict[str, Any]:
    return _run(cases.record_seizure, request.app.state.kordon.store, who, declaration_id, body)
