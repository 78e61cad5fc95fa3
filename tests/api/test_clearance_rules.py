"""Clearance rules every interface goes through: amendments stay held, release of red or seized needs a
second person with the supervisor role, a seizure sets the status."""

from __future__ import annotations

from api_helpers import GREEN, RED, auth, declaration

from kordon.record import audit, keys

COFFEE = [{"hs_code": "0901.21", "description": "Roasted coffee", "origin": "BR", "quantity": 500, "unit": "kg"}]
SEIZURE = {"goods": "Processors", "quantity": "500", "unit": "pcs", "legal_basis": "Customs Code of the Republic of Kazakhstan, art. 420"}


def _hits(result):
    return {h["rule"]: h for h in result["decision"]["hits"]}


def test_amending_a_red_declaration_to_coffee_stays_held_with_a_goods_flag(client, role_keys):
    h = auth(role_keys["officer"])
    assert client.post("/v1/declarations", json=RED, headers=h).json()["status"] == "held"
    r = client.post("/v1/declarations", json=declaration(RED, items=COFFEE, parties=[RED["parties"][0],
                                                         {"role": "consignee", "name": "Kofe Torg", "country": "RU"}]), headers=h)
    body = r.json()
    assert body["version"] == 2 and body["amendment"] and body["status"] == "held"
    assert body["decision"]["lane"] == "red"
    hits = _hits(body)
    assert hits["amendment.goods_changed"]["action"] == "inspect"
    assert hits["amendment.after_hold"]["evidence"]["previous_status"] == "held"
    assert "items[0].hs_code" in hits["amendment.goods_changed"]["evidence"]["changed"]
    view = client.get(f"/v1/declarations/{RED['id']}", headers=h).json()
    assert view["status"] == "held" and "items[0].description" in view["changes"] and "parties" in view["changes"]
    assert view["versions"] == [1, 2]


def test_amending_a_seized_declaration_stays_held(client, role_keys):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    assert client.post(f"/v1/declarations/{RED['id']}/seizures", json=SEIZURE, headers=h).status_code == 201
    assert client.get(f"/v1/declarations/{RED['id']}", headers=h).json()["status"] == "seized"
    # Same goods, another customs office: no goods flag, but it stays with the officer.
    body = client.post("/v1/declarations", json=declaration(RED, customs_office="55202"), headers=h).json()
    assert body["status"] == "held" and body["decision"]["lane"] != "green"
    assert _hits(body)["amendment.after_hold"]["evidence"] == {"previous_version": 1, "previous_status": "seized",
                                                               "changed": ["customs_office"]}


def test_amending_a_released_declaration_checks_changed_goods(client, role_keys):
    h = auth(role_keys["officer"])
    green = declaration(GREEN, id="KZ-AM-GREEN")
    assert client.post("/v1/declarations", json=green, headers=h).json()["status"] == "released"
    # A change that is not the goods: screened as usual.
    body = client.post("/v1/declarations", json=declaration(green, customs_office="55202"), headers=h).json()
    assert body["status"] == "released" and "amendment.after_hold" not in _hits(body)
    body = client.post("/v1/declarations", json=declaration(green, customs_office="55202", items=COFFEE), headers=h).json()
    assert body["status"] == "held" and _hits(body)["amendment.goods_changed"]["action"] == "check_documents"


def test_release_of_red_needs_another_supervisor_than_the_one_who_seized(client, role_keys, store):
    officer, sup = auth(role_keys["officer"]), auth(role_keys["supervisor"])
    sup2 = auth(keys.create_key(store, "second supervisor", "supervisor", created_by="test")[0])
    url = f"/v1/declarations/{RED['id']}"
    client.post("/v1/declarations", json=RED, headers=officer)
    assert client.post(url + "/seizures", json=SEIZURE, headers=sup).status_code == 201
    assert client.get(url, headers=officer).json()["status"] == "seized"
    release = {"decision": "release", "reason": "Goods returned after the licence was produced"}
    r = client.post(url + "/review", json=release, headers=officer)
    assert r.status_code == 403 and "only a supervisor" in r.json()["detail"]
    r = client.post(url + "/review", json=release, headers=sup)
    assert r.status_code == 409 and "four eyes" in r.json()["detail"]
    assert client.get(url, headers=officer).json()["status"] == "seized"
    r = client.post(url + "/review", json=release, headers=sup2)
    assert r.status_code == 201 and client.get(url, headers=officer).json()["status"] == "released"
    assert audit.verify(store).ok


def test_a_seize_review_is_a_seizure_status_and_blocks_the_queue(client, role_keys):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    assert client.get("/v1/declarations", headers=h).json()["count"] == 1
    client.post(f"/v1/declarations/{RED['id']}/seizures", json=SEIZURE, headers=h)
    assert client.get("/v1/declarations", headers=h).json()["count"] == 0  # seized: out of the queue


def test_an_amendment_replays_identically(client, role_keys, settings):
    from kordon.service import Kordon

    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    client.post(f"/v1/declarations/{RED['id']}/seizures", json=SEIZURE, headers=h)
    client.post("/v1/declarations", json=declaration(RED, items=COFFEE), headers=h)
    # A review recorded after the amendment does not change what the amendment was screened with.
    client.post(f"/v1/declarations/{RED['id']}/review", json={"decision": "refer", "reason": "to the prosecutor"}, headers=h)
    k = Kordon(settings)
    replayed = k.replay(RED["id"], 2)
    assert replayed.identical and {"amendment.after_hold", "amendment.goods_changed"} <= {h.rule for h in replayed.decision.hits}
    assert k.replay(RED["id"], 1).identical
