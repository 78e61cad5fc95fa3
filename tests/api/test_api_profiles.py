"""The API screens under the server's profile or the one a request names; the decision records it."""

from __future__ import annotations

from api_helpers import RED, auth, declaration


def test_request_names_the_profile_and_the_decision_records_it(client, role_keys):
    h = auth(role_keys["officer"])
    kz = client.post("/v1/declarations", json=RED, headers=h).json()["decision"]
    assert (kz["profile"], kz["action"]) == ("kz_customs", "deny")  # US-made chips re-exported to Russia: the re-export controls
    chpl = next(x for x in kz["hits"] if x["rule"] == "goods.chpl")
    assert chpl["action"] == "inspect" and chpl["legal_basis"]["kind"] == "risk_indicator"

    other = declaration(RED, id="KZ-API-RED-EU")
    eu = client.post("/v1/declarations", params={"profile": "eu_exporter"}, json=other, headers=h).json()["decision"]
    assert eu["profile"] == "eu_exporter" and eu["profile_version"]
    chpl = next(x for x in eu["hits"] if x["rule"] == "goods.chpl")
    assert chpl["action"] == "deny" and "833/2014" in chpl["legal_basis"]["citation"]
    stored = client.get("/v1/declarations/KZ-API-RED-EU/decision", headers=h).json()
    assert stored["profile"] == "eu_exporter"


def test_unknown_profile_is_refused_before_anything_is_stored(client, role_keys, store):
    h = auth(role_keys["officer"])
    r = client.post("/v1/declarations", params={"profile": "../../etc/passwd"}, json=RED, headers=h)
    assert r.status_code == 422 and "unknown profile" in r.json()["detail"]
    r = client.post("/v1/declarations", params={"profile": "xx_customs"}, json=RED, headers=h)
    assert r.status_code == 422
    assert store.get(RED["id"]) is None


def test_web_page_shows_the_profile_and_each_legal_basis(client, role_keys):
    key = role_keys["officer"]
    client.post("/v1/declarations", params={"profile": "us_person"}, json=declaration(RED, id="KZ-API-RED-US"), headers=auth(key))
    client.cookies.set("kordon_key", key)
    page = client.get("/declarations/KZ-API-RED-US")
    assert page.status_code == 200, page.text[:300]
    assert "profile <strong>us_person</strong>" in page.text
    assert "Legal basis (binding): Export Administration Regulations, 15 CFR § 746.8" in page.text
