"""Officers' work while the server is flooded: an inspection (API) and a web sign-in each write to the
store while the group writer is never idle; how long do they take while N clients post declarations
back to back?

    python benchmarks/api_officers_under_load.py [--database-url URL] [--workers 8] [--actions 20]

Starts `kordon serve` on 127.0.0.1, floods it from `--workers` threads, and meanwhile records
`--actions` inspections through the API and as many web sign-ins, one after another, timing each
(client side). Prints the median and the slowest, the statuses, the declarations posted meanwhile,
CPU time of this process and the load average. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from api_common import Server, make_declaration

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _summary(name: str, timings: list[tuple[float, int]]) -> str:
    ms = sorted(t * 1000 for t, _ in timings)
    statuses = sorted({s for _, s in timings})
    return (f"{name}: n={len(ms)} median={statistics.median(ms):.1f}ms slowest={ms[-1]:.1f}ms "
            f"statuses={statuses}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--actions", type=int, default=20)
    args = ap.parse_args()

    from kordon.record import keys
    from kordon.record.store import Store

    cpu0, load0 = time.process_time(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/officers.db"
        store = Store(url)
        key = keys.create_key(store, "officer under load", "officer")[0]
        store.engine.dispose()
        server = Server(url, Path(tmp) / "server.log").start()
        stop, posted = threading.Event(), [0]
        run = f"O{int(time.time())}"

        def flood(w: int) -> None:
            rng = random.Random(w)
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
                i = 0
                while not stop.is_set():
                    c.post("/v1/declarations", json=make_declaration(w * 10_000_000 + i, rng, prefix=run))
                    i += 1
                    posted[0] += 1

        threads = [threading.Thread(target=flood, args=(w,)) for w in range(args.workers)]
        inspections: list[tuple[float, int]] = []
        sign_ins: list[tuple[float, int]] = []
        try:
            target = make_declaration(99_999_999, random.Random(0), prefix=run)
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
                c.post("/v1/declarations", json=target)
            for t in threads:
                t.start()
            time.sleep(2)  # the writer is saturated
            before = posted[0]
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as c:
                for _ in range(args.actions):
                    t0 = time.perf_counter()
                    r = c.post(f"/v1/declarations/{target['id']}/inspections",
                               json={"outcome": "no_discrepancy", "findings": "as declared"})
                    inspections.append((time.perf_counter() - t0, r.status_code))
            for _ in range(args.actions):
                with httpx.Client(base_url=server.url, timeout=120) as web:
                    found = CSRF.search(web.get("/login").text)
                    token = found.group(1) if found else ""
                    t0 = time.perf_counter()
                    r = web.post("/login", data={"key": key, "csrf": token, "next": "/"}, follow_redirects=False)
                    sign_ins.append((time.perf_counter() - t0, r.status_code))
            during = posted[0] - before
        finally:
            stop.set()
            for t in threads:
                t.join()
            server.stop()
    backend = url.split(":", 1)[0]
    print(f"backend={backend} workers={args.workers} declarations posted while officers worked={during}")
    print(_summary("API inspection", inspections))
    print(_summary("web sign-in (303 = signed in)", sign_ins))
    print(f"this process CPU {time.process_time() - cpu0:.1f} s; load average {load0:.1f} → {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")


if __name__ == "__main__":
    main()
