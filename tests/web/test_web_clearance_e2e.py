"""The officers' workspace in a real browser (Debian's Chromium via Playwright) against a real server."""

from __future__ import annotations

import os
import shutil

import httpx
import pytest
from api_helpers import GREEN, RED, declaration
from api_server import Server

CHROMIUM = os.environ.get("KORDON_CHROMIUM", "/usr/bin/chromium")
# Moved from tests/api (issue 15): the clearance forms now ask for confirmation and carry CSRF tokens.
if not shutil.which(CHROMIUM):
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (pip install playwright)")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# A yellow/red mix so the queue's order by risk is visible: a second red with one list hit only.
RED2 = declaration(RED, id="KZ-API-RED-2", items=[{"hs_code": "8471.50", "description": "Server processing units", "origin": "CN",
                                                    "quantity": 10, "unit": "pcs"}])


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from kordon.record import keys
    from kordon.record.store import Store

    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'kordon.db'}"
    store = Store(url)
    secrets = {role: keys.create_key(store, f"{role.title()} Aliya", role)[0] for role in ("officer", "supervisor")}
    store.engine.dispose()
    server = Server(url, tmp / "server.log").start()
    h = {"Authorization": f"Bearer {secrets['officer']}"}
    for d in (RED2, GREEN, RED):
        assert httpx.post(server.url + "/v1/declarations", json=d, headers=h, timeout=30).status_code == 200
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield server, secrets, browser
        browser.close()
    server.stop()


def _signed_in(browser, server, key):
    page = browser.new_page()
    page.goto(server.url + "/")
    assert "/login" in page.url
    page.fill("input[name=key]", key)
    page.click("button[type=submit]")
    return page


def test_sign_in_refuses_a_wrong_key(workspace):
    server, _, browser = workspace
    page = _signed_in(browser, server, "kd_not-a-key")
    assert "Unknown or revoked key." in page.inner_text("[role=alert]")
    page.close()


