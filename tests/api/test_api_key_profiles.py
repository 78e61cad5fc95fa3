"""API keys carry a jurisdiction profile, tried through a real `kordon serve` and the real CLI.

A key made with `kordon keys create --profile bank_kz` is pinned: its requests are decided under the
Kazakh bank's profile, a request naming another profile is refused (403) and stores nothing, and a repeat
of content decided earlier under another profile is not answered with that decision (409). A key made
with `--allow-override` defaults to its profile and lets a request name another; a key without a profile
follows the server's settings. Replay pins the profile a decision was made under."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from api_helpers import RED, auth, declaration
from api_server import Server

KORDON = str(Path(sys.executable).with_name("kordon"))


def _cli(*args: str, db: str) -> subprocess.CompletedProcess:
    return subprocess.run([KORDON, *args, "--db", db], capture_output=True, text=True, timeout=300)


def _key(db: str, name: str, *options: str) -> str:
    r = _cli("keys", "create", name, "--role", "officer", *options, db=db)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyprofiles")
    db = f"sqlite:///{tmp / 'kordon.db'}"
    keys = {"bank": _key(db, "bank desk", "--profile", "bank_kz"),
            "eu": _key(db, "EU forwarder", "--profile", "eu_exporter", "--allow-override"),
            "plain": _key(db, "customs post")}
    server = Server(db, tmp / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, timeout=300) as c:
            yield db, keys, c
    finally:
        server.stop()


def test_cli_lists_each_keys_profile_and_refuses_an_unknown_one(served):
    db, _, _ = served
    listed = _cli("keys", "list", db=db)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("\t")[1]: line.split("\t")[3] for line in listed.stdout.splitlines()}
    assert rows == {"bank desk": "bank_kz (pinned)", "EU forwarder": "eu_exporter (overridable)",
                    "customs post": "settings' profile"}
    bad = _cli("keys", "create", "typo", "--role", "officer", "--profile", "bank_kzz", db=db)
    assert bad.returncode == 2 and "unknown profile 'bank_kzz'" in bad.stderr and "bank_kz" in bad.stderr
    assert bad.stdout == ""  # no secret: nothing was created
    assert "typo" not in _cli("keys", "list", db=db).stdout


def test_a_pinned_key_decides_under_its_profile_and_cannot_be_switched(served):
    db, keys, c = served
    bank = auth(keys["bank"])
    d = c.post("/v1/declarations", json=declaration(RED, id="KEY-BANK-1"), headers=bank)
    assert d.status_code == 200, d.text
    decision = d.json()["decision"]
    assert decision["profile"] == "bank_kz" and decision["profile_version"]
    assert all(h["legal_basis"]["profile"] == "bank_kz" for h in decision["hits"] if h["legal_basis"])
    assert any("14114" in h["legal_basis"]["citation"] for h in decision["hits"] if h["legal_basis"])
    # Naming its own profile is fine; naming another (here: the customs post's) is refused and stores nothing.
    same = c.post("/v1/declarations", params={"profile": "bank_kz"}, json=declaration(RED, id="KEY-BANK-2"), headers=bank)
    assert same.status_code == 200 and same.json()["decision"]["profile"] == "bank_kz"
    switched = c.post("/v1/declarations", params={"profile": "kz_customs"}, json=declaration(RED, id="KEY-BANK-3"),
                      headers=bank)
    assert switched.status_code == 403 and "pinned to profile 'bank_kz'" in switched.json()["detail"]
    assert c.get("/v1/declarations/KEY-BANK-3", headers=bank).status_code == 404
    unknown = c.post("/v1/declarations", params={"profile": "nope"}, json=declaration(RED, id="KEY-BANK-4"), headers=bank)
    assert unknown.status_code == 422 and "unknown profile 'nope'" in unknown.json()["detail"]
    # Replay pins the profile the decision was made under, whatever the server's settings say.
    replay = _cli("replay", "KEY-BANK-1", db=db)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "under profile bank_kz@" in replay.stdout and "identical decision" in replay.stdout


def test_a_repeat_decided_under_another_law_is_not_handed_to_a_pinned_key(served):
    _, keys, c = served
    plain, bank = auth(keys["plain"]), auth(keys["bank"])
    first = c.post("/v1/declarations", json=declaration(RED, id="KEY-SHARED-1"), headers=plain)
    assert first.status_code == 200 and first.json()["decision"]["profile"] == "kz_customs"
    again = c.post("/v1/declarations", json=declaration(RED, id="KEY-SHARED-1"), headers=bank)
    assert again.status_code == 409, again.text
    assert "decided under profile 'kz_customs'" in again.json()["detail"] and "pinned to 'bank_kz'" in again.json()["detail"]
    # In a batch the conflict is that item's error; the others are screened under the key's profile.
    batch = c.post("/v1/declarations", json=[declaration(RED, id="KEY-SHARED-1"), declaration(RED, id="KEY-BANK-5")],
                   headers=bank).json()
    assert (batch["read"], batch["accepted"], batch["rejected"]) == (2, 1, 1)
    assert batch["errors"][0]["index"] == 0 and batch["errors"][0]["errors"][0]["type"] == "profile_conflict"
    assert batch["results"][0]["decision"]["profile"] == "bank_kz"
    # The same content repeated under the key's own profile is an ordinary repeat.
    repeat = c.post("/v1/declarations", json=declaration(RED, id="KEY-BANK-5"), headers=bank)
    assert repeat.status_code == 200 and repeat.json()["repeat"] is True


def test_an_overridable_key_defaults_to_its_profile_and_a_plain_key_to_the_settings(served):
    _, keys, c = served
    eu = auth(keys["eu"])
    own = c.post("/v1/declarations", json=declaration(RED, id="KEY-EU-1"), headers=eu).json()["decision"]
    assert own["profile"] == "eu_exporter"
    chpl = next(h for h in own["hits"] if h["rule"] == "goods.chpl")
    assert chpl["action"] == "deny" and "833/2014" in chpl["legal_basis"]["citation"]
    other = c.post("/v1/declarations", params={"profile": "us_person"}, json=declaration(RED, id="KEY-EU-2"), headers=eu)
    assert other.status_code == 200 and other.json()["decision"]["profile"] == "us_person"
    plain = c.post("/v1/declarations", json=declaration(RED, id="KEY-PLAIN-1"), headers=auth(keys["plain"]))
    assert plain.json()["decision"]["profile"] == "kz_customs"  # the settings' default


def test_admin_api_makes_keys_with_a_profile(client, role_keys):
    admin = auth(role_keys["admin"])
    made = client.post("/v1/keys", json={"name": "bank two", "role": "officer", "profile": "bank_kz"}, headers=admin)
    assert made.status_code == 201, made.text
    assert (made.json()["profile"], made.json()["profile_pinned"]) == ("bank_kz", True)
    bad = client.post("/v1/keys", json={"name": "bad", "role": "officer", "profile": "xx"}, headers=admin)
    assert bad.status_code == 422 and "unknown profile 'xx'" in bad.json()["detail"]
    listed = {k["name"]: (k["profile"], k["profile_pinned"]) for k in client.get("/v1/keys", headers=admin).json()}
    assert listed["bank two"] == ("bank_kz", True) and listed["test officer"] == (None, False)
    assert "bad" not in listed
    # The key works at once, pinned: the per-request profile of another law is refused.
    r = client.post("/v1/declarations", params={"profile": "uk_exporter"}, json=declaration(RED, id="KEY-API-1"),
                    headers=auth(made.json()["key"]))
    assert r.status_code == 403


def test_document_verification_follows_the_keys_profile(client, role_keys, store):
    """A bank's pinned key has its SNTs verified under the bank's law (its provisions for the reason codes) and
    may not switch to the customs post's."""
    from kordon.record.keys import create_key

    bank = create_key(store, "bank", "officer", profile="bank_kz")[0]
    r = client.post("/v1/documents/verify", json={"all": True}, headers=auth(bank))
    assert r.status_code == 200, r.text
    r = client.post("/v1/documents/verify", json={"all": True, "profile": "kz_customs"}, headers=auth(bank))
    assert r.status_code == 403 and "pinned" in r.json()["detail"]
    r = client.post("/v1/documents/verify", json={"all": True}, headers=auth(role_keys["officer"]))
    assert r.status_code == 200 and r.json()["count"] == 0  # no SNT on record; kz_customs by default


def test_a_sqlite_store_made_before_key_profiles_gains_the_columns(tmp_path):
    """An existing SQLite store (made from the models, without the columns of 0004_i11_key_profile) is
    brought up to date when opened: its keys keep working, without a profile and overridable."""
    from sqlalchemy import text

    from kordon.record import keys
    from kordon.record.store import Store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    secret = keys.create_key(old, "old key", "officer")[0]
    with old.engine.begin() as c:
        c.execute(text("ALTER TABLE api_keys DROP COLUMN profile_override"))
        c.execute(text("ALTER TABLE api_keys DROP COLUMN profile"))
    old.engine.dispose()
    store = Store(url)
    who = keys.authenticate(store, secret)
    assert who is not None and (who.profile, who.profile_override) == (None, True)
    assert keys.create_key(store, "new key", "officer", profile="uk_exporter")[1].pinned
    store.engine.dispose()
