"""The REST API over a real database: screening, idempotency, clearance, cases, roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from api_helpers import GREEN, RED, auth, declaration

from kordon.record import audit, keys


def test_health_needs_no_key_and_ready_reports_lists(client):
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/ready")
    assert r.status_code == 200 and r.json()["ready"] is True
    assert "chpl" in r.json()["lists"]


def test_screen_red_holds_and_green_releases(client, role_keys):
    h = auth(role_keys["officer"])
    red = client.post("/v1/declarations", json=RED, headers=h).json()
    assert red["decision"]["lane"] == "red" and red["status"] == "held" and red["version"] == 1
    green = client.post("/v1/declarations", json=GREEN, headers=h).json()
    assert green["decision"]["lane"] == "green" and green["status"] == "released"
    view = client.get(f"/v1/declarations/{RED['id']}", headers=h).json()
    assert view["status"] == "held"
    rules = {hit["rule"] for hit in view["decision"]["hits"]}
    assert "goods.chpl" in rules
    assert all(hit["explanation"] for hit in view["decision"]["hits"])
    queue = client.get("/v1/declarations", headers=h).json()
    assert [i["declaration_id"] for i in queue["items"]] == [RED["id"]]


def test_repeat_returns_stored_decision_and_change_is_an_amendment(client, role_keys, store):
    h = auth(role_keys["officer"])
    first = client.post("/v1/declarations", json=RED, headers=h).json()
    again = client.post("/v1/declarations", json=RED, headers=h).json()
    assert again["repeat"] is True and again["version"] == 1
    assert again["decision"]["screened_at"] == first["decision"]["screened_at"]
    changed = declaration(RED, items=[{**RED["items"][0], "quantity": 900}])
    amended = client.post("/v1/declarations", json=changed, headers=h).json()
    assert amended["version"] == 2 and amended["amendment"] is True and amended["repeat"] is False
    assert client.get(f"/v1/declarations/{RED['id']}", headers=h).json()["versions"] == [1, 2]
    assert store.count() == 2
    screenings = [e for e in audit.entries(store) if e.action == "screening"]
    assert [e.payload["version"] for e in screenings] == [1, 2]  # the repeat was not screened again


def test_batch_processes_valid_and_reports_invalid_by_index(client, role_keys, store):
    bad = declaration(GREEN, id="KZ-API-BAD", items=[{"hs_code": "8542.31", "description": "x", "quantity": "lots"}])
    r = client.post("/v1/declarations", json={"declarations": [RED, bad, GREEN]}, headers=auth(role_keys["officer"]))
    body = r.json()
    assert r.status_code == 200
    assert (body["read"], body["accepted"], body["rejected"]) == (3, 2, 1)
    err = body["errors"][0]
    assert err["index"] == 1 and err["id"] == "KZ-API-BAD"
    assert err["errors"][0]["loc"] == ["body", "declarations", 1, "items", 0, "quantity"]
    assert store.count() == 2


def test_only_a_recorded_review_releases_a_red_declaration(client, role_keys, store):
    officer, supervisor = auth(role_keys["officer"]), auth(role_keys["supervisor"])
    second = auth(keys.create_key(store, "second supervisor", "supervisor", created_by="test")[0])
    client.post("/v1/declarations", json=RED, headers=officer)
    url = f"/v1/declarations/{RED['id']}"
    # An inspection is not a release.
    r = client.post(url + "/review", json={"decision": "inspect", "reason": "Physical check of the chips"}, headers=officer)
    assert r.status_code == 201
    assert client.get(url, headers=officer).json()["status"] == "held"
    # A red-lane declaration is released by a supervisor only (four eyes), not by the officer.
    release = {"decision": "release", "reason": "Licence EX-2026-17 verified with the issuer"}
    r = client.post(url + "/review", json=release, headers=officer)
    assert r.status_code == 403 and "supervisor" in r.json()["detail"]
    r = client.post(url + "/review", json=release, headers=supervisor)
    assert r.status_code == 201
    review = r.json()
    assert review["reviewer"] == "test supervisor" and review["lane_at_review"] == "red" and review["at"]
    view = client.get(url, headers=officer).json()
    assert view["status"] == "released"
    assert client.get("/v1/declarations", headers=officer).json()["count"] == 0
    # A second final review needs a supervisor's override.
    r = client.post(url + "/review", json={"decision": "seize", "reason": "second thoughts"}, headers=officer)
    assert r.status_code == 409 and "override" in r.json()["detail"]
    r = client.post(url + "/review", json={"decision": "seize", "reason": "second thoughts", "override": True}, headers=officer)
    assert r.status_code == 403
    r = client.post(url + "/review", json={"decision": "seize", "reason": "Licence found forged", "override": True}, headers=second)
    assert r.status_code == 201
    assert client.get(url, headers=officer).json()["status"] == "seized"
    actions = [(e.action, e.payload.get("decision")) for e in audit.entries(store, subject=f"declaration:{RED['id']}")]
    assert actions == [("screening", None), ("review", "inspect"), ("review", "release"), ("review", "seize")]


def test_release_with_conditions_needs_conditions(client, role_keys):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    r = client.post(f"/v1/declarations/{RED['id']}/review", json={"decision": "release_with_conditions", "reason": "ok then"}, headers=h)
    assert r.status_code == 409 and "conditions" in r.json()["detail"]


def test_inspection_and_seizure_are_recorded(client, role_keys):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    url = f"/v1/declarations/{RED['id']}"
    r = client.post(url + "/inspections", json={"outcome": "goods_not_as_declared", "findings": "FPGA boards, not controllers"}, headers=h)
    assert r.status_code == 201
    seizure = {"goods": "FPGA boards", "hs_code": "854231", "quantity": "480", "unit": "pcs", "value": "115000.50",
               "currency": "USD", "legal_basis": "Customs Code of the Republic of Kazakhstan, art. 420", "note": "sealed"}
    r = client.post(url + "/seizures", json=seizure, headers=h)
    assert r.status_code == 201, r.text
    view = client.get(url, headers=h).json()
    assert view["inspections"][0]["outcome"] == "goods_not_as_declared"
    s = view["seizures"][0]
    assert (s["goods"], float(s["quantity"]), float(s["value"]), s["legal_basis"]) == (
        "FPGA boards", 480.0, 115000.5, seizure["legal_basis"])


def test_cases_group_declarations_and_parties(client, role_keys):
    sup, analyst = auth(role_keys["supervisor"]), auth(role_keys["analyst"])
    client.post("/v1/declarations", json=RED, headers=sup)
    body = {"title": "Chips to Russia via Almaty", "declarations": [RED["id"]],
            "parties": [{"name": "Steppe Components LLP", "country": "KZ"}]}
    r = client.post("/v1/cases", json=body, headers=sup)
    assert r.status_code == 201
    case = r.json()
    assert case["status"] == "open" and case["declarations"] == [RED["id"]]
    r = client.patch(f"/v1/cases/{case['id']}", json={"status": "referred_for_prosecution"}, headers=sup)
    assert r.json()["status"] == "referred_for_prosecution"
    assert client.get(f"/v1/cases/{case['id']}", headers=analyst).json()["status"] == "referred_for_prosecution"
    assert client.patch(f"/v1/cases/{case['id']}", json={"status": "closed"}, headers=analyst).status_code == 403
    r = client.post("/v1/cases", json={**body, "declarations": ["NO-SUCH"]}, headers=sup)
    assert r.status_code == 404 and "NO-SUCH" in r.json()["detail"]
    r = client.patch(f"/v1/cases/{case['id']}", json={"status": "dormant"}, headers=sup)
    assert r.status_code == 422


def test_lists_report_versions_and_checksums(client, role_keys):
    body = client.get("/v1/lists", headers=auth(role_keys["analyst"])).json()
    chpl = next(x for x in body["goods"] if x["id"] == "chpl")
    assert chpl["entries"] > 0 and len(chpl["sha256"]) == 64 and chpl["version"]
    sanctions = {x["id"]: x for x in body["sanctions"]}
    assert sanctions and all(x["kind"] == "parties" and x["entries"] > 0 and x["version"] for x in sanctions.values())


# Every endpoint but health, with the roles that may call it. Any other role gets 403; no key gets 401.
MATRIX = [
    ("POST", "/v1/declarations", {"officer", "supervisor"}),
    ("GET", "/v1/declarations", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/declarations/{id}", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/declarations/{id}/decision", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/declarations/{id}/reviews", {"officer", "supervisor", "analyst"}),
    ("POST", "/v1/declarations/{id}/review", {"officer", "supervisor"}),
    ("POST", "/v1/declarations/{id}/inspections", {"officer", "supervisor"}),
    ("POST", "/v1/declarations/{id}/seizures", {"officer", "supervisor"}),
    ("POST", "/v1/cases", {"supervisor"}),
    ("GET", "/v1/cases", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/cases/{case}", {"officer", "supervisor", "analyst"}),
    ("PATCH", "/v1/cases/{case}", {"supervisor"}),
    ("GET", "/v1/lists", {"officer", "supervisor", "analyst", "admin"}),
    ("POST", "/v1/keys", {"admin"}),
    ("GET", "/v1/keys", {"admin"}),
    ("DELETE", "/v1/keys/{key}", {"admin"}),
    ("GET", "/v1/audit", {"analyst", "admin"}),
    ("GET", "/v1/audit/verify", {"analyst", "admin"}),
    # EAEU documents (issue 12)
    ("POST", "/v1/documents", {"officer", "supervisor"}),
    ("POST", "/v1/documents/verify", {"officer", "supervisor"}),
    ("GET", "/v1/documents/snt", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/documents/snt/{number}/verdict", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/documents/snt/{number}/trace", {"officer", "supervisor", "analyst"}),
    ("GET", "/v1/documents/{kind}/{number}", {"officer", "supervisor", "analyst"}),
]
EAEU_SNT = "KZ-SNT-2024-0000101"  # milk powder of the EAEU examples


def _bodies(path: str, method: str) -> dict | None:
    if method in ("GET", "DELETE"):
        return None
    return {
        "/v1/declarations": GREEN,
        "/v1/declarations/{id}/review": {"decision": "inspect", "reason": "role matrix"},
        "/v1/declarations/{id}/inspections": {"outcome": "no_discrepancy", "findings": "ok"},
        "/v1/declarations/{id}/seizures": {"goods": "x", "quantity": 1, "unit": "pcs", "legal_basis": "art. 1"},
        "/v1/cases": {"title": "role matrix"},
        "/v1/cases/{case}": {"note": "n"},
        "/v1/keys": {"name": "spare", "role": "analyst"},
        "/v1/documents": {"kind": "snt", "registrationNumber": "KZ-SNT-MATRIX", "date": "2024-02-14",
                          "seller": {"tin": "980740011012", "name": "ТОО «Сүт Өнімдері Павлодар»"},
                          "customer": {"name": "ООО «Молочный Союз»", "countryCode": "RU"}, "shippingInfo": {"destinationCountry": "RU"},
                          "products": [{"rowNumber": 1, "codeTNVED": "0402211800", "quantity": 1, "unit": "t"}]},
        "/v1/documents/verify": {"numbers": [EAEU_SNT]},
    }[path]


def test_role_matrix(client, role_keys, store):
    from kordon.record import keys

    client.post("/v1/declarations", json=RED, headers=auth(role_keys["officer"]))
    case = client.post("/v1/cases", json={"title": "matrix"}, headers=auth(role_keys["supervisor"])).json()
    revoked, info = keys.create_key(store, "to revoke", "officer")
    keys.revoke_key(store, info.id)
    snts = (Path(__file__).resolve().parents[2] / "examples" / "eaeu" / "snts.jsonl").read_bytes()
    client.post("/v1/documents", content=snts, headers={**auth(role_keys["officer"]), "Content-Type": "application/x-ndjson"})
    client.post("/v1/documents/verify", json={"numbers": [EAEU_SNT]}, headers=auth(role_keys["officer"]))
    paths = client.get("/openapi.json").json()["paths"]
    routes = {(p, m.upper()) for p, ops in paths.items() for m in ops if p.startswith("/v1")}
    covered = {(p.replace("{id}", "{declaration_id}").replace("{case}", "{case_id}").replace("{key}", "{key_id}"), m) for m, p, _ in MATRIX}
    assert routes == covered, "every /v1 endpoint must be in the role matrix"
    for method, path, allowed in MATRIX:
        spare = keys.create_key(store, "victim", "analyst")[1].id
        url = path.replace("{id}", RED["id"]).replace("{case}", str(case["id"])).replace("{key}", str(spare))
        url = url.replace("{kind}", "snt").replace("{number}", EAEU_SNT)
        body = _bodies(path, method)
        assert client.request(method, url, json=body).status_code == 401, (method, path)
        assert client.request(method, url, json=body, headers=auth(revoked)).status_code == 401, (method, path)
        for role, key in role_keys.items():
            status = client.request(method, url, json=body, headers=auth(key)).status_code
            if role in allowed:
                assert status < 400, (method, path, role, status)
            else:
                assert status == 403, (method, path, role, status)


def test_key_changes_are_audited_and_revoked_keys_refused(client, role_keys, store):
    admin = auth(role_keys["admin"])
    made = client.post("/v1/keys", json={"name": "post 55201", "role": "officer"}, headers=admin).json()
    assert made["key"].startswith("kd_")
    listed = client.get("/v1/keys", headers=admin).json()
    assert all("key" not in k and "key_sha256" not in k for k in listed)
    assert client.get("/v1/lists", headers=auth(made["key"])).status_code == 200
    client.delete(f"/v1/keys/{made['id']}", headers=admin)
    assert client.get("/v1/lists", headers=auth(made["key"])).status_code == 401
    actions = [e.action for e in audit.entries(store, subject=f"key:{made['id']}")]
    assert actions == ["key.create", "key.revoke"]
    assert client.get("/v1/audit/verify", headers=admin).json()["ok"] is True


def test_lists_in_force_are_audited_once(settings, store):
    from fastapi.testclient import TestClient

    from kordon.interfaces.api import create_app

    for _ in range(2):
        with TestClient(create_app(settings, store)):
            pass
    activations = [e for e in audit.entries(store) if e.action == "lists.activate"]
    assert len(activations) == 1 and "chpl" in activations[0].payload["versions"]


@pytest.mark.parametrize("version", [None, 1])
def test_unknown_declaration_is_404(client, role_keys, version):
    url = "/v1/declarations/NOPE" + (f"?version={version}" if version else "")
    r = client.get(url, headers=auth(role_keys["analyst"]))
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]


def test_a_rescreen_escalation_is_the_decision_in_force(client, role_keys, store, db_url, tmp_path):
    import datetime as dt

    from kordon.config import Settings
    from kordon.service import Kordon

    h = auth(role_keys["officer"])
    assert client.post("/v1/declarations", json=GREEN, headers=h).json()["status"] == "released"
    apples = tmp_path / "apples.yaml"
    apples.write_text("id: apples\ntitle: Apple watch list\nversion: '1'\napplies_to: all_destinations\n"
                      "entries:\n  - {code: '0808'}\n", encoding="utf-8")
    changed = Kordon(Settings(database_url=db_url, lists=[str(apples)]), store).rescreen(dt.date(2026, 1, 1))
    assert [c.declaration_id for c in changed] == [GREEN["id"]]
    view = client.get(f"/v1/declarations/{GREEN['id']}", headers=h).json()
    assert view["status"] == "held" and view["decision"]["lane"] == "red"
    assert view["first_decision"]["lane"] == "green"
