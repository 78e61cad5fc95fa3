"""Sessions, cookies and CSRF of the workspace, and the clearance forms (no default decision, confirmation).

A TestClient over HTTPS against the real application and store; the browser tests cover the same in Chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from kordon.record import cases, keys, web_sessions
from kordon.record.web_sessions import WebSessionRow

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(html: str) -> str:
    m = CSRF.search(html)
    assert m, "every form carries a CSRF token"
    return m.group(1)


def _sign_in(client, key: str) -> str:
    """Signs in; returns the session's CSRF token (from the queue page)."""
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"key": key, "csrf": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return _csrf(client.get("/").text)


def test_session_cookie_holds_no_key_and_has_every_flag(app_client):
    client, store, secrets = app_client
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"key": secrets["officer"], "csrf": token}, follow_redirects=False)
    cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-kordon_session=")]
    assert cookie, r.headers.get_list("set-cookie")
    flags = cookie[0].lower()
    assert "httponly" in flags and "secure" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "max-age=43200" in flags  # expires with the shift, not with the browser
    value = cookie[0].split(";")[0].split("=", 1)[1]
    assert secrets["officer"] not in cookie[0] and not value.startswith(keys.PREFIX)
    with store.session() as s:  # the store keeps only the hash of the token
        assert s.scalar(select(WebSessionRow).where(WebSessionRow.token_sha256 == web_sessions.token_hash(value))) is not None
        assert s.scalar(select(WebSessionRow).where(WebSessionRow.token_sha256 == value)) is None


def test_login_needs_the_csrf_token_and_the_same_origin(app_client):
    client, _, secrets = app_client
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    assert client.post("/login", data={"key": secrets["officer"]}, follow_redirects=False).status_code == 403
    assert client.post("/login", data={"key": secrets["officer"], "csrf": "forged"}, follow_redirects=False).status_code == 403
    cross = client.post("/login", data={"key": secrets["officer"], "csrf": token}, headers={"Origin": "https://evil.example"},
                        follow_redirects=False)
    assert cross.status_code == 403  # login CSRF: a foreign page cannot sign the officer in as someone else
    client.cookies.clear()
    assert client.post("/login", data={"key": secrets["officer"], "csrf": token}, follow_redirects=False).status_code == 403


