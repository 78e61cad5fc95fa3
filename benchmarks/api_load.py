"""Sustained screening load from a second process on loopback: req/s, declarations/s, p50, p99, errors.

    python benchmarks/api_load.py [--database-url URL] [--seconds 120] [--workers 8] [--batch 1]

Starts `kordon serve` (one uvicorn process) on 127.0.0.1, then sends new declarations (each id
unique, so each is screened and stored, not a repeat) from worker threads in this process for the
given time. Loopback only; the loop stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from api_common import Server, make_declaration


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--batch", type=int, default=1, help="declarations per request")
    args = ap.parse_args()

    from kordon.record import keys
    from kordon.record.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/load.db"
        store = Store(url)
        key = keys.create_key(store, "load test", "officer")[0]
        store.engine.dispose()
        server = Server(url, Path(tmp) / "server.log").start()
        latencies: list[float] = []
        errors: dict[str, int] = {}
        decls = [0]
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        run_id = f"L{int(time.time())}"

        def worker(w: int) -> None:
            rng = random.Random(w)
            i = 0
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
                while time.monotonic() < stop:
                    batch = [make_declaration(w * 10_000_000 + i + j, rng, prefix=f"{run_id}") for j in range(args.batch)]
                    i += args.batch
                    body = batch[0] if args.batch == 1 else {"declarations": batch}
                    t0 = time.perf_counter()
                    try:
                        r = c.post("/v1/declarations", json=body)
                        status = str(r.status_code)
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    dt = time.perf_counter() - t0
                    with lock:
                        if status == "200":
                            latencies.append(dt)
                            decls[0] += args.batch
                        else:
                            errors[status] = errors.get(status, 0) + 1

        def server_cpu() -> float:
            # utime + stime of the server process (clock ticks → seconds): its CPU, whatever else runs.
            fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        load_before = os.getloadavg()[0]
        cpu0 = server_cpu()
        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        cpu = server_cpu() - cpu0
        load_after = os.getloadavg()[0]
        server.stop()
        lat = sorted(latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0] * 99
        backend = url.split(":", 1)[0]
        print(f"backend={backend} seconds={elapsed:.0f} workers={args.workers} batch={args.batch}")
        print(f"requests={len(lat)} req/s={len(lat) / elapsed:.1f} declarations/s={decls[0] / elapsed:.1f} "
              f"p50={q[49] * 1000:.1f}ms p99={q[98] * 1000:.1f}ms errors={sum(errors.values())} {errors or ''}")
        print(f"server CPU {cpu:.1f} s = {1000 * cpu / max(decls[0], 1):.2f} ms per declaration "
              f"(one free core: about {decls[0] / cpu if cpu else 0:.0f} declarations/s); "
              f"load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
