"""Cases: declarations and parties grouped for investigation, with a status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from kordon.interfaces.api.deps import requires
from kordon.interfaces.api.limits import INT_MAX
from kordon.interfaces.api.reviews import _run
from kordon.record import cases
from kordon.record.cases import CaseIn, CaseUpdate
from kordon.record.keys import Principal

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("", status_code=201, summary="Open a case")
def open_case(request: Request, body: CaseIn, who: Principal = Depends(requires("cases"))) -> dict[str, Any]:
    return _run(cases.create_case, request.app.state.kordon.store, who, body)


@router.get("", summary="Cases, newest first")
def list_cases(request: Request, status: str | None = Query(None, pattern="^(open|under_investigation|referred_for_prosecution|closed)$"),
               who: Principal = Depends(requires("read"))) -> list[dict[str, Any]]:
    return cases.list_cases(request.app.state.kordon.store, status)


@router.get("/{case_id}", summary="One case")
def get_case(request: Request, case_id: int = Path(ge=1, le=INT_MAX), who: Principal = Depends(requires("read"))) -> dict[str, Any]:
    case = cases.get_case(request.app.state.kordon.store, case_id)
    if case is None:
        raise HTTPException(404, f"no case {case_id}")
    return case


@router.patch("/{case_id}", summary="Change a case's status, note, declarations or parties")
def update_case(request: Request, body: CaseUpdate, case_id: int = Path(ge=1, le=INT_MAX), who: Principal = Depends(requires("cases"))) -> dict[str, Any]:
    return _run(cases.update_case, request.app.state.kordon.store, who, case_id, body)