def test_wrong_key_is_refused_and_redirects_stay_on_site(app_client):
    client, _, secrets = app_client
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"key": "kd_not-a-key", "csrf": token})
    assert r.status_code == 401 and "Unknown or revoked key." in r.text
    r = client.post("/login", data={"key": secrets["officer"], "csrf": token, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_every_post_form_needs_the_session_token(app_client):
    client, store, secrets = app_client
    token = _sign_in(client, secrets["supervisor"])
    target = "KZ-2024-EXP-0118"
    page = client.get(f"/declarations/{target}").text
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page, flags=re.DOTALL)
    assert len(forms) >= 4 and all('name="csrf"' in f for f in forms)  # language, sign out, review, seizure
    body = {"decision": "refer", "reason": "Refer to investigators: a listed consignee", "csrf": "wrong"}
    assert client.post(f"/declarations/{target}/review", data=body).status_code == 403
    assert client.post(f"/declarations/{target}/review", data={**body, "csrf": token},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert cases.reviews(store, target) == []
    assert client.post("/cases", data={"title": "Forged case", "csrf": ""}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app_client):
    client, _, secrets = app_client
    token = _sign_in(client, secrets["officer"])
    stolen = dict(client.cookies)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.update(stolen)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_revoked_key_and_expired_or_idle_sessions_end(app_client):
    client, store, _ = app_client
    secret, info = keys.create_key(store, "Short-lived officer", "officer", created_by="test")
    _sign_in(client, secret)
    assert client.get("/", follow_redirects=False).status_code == 200
    keys.revoke_key(store, info.id, revoked_by="test")
    assert client.get("/", follow_redirects=False).status_code == 303

    secret, info = keys.create_key(store, "Idle officer", "officer", created_by="test")
    _sign_in(client, secret)
    with store.session.begin() as s:
        s.execute(update(WebSessionRow).where(WebSessionRow.key_id == info.id)
                  .values(last_seen=dt.datetime.now(dt.UTC) - web_sessions.IDLE - dt.timedelta(minutes=1)))
    assert client.get("/", follow_redirects=False).status_code == 303

    secret, info = keys.create_key(store, "Overtime officer", "officer", created_by="test")
    _sign_in(client, secret)
    with store.session.begin() as s:
        s.execute(update(WebSessionRow).where(WebSessionRow.key_id == info.id)
                  .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_plain_http_off_the_machine_is_refused(app_client):
    client, _, secrets = app_client
    from fastapi.testclient import TestClient

    with TestClient(client.app, base_url="http://kordon.example") as plain:
        r = plain.get("/login")
        assert r.status_code == 403 and "HTTPS" in r.text and "name=\"key\"" not in r.text
        assert plain.post("/login", data={"key": secrets["officer"], "csrf": "x"}).status_code == 403


def test_review_form_has_no_default_and_an_empty_decision_is_refused(app_client):
    client, store, secrets = app_client
    token = _sign_in(client, secrets["officer"])
    target = "KZ-2023-TRN-0102"
    page = client.get(f"/declarations/{target}").text
    select_html = re.search(r'<select name="decision" required>(.*?)</select>', page, flags=re.DOTALL).group(1)
    selected = re.findall(r"<option[^>]*selected[^>]*>", select_html)
    assert len(selected) == 1 and 'value=""' in selected[0] and "disabled" in selected[0]
    r = client.post(f"/declarations/{target}/review", data={"decision": "", "reason": "Looks fine to me", "csrf": token})
    assert r.status_code == 400 and "decision" in r.text
    assert cases.reviews(store, target) == []


@pytest.mark.parametrize("decision", ["release", "seize"])
def test_release_and_seizure_ask_for_confirmation(app_client, decision):
    client, store, secrets = app_client
    token = _sign_in(client, secrets["supervisor"])
    target = {"release": "KZ-2023-EXP-0217", "seize": "KZ-2024-EXP-0412"}[decision]
    body = {"decision": decision, "reason": "Checked with the licensing authority, case file 17", "csrf": token}
    r = client.post(f"/declarations/{target}/review", data=body)
    assert r.status_code == 200 and 'id="confirm-form"' in r.text
    assert cases.reviews(store, target) == []  # nothing recorded before the confirmation
    confirm = re.search(r'<form method="post" action="([^"]+)" id="confirm-form"(.*?)</form>', r.text, flags=re.DOTALL)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.group(2)))
    assert fields["decision"] == decision and fields["confirmed"] == "1" and fields["csrf"] == token
    r = client.post(confirm.group(1), data=fields, follow_redirects=False)
    assert r.status_code in (303, 409), r.text[:300]  # 409: the service's clearance rules refused it, with the reason
    if r.status_code == 303:
        assert [rv["decision"] for rv in cases.reviews(store, target)] == [decision]


def test_seizure_form_asks_for_confirmation(app_client):
    client, store, secrets = app_client
    token = _sign_in(client, secrets["officer"])
    target = "KZ-2023-TRN-0102"
    body = {"goods": "FPGA boards", "quantity": "12", "unit": "pcs", "legal_basis": "Customs Code of the RK, art. 420",
            "csrf": token}
    r = client.post(f"/declarations/{target}/seizure", data=body)
    assert r.status_code == 200 and "FPGA boards" in r.text and 'id="confirm-form"' in r.text
    assert cases.seizures(store, target) == []
    r = client.post(f"/declarations/{target}/seizure", data={**body, "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303 and [s["goods"] for s in cases.seizures(store, target)] == ["FPGA boards"]


def test_roles_are_checked_as_in_the_api(app_client):
    client, _, secrets = app_client
    token = _sign_in(client, secrets["admin"])  # admin: lists and keys, no read
    assert client.get("/").status_code == 403 and client.get("/lists").status_code == 200
    refused = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert "Нет доступа" in refused and "Ваша роль (admin)" in refused  # the refusal in the officer's language
    assert client.post("/declarations/KZ-2023-TRN-0102/review",
                       data={"decision": "refer", "reason": "not my job", "csrf": token}).status_code == 403


def test_pages_forbid_inline_scripts_framing_and_caching(app_client):
    client, _, secrets = app_client
    _sign_in(client, secrets["officer"])
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    from kordon.interfaces.web import HERE

    for template in (HERE / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+=|javascript:|<script>", text), f"{template.name} has inline script (the CSP blocks it)"


def test_an_expired_session_sends_htmx_to_sign_in(app_client):
    client, _, _ = app_client
    client.cookies.clear()
    r = client.get("/?lane=red", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.headers.get("hx-redirect", "").startswith("/login?next=")
