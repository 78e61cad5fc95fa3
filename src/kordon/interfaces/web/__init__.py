"""The officers' workspace: server-rendered pages (Jinja2) with htmx for the queue filters.

Signing in exchanges an API key for an HttpOnly, SameSite=Strict cookie holding it; every page
checks the key and its role exactly as the API does. htmx is shipped in static/ (no CDN, no build).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from kordon.interfaces.api.declarations import declaration_view
from kordon.interfaces.api.lists import list_status
from kordon.record import cases
from kordon.record.cases import CaseIn, CaseUpdate, ClearanceError, ReviewIn, SeizureIn
from kordon.record.keys import Principal, authenticate

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def declared(decl: dict[str, Any], subject: str) -> str:
    """What the declaration says at a hit's subject (items[2], parties[1], route), to set beside the list entry."""
    import re

    m = re.fullmatch(r"(items|parties)\[(\d+)\]", subject or "")
    if m:
        seq = decl.get(m.group(1), [])
        i = int(m.group(2))
        if i < len(seq):
            x = seq[i]
            if m.group(1) == "items":
                return f"{x.get('hs_code', '')} {x.get('description', '')} (origin {x.get('origin') or '?'})"
            return f"{x.get('name', '')} ({x.get('country', '')}, {x.get('role', '')})"
    if subject == "route":
        r = decl.get("route", {})
        return " → ".join([r.get("dispatch", ""), *r.get("transit", []), r.get("destination", "")])
    return ""


templates.env.globals["declared"] = declared
COOKIE = "kordon_key"


class SignIn(Exception):
    pass


def _who(request: Request, permission: str | None = "read") -> Principal:
    who = authenticate(request.app.state.kordon.store, request.cookies.get(COOKIE))
    if who is None:
        raise SignIn()
    if permission and not who.can(permission):
        raise PermissionError(f"role {who.role!r} lacks the {permission!r} permission")
    return who


def _page(request: Request, name: str, who: Principal | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, **ctx}, status_code=status)


def _form_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]


