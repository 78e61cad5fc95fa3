"""No acknowledged declaration is lost: kill -9 the server mid-load, restart, count.

    python benchmarks/api_crash.py [--database-url URL] [--workers 8] [--seconds 5] [--rounds 3]

Every declaration that got a 2xx must be stored exactly once after the restart; declarations
in flight when the server died may be stored or not, but never twice.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from api_common import Server, make_declaration


def run_round(server: Server, key: str, workers: int, seconds: float, offset: int) -> tuple[set[str], int]:
    acked: set[str] = set()
    sent = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(w: int) -> None:
        rng = random.Random(offset + w)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as c:
            i = 0
            while time.monotonic() < stop:
                d = make_declaration(offset + w * 1_000_000 + i, rng, prefix="CRASH")
                i += 1
                with lock:
                    sent[0] += 1
                try:
                    r = c.post("/v1/declarations", json=d)
                except httpx.HTTPError:
                    return  # the server is gone
                if 200 <= r.status_code < 300:
                    with lock:
                        acked.add(d["id"])

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds * 0.6)
    server.kill()  # SIGKILL while requests are in flight
    for t in threads:
        t.join()
    return acked, sent[0]


def check(database_url: str, acked: set[str]) -> tuple[int, int, int]:
    from kordon.record.store import DeclarationRow, Store

    store = Store(database_url)
    with store.session() as s:
        counts = dict(s.execute(select(DeclarationRow.declaration_id, func.count()).group_by(DeclarationRow.declaration_id)).all())
    store.engine.dispose()
    lost = sum(1 for d in acked if counts.get(d, 0) == 0)
    duplicated = sum(1 for n in counts.values() if n > 1)
    return lost, duplicated, len(counts)


def crash_test(database_url: str, workdir: Path, workers: int, seconds: float, rounds: int) -> list[dict]:
    from kordon.record import keys
    from kordon.record.store import Store

    store = Store(database_url)
    key = keys.create_key(store, "crash test", "officer")[0]
    store.engine.dispose()
    results, all_acked = [], set()
    for r in range(rounds):
        server = Server(database_url, workdir / "server.log").start()
        acked, sent = run_round(server, key, workers, seconds, offset=r * 100_000_000)
        all_acked |= acked
        # Restart on the same database: it must come up and serve what was acknowledged.
        server = Server(database_url, workdir / "server.log").start()
        server.stop()
        lost, duplicated, stored = check(database_url, all_acked)
        results.append({"round": r + 1, "sent": sent, "acknowledged": len(acked), "stored_total": stored,
                        "lost": lost, "duplicated": duplicated})
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/crash.db"
        for row in crash_test(url, Path(tmp), args.workers, args.seconds, args.rounds):
            print(row)
            assert row["lost"] == 0 and row["duplicated"] == 0, "an acknowledged declaration was lost or stored twice"
    print("ok: every acknowledged declaration stored exactly once")


if __name__ == "__main__":
    main()
