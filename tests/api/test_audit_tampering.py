"""Each tampering of the store named by `kordon audit verify`: rows are checked against the chain that
binds them, the chain against the server key, and the end of the chain against an exported head."""

from __future__ import annotations

import json

from api_helpers import GREEN, RED, auth
from sqlalchemy import text
from typer.testing import CliRunner

from kordon.interfaces.cli import app
from kordon.record import audit

runner = CliRunner()
SEIZE = {"decision": "seize", "reason": "Processors without licence"}


def _screened(client, role_keys):
    h = auth(role_keys["officer"])
    for d in (RED, GREEN):
        assert client.post("/v1/declarations", json=d, headers=h).status_code == 200
    r = client.post(f"/v1/declarations/{RED['id']}/review", json=SEIZE, headers=auth(role_keys["supervisor"]))
    assert r.status_code == 201
    return h


def _verify(db_url, *extra):
    r = runner.invoke(app, ["audit", "verify", "--database-url", db_url, *extra])
    return r.exit_code, r.output


def test_untouched_store_verifies(client, role_keys, db_url):
    _screened(client, role_keys)
    code, output = _verify(db_url)
    assert code == 0 and "chain intact" in output


def test_changed_lane_of_a_decision(client, role_keys, store, db_url):
    _screened(client, role_keys)
    with store.engine.begin() as c:
        c.execute(text("UPDATE decisions SET lane = 'green' WHERE declaration_id = :i"), {"i": RED["id"]})
    code, output = _verify(db_url)
    assert code == 1 and "decisions row 1 changed after audit record" in output


def test_edited_declaration(client, role_keys, store, db_url):
    _screened(client, role_keys)
    from kordon.record.tables import DeclarationRow

    with store.session.begin() as s:  # a plain UPDATE of the row, outside kordon's functions
        row = s.get(DeclarationRow, 2)
        row.body = {**row.body, "items": [{**row.body["items"][0], "description": "Dried apricots"}]}
    code, output = _verify(db_url)
    assert code == 1 and "declarations row 2 changed after audit record" in output


def test_deleted_supervisor_review(client, role_keys, store, db_url):
    _screened(client, role_keys)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM reviews WHERE decision = 'seize'"))
    code, output = _verify(db_url)
    assert code == 1 and "reviews row 1 bound by audit record" in output and "is missing (deleted)" in output


def test_inserted_forged_release(client, role_keys, store, db_url):
    _screened(client, role_keys)
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO reviews (declaration_id, declaration_version, decision, reason, override, lane_at_review, "
                       "reviewer, reviewer_key, reviewer_role, at) VALUES (:i, 1, 'release', 'fine', true, 'red', "
                       "'test supervisor', 2, 'supervisor', '2026-12-01 10:00:00')"), {"i": RED["id"]})
    code, output = _verify(db_url)
    assert code == 1 and "1 reviews row(s) on no audit record" in output


def test_forged_release_with_a_rehashed_chain_needs_the_key(client, role_keys, store, db_url):
    """The attacker inserts the release and an audit record binding it, and re-hashes the chain from there
    on — everything consistent except the signatures, which need the server key."""
    _screened(client, role_keys)
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO reviews (declaration_id, declaration_version, decision, reason, override, lane_at_review, "
                       "reviewer, reviewer_key, reviewer_role, at) VALUES (:i, 1, 'release', 'fine', true, 'red', "
                       "'test supervisor', 2, 'supervisor', '2026-12-01 10:00:00.000000')"), {"i": RED["id"]})
    with store.session.begin() as s:
        from sqlalchemy import select

        from kordon.record.tables import AuditRow, ReviewRow

        forged = s.scalars(select(ReviewRow).where(ReviewRow.decision == "release")).one()
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
        payload = {"decision": "release", "rows": audit.binding([forged])}
        at = "2026-12-05T00:00:00+00:00"
        digest = audit.record_hash(last.seq + 1, at, "test supervisor", "review", f"declaration:{RED['id']}", payload, last.sha256)
        s.add(AuditRow(seq=last.seq + 1, at=at, actor="test supervisor", action="review", subject=f"declaration:{RED['id']}",
                       payload=payload, prev_sha256=last.sha256, sha256=digest, mac="0" * 64))
    result = audit.verify(store)
    assert [p for p in result.problems if "row" in p and "audit record" in p] == []  # the rows look bound...
    assert len(result.problems) == 1 and "not signed with this server's audit key" in result.problems[0]  # ...but unsigned


def test_rehashed_chain_without_the_key_and_cut_off_end(client, role_keys, store, db_url, tmp_path):
    _screened(client, role_keys)
    head = tmp_path / "head.json"
    assert runner.invoke(app, ["audit", "export-head", "--database-url", db_url, "--out", str(head)]).exit_code == 0
    assert _verify(db_url, "--anchor", str(head))[0] == 0
    # Cut the last record (the seize review) and its row: the chain itself stays consistent and signed.
    last = json.loads(head.read_text())["seq"]
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
        c.execute(text("DELETE FROM reviews"))
    code, output = _verify(db_url)
    assert code == 0  # without the anchor nothing shows: that is what the exported head is for
    code, output = _verify(db_url, "--anchor", str(head))
    assert code == 1 and f"the anchor names record {last}: records were cut off the end" in output
    # Re-hash the whole chain after changing record 1: links and hashes agree again, signatures do not.
    with store.session.begin() as s:
        from sqlalchemy import select

        from kordon.record.tables import AuditRow

        prev = audit.GENESIS
        for row in s.scalars(select(AuditRow).order_by(AuditRow.seq)):
            if row.seq == 1:
                row.actor = "someone else"
            row.prev_sha256 = prev
            row.sha256 = audit.record_hash(row.seq, row.at, row.actor, row.action, row.subject, row.payload, prev)
            prev = row.sha256
    code, output = _verify(db_url)
    assert code == 1 and "the chain was re-hashed or written without the key" in output


def test_verify_without_the_key_says_so(client, role_keys, db_url, monkeypatch, tmp_path):
    _screened(client, role_keys)
    monkeypatch.setenv("KORDON_AUDIT_KEY_FILE", str(tmp_path / "missing.key"))
    code, output = _verify(db_url)
    assert code == 1 and "no audit key" in output


def test_a_key_file_others_can_read_is_refused(tmp_path, monkeypatch):
    import pytest

    path = tmp_path / "audit.key"
    monkeypatch.setenv("KORDON_AUDIT_KEY_FILE", str(path))
    assert audit.server_key() and (path.stat().st_mode & 0o777) == 0o600  # made on first use, private
    path.chmod(0o644)
    with pytest.raises(audit.AuditKeyError, match="chmod 600"):
        audit.server_key()
