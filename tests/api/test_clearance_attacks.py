"""The workspace tried as an attacker: an amendment must not launder a seizure or a red lane past the
four-eyes rule (a trader re-files with a trivial change, a single officer releases the new version)."""

from __future__ import annotations

from api_helpers import GREEN, auth, declaration

from kordon.record import audit, keys

SEIZURE = {"goods": "Processors", "quantity": "500", "unit": "pcs", "legal_basis": "Customs Code of the Republic of Kazakhstan, art. 420"}
RELEASE = {"decision": "release", "reason": "Documents in order"}
# A consignee on the UN Security Council list (shipped snapshot): red by the party alone.
LISTED = declaration(GREEN, id="KZ-ATTACK-PARTY", parties=[GREEN["parties"][0],
                                                            {"role": "consignee", "name": "Congomet Trading House", "country": "CD"}])


def test_amending_a_seized_declaration_does_not_let_an_officer_release_it(client, role_keys, store):
    """Apples seized at inspection; the trader re-files with another customs office (no goods change, so
    version 2 is only yellow), and one officer releases version 2."""
    officer, sup = auth(role_keys["officer"]), auth(role_keys["supervisor"])
    URL = f"/v1/declarations/{GREEN['id']}"
    client.post("/v1/declarations", json=GREEN, headers=officer)
    assert client.post(URL + "/seizures", json=SEIZURE, headers=sup).status_code == 201
    v2 = client.post("/v1/declarations", json=declaration(GREEN, customs_office="55202"), headers=officer).json()
    assert v2["version"] == 2 and v2["status"] == "held" and v2["decision"]["lane"] == "yellow"
    r = client.post(URL + "/review", json=RELEASE, headers=officer)
    assert r.status_code == 403 and "seized" in r.json()["detail"], r.text
    # Nor the supervisor who seized version 1 (four eyes across versions).
    r = client.post(URL + "/review", json=RELEASE, headers=sup)
    assert r.status_code == 409 and "four eyes" in r.json()["detail"], r.text
    assert client.get(URL, headers=officer).json()["status"] == "held"
    sup2 = auth(keys.create_key(store, "second supervisor", "supervisor", created_by="test")[0])
    assert client.post(URL + "/review", json=RELEASE, headers=sup2).status_code == 201
    assert client.get(URL, headers=officer).json()["status"] == "released"
    assert audit.verify(store).ok


def test_amending_a_held_red_declaration_does_not_let_an_officer_release_it(client, role_keys):
    """Version 1 red for a listed consignee and held; version 2 names another consignee, so it is only
    yellow by itself (the amendment of a held declaration)."""
    officer = auth(role_keys["officer"])
    URL = f"/v1/declarations/{LISTED['id']}"
    v1 = client.post("/v1/declarations", json=LISTED, headers=officer).json()
    assert v1["decision"]["lane"] == "red", v1
    v2 = client.post("/v1/declarations", json=declaration(LISTED, parties=GREEN["parties"]), headers=officer).json()
    assert v2["version"] == 2 and v2["status"] == "held" and v2["decision"]["lane"] == "yellow", v2
    r = client.post(URL + "/review", json=RELEASE, headers=officer)
    assert r.status_code == 403 and "only a supervisor" in r.json()["detail"], r.text
