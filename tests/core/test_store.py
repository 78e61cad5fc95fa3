import datetime as dt

from kordon.config import Settings
from kordon.models import Lane
from kordon.record.store import Store
from kordon.service import Kordon
from tests.core.helpers import decl, item

RU = {"dispatch": "KZ", "destination": "RU"}


def kordon(tmp_path, **settings):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    return Kordon(Settings(database_url=url, **settings))


def test_repeat_returns_stored_decision_and_change_is_an_amendment(tmp_path):
    k = kordon(tmp_path)
    first = k.screen_and_record(decl(id="S-1"))
    again = k.screen_and_record(decl(id="S-1"))
    assert (first.version, first.repeat) == (1, False)
    assert (again.version, again.repeat) == (1, True)
    assert again.decision.screened_at == first.decision.screened_at
    amended = k.screen_and_record(decl(id="S-1", route=RU, items=[item("8542319090", "cpu")]))
    assert amended.version == 2 and amended.decision.lane is Lane.red
    assert k.store.versions("S-1") == [1, 2]
    assert k.get("S-1", 1).decision.lane is Lane.green


def test_decision_records_list_versions(tmp_path):
    k = kordon(tmp_path)
    k.screen_and_record(decl(id="S-2"))
    record = k.get("S-2")
    versions = record.decision.list_versions
    assert {k: versions[k] for k in ("chpl", "eu_russia_hs6", "kz_national")} == {"chpl": "2024-02-23", "eu_russia_hs6": "2023-02-25", "kz_national": "2026-12-05"}
    assert {"ofac_sdn", "un_sc", "uk_fcdo"} <= set(versions)
    assert record.decision.rules_version


def test_replay_gives_the_identical_decision(tmp_path):
    k = kordon(tmp_path)
    stored = k.screen_and_record(decl(id="S-3", route=RU, items=[item("8542319090", "cpu"), item("8806240009", "drones")]))
    result = k.replay("S-3")
    assert result.identical and result.decision.action == stored.decision.action


def test_replay_uses_the_list_version_of_the_time_not_todays(tmp_path):
    own = tmp_path / "own.csv"
    own.write_text("code,category\n7601,aluminium\n", encoding="utf-8")
    (tmp_path / "own.yaml").write_text("id: own\ntitle: Own list\nversion: '1'\napplies_to: restricted_destinations\n", encoding="utf-8")
    k = kordon(tmp_path, lists=[str(own)])
    stored = k.screen_and_record(decl(id="S-4", route=RU, items=[item("7601100000", "aluminium")]))
    assert stored.decision.list_versions["own"] == "1" and stored.decision.action.value == "deny"
    # The list is withdrawn and replaced: version 2 no longer lists aluminium.
    own.write_text("code,category\n7602,scrap\n", encoding="utf-8")
    (tmp_path / "own.yaml").write_text("id: own\ntitle: Own list\nversion: '2'\n", encoding="utf-8")
    today = kordon(tmp_path, lists=[str(own)])
    assert today.screen(decl(id="S-4", route=RU, items=[item("7601100000", "aluminium")])).action.value != "deny"
    result = today.replay("S-4")
    assert result.identical and result.decision.list_versions["own"] == "1"


