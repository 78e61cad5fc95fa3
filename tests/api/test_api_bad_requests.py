"""Bad requests get a 4xx with a precise message and change nothing."""

from __future__ import annotations

import json

import pytest

from api_helpers import RED, auth, declaration

from kordon.record import audit


def _nothing_changed(store, before_audit):
    assert store.count() == 0
    assert len(audit.entries(store)) == before_audit


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b'{"id": "X", "type": ', 400, "malformed JSON: Expecting value at line 1 column 21"),
        (b"", 400, "empty request body"),
        (b"\xff\xfe", 400, "not UTF-8"),
        (b"42", 422, "got int"),
        (json.dumps({"declarations": RED}).encode(), 422, "'declarations' must be a list"),
        (json.dumps({"declarations": [], "dry_run": True}).encode(), 422, "unknown field(s) ['dry_run']"),
    ],
)
def test_malformed_bodies(client, role_keys, store, body, status, needle):
    before = len(audit.entries(store))
    r = client.post("/v1/declarations", content=body, headers={**auth(role_keys["officer"]), "Content-Type": "application/json"})
    assert r.status_code == status and needle in r.json()["detail"], r.text
    _nothing_changed(store, before)


def test_wrong_types_name_the_field(client, role_keys, store):
    before = len(audit.entries(store))
    bad = declaration(RED, date="yesterday", items=[{**RED["items"][0], "value": "a lot"}])
    r = client.post("/v1/declarations", json=bad, headers=auth(role_keys["officer"]))
    assert r.status_code == 422
    locs = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert ("body", "date") in locs and ("body", "items", 0, "value") in locs
    _nothing_changed(store, before)


def test_huge_body_is_refused_before_it_is_read(client, role_keys, store):
    before = len(audit.entries(store))
    huge = json.dumps(declaration(RED, customs_office="x" * 300_000)).encode()
    r = client.post("/v1/declarations", content=huge, headers={**auth(role_keys["officer"]), "Content-Type": "application/json"})
    assert r.status_code == 413 and "exceeds the limit of 262144 bytes" in r.json()["detail"]
    _nothing_changed(store, before)


def test_unknown_fields_in_strict_places_are_refused(client, role_keys, store):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    before = len(audit.entries(store))
    r = client.post(f"/v1/declarations/{RED['id']}/review", json={"decision": "release", "reason": "fine", "aproved": True}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "aproved"] and "Extra inputs" in r.json()["detail"][0]["msg"]
    r = client.post(f"/v1/declarations/{RED['id']}/review", json={"decision": "let it go", "reason": "fine"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "decision"]
    r = client.post(f"/v1/declarations/{RED['id']}/seizures", json={"goods": "x", "quantity": -1, "unit": "pcs", "legal_basis": "art. 1"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "quantity"]
    assert len(audit.entries(store)) == before
    assert client.get(f"/v1/declarations/{RED['id']}", headers=h).json()["reviews"] == []
