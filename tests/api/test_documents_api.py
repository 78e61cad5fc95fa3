"""The EAEU documents endpoints: load (JSON Lines or JSON), verify, trace, the verdict queue; keys and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "eaeu"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _load_examples(client, key: str) -> None:
    for name in ("dts.jsonl", "esfs.jsonl", "snts.jsonl"):
        r = client.post("/v1/documents", content=(EXAMPLES / name).read_bytes(),
                        headers={**_auth(key), "Content-Type": "application/x-ndjson"})
        assert r.status_code == 200, r.text
        assert r.json()["rejected"] == 0


def test_load_verify_trace_and_queue(client, role_keys):
    officer, analyst = role_keys["officer"], role_keys["analyst"]
    _load_examples(client, officer)
    again = client.post("/v1/documents", content=(EXAMPLES / "dts.jsonl").read_bytes(),
                        headers={**_auth(officer), "Content-Type": "application/x-ndjson"}).json()
    assert (again["new"], again["repeats"]) == (0, 6)

    r = client.post("/v1/documents/verify", json={"all": True}, headers=_auth(officer))
    assert r.status_code == 200, r.text
    verdicts = {v["registrationNumber"]: v for v in r.json()["verdicts"]}
    assert verdicts["KZ-SNT-2023-0000107"]["verdict"] == "refused"
    assert verdicts["KZ-SNT-2024-0000101"]["verdict"] == "verified"
    assert list(verdicts["KZ-SNT-2023-0000107"])[:3] == ["registrationNumber", "verdict", "reasons"]

    queue = client.get("/v1/documents/snt?verdict=refused", headers=_auth(analyst)).json()
    assert queue["count"] == 4 and all(i["verdict"] == "refused" for i in queue["items"])
    latest = client.get("/v1/documents/snt/KZ-SNT-2023-0000108/verdict", headers=_auth(analyst)).json()
    assert latest["verdict"] == "review"

    t = client.get("/v1/documents/snt/KZ-SNT-2023-0000108/trace", headers=_auth(analyst)).json()
    assert t["rows"][0]["imports"][0]["origin_country"] == "JP"
    doc = client.get("/v1/documents/dt/50508/100822/0031020", headers=_auth(analyst)).json()
    assert doc["version"] == 1 and doc["document"]["items"][0]["originCountry"] == "JP"


def test_bad_input_and_permissions(client, role_keys):
    officer, analyst = role_keys["officer"], role_keys["analyst"]
    body = (EXAMPLES / "bad" / "documents.jsonl").read_bytes()
    r = client.post("/v1/documents", content=body, headers={**_auth(officer), "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200
    out = r.json()
    assert (out["read"], out["accepted"], out["rejected"]) == (6, 1, 5)
    assert {"position": 2, "number": "50508/010124/0000002", "field": "items[0].originCountry",
            "reason": "required field is missing"} in out["errors"]
    assert client.post("/v1/documents", content=body, headers={**_auth(analyst), "Content-Type": "application/x-ndjson"}).status_code == 403
    assert client.post("/v1/documents/verify", json={"numbers": ["X"], "all": True}, headers=_auth(officer)).status_code == 422
    assert client.post("/v1/documents/verify", json={"all": True, "profile": "nope"}, headers=_auth(officer)).status_code == 422
    missing = client.post("/v1/documents/verify", json={"numbers": ["KZ-SNT-NONE"]}, headers=_auth(officer)).json()
    assert missing["not_found"] == ["KZ-SNT-NONE"] and missing["count"] == 0
    assert client.get("/v1/documents/snt/KZ-SNT-NONE/trace", headers=_auth(analyst)).status_code == 404
    assert client.get("/v1/documents/snt", headers={}).status_code == 401
    assert client.post("/v1/documents", content=b"{", headers=_auth(officer)).status_code == 400
