"""The officers' workspace: server-rendered pages (Jinja2), in Russian, Kazakh and English.

Signing in exchanges an API key for a server-side session (``kordon.record.web_sessions``): the
browser holds a random token in an HttpOnly, SameSite=Strict cookie (Secure, with the ``__Host-``
prefix, over HTTPS); the key never travels again. Every form carries a CSRF token — the session's,
or before sign-in a double-submit token — and a POST from another origin is refused. Every page
checks the role exactly as the API does, and calls the same record and service functions.
htmx and the page script are shipped in static/ (no CDN, no build).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from kordon.interfaces.web import explain, i18n, present
from kordon.interfaces.web.i18n import _
from kordon.record import cases, web_sessions
from kordon.record.cases import CaseIn, CaseUpdate, ClearanceError, ReviewIn, SeizureIn
from kordon.record.keys import Principal, authenticate
from kordon.record.queue import SORTS, QueueFilter, held_page, offices

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
i18n.install(templates.env)
for _name in ("lane_label", "status_label", "type_label", "action_label", "decision_label", "role_label", "severity_label",
              "case_status_label", "category_label", "subject_label", "dotted", "verdict_label", "step_label", "key_role_label", "basis_kind_label"):
    templates.env.filters[_name] = getattr(present, _name)

router = APIRouter(include_in_schema=False)
SESSION_COOKIE = "kordon_session"
LOGIN_CSRF_COOKIE = "kordon_login_csrf"
LANG_MAX_AGE = 365 * 24 * 3600
PROFILE_COOKIE = "kordon_profile"
PER_PAGE = (25, 50, 100, 200)


class SignIn(Exception):
    pass


class BadForm(Exception):
    """A POST without a valid CSRF token or from another origin."""


# -- transport and cookies ----------------------------------------------------------------------------------
def _loopback(request: Request) -> bool:
    def is_lo(host: str | None) -> bool:
        if not host:
            return False
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            return False

    return is_lo(request.url.hostname) and is_lo(request.client.host if request.client else None)


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def transport_ok(request: Request) -> bool:
    """Sign-in is offered over HTTPS, on the machine itself, or where the operator allowed plain HTTP."""
    return _https(request) or _loopback(request) or os.environ.get("KORDON_WEB_ALLOW_HTTP") == "1"


def _cookie_name(request: Request, base: str) -> str:
    # __Host- cookies must be Secure, host-only and path /: another subdomain cannot plant or read them.
    return f"__Host-{base}" if _https(request) else base


def _set_cookie(request: Request, resp: Response, base: str, value: str, max_age: int | None,
                samesite: str = "strict") -> None:
    resp.set_cookie(_cookie_name(request, base), value, max_age=max_age, path="/", httponly=True,
                    secure=_https(request), samesite=samesite)  # type: ignore[arg-type]


def _cookie(request: Request, base: str) -> str | None:
    return request.cookies.get(_cookie_name(request, base))


# -- sessions and CSRF -------------------------------------------------------------------------------------------
def _session(request: Request) -> web_sessions.WebSession | None:
    if not hasattr(request.state, "web_session"):
        request.state.web_session = web_sessions.resume(request.app.state.kordon.store, _cookie(request, SESSION_COOKIE))
    found: web_sessions.WebSession | None = request.state.web_session
    return found


def _who(request: Request, permission: str | None = "read") -> Principal:
    i18n.activate(_lang(request))  # messages raised from here on are in the officer's language
    sess = _session(request)
    if sess is None:
        raise SignIn()
    if permission and not sess.who.can(permission):
        raise PermissionError(_("Your role (%(role)s) does not allow this (%(permission)s).")
                              % {"role": sess.who.role, "permission": permission})
    return sess.who


def _csrf_token(request: Request) -> str:
    sess = _session(request)
    if sess is not None:
        return sess.csrf
    token = _cookie(request, LOGIN_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "new_login_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_login_csrf = token
    return token


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # no Origin header (old browsers, non-browser clients): the token alone decides
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", "")


async def _form(request: Request) -> dict[str, str]:
    """The posted form, after the origin and CSRF checks (the session's token, or the sign-in double submit)."""
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    if not _same_origin(request):
        raise BadForm()
    posted = data.get("csrf", "")
    sess = _session(request)
    if sess is not None:
        if not sess.csrf_ok(posted):
            raise BadForm()
    else:
        cookie = _cookie(request, LOGIN_CSRF_COOKIE)
        if not cookie or not posted or not secrets.compare_digest(cookie, posted):
            raise BadForm()
    return data


# -- rendering ------------------------------------------------------------------------------------------------------
def _lang(request: Request) -> str:
    return i18n.negotiate(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    i18n.activate(_lang(request))
    sess = _session(request)
    k = request.app.state.kordon
    choice = _profile_choice(request) if sess is not None else None
    resp = templates.TemplateResponse(request, name, {
        "who": sess.who if sess else None, "csrf": _csrf_token(request), "lang": i18n.current(), "profile_choice": choice,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "rule_title": lambda rule_id: present.rule_title(k.context.rules, rule_id),
        "rule_rationale": lambda rule_id: present.rule_rationale(k.context.rules, rule_id),
        **ctx}, status_code=status)
    new = getattr(request.state, "new_login_csrf", None)
    if new:
        _set_cookie(request, resp, LOGIN_CSRF_COOKIE, new, max_age=3600)
    resp.headers["Cache-Control"] = "no-store"  # pages show held goods and parties: not for shared caches
    resp.headers["X-Frame-Options"] = "DENY"
    # Scripts only from this site (htmx and app.js), no inline handlers; forms post only here.
    resp.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Content-Language"] = i18n.current()
    return resp


def _message(request: Request, title: str, message: str, status: int) -> HTMLResponse:
    return _page(request, "message.html", status=status, title=title, message=message)


def _form_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]


def _local_target(target: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://..." are not followed.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value and len(value) < 10 else default
    except ValueError:
        return default


def _list_labels(k: Any) -> dict[str, str]:
    # Goods lists name themselves (CHPL); sanctions list ids read well in capitals (OFAC SDN, UN SC).
    labels = {v: v.replace("_", " ").upper() for v in k.context.extra_list_versions if v != "allow_list"}
    labels.update({gl.id: gl.label or gl.id for gl in k.context.goods.lists})
    return labels


# -- the routes ------------------------------------------------------------------------------------------------------------
def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(SignIn)
    async def _signin(request: Request, exc: SignIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = "/login?" + urlencode({"next": target}) if target != "/" else "/login"
        if request.headers.get("HX-Request"):
            # An expired session during a filter change: the whole page goes to sign-in, not the table.
            return Response(status_code=204, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)

    @app.exception_handler(PermissionError)
    async def _forbidden(request: Request, exc: PermissionError) -> Response:
        i18n.activate(_lang(request))
        return _message(request, _("Not allowed"), str(exc), 403)

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm) -> Response:
        i18n.activate(_lang(request))
        return _message(request, _("Form expired"),
                        _("The form was sent without a valid security token or from another site. "
                          "Reload the page and send it again."), 403)

    app.include_router(router)


# -- signing in and out, language ----------------------------------------------------------
@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/") -> Response:
    if not transport_ok(request):
        return _page(request, "login.html", status=403, insecure=True, next=_local_target(next))
    return _page(request, "login.html", next=_local_target(next))

@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    if not transport_ok(request):
        return _page(request, "login.html", status=403, insecure=True, next="/")
    data = await _form(request)
    store = request.app.state.kordon.store
    key = data.get("key", "").strip()
    who = authenticate(store, key) if len(key) < 200 else None
    target = _local_target(data.get("next"))
    if who is None:
        i18n.activate(_lang(request))
        return _page(request, "login.html", status=401, error=_("Unknown or revoked key."), next=target)
    sess = web_sessions.start(store, who)
    if target == "/" and not who.can("read"):
        target = "/lists"
    resp = RedirectResponse(target, status_code=303)
    _set_cookie(request, resp, SESSION_COOKIE, sess.token or "", max_age=int(web_sessions.LIFETIME.total_seconds()))
    _set_cookie(request, resp, LOGIN_CSRF_COOKIE, "", max_age=0)
    return resp

@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    await _form(request)
    web_sessions.end(request.app.state.kordon.store, _cookie(request, SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    _set_cookie(request, resp, SESSION_COOKIE, "", max_age=0)
    return resp

@router.post("/profile", include_in_schema=False)
async def choose_profile(request: Request) -> Response:
    data = await _form(request)
    _who(request)
    choice = _profile_choice(request)
    wanted = data.get("profile", "")
    resp = RedirectResponse(_local_target(data.get("next")), status_code=303)
    if wanted in choice["ids"] and not choice["pinned"]:
        resp.set_cookie(PROFILE_COOKIE, wanted, max_age=LANG_MAX_AGE, path="/", httponly=True, secure=_https(request),
                        samesite="lax")
    return resp

@router.post("/lang", include_in_schema=False)
async def choose_language(request: Request) -> Response:
    data = await _form(request)
    lang = data.get("lang", "")
    resp = RedirectResponse(_local_target(data.get("next")), status_code=303)
    if lang in i18n.LANGUAGES:
        resp.set_cookie(i18n.COOKIE, lang, max_age=LANG_MAX_AGE, path="/", httponly=True, secure=_https(request),
                        samesite="lax")
    return resp

# -- the queue -----------------------------------------------------------------------------------
@router.get("/", include_in_schema=False)
def queue_page(request: Request) -> Response:
    _who(request)
    k = request.app.state.kordon
    p = request.query_params
    lane = p.get("lane", "") if p.get("lane") in ("yellow", "red") else ""
    kind = p.get("type", "") if p.get("type") in ("export", "import", "transit", "re-export") else ""
    f = QueueFilter(lane=lane or None, type=kind or None, office=p.get("office") or None,
                    destination=(p.get("destination") or "")[:2] or None, date_from=_date(p.get("from", "")),
                    date_to=_date(p.get("to", "")), party=(p.get("party") or "")[:200] or None,
                    hs=(p.get("hs") or "")[:20] or None, list_id=(p.get("list") or "")[:100] or None,
                    random=p.get("random") == "1", q=(p.get("q") or "")[:200] or None)
    sort = p.get("sort", "score") if p.get("sort") in SORTS else "score"
    direction = p.get("dir", "desc") if p.get("dir") in ("asc", "desc") else "desc"
    per_page = _int(p.get("per_page"), 50)
    per_page = per_page if per_page in PER_PAGE else 50
    result = held_page(k.store, f, sort=sort, descending=direction == "desc", page=_int(p.get("page"), 1), per_page=per_page)
    params = {key: value for key, value in p.items() if value and key != "page"}

    def url(**change: Any) -> str:
        merged = {**params, **{key: str(v) for key, v in change.items() if v not in (None, "")}}
        for key, v in change.items():
            if v in (None, ""):
                merged.pop(key, None)
        return "/?" + urlencode(merged)

    list_ids = [gl.id for gl in k.context.goods.lists] + sorted(
        v for v in k.context.extra_list_versions if v != "allow_list")
    ctx: dict[str, Any] = {"page": result, "f": f, "sort": sort, "direction": direction, "per_page": per_page, "url": url,
           "offices": offices(k.store), "list_ids": list_ids, "list_labels": _list_labels(k), "filters": params,
           "per_page_choices": PER_PAGE}
    if request.headers.get("HX-Request"):
        return _page(request, "queue_results.html", **ctx)
    return _page(request, "queue.html", **ctx)

# -- a declaration ---------------------------------------------------------------------------------
def declaration_page(request: Request, declaration_id: str, version: int | None = None, error: str = "",
                     confirm: dict[str, Any] | None = None, form: dict[str, str] | None = None, status: int = 200) -> Response:
    _who(request)
    from kordon.interfaces.api.declarations import declaration_view

    k = request.app.state.kordon
    try:
        view = declaration_view(k, declaration_id, version)
    except HTTPException as exc:
        return _message(request, _("Not found"), str(exc.detail), 404)
    decl = view["declaration"]
    diff = None
    if view["version"] > 1:
        before = k.store.get(declaration_id, view["version"] - 1)
        if before is not None:
            diff = present.changes(before.declaration.model_dump(mode="json", exclude_none=True), decl)
    index = k.context.extras.get("parties")
    party_views = []
    for hit in view["decision"].get("hits", []):
        found = present.subject_index(hit.get("subject"))
        party = decl["parties"][found[1]] if found and found[0] == "parties" and found[1] < len(decl["parties"]) else None
        comparisons = []
        if party is not None:
            for cand in (hit.get("evidence") or {}).get("candidates", [])[:3]:
                comparisons.append(present.party_match(party, cand, _entity(index, cand.get("list"), cand.get("entity_id"))))
        party_views.append(comparisons)
    linked_cases = [c for c in cases.list_cases(k.store) if declaration_id in c.get("declarations", [])]
    dec = view["decision"]
    decided_under = _decision_profile(k, dec.get("profile"), dec.get("profile_version"))
    here = k.settings.screening_country
    chosen = _profile_choice(request)
    what_if = _what_if(k, dec, chosen["id"]) if chosen["id"] and chosen["id"] != dec.get("profile") else None
    return _page(request, "declaration.html", status=status, v=view, d=decl, dec=dec, error=error,
                 decisions=[d.value for d in cases.ReviewDecision], diff=diff, party_views=party_views,
                 goods_hit=lambda h: present.goods_hit(h, _list_labels(k)), linked_cases=linked_cases,
                 confirm=confirm, form=form or {}, profile_title=_profile_title(decided_under, dec.get("profile")),
                 explain=lambda h: explain.explain_hit(k.context.rules, h, decl, decided_under, here),
                 basis=lambda h: explain.basis_citation(decided_under, h), what_if=what_if,
                 snt_links=_snts_citing(request, declaration_id, decl))

@router.get("/declarations/{declaration_id}", include_in_schema=False)
def declaration_get(request: Request, declaration_id: str, version: int | None = None) -> Response:
    if version is not None and not 1 <= version < 2**31:
        return _message(request, _("Not found"), _("No such version."), 404)
    return declaration_page(request, declaration_id, version)

def _act(request: Request, declaration_id: str, fn: Callable[..., Any], body_cls: Any, data: dict[str, Any],
         form: dict[str, str], needs_confirm: bool) -> Response:
    who = _who(request, "review")
    try:
        body = body_cls.model_validate(data)
    except ValidationError as exc:
        return declaration_page(request, declaration_id, error="; ".join(_form_errors(exc)), form=form, status=400)
    if needs_confirm and form.get("confirmed") != "1":
        # Releasing and seizing are not undone by a click: the officer confirms on a page that says what happens.
        return declaration_page(request, declaration_id, confirm={"action": request.url.path, "fields": form}, form=form)
    try:
        fn(request.app.state.kordon.store, who, declaration_id, body)
    except (ClearanceError, LookupError, PermissionError) as exc:
        # The service's clearance rules (four eyes on a red or seized declaration) say no: shown on the page.
        return declaration_page(request, declaration_id, error=str(exc), form=form, status=409)
    return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)

@router.post("/declarations/{declaration_id}/review", include_in_schema=False)
async def review_form(request: Request, declaration_id: str) -> Response:
    form = await _form(request)
    decision = form.get("decision", "")
    data = {"decision": decision, "reason": form.get("reason", ""), "conditions": form.get("conditions") or None,
            "override": bool(form.get("override"))}
    final = decision in ("release", "release_with_conditions", "seize")
    return _act(request, declaration_id, cases.record_review, ReviewIn, data, form, needs_confirm=final)

@router.post("/declarations/{declaration_id}/seizure", include_in_schema=False)
async def seizure_form(request: Request, declaration_id: str) -> Response:
    form = await _form(request)
    data = {"goods": form.get("goods", ""), "hs_code": form.get("hs_code") or None, "quantity": form.get("quantity") or None,
            "unit": form.get("unit", ""), "value": form.get("value") or None, "currency": form.get("currency") or None,
            "legal_basis": form.get("legal_basis", ""), "note": form.get("note") or None}
    return _act(request, declaration_id, cases.record_seizure, SeizureIn, data, form, needs_confirm=True)

# -- cases -----------------------------------------------------------------------------------------
@router.get("/cases", include_in_schema=False)
def cases_page(request: Request, error: str = "") -> Response:
    _who(request)
    return _page(request, "cases.html", cases=cases.list_cases(request.app.state.kordon.store), error=error)

@router.post("/cases", include_in_schema=False)
async def open_case(request: Request) -> Response:
    form = await _form(request)
    who = _who(request, "cases")
    party_list = []
    for line in form.get("parties", "").splitlines():
        if line.strip():
            name, _sep, country = line.partition(";")
            party_list.append({"name": name.strip(), "country": country.strip().upper() or None})
    data = {"title": form.get("title", ""), "note": form.get("note") or None, "parties": party_list,
            "declarations": [d.strip() for d in form.get("declarations", "").replace(",", " ").split() if d.strip()]}
    try:
        case = cases.create_case(request.app.state.kordon.store, who, CaseIn.model_validate(data))
    except ValidationError as exc:
        return cases_page(request, error="; ".join(_form_errors(exc)))
    except LookupError as exc:
        return cases_page(request, error=str(exc))
    return RedirectResponse(f"/cases/{case['id']}", status_code=303)

@router.get("/cases/{case_id}", include_in_schema=False)
def case_page(request: Request, case_id: int) -> Response:
    _who(request)
    case = cases.get_case(request.app.state.kordon.store, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        return _message(request, _("Not found"), _("No case %(id)s.") % {"id": case_id}, 404)
    return _page(request, "case.html", case=case, statuses=[s.value for s in cases.CaseStatus])

@router.post("/cases/{case_id}", include_in_schema=False)
async def update_case(request: Request, case_id: int) -> Response:
    form = await _form(request)
    who = _who(request, "cases")
    try:
        cases.update_case(request.app.state.kordon.store, who, case_id, CaseUpdate.model_validate({"status": form.get("status", "")}))
    except ValidationError as exc:
        return _message(request, _("Not saved"), "; ".join(_form_errors(exc)), 400)
    except (LookupError, cases.ClearanceError) as exc:
        return _message(request, _("Not saved"), str(exc), 400)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)

# -- lists ------------------------------------------------------------------------------------------
@router.get("/lists", include_in_schema=False)
def lists_page(request: Request) -> Response:
    _who(request, None)
    from kordon.interfaces.web.lists import lists_overview

    k = request.app.state.kordon
    return _page(request, "lists.html", info=lists_overview(k))

@router.get("/lists/{list_id}/entry", include_in_schema=False)
def list_entry_page(request: Request, list_id: str, id: str = "") -> Response:
    _who(request)
    from kordon.interfaces.web.lists import goods_entry

    k = request.app.state.kordon
    goods = goods_entry(k, list_id, id)
    entity = None if goods else _entity(k.context.extras.get("parties"), list_id, id)
    if goods is None and entity is None:
        return _message(request, _("Not found"), _("No entry %(entry)s on list %(list)s.") % {"entry": id, "list": list_id}, 404)
    return _page(request, "list_entry.html", list_id=list_id, goods=goods, entity=entity,
                 version=k.context.list_versions().get(list_id))

# -- SNT (EAEU documents): the verification queue and the trace -------------------------------------
def _documents(request: Request) -> Any:
    from kordon.interfaces.api.documents import documents

    return documents(request)

@router.get("/snt", include_in_schema=False)
def snt_queue(request: Request) -> Response:
    _who(request)
    from kordon.record.queue import VERDICT_ORDER, snt_verdict_page

    p = request.query_params
    verdict = p.get("verdict") if p.get("verdict") in VERDICT_ORDER else None
    q = (p.get("q") or "")[:100] or None
    result = snt_verdict_page(request.app.state.kordon.store, verdict=verdict, q=q, page=_int(p.get("page"), 1))
    params = {key: value for key, value in p.items() if value and key != "page"}

    def url(**change: Any) -> str:
        return "/snt?" + urlencode({**params, **{key: str(v) for key, v in change.items() if v is not None}})

    k = request.app.state.kordon
    under = _snt_profile(request)
    try:
        under_title = _profile_title(k.profile(under), under)
    except Exception:  # the title only: a profile that cannot be read is named by its id
        under_title = under
    return _page(request, "snt_queue.html", page=result, verdict=verdict, q=q or "", url=url, verdicts=VERDICT_ORDER,
                 can_verify=_session(request) is not None and _who(request, None).can("screen"),
                 snt_under=under_title, snt_law_differs=under != _profile_choice(request)["id"])

@router.post("/snt/verify", include_in_schema=False)
async def snt_verify(request: Request) -> Response:
    await _form(request)
    who = _who(request, "screen")
    docs = _documents(request)
    from fastapi.concurrency import run_in_threadpool

    await run_in_threadpool(docs.verify, None, _snt_profile(request), True, f"web:{who.name}")
    return RedirectResponse("/snt", status_code=303)

@router.get("/snt/{number}", include_in_schema=False)
def snt_page(request: Request, number: str) -> Response:
    _who(request)
    docs = _documents(request)
    trace = docs.trace(number) if len(number) <= 100 else None
    if trace is None:
        return _message(request, _("Not found"), _("No SNT %(number)s on record.") % {"number": number}, 404)
    found = docs.documents.verdicts(number, limit=1)
    verdict = found[0] if found else None
    rows = {r.get("row"): {"code": r.get("code"), "quantity": r.get("quantity"), "unit": r.get("unit"), "name": r.get("name")}
            for r in trace.get("rows", [])}
    k = request.app.state.kordon
    profile = _decision_profile(k, (verdict or {}).get("profile"), (verdict or {}).get("profile_version"))
    reasons = [explain.explain_reason(k.context.rules, r, rows.get(r.get("row")), profile) for r in (verdict or {}).get("reasons", [])]
    flags = [explain.explain_reason(k.context.rules, f, rows.get(f.get("row")), profile) for f in trace.get("flags", [])]
    # Goods and party hits on SNT rows carry the profile's basis: its citation in the language; other reasons keep
    # the verdict table's wording.
    bases = [explain.basis_citation(profile, {"rule": r.get("code"), **(r.get("evidence") or {}),
                                              "evidence": r.get("evidence") or {}})
             if (r.get("evidence") or {}).get("legal_basis") else None for r in (verdict or {}).get("reasons", [])]
    lang = _lang(request)
    table = _verdict_bases(lang)
    table_bases = [table.get(" ".join(str(r.get("basis") or "").split())) for r in (verdict or {}).get("reasons", [])]
    return _page(request, "snt.html", t=trace, verdict=verdict, number=number, reasons=reasons, flags=flags, bases=bases,
                 table_bases=table_bases,
                 declarations=_declarations_cited(k, trace), profile_title=_profile_title(profile, (verdict or {}).get("profile")))


def _verdict_bases(lang: str) -> dict[str, str]:
    """The SNT verdict table's basis texts (English, as recorded with each reason) → the same basis in ``lang``
    (``basis_ru`` / ``basis_kk`` in kordon/data/eaeu/verdicts.yaml); empty in English or where a text is missing."""
    from kordon.screen.documents.context import verdict_table_texts

    return verdict_table_texts(lang)


# -- jurisdiction profiles: the officer's choice and the decision's ----------------------------------------------
def _snt_profiles() -> frozenset[str]:
    """Profiles the SRC's export verification can decide under: kz_customs by the SRC's own table, the others by
    their provisions for the reason codes (screen/documents/context.py)."""
    from kordon.screen.documents.context import PROFILES

    return frozenset(PROFILES)


def _snt_profile(request: Request) -> str:
    """The law an SNT verification runs under: the officer's choice where the procedure has a verdict table for
    it, else the Kazakh customs profile (the SRC's export verification is a Kazakh procedure)."""
    chosen = _profile_choice(request)["id"]
    return chosen if chosen in _snt_profiles() else "kz_customs"


def _profile_choice(request: Request) -> dict[str, Any]:
    """The profile the officer works under: their remembered choice, else their key's, else the settings'.
    A key pinned to a profile (issue 11: ``profile_override`` false) offers no other."""
    if hasattr(request.state, "profile_choice"):
        found: dict[str, Any] = request.state.profile_choice
        return found
    from kordon.ingest.profiles import bundled_profile_names

    k = request.app.state.kordon
    sess = _session(request)
    who = sess.who if sess else None
    key_profile = getattr(who, "profile", None)
    pinned = bool(key_profile) and not getattr(who, "profile_override", True)
    try:
        settings_profile = k.profile()
    except Exception:  # a broken settings profile must not take the workspace down: no default then
        settings_profile = None
    default = key_profile or (settings_profile.id if settings_profile is not None else None)
    ids = [key_profile] if pinned else bundled_profile_names()
    cookie = request.cookies.get(PROFILE_COOKIE)
    chosen = cookie if cookie in ids and not pinned else default
    options = []
    for pid in ids:
        try:
            prof = k.profile(pid)
        except Exception:
            prof = None
        options.append({"id": pid, "title": _profile_title(prof, pid)})
    found = {"id": chosen, "default": default, "pinned": pinned, "ids": ids, "options": options,
             "title": next((o["title"] for o in options if o["id"] == chosen), chosen)}
    request.state.profile_choice = found
    return found


_DECISION_PROFILES: dict[tuple[str, str], Any] = {}


def _decision_profile(k: Any, profile_id: str | None, version: str | None) -> Any | None:
    """The profile a decision was made under, in its version: the store's snapshot, else the installed one if
    it is that version. None when neither (the stored English texts are shown then)."""
    if not profile_id:
        return None
    key = (profile_id, version or "")
    if key in _DECISION_PROFILES:
        return _DECISION_PROFILES[key]
    from kordon.record.profiles import stored_profile

    found = None
    try:
        found = stored_profile(k.store, profile_id, version or "")
        if found is None:
            current = k.profile(profile_id)
            found = current if current is not None and current.version == version else None
    except Exception:  # a profile gone from this installation: the page still shows the stored decision
        found = None
    if len(_DECISION_PROFILES) > 64:
        _DECISION_PROFILES.clear()
    _DECISION_PROFILES[key] = found
    return found


def _profile_title(profile: Any | None, profile_id: str | None) -> str | None:
    """A profile's title in the officer's language (its id when the profile is not available)."""
    if profile is None:
        return profile_id
    return str(profile.localized(profile, "title", i18n.current()))


def _what_if(k: Any, decision: dict[str, Any], profile_id: str) -> dict[str, Any] | None:
    """The stored hits read under the officer's profile (not recorded): each hit's action and basis there."""
    from kordon.decide.profiles import apply_profile
    from kordon.models import Hit

    try:
        profile = k.profile(profile_id)
        hits = apply_profile([Hit.model_validate(h) for h in decision.get("hits", [])], profile)
    except Exception:  # never let a what-if take the page down
        return None
    if profile is None:
        return None
    out = []
    for h in hits:
        d = h.model_dump(mode="json")
        out.append({"action": d.get("action"), "kind": (d.get("legal_basis") or {}).get("kind"),
                    "basis": explain.basis_citation(profile, d), "citation": (d.get("legal_basis") or {}).get("citation")})
    return {"id": profile.id, "title": _profile_title(profile, profile.id), "version": profile.version, "hits": out}


# -- declarations and the SNTs that trace back to them ----------------------------------------------------------------
def _dt_numbers(declaration_id: str) -> list[str]:
    # A DT number 55201/201124/0012345 is stored as the declaration id 55201-201124-0012345 (ids hold no '/').
    return list(dict.fromkeys([declaration_id, declaration_id.replace("-", "/")]))


def _snts_citing(request: Request, declaration_id: str, decl: dict[str, Any]) -> list[dict[str, Any]]:
    """SNTs whose rows name this (import) declaration as the document that brought the goods in."""
    if decl.get("type") != "import":
        return []
    try:
        docs = _documents(request)
    except Exception:  # the documents store needs the trade extra: without it there are no SNTs to link
        return []
    from sqlalchemy import select

    from kordon.record.documents import DocumentLineRow

    numbers = _dt_numbers(declaration_id)
    with docs.documents.store.session() as s:
        rows = s.execute(select(DocumentLineRow.number, DocumentLineRow.row_no, DocumentLineRow.ref_item)
                         .where(DocumentLineRow.kind == "snt", DocumentLineRow.current.is_(True),
                                DocumentLineRow.ref_doc.in_(numbers))
                         .order_by(DocumentLineRow.number, DocumentLineRow.row_no).limit(200)).all()
    out: dict[str, dict[str, Any]] = {}
    for number, row_no, item in rows:
        out.setdefault(number, {"number": number, "rows": []})["rows"].append({"row": row_no, "item": item})
    return list(out.values())


def _declarations_cited(k: Any, trace: dict[str, Any]) -> dict[str, str]:
    """DT numbers in an SNT's trace that are stored declarations: number -> declaration id."""
    numbers: set[str] = set()

    def walk(step: dict[str, Any]) -> None:
        if step.get("kind") == "dt" and step.get("document"):
            numbers.add(str(step["document"]))
        for child in step.get("from") or []:
            walk(child)

    for r in trace.get("rows", []):
        for step in r.get("trace") or []:
            walk(step)
        if r.get("document"):
            numbers.add(str(r["document"]))
    found = {}
    for number in sorted(numbers):
        candidate = number.replace("/", "-")
        if k.store.versions(candidate):
            found[number] = candidate
    return found


_ENTITY_MAPS: dict[int, dict[tuple[str, str], Any]] = {}


def _entity(index: Any, list_id: str | None, entity_id: str | None) -> Any | None:
    """A listed entity of the party index in use, by list and id (the map is built once per index)."""
    if index is None or not list_id or not entity_id:
        return None
    key = id(index)
    if key not in _ENTITY_MAPS:
        _ENTITY_MAPS.clear()
        _ENTITY_MAPS[key] = {(e.list_id, e.entity_id): e for e in index.entities}
    return _ENTITY_MAPS[key].get((list_id, entity_id))
