"""Screening speed of the full rule pack (core + red flags) against a history of 1,000,000 declarations.

1. Generate a pool of synthetic declarations (kordon.synth) and lodge it repeatedly, each repeat with
   fresh ids and dates moved on by the pool's span, until the history holds --history declarations
   (building 1,000,000 fully validated declarations one by one would take ~5 minutes on its own;
   the repeats keep the party base realistic: the same traders keep trading).
2. Screen --screen fresh declarations (another seed, dated after the history) on one core, first
   without, then with adding each to the history after its screening (as production does).
3. Time loading a history from a real SQLite store of --store declarations and extrapolate to the
   history size.

Usage: python benchmarks/redflags_speed.py [--history 1000000] [--pool 100000] [--screen 10000] [--store 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import tempfile
import time

from kordon.index.history import History
from kordon.models import Lane
from kordon.record.store import Store
from kordon.screen import build_context, screen_declaration
from kordon.synth import generate


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--history", type=int, default=1_000_000)
    ap.add_argument("--pool", type=int, default=100_000)
    ap.add_argument("--screen", type=int, default=10_000)
    ap.add_argument("--store", type=int, default=20_000)
    a = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus; one process, one core")

    start = dt.date(2022, 1, 1)
    t = time.perf_counter()
    pool = [g.declaration for g in generate(a.pool, seed=101, start=start, days=365, scenario_rate=0.02)]
    gen_s = time.perf_counter() - t
    print(f"generated {len(pool)} validated declarations in {gen_s:.1f} s ({len(pool) / gen_s:,.0f}/s)")

    t = time.perf_counter()
    history = History()
    span = 365
    n, rep = 0, 0
    while n < a.history:
        shift = dt.timedelta(days=span * rep)
        for d in pool:
            if n >= a.history:
                break
            history.add(d if rep == 0 else d.model_copy(update={"id": f"{d.id}-r{rep}", "date": d.date + shift}))
            n += 1
        rep += 1
    build_s = time.perf_counter() - t
    print(f"history of {len(history):,} declarations ({rep} passes over the pool) built in {build_s:.1f} s "
          f"({len(history) / build_s:,.0f}/s); {len(history.first_seen):,} parties, {len(history.prices):,} price keys, "
          f"{len(history.stock):,} stock keys; peak RSS {rss_mb():,.0f} MB")

    ctx = build_context()
    ctx.extras["history"] = history
    fresh_start = history.last_date + dt.timedelta(days=1)
    fresh = [g.declaration for g in generate(a.screen, seed=202, start=fresh_start, days=30, scenario_rate=0.02)]
    # The history runs years ahead of today: each fresh declaration is lodged on its own date, as in
    # production, so that the lists in force and the date check see no gap (declaration.date_gap).
    fresh = [d.model_copy(update={"lodged_at": dt.datetime.combine(d.date, dt.time(10), dt.UTC)}) for d in fresh]
    for d in fresh[:200]:
        screen_declaration(d, ctx)  # warm caches (stemmer, goods lookups) as a running service would have them
    t, c = time.perf_counter(), time.process_time()
    lanes = {lane: 0 for lane in Lane}
    hits = 0
    for d in fresh:
        dec = screen_declaration(d, ctx)
        lanes[dec.lane] += 1
        hits += len(dec.hits)
    screen_s, screen_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"screened {len(fresh)} declarations in {screen_s:.2f} s: {len(fresh) / screen_s:,.0f} declarations/s "
          f"(CPU time {screen_cpu:.2f} s: {len(fresh) / screen_cpu:,.0f}/s) "
          f"({hits} hits; lanes " + ", ".join(f"{k.value} {v}" for k, v in lanes.items()) + ")")
    t = time.perf_counter()
    for d in fresh:
        screen_declaration(d, ctx)
        history.add(d)
    both_s = time.perf_counter() - t
    print(f"screen + history.add: {len(fresh) / both_s:,.0f} declarations/s")
    errors = sum(1 for d in fresh if any(h.rule == "screening.error" for h in screen_declaration(d, ctx).hits))
    print(f"screening errors: {errors}")

    with tempfile.TemporaryDirectory() as tmp:
        from kordon.config import Settings
        from kordon.service import Kordon

        url = f"sqlite:///{tmp}/bench.db"
        store = Store(url)
        recorder = Kordon(Settings(database_url=url, history=False), store)
        t = time.perf_counter()
        # Screened and stored through the one recording path, 500 a transaction (as `kordon screen` does).
        for i in range(0, a.store, 500):
            recorder.screen_and_record_many(pool[i:min(i + 500, a.store)], actor="benchmark")
        save_s = time.perf_counter() - t
        t = time.perf_counter()
        loaded = History.build(store.iter_declarations())
        load_s = time.perf_counter() - t
        per = load_s / len(loaded)
        print(f"store: screened and saved {a.store} in {save_s:.1f} s; History.build(store.iter_declarations()) of {len(loaded)} took {load_s:.1f} s "
              f"({len(loaded) / load_s:,.0f}/s) → about {per * a.history / 60:.1f} min for {a.history:,}")


if __name__ == "__main__":
    main()