def test_queue_is_sorted_by_risk_and_filters(workspace):
    server, secrets, browser = workspace
    page = _signed_in(browser, server, secrets["officer"])
    rows = page.locator("tr.queue-row")
    ids = rows.evaluate_all("rs => rs.map(r => r.dataset.id)")
    scores = [float(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.score)")]
    assert set(ids) == {RED["id"], RED2["id"]}, "green declarations are not held"
    assert scores == sorted(scores, reverse=True) and ids[0] == RED["id"]
    page.fill("input[name=q]", "RED-2")
    page.click("#filters button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('tr.queue-row').length === 1")
    assert page.locator("tr.queue-row").first.get_attribute("data-id") == RED2["id"]
    page.close()


def test_declaration_page_review_releases_and_seizure_is_recorded(workspace):
    server, secrets, browser = workspace
    officer = _signed_in(browser, server, secrets["officer"])
    officer.click(f"a[href='/declarations/{RED['id']}']")
    # A red-lane declaration is released by a supervisor only: the officer confirms, is told so, nothing is recorded.
    officer.select_option("#review-form select[name=decision]", "release")
    officer.fill("#review-form textarea[name=reason]", "Licence EX-2026-17 checked with the issuing ministry")
    officer.click("#review-form button[type=submit]")
    officer.wait_for_selector("#confirm-form")
    officer.click("#confirm-yes")
    officer.wait_for_load_state()
    assert "supervisor" in officer.inner_text("[role=alert]") and officer.inner_text("#status") == "held"
    assert "No review yet." in officer.inner_text("#reviews")
    officer.close()
    page = _signed_in(browser, server, secrets["supervisor"])
    page.click(f"a[href='/declarations/{RED['id']}']")
    assert page.get_attribute("#lane", "data-lane") == "red" and page.inner_text("#status") == "held"
    hits = page.locator("#hits tr.hit")
    assert hits.count() >= 2
    chpl = hits.filter(has_text="goods.chpl").first
    assert "8542.31" in chpl.locator("td.entry").inner_text()  # the list entry...
    assert "8542" in chpl.locator("td.declared").inner_text() and "Processors" in chpl.locator("td.declared").inner_text()  # ...beside the declared item
    assert chpl.locator(".explanation").inner_text().strip()
    assert "Steppe Components LLP" in page.inner_text("#parties")
    assert page.inner_text("#route").startswith("KZ → RU")
    # An empty reason is refused by the browser; a too-short one by the server, with the field named.
    page.select_option("#review-form select[name=decision]", "release")
    page.fill("#review-form textarea[name=reason]", "ok")
    page.click("#review-form button[type=submit]")
    assert "reason" in page.inner_text("[role=alert]")
    assert page.inner_text("#status") == "held"
    page.select_option("#review-form select[name=decision]", "release")
    page.fill("#review-form textarea[name=reason]", "Licence EX-2026-17 checked with the issuing ministry")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("#confirm-form")  # releasing asks first, and records nothing until confirmed
    assert page.inner_text("#status") == "held" and "No review yet." in page.inner_text("#reviews")
    page.click("#confirm-yes")
    page.wait_for_url(f"**/declarations/{RED['id']}")
    assert page.inner_text("#status") == "released"
    assert "Supervisor Aliya (supervisor)" in page.inner_text("#reviews") and "EX-2026-17" in page.inner_text("#reviews")
    page.fill("#seizure-form input[name=goods]", "Undeclared FPGA boards")
    page.fill("#seizure-form input[name=quantity]", "12")
    page.fill("#seizure-form input[name=unit]", "pcs")
    page.fill("#seizure-form input[name=value]", "3400")
    page.fill("#seizure-form input[name=currency]", "USD")
    page.fill("#seizure-form input[name=legal_basis]", "Customs Code of the Republic of Kazakhstan, art. 420")
    page.click("#seizure-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    assert "Undeclared FPGA boards" in page.inner_text("#confirm-form") and "None." in page.inner_text("#seizures")
    page.click("#confirm-yes")
    page.wait_for_url(f"**/declarations/{RED['id']}")
    assert "Undeclared FPGA boards" in page.inner_text("#seizures") and "art. 420" in page.inner_text("#seizures")
    assert page.get_attribute("#status-code", "hidden") is not None and page.inner_text("#status") == "seized"  # a seizure sets the status
    page.goto(server.url + "/")
    ids = page.locator("tr.queue-row").evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert RED["id"] not in ids  # released, then seized: no longer in the queue
    page.close()


def test_supervisor_opens_a_case_and_changes_its_status(workspace):
    server, secrets, browser = workspace
    officer = _signed_in(browser, server, secrets["officer"])
    officer.goto(server.url + "/cases")
    assert officer.locator("#case-form").count() == 0  # officers see cases but cannot open them
    officer.close()
    page = _signed_in(browser, server, secrets["supervisor"])
    page.goto(server.url + "/cases")
    page.fill("#case-form input[name=title]", "Processors to Russia via Almaty")
    page.fill("#case-form input[name=declarations]", f"{RED['id']}, {RED2['id']}")
    page.fill("#case-form textarea[name=parties]", "Steppe Components LLP; KZ\nOOO Vostok Elektronika; RU")
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/cases/*")
    assert page.get_attribute("#case-status", "data-status") == "open"
    assert RED2["id"] in page.inner_text("#case-declarations")
    assert "OOO Vostok Elektronika (RU)" in page.inner_text("#case-parties")
    page.select_option("select[name=status]", "under_investigation")
    page.click("form button[type=submit] >> text=Change status")
    page.wait_for_function("() => document.querySelector('#case-status').dataset.status === 'under_investigation'")
    page.goto(server.url + "/cases")
    assert "under investigation" in page.inner_text("#cases")
    page.close()


def test_list_status_page(workspace):
    server, secrets, browser = workspace
    page = _signed_in(browser, server, secrets["officer"])
    page.goto(server.url + "/lists")
    text = page.inner_text("#lists")
    assert "chpl" in text and "2024-02-23" in text
    page.screenshot(path=str(server.log.parent / "lists.png"))
    page.close()
