"""How long the officers' queue takes to answer: one page, with and without the content filters.

    python benchmarks/web_queue.py --declarations 3000 [--database-url postgresql+psycopg://...]

Builds a store of synthetic declarations (kordon.synth, a high scenario rate so that many are held),
then times `held_page` (kordon.record.queue) for the first page, a late page, the structured filters
(SQL) and the content filters (party name in any script, HS code, list hit: read in Python).
Prints wall and CPU time per call (median of --repeat runs) and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from kordon.config import Settings
    from kordon.record.queue import QueueFilter, held_page
    from kordon.record.store import Store
    from kordon.service import Kordon
    from kordon.synth.generator import generate

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'kordon.db'}"
        store = Store(url)
        k = Kordon(Settings(database_url=url), store)
        t0 = time.perf_counter()
        decls = [g.declaration for g in generate(args.declarations, seed=7, start=dt.date(2026, 10, 1), days=60, scenario_rate=0.5)]
        for i in range(0, len(decls), 500):
            k.screen_and_record_many(decls[i:i + 500])
        print(f"stored {store.count()} declarations in {time.perf_counter() - t0:.1f} s")
        held = held_page(store).total
        print(f"held: {held}")
        cases = {
            "first page (50, by risk)": (QueueFilter(), {}),
            "last page (50, by risk)": (QueueFilter(), {"page": 10_000}),
            "sorted by date": (QueueFilter(), {"sort": "date"}),
            "lane + type + date range (SQL)": (QueueFilter(lane="red", type="export", date_from=dt.date(2026, 10, 15),
                                                           date_to=dt.date(2026, 11, 15)), {}),
            "party name 'Восток' (Python, every held row read)": (QueueFilter(party="Восток"), {}),
            "HS code 8542 (Python)": (QueueFilter(hs="8542"), {}),
            "list hit chpl (Python)": (QueueFilter(list_id="chpl"), {}),
        }
        for name, (f, kw) in cases.items():
            walls, cpus = [], []
            total = 0
            for _ in range(args.repeat):
                w, c = time.perf_counter(), time.process_time()
                total = held_page(store, f, **kw).total
                walls.append(time.perf_counter() - w)
                cpus.append(time.process_time() - c)
            print(f"{name:52s} total {total:5d}  wall {statistics.median(walls) * 1000:7.1f} ms  cpu {statistics.median(cpus) * 1000:7.1f} ms")
        store.engine.dispose()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
