"""The audit chain names any changed, deleted or reordered record; `kordon audit verify` reports it."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from kordon.interfaces.cli import app
from kordon.record import audit


def _trail(store, n=5):
    for i in range(n):
        audit.append(store, "tester", "review", f"declaration:D{i}", {"decision": "release", "i": i})


def test_intact_chain_verifies(store):
    _trail(store)
    result = audit.verify(store)
    assert result.ok and result.checked == 5


def test_changed_record_is_named(store):
    _trail(store)
    with store.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 3"))
    result = audit.verify(store)
    assert not result.ok
    assert result.problems == ["record 3 changed: its content no longer matches its hash (review declaration:D2)"]


def test_deleted_record_is_named(store):
    _trail(store)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    problems = audit.verify(store).problems
    assert problems[0].startswith("record 2 deleted")
    assert any(p.startswith("record 3 out of chain") for p in problems)


def test_reordered_records_are_named(store):
    _trail(store)
    # Swap records 2 and 4 by renumbering them.
    with store.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET seq = 100 WHERE seq = 2"))
        c.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 4"))
        c.execute(text("UPDATE audit_log SET seq = 4 WHERE seq = 100"))
    problems = audit.verify(store).problems
    assert any(p.startswith("record 2 changed") for p in problems)
    assert any(p.startswith("record 4 changed") for p in problems)


def test_rewritten_record_with_fresh_hash_breaks_the_next_link(store):
    _trail(store)
    with store.session.begin() as s:
        row = s.get(audit.AuditRow, 3)
        row.payload = {"decision": "seize", "i": 2}
        row.sha256 = audit.record_hash(row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_sha256)
    problems = audit.verify(store).problems
    assert problems[0] == "record 4 out of chain: it does not follow record 3 (a record was deleted, inserted or reordered)"
    assert problems[1].startswith("1 record(s) not signed with this server's audit key (3)")


def test_cli_audit_verify_and_keys(db_url, store):
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "post 55201", "--role", "officer", "--database-url", db_url])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("kd_")
    listed = runner.invoke(app, ["keys", "list", "--database-url", db_url])
    assert "post 55201\tofficer" in listed.stdout and secret not in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", "1", "--database-url", db_url]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--database-url", db_url]).stdout
    assert runner.invoke(app, ["keys", "create", "x", "--role", "king", "--database-url", db_url]).exit_code == 2
    ok = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert ok.exit_code == 0 and "checked 2 records and 1 rows: chain intact" in ok.stdout
    with store.engine.begin() as c:
        c.execute(text("UPDATE audit_log SET payload = '{}' WHERE seq = 1"))
    bad = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert bad.exit_code == 1 and "record 1 changed" in bad.output


def test_sanctions_list_activation_and_rejection_are_audited(db_url, store):
    from kordon.record import sanctions_lists as sl

    people = [{"id": f"p{i}", "schema": "Person", "properties": {"name": [f"Person {i}"]}} for i in range(10)]
    assert sl.load_version(db_url, "test_list", "v1", "test", "a" * 64, people).activated
    assert not sl.load_version(db_url, "test_list", "v2", "test", "b" * 64, people[:2]).activated  # shrinks too much
    rows = [(e.action, e.subject, e.payload["version"]) for e in audit.entries(store)]
    assert rows == [("lists.activate", "list:test_list", "v1"), ("lists.reject", "list:test_list", "v2")]
    assert audit.verify(store).ok
