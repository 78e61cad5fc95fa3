import functools
import http.server
import threading

import pytest

from kordon.ingest.sanctions import lifecycle
from kordon.record import sanctions_lists as sl

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def test_load_activates_and_diff_shows_changes(store_url):
    _, first = lifecycle.load_file(store_url, FIXTURES / "ofac_sdn", "ofac", version="v1", force=True)  # a small cut replaces the shipped list
    assert first.activated
    entities = sl.entities_of(store_url, first.version_pk)
    changed = [dict(e) for e in entities[1:]]  # one removed
    changed[0] = {**changed[0], "properties": {**changed[0]["properties"], "alias": ["NEW ALIAS"]}}
    changed.append({"id": "ofac-1", "schema": "Person", "properties": {"name": ["New Person"]}})
    second = sl.load_version(store_url, "ofac_sdn", "v2", "ofac", "x" * 64, changed)
    assert second.activated
    d = sl.diff(store_url, first.version_pk, second.version_pk)
    assert d["added"] == ["ofac-1"] and len(d["removed"]) == 1 and d["changed"] == [changed[0]["id"]]
    active = {a.id: a for a in sl.active_lists(store_url)}
    assert active["ofac_sdn"].version == "v2" and active["ofac_sdn"].origin == "store"
    assert active["un_sc"].origin == "shipped"


def test_shrinking_or_empty_load_keeps_active_version(store_url):
    _, first = lifecycle.load_file(store_url, FIXTURES / "ofac_sdn", "ofac", version="v1", force=True)  # a small cut replaces the shipped list
    ents = sl.entities_of(store_url, first.version_pk)
    shrunk = sl.load_version(store_url, "ofac_sdn", "v2", "ofac", "y" * 64, ents[:2], max_shrink=0.2)
    assert not shrunk.activated and "shrink" in shrunk.reason
    empty = sl.load_version(store_url, "ofac_sdn", "v3", "ofac", "z" * 64, [])
    assert not empty.activated
    active = {a.id: a for a in sl.active_lists(store_url)}
    assert active["ofac_sdn"].version == "v1"
    statuses = [v["status"] for v in sl.versions(store_url, "ofac_sdn")]
    assert statuses == ["active", "rejected", "rejected"]


def test_list_status_warns_on_old_snapshot():
    rows = {r["id"]: r for r in sl.list_status(None)}
    assert set(rows) >= {"ofac_sdn", "un_sc", "uk_fcdo"}
    for r in rows.values():
        assert r["kind"] == "parties" and r["entries"] > 0 and len(r["sha256"]) == 64
        assert (r["warning"] is not None) == (r["age_days"] > 30)


@pytest.fixture
def fixture_server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_update_downloads_from_server(store_url, fixture_server):
    results = lifecycle.update_lists(store_url, ["ofac_sdn", "un_sc"], base_url=fixture_server, max_shrink=1.0)
    assert [r.ok for r in results] == [True, True], [r.message for r in results]
    active = {a.id: a for a in sl.active_lists(store_url)}
    # The fixture carries the shipped snapshot's publication date but other content: its label gets the hash,
    # so that a decision made with the shipped version still finds that content on replay.
    assert active["ofac_sdn"].entries == 7 and active["un_sc"].version.startswith("2026-02-27+") and active["un_sc"].origin == "store"


def test_update_failure_keeps_active(store_url, fixture_server):
    lifecycle.load_file(store_url, FIXTURES / "ofac_sdn", "ofac", version="v1", force=True)  # a small cut replaces the shipped list
    results = lifecycle.update_lists(store_url, ["us_csl"], base_url=fixture_server)  # not served: 404
    assert not results[0].ok and "active version stays" in results[0].message
    assert {a.id: a for a in sl.active_lists(store_url)}["ofac_sdn"].version == "v1"


def test_a_first_load_may_not_shrink_the_shipped_snapshot(tmp_path):
    store_url = f"sqlite:///{tmp_path / 'k.db'}"
    _, outcome = lifecycle.load_file(store_url, FIXTURES / "ofac_sdn", "ofac", version="v1")
    assert not outcome.activated and "active version stays" in outcome.reason
    assert {a.id: a for a in sl.active_lists(store_url)}["ofac_sdn"].origin == "shipped"
