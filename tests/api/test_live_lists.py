"""A running server screens with the lists active at that moment: `kordon lists load` in another process
activates a list naming the consignee while clients post, and every declaration posted after the load
finished comes back with the party hit; the re-screen after the load escalates the earlier ones. Run with
officers' pace (4 clients, 50 ms between requests) and with a flood (8 clients back to back, the group writer
never idle), where the activation must still get SQLite's write lock: the writer gives way to a waiting
process between groups (audit.transaction)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from api_helpers import GREEN, declaration
from api_server import Server

NAME = "Zheleznodorozhny Perevalochny Terminal Bereke"
LISTED = {"id": "live-test-1", "schema": "Organization",
          "properties": {"name": [NAME], "country": ["de"], "registrationNumber": ["HRB 998877"]}}


def _posted(i: int) -> dict:
    return declaration(GREEN, id=f"LIVE-{i}", parties=[GREEN["parties"][0],
                                                        {"role": "consignee", "name": NAME, "country": "DE"}])


@pytest.mark.parametrize(("clients", "pause"), [(4, 0.05), (8, 0.0)], ids=["paced", "flood"])
def test_activation_reaches_a_running_server(tmp_path, clients, pause):
    from kordon.record import audit, keys
    from kordon.record.store import Store

    url = f"sqlite:///{tmp_path / 'kordon.db'}"
    store = Store(url)
    key = keys.create_key(store, "live test", "officer")[0]
    store.engine.dispose()
    server = Server(url, tmp_path / "server.log").start()
    results: list[tuple[float, str, bool]] = []  # (sent at, id, party hit)
    lock, stop = threading.Lock(), threading.Event()
    counter = iter(range(1_000_000))

    def client() -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                sent = time.monotonic()
                r = c.post("/v1/declarations", json=_posted(i))
                assert r.status_code == 200, r.text
                hit = any(h["rule"] == "parties.sanctions" for h in r.json()["decision"]["hits"])
                with lock:
                    results.append((sent, f"LIVE-{i}", hit))
                if pause:
                    time.sleep(pause)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    try:
        for t in threads:
            t.start()
        time.sleep(2)
        listed = tmp_path / "live.json"
        listed.write_text(json.dumps(LISTED) + "\n", encoding="utf-8")
        kordon = Path(sys.executable).with_name("kordon")
        started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
        # The timeout only keeps a starved load from hanging the run; before the hand-over a flood kept
        # `lists load` waiting for more than 300 s.
        load = subprocess.run([str(kordon), "lists", "load", str(listed), "--source", "ftm", "--list-id", "live_test",
                               "--version", "2026-12-05", "--db", url, "--rescreen-days", "1"],
                              capture_output=True, text=True, timeout=300, check=False)
        loaded = time.monotonic()
        assert load.returncode == 0, load.stderr
        probe = Store(url)
        activated = audit.last_entry(probe, "list:live_test", "lists.activate")
        probe.engine.dispose()
        assert activated is not None
        print(f"{clients} clients posting: activation committed after "
              f"{(dt.datetime.fromisoformat(activated.at) - started_at).total_seconds():.1f} s, "
              f"lists load (with its re-screen) returned after {loaded - started:.1f} s")
        deadline = loaded + 120
        while time.monotonic() < deadline:
            with lock:
                if sum(1 for s, _, _ in results if s > loaded) >= 20:
                    break
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join()
        before = [r for r in results if r[0] < loaded]
        after = [r for r in results if r[0] > loaded]
        assert len(before) >= 4 and len(after) >= 20
        # Every declaration sent after the load returned was screened with the new list.
        assert [i for _, i, hit in after if not hit] == []
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as c:
            lists = c.get("/v1/lists").json()
            assert any(s["id"] == "live_test" and s["version"] == "2026-12-05" for s in lists["sanctions"])
            # Those stored before it: the re-screen the load ran (by lodgement time) escalated them.
            first = min(before)[1]
            view = c.get(f"/v1/declarations/{first}").json()
            assert any(h["rule"] == "parties.sanctions" for h in view["decision"]["hits"]) and view["status"] == "held"
    finally:
        stop.set()
        server.stop()
    store = Store(url)
    assert audit.verify(store).ok
    store.engine.dispose()


def test_snt_verification_of_a_running_server_uses_a_newly_activated_list(tmp_path):
    """The EAEU verification in the same server screens SNT parties with the lists active now: an SNT verified
    clean, then `kordon lists load` in another process names its customer, and the next verification finds it
    (before, the document service kept the screening context of its first request)."""
    from kordon.record import keys
    from kordon.record.store import Store

    examples = Path(__file__).resolve().parents[2] / "examples" / "eaeu"
    url = f"sqlite:///{tmp_path / 'kordon.db'}"
    store = Store(url)
    key = keys.create_key(store, "live test", "officer")[0]
    store.engine.dispose()
    kordon = Path(sys.executable).with_name("kordon")
    subprocess.run([str(kordon), "documents", "load", *(str(examples / f) for f in ("dts.jsonl", "esfs.jsonl", "snts.jsonl")),
                    "--db", url], capture_output=True, text=True, timeout=300, check=True)
    server = Server(url, tmp_path / "server.log").start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
            def reasons() -> list[str]:
                r = c.post("/v1/documents/verify", json={"numbers": ["KZ-SNT-2024-0000101"], "record": False})
                assert r.status_code == 200, r.text
                return [x["code"] for x in r.json()["verdicts"][0]["reasons"]]

            assert "parties.sanctions" not in reasons()
            listed = tmp_path / "customer.json"
            listed.write_text(json.dumps({"id": "live-snt-1", "schema": "Organization",
                                          "properties": {"name": ["ООО «Молочный Союз»"], "country": ["ru"]}}) + "\n",
                              encoding="utf-8")
            load = subprocess.run([str(kordon), "lists", "load", str(listed), "--source", "ftm", "--list-id", "live_snt",
                                   "--version", "2026-12-05", "--db", url], capture_output=True, text=True, timeout=300, check=False)
            assert load.returncode == 0, load.stderr
            assert "parties.sanctions" in reasons()
    finally:
        server.stop()