def mount(app: FastAPI) -> None:  # noqa: C901 - one route table; issue 15 rebuilds the workspace, split it there
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(SignIn)
    async def _signin(request: Request, exc: SignIn) -> Response:  # noqa: ARG001
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PermissionError)
    async def _forbidden(request: Request, exc: PermissionError) -> Response:
        return _page(request, "message.html", None, status=403, title="Not allowed", message=str(exc))

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        return _page(request, "login.html", None)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, key: str = Form("")) -> Response:
        who = authenticate(request.app.state.kordon.store, key.strip())
        if who is None:
            return _page(request, "login.html", None, status=401, error="Unknown or revoked key.")
        target = "/" if who.can("read") else "/lists"
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict")
        return resp

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/", include_in_schema=False)
    def queue_page(request: Request, lane: str = "", destination: str = "", q: str = "") -> Response:
        who = _who(request)
        items = cases.queue(request.app.state.kordon.store, lane=lane or None, destination=destination or None, q=q or None)
        ctx: dict[str, Any] = {"items": items, "lane": lane, "destination": destination, "q": q}
        if request.headers.get("HX-Request"):
            return _page(request, "queue_rows.html", who, **ctx)
        return _page(request, "queue.html", who, **ctx)

    @app.get("/declarations/{declaration_id}", include_in_schema=False)
    def declaration_page(request: Request, declaration_id: str, version: int | None = None, error: str = "") -> Response:
        who = _who(request)
        from fastapi import HTTPException

        try:
            view = declaration_view(request.app.state.kordon, declaration_id, version)
        except HTTPException as exc:
            return _page(request, "message.html", who, status=404, title="Not found", message=exc.detail)
        return _page(request, "declaration.html", who, v=view, error=error,
                     decisions=[d.value for d in cases.ReviewDecision])

    def _act(request: Request, declaration_id: str, fn, body_cls, data: dict[str, Any]) -> Response:
        who = _who(request, "review")
        try:
            fn(request.app.state.kordon.store, who, declaration_id, body_cls.model_validate(data))
        except ValidationError as exc:
            return declaration_page(request, declaration_id, error="; ".join(_form_errors(exc)))
        except (ClearanceError, LookupError, PermissionError) as exc:
            return declaration_page(request, declaration_id, error=str(exc))
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)

    @app.post("/declarations/{declaration_id}/review", include_in_schema=False)
    def review_form(request: Request, declaration_id: str, decision: str = Form(""), reason: str = Form(""),
                    conditions: str = Form(""), override: str = Form("")) -> Response:
        data = {"decision": decision, "reason": reason, "conditions": conditions or None, "override": bool(override)}
        return _act(request, declaration_id, cases.record_review, ReviewIn, data)

    @app.post("/declarations/{declaration_id}/seizure", include_in_schema=False)
    def seizure_form(request: Request, declaration_id: str, goods: str = Form(""), hs_code: str = Form(""),
                     quantity: str = Form(""), unit: str = Form(""), value: str = Form(""), currency: str = Form(""),
                     legal_basis: str = Form(""), note: str = Form("")) -> Response:
        data = {"goods": goods, "hs_code": hs_code or None, "quantity": quantity or None, "unit": unit,
                "value": value or None, "currency": currency or None, "legal_basis": legal_basis, "note": note or None}
        return _act(request, declaration_id, cases.record_seizure, SeizureIn, data)

    @app.get("/cases", include_in_schema=False)
    def cases_page(request: Request, error: str = "") -> Response:
        who = _who(request)
        return _page(request, "cases.html", who, cases=cases.list_cases(request.app.state.kordon.store), error=error)

    @app.post("/cases", include_in_schema=False)
    def open_case(request: Request, title: str = Form(""), declarations: str = Form(""), parties: str = Form(""),
                  note: str = Form("")) -> Response:
        who = _who(request, "cases")
        party_list = []
        for line in parties.splitlines():
            if line.strip():
                name, _, country = line.partition(";")
                party_list.append({"name": name.strip(), "country": country.strip().upper() or None})
        data = {"title": title, "note": note or None, "parties": party_list,
                "declarations": [d.strip() for d in declarations.replace(",", " ").split() if d.strip()]}
        try:
            case = cases.create_case(request.app.state.kordon.store, who, CaseIn.model_validate(data))
        except ValidationError as exc:
            return cases_page(request, error="; ".join(_form_errors(exc)))
        except LookupError as exc:
            return cases_page(request, error=str(exc))
        return RedirectResponse(f"/cases/{case['id']}", status_code=303)

    @app.get("/cases/{case_id}", include_in_schema=False)
    def case_page(request: Request, case_id: int) -> Response:
        who = _who(request)
        case = cases.get_case(request.app.state.kordon.store, case_id)
        if case is None:
            return _page(request, "message.html", who, status=404, title="Not found", message=f"no case {case_id}")
        return _page(request, "case.html", who, case=case, statuses=[s.value for s in cases.CaseStatus])

    @app.post("/cases/{case_id}", include_in_schema=False)
    def update_case(request: Request, case_id: int, status: str = Form("")) -> Response:
        who = _who(request, "cases")
        try:
            cases.update_case(request.app.state.kordon.store, who, case_id, CaseUpdate.model_validate({"status": status}))
        except ValidationError as exc:
            return _page(request, "message.html", who, status=400, title="Not saved", message="; ".join(_form_errors(exc)))
        except (LookupError, cases.ClearanceError) as exc:
            return _page(request, "message.html", who, status=400, title="Not saved", message=str(exc))
        return RedirectResponse(f"/cases/{case_id}", status_code=303)

    @app.get("/lists", include_in_schema=False)
    def lists_page(request: Request) -> Response:
        who = _who(request, None)
        return _page(request, "lists.html", who, status_info=list_status(request.app.state.kordon.context))
