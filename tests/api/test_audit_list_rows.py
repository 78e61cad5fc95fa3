"""Every entity row of a sanctions list version is bound into the audit chain (through its version's group
digest): an entity edited, deleted, moved or added in the database fails `kordon audit verify`, on SQLite and
PostgreSQL. The list is the shipped UN Security Council snapshot (1,003 entities)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from kordon.interfaces.cli import app
from kordon.record import audit
from kordon.record import sanctions_lists as sl
from kordon.record.tables import AuditRow, SanctionsEntityRow

runner = CliRunner()


@pytest.fixture
def loaded(store, db_url):
    entities = sl.shipped_entities("un_sc")
    out = sl.load_version(db_url, "un_sc", "2026-12-05", "test", "f" * 64, entities, published="2026-12-05")
    assert out.activated
    return out.version_pk


def _verify(db_url, *extra):
    r = runner.invoke(app, ["audit", "verify", "--database-url", db_url, *extra])
    return r.exit_code, r.output


def _one_entity(store, version_pk):
    with store.session() as s:
        return s.scalars(select(SanctionsEntityRow).where(SanctionsEntityRow.version_pk == version_pk)
                         .order_by(SanctionsEntityRow.pk).offset(500).limit(1)).one()


def test_loaded_list_verifies_and_counts_its_rows(store, db_url, loaded):
    result = audit.verify(store)
    assert result.ok, result.problems
    assert result.rows_checked >= 1003
    record = audit.last_entry(store, "list:un_sc", "lists.activate")
    assert record is not None
    [[table, group, rows, digest]] = record.payload[audit.BOUND_GROUPS]
    assert (table, group, rows, len(digest)) == ("sanctions_entities", str(loaded), len(sl.screenable(sl.shipped_entities("un_sc"))), 64)


def test_edited_entity(store, db_url, loaded):
    e = _one_entity(store, loaded)
    with store.session.begin() as s:  # a delisting by hand: the name no longer matches anyone
        row = s.get(SanctionsEntityRow, e.pk)
        row.data = {**row.data, "properties": {**row.data["properties"], "name": ["Nobody In Particular"]}}
    code, output = _verify(db_url)
    assert code == 1 and f"sanctions_entities of version_pk {loaded} changed after audit record" in output
    assert "(rows changed)" in output


def test_deleted_entity(store, db_url, loaded):
    e = _one_entity(store, loaded)
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM sanctions_entities WHERE pk = :p"), {"p": e.pk})
    code, output = _verify(db_url)
    assert code == 1 and "(rows deleted)" in output


def test_inserted_entity(store, db_url, loaded):
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO sanctions_entities (version_pk, entity_id, data) VALUES (:v, 'forged-1', :d)"),
                  {"v": loaded, "d": json.dumps({"id": "forged-1", "schema": "Company", "properties": {"name": ["Rival LLP"]}})})
    code, output = _verify(db_url)
    assert code == 1 and "(rows inserted)" in output


def test_entity_moved_or_changed_key(store, db_url, loaded):
    """Same rows and count, but one entity's key changed: the group digest covers every column, the key too."""
    e = _one_entity(store, loaded)
    with store.engine.begin() as c:
        c.execute(text("UPDATE sanctions_entities SET pk = :n WHERE pk = :p"), {"n": 10_000_000, "p": e.pk})
    code, output = _verify(db_url)
    assert code == 1 and "(rows changed)" in output


def test_entities_of_a_forged_version(store, db_url, loaded):
    with store.engine.begin() as c:
        c.execute(text("UPDATE sanctions_entities SET version_pk = :x WHERE pk IN "
                       "(SELECT pk FROM sanctions_entities WHERE version_pk = :v ORDER BY pk LIMIT 3)"), {"x": loaded, "v": loaded})
    assert _verify(db_url)[0] == 0  # a no-op update changes nothing
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM sanctions_entities"))
    code, output = _verify(db_url)
    assert code == 1 and f"sanctions_entities row(s) of version_pk {loaded} bound by audit record" in output
    assert "are missing (deleted)" in output


def test_rewritten_payload_needs_the_key(store, db_url, loaded):
    """The attacker edits an entity, recomputes the group digest into the activation record and re-hashes the
    chain from there: rows and chain agree again, the signatures do not."""
    e = _one_entity(store, loaded)
    with store.session.begin() as s:
        row = s.get(SanctionsEntityRow, e.pk)
        row.data = {**row.data, "properties": {**row.data["properties"], "name": ["Nobody In Particular"]}}
    with store.session.begin() as s:
        rows = list(s.scalars(select(SanctionsEntityRow).where(SanctionsEntityRow.version_pk == loaded)))
        forged = audit.group_binding("sanctions_entities", rows)
        prev = audit.GENESIS
        for r in s.scalars(select(AuditRow).order_by(AuditRow.seq)):
            if r.action == "lists.activate":
                r.payload = {**r.payload, audit.BOUND_GROUPS: [forged]}
            r.prev_sha256 = prev
            r.sha256 = audit.record_hash(r.seq, r.at, r.actor, r.action, r.subject, r.payload, prev)
            prev = r.sha256
    result = audit.verify(store)
    assert [p for p in result.problems if "sanctions_entities" in p] == []  # the rows look bound...
    assert len(result.problems) == 1 and "not signed with this server's audit key" in result.problems[0]  # ...but unsigned


def test_cut_off_activation_shows_against_an_exported_head(store, db_url, loaded, tmp_path):
    """The last activation, its version and its entities cut off the end: the rest of the chain is intact,
    so only the exported head shows it."""
    head = tmp_path / "head.json"
    assert runner.invoke(app, ["audit", "export-head", "--database-url", db_url, "--out", str(head)]).exit_code == 0
    last = json.loads(head.read_text())["seq"]
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
        c.execute(text("DELETE FROM sanctions_entities"))
        c.execute(text("DELETE FROM sanctions_list_versions"))
    assert _verify(db_url)[0] == 0
    code, output = _verify(db_url, "--anchor", str(head))
    assert code == 1 and f"the anchor names record {last}: records were cut off the end" in output
