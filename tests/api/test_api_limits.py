"""Hostile inputs get a 4xx with a message, never a 500, and change nothing."""

from __future__ import annotations

import json

import pytest

from api_helpers import RED, auth, declaration

BIG = 2**63 + 5


@pytest.mark.parametrize("path", [
    f"/v1/declarations/{RED['id']}?version={BIG}",
    f"/v1/declarations/{RED['id']}/decision?version={BIG}",
    f"/v1/cases/{BIG}",
    f"/v1/declarations/{'x' * 200}",
    "/v1/declarations/bad%20id",
])
def test_out_of_range_and_bad_ids_in_paths(client, role_keys, path):
    client.post("/v1/declarations", json=RED, headers=auth(role_keys["officer"]))
    r = client.get(path, headers=auth(role_keys["supervisor"]))
    assert r.status_code == 422, r.text


def test_out_of_range_key_and_case_ids(client, role_keys):
    assert client.delete(f"/v1/keys/{BIG}", headers=auth(role_keys["admin"])).status_code == 422
    assert client.patch(f"/v1/cases/{BIG}", json={"status": "closed"}, headers=auth(role_keys["supervisor"])).status_code == 422


@pytest.mark.parametrize("body", [
    declaration(RED, id="A/B"),           # a '/' could never be opened or reviewed
    declaration(RED, id="x" * 129),
    declaration(RED, id="lead$"),
    declaration(RED, id="-lead"),
    {**RED, "items": [{**RED["items"][0], "quantity": 10**60}]},
])
def test_bad_declarations_are_refused(client, role_keys, store, body):
    r = client.post("/v1/declarations", json=body, headers=auth(role_keys["officer"]))
    assert 400 <= r.status_code < 500, r.text
    assert store.count() == 0


@pytest.mark.parametrize("raw", [
    b"[" * 5000 + b"]" * 5000,
    b'{"id": ' + b"9" * 5000 + b"}",
    json.dumps({**RED, "items": [{**RED["items"][0], "value": 0}]}).replace('"value": 0', '"value": 1e999').encode(),
    json.dumps(RED).replace('"quantity": 500', '"quantity": NaN').encode(),
    b'{"declarations": ' + b"[" * 40 + b"]" * 40 + b"}",
])
def test_deep_and_huge_json_is_a_4xx(client, role_keys, store, raw):
    h = {**auth(role_keys["officer"]), "Content-Type": "application/json"}
    r = client.post("/v1/declarations", content=raw, headers=h)
    assert r.status_code in (400, 413, 422), r.text
    assert store.count() == 0


@pytest.mark.parametrize(("url", "body"), [
    ("/review", {"decision": "inspect", "reason": "x" * 10, "version": BIG}),
    ("/seizures", {"goods": "chips", "quantity": "1e40", "unit": "pcs", "legal_basis": "art. 420"}),
    ("/seizures", {"goods": "chips", "quantity": "12345678901234567", "unit": "pcs", "legal_basis": "art. 420"}),
    ("/inspections", {"outcome": "discrepancy", "findings": "x", "version": -1}),
])
def test_clearance_bodies_are_bounded(client, role_keys, url, body):
    h = auth(role_keys["officer"])
    client.post("/v1/declarations", json=RED, headers=h)
    r = client.post(f"/v1/declarations/{RED['id']}{url}", json=body, headers=h)
    assert r.status_code == 422, r.text


def test_deeply_nested_review_body_is_a_4xx(client, role_keys):
    h = {**auth(role_keys["officer"]), "Content-Type": "application/json"}
    r = client.post(f"/v1/declarations/{RED['id']}/review", content=b'{"reason": ' + b"[" * 100000 + b"]" * 100000 + b"}", headers=h)
    assert r.status_code in (413, 422)
    r = client.post("/v1/cases", content=b'{"title": ' + b"{\"a\":" * 50 + b"1" + b"}" * 50 + b"}", headers=h)
    assert r.status_code in (403, 422)


def test_case_declaration_ids_have_the_id_syntax(client, role_keys):
    r = client.post("/v1/cases", json={"title": "Slash ids", "declarations": ["A/B"]}, headers=auth(role_keys["supervisor"]))
    assert r.status_code == 422