def test_store_iterates_declarations_in_order(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    k = Kordon(Settings(database_url=store.url), store=store)
    for i in range(5):
        k.screen_and_record(decl(id=f"I-{i}"))
    assert [d.id for d, _ in store.iter_declarations(batch=2)] == [f"I-{i}" for i in range(5)]
    assert store.count() == 5


def test_batch_save_handles_repeats_and_amendments_of_the_same_id(tmp_path):
    k = kordon(tmp_path)
    stored = k.screen_and_record_many([decl(id="B-1"), decl(id="B-1"), decl(id="B-1", route=RU), decl(id="B-2")])
    assert [(s.declaration.id, s.version, s.repeat) for s in stored] == [("B-1", 1, False), ("B-1", 1, True), ("B-1", 2, False), ("B-2", 1, False)]
    assert k.store.count() == 3
    assert k.replay("B-1").identical


def _furniture(i, consignee="Bishkek Mebel OsOO"):
    return decl(id=f"H-{i}", parties=[{"role": "consignor", "name": "Astana Furniture LLP", "country": "KZ"},
                                      {"role": "consignee", "name": consignee, "country": "KG"}],
                route={"dispatch": "KZ", "destination": "KG"},
                items=[item("9403609001", "Столы деревянные офисные", quantity=10, value=2000, currency="USD")])


def test_a_batch_sees_its_own_earlier_declarations_and_replay_rebuilds_that_history(tmp_path):
    k = kordon(tmp_path)
    stored = k.screen_and_record_many([_furniture(i) for i in range(6)])
    rules = [[h.rule for h in s.decision.hits] for s in stored]
    # Several small consignments between the same pair within days: structuring shows from the fifth on.
    assert "chain.structuring" not in rules[0] and "chain.structuring" in rules[5]
    assert [s.decision.history_upto for s in stored] == [0, 1, 2, 3, 4, 5]
    # Later traffic must not leak into the replay of an earlier decision.
    k.screen_and_record_many([_furniture(i, consignee="Osh Mebel OsOO") for i in range(6, 12)])
    for i in (0, 5):
        result = k.replay(f"H-{i}")
        assert result.identical, (result.record.decision.hits, result.decision.hits)


def test_a_new_process_loads_the_history_from_the_store(tmp_path):
    kordon(tmp_path).screen_and_record_many([_furniture(i) for i in range(4)])
    later = kordon(tmp_path)  # a fresh Kordon on the same database, as after a restart
    stored = later.screen_and_record(_furniture(4))
    assert stored.decision.history_upto == 4 and "chain.structuring" in [h.rule for h in stored.decision.hits]
    assert Kordon(Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", history=False)).screen_and_record(_furniture(5)).decision.history_upto is None


def test_rescreen_after_a_list_change_records_only_what_changed(tmp_path):
    from kordon.record import audit

    url = f"sqlite:///{tmp_path / 'k.db'}"
    k = Kordon(Settings(database_url=url))
    k.screen_and_record_many([decl(id="L-1", route=RU, items=[item("7601100000", "aluminium")]), decl(id="L-2", route=RU)])
    assert k.get("L-1").decision.lane is Lane.green
    own = tmp_path / "own.yaml"
    own.write_text("id: own\ntitle: Aluminium list\nversion: '1'\nentries:\n  - {code: '7601', category: metals}\n", encoding="utf-8")
    updated = Kordon(Settings(database_url=url, lists=[str(own)]))
    changed = updated.rescreen(since=dt.date(2024, 1, 1))
    assert [c.declaration_id for c in changed] == ["L-1"]
    assert changed[0].after.action.value == "deny" and ("goods.national", "items[0]", "own", "7601") in changed[0].added
    # The original decision stays what replay reproduces; the re-screen is recorded after it, and audited.
    assert updated.get("L-1").decision.lane is Lane.green and updated.replay("L-1").identical
    assert [r.action for r in audit.entries(updated.store, "declaration:L-1")].count("rescreen") == 1
    assert audit.verify(updated.store).ok
    assert updated.rescreen(since=dt.date(2024, 1, 1)) == []  # nothing changed since


def test_history_catches_up_with_another_process_on_the_same_store(tmp_path):
    first, second = kordon(tmp_path), kordon(tmp_path, history_refresh_seconds=0)  # two processes, one database
    first.screen_and_record(_furniture(0))
    second.screen_and_record(_furniture(1))  # second loads its history now: it has H-0 and H-1
    for i in range(2, 5):
        first.screen_and_record(_furniture(i))  # second does not know these yet
    stored = second.screen_and_record(_furniture(5))
    assert stored.decision.history_upto == 5 and "chain.structuring" in [h.rule for h in stored.decision.hits]
    assert first.replay("H-5").identical and second.replay("H-5").identical


def test_a_changed_list_under_a_recorded_version_label_is_refused(tmp_path):
    import pytest

    from kordon.ingest.errors import ListFileError

    own = tmp_path / "own.yaml"
    own.write_text("id: own\ntitle: Own\nversion: '1'\nentries:\n  - {code: '7601'}\n", encoding="utf-8")
    kordon(tmp_path, lists=[str(own)]).screen_and_record(decl(id="V-1", route=RU, items=[item("7601100000", "aluminium")]))
    own.write_text("id: own\ntitle: Own\nversion: '1'\nentries:\n  - {code: '7602'}\n", encoding="utf-8")
    with pytest.raises(ListFileError, match="version 1 is already on record with other content"):
        kordon(tmp_path, lists=[str(own)]).screen_and_record(decl(id="V-2"))


def test_recording_sees_every_row_another_process_committed(tmp_path):
    first, second = kordon(tmp_path), kordon(tmp_path, history_refresh_seconds=3600)  # second never refreshes on its own
    second.screen_and_record(_furniture(0))
    for i in range(1, 4):
        first.screen_and_record(_furniture(i))
    # Recording takes the write lock and then takes in what others committed: H-4 is screened with H-0..H-3.
    stored = second.screen_and_record(_furniture(4))
    assert stored.decision.history_upto == 4 and "chain.structuring" in [h.rule for h in stored.decision.hits]
    assert second.replay("H-4").identical and first.replay("H-4").identical
    assert second.screen_and_record(_furniture(5)).decision.history_upto == 5


def test_stored_settings_keep_no_database_url_or_seed_and_replay_uses_its_own(tmp_path):
    from sqlalchemy import text

    from kordon.config import LaneThresholds

    secret = "s3cret-seed-of-the-customs-service"
    url = f"sqlite:///{tmp_path / 'k.db'}"
    k = Kordon(Settings(database_url=url, lanes=LaneThresholds(random_rate=0.5, random_seed=secret)))
    for i in range(6):
        k.screen_and_record(decl(id=f"SEED-{i}"))
    with k.store.engine.connect() as c:
        rows = [r[0] for r in c.execute(text("SELECT settings FROM decisions"))] + [r[0] for r in c.execute(text("SELECT body FROM decisions"))]
    assert not any(secret in str(r) or "sqlite" in str(r) for r in rows)
    # An old row that did keep a URL (with a password) is replayed against this process's database, not that one.
    with k.store.engine.begin() as c:
        c.execute(text("UPDATE decisions SET settings = json_set(settings, '$.database_url', 'postgresql://u:pw@elsewhere/db')"))
    again = Kordon(Settings(database_url=url, lanes=LaneThresholds(random_rate=0.5, random_seed=secret)))
    assert all(again.replay(f"SEED-{i}").identical for i in range(6))
    # Another seed draws other ids: the replay says so rather than hiding it.
    other = Kordon(Settings(database_url=url, lanes=LaneThresholds(random_rate=0.5, random_seed="another")))
    assert not all(other.replay(f"SEED-{i}").identical for i in range(6))


def test_rescreen_selects_by_lodgement_time_not_declared_date(tmp_path):
    own = tmp_path / "own.yaml"
    own.write_text("id: own\ntitle: Own\nversion: '1'\nentries:\n  - {code: '9999'}\n", encoding="utf-8")
    old_dated = decl(id="OLD-DATED", date="2019-03-01", route=RU, items=[item("7601100000", "aluminium")])
    kordon(tmp_path, lists=[str(own)]).screen_and_record(old_dated)
    own.write_text("id: own\ntitle: Own\nversion: '2'\nentries:\n  - {code: '7601'}\n", encoding="utf-8")
    updated = kordon(tmp_path, lists=[str(own)])
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    assert [c.declaration_id for c in updated.rescreen(since=since, record=False)] == ["OLD-DATED"]
    assert updated.rescreen(since=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1), record=False) == []
    assert [c.declaration_id for c in updated.rescreen(since=None, record=False)] == ["OLD-DATED"]  # the whole store


def test_cli_screenings_are_audited_and_two_processes_share_ids(tmp_path):
    """Two `kordon screen` processes on one store with overlapping ids: both finish, each prints a decision
    for every id, each id is stored once, every screening is on the audit trail."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from kordon.record import audit

    files = []
    for n in range(2):
        path = tmp_path / f"batch{n}.jsonl"
        ids = range(n * 150, n * 150 + 300)  # 150 ids in common
        path.write_text("".join(decl(id=f"P-{i}").model_dump_json(exclude_none=True) + "\n" for i in ids), encoding="utf-8")
        files.append(path)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    exe = Path(sys.executable).with_name("kordon")
    procs = [subprocess.Popen([str(exe), "screen", str(f), "--format", "jsonl", "--db", url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for f in files]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    for n, (out, _) in enumerate(outs):
        printed = [json.loads(line)["declaration_id"] for line in out.splitlines()]
        assert printed == [f"P-{i}" for i in range(n * 150, n * 150 + 300)]
    store = Store(url)
    assert store.count() == 450
    screenings = audit.entries(store, action="screening")
    assert len(screenings) == 450 and {e.actor for e in screenings} == {"kordon screen (cli)"}
    assert audit.verify(store).ok
