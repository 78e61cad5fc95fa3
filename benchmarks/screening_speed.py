"""Goods and route screening throughput on one core.

    python benchmarks/screening_speed.py --n 100000

Generates N declarations of 5 items (a mix of listed and unlisted codes, restricted and ordinary
routes), validates them from JSON like the CLI does, and screens them with the bundled lists and
the core rules. Prints declarations per second for validation, screening, and both together,
by wall clock and by CPU time of this process (time.process_time: on a loaded machine the wall
clock also counts other processes' turns on the core). Goods rules include code validation
(goods.code_valid). No storage: this measures the screening itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time

from kordon.models import Declaration
from kordon.screen import build_context, screen_declaration

CODES = ["1001990000", "2701129000", "8542319090", "8471500000", "6203429000", "8806240009", "7403110000",
         "8536908500", "8482109001", "0702000007", "8703231981", "6109100000", "8532240000", "1512191000"]
COUNTRIES = ["RU", "BY", "UZ", "KG", "CN", "TR", "DE", "MN", "AE", "AM"]


def make(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        dest = rnd.choice(COUNTRIES)
        out.append(json.dumps({
            "id": f"B-{i}", "type": rnd.choice(["export", "export", "transit", "re-export", "import"]),
            "date": f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "parties": [{"role": "consignor", "name": f"Exporter {i % 997} LLP", "country": "KZ"},
                        {"role": "consignee", "name": f"Buyer {i % 991}", "country": dest},
                        {"role": "end_user", "name": f"User {i % 983}", "country": rnd.choice(COUNTRIES)}],
            "route": {"dispatch": "KZ", "transit": rnd.sample(COUNTRIES, rnd.randint(0, 2)), "destination": dest},
            "items": [{"hs_code": rnd.choice(CODES), "description": "goods", "origin": rnd.choice(COUNTRIES + ["US", "JP"]),
                       "quantity": rnd.randint(1, 1000), "value": rnd.randint(100, 100000), "currency": "USD",
                       **({"licence": "L-1"} if rnd.random() < 0.1 else {})} for _ in range(5)],
        }))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rules", choices=["core", "all"], default="core",
                        help="core: goods and route rules; all: the whole pack (parties, red flags without history)")
    parser.add_argument("--rounds", type=int, default=3, help="with --profile each: rounds per chunk (the best counts)")
    parser.add_argument("--profile", default=None,
                        help="jurisdiction profile (default: the settings', kz_customs); 'none' for the rules' own actions; "
                             "'each' screens the same declarations under none and every bundled profile, in turn; "
                             "names with commas (none,kz_customs) under none and those profiles, in turn")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    t0 = time.perf_counter()
    # core: the goods and route rules only, as the core target is stated. They are chosen before the
    # context is built, so the party index (which no core rule reads) is not loaded.
    ctx = build_context(only=("goods.", "route.") if args.rules == "core" else None)
    t_ctx = time.perf_counter() - t0
    lines = make(args.n)

    t0, c0 = time.perf_counter(), time.process_time()
    decls = [Declaration.model_validate_json(line) for line in lines]
    t_val, c_val = time.perf_counter() - t0, time.process_time() - c0

    if args.profile == "each" or (args.profile and "," in args.profile):
        _each_profile(ctx, decls, args.rounds, None if args.profile == "each" else args.profile.split(","))
        return
    if args.profile:
        from kordon.decide.profiles import load_profile

        ctx.profile = None if args.profile == "none" else load_profile(args.profile)

    t0, c0 = time.perf_counter(), time.process_time()
    lanes: dict[str, int] = {}
    for d in decls:
        decision = screen_declaration(d, ctx)
        lanes[decision.lane.value] = lanes.get(decision.lane.value, 0) + 1
    t_scr, c_scr = time.perf_counter() - t0, time.process_time() - c0

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"context build (lists, index, rules): {t_ctx:.2f} s")
    print(f"declarations: {args.n} x 5 items")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"validation: {args.n / t_val:,.0f} declarations/s (CPU time: {args.n / c_val:,.0f}/s)")
    print(f"profile: {ctx.profile.id + ' ' + ctx.profile.version if ctx.profile else 'none'}")
    print(f"rules: {args.rules} ({len(ctx.rules.enabled())} rules; party index loaded: {'parties' in ctx.extras})")
    print(f"screening + decision: {args.n / t_scr:,.0f} declarations/s (CPU time: {args.n / c_scr:,.0f}/s)")
    print(f"validation + screening: {args.n / (t_val + t_scr):,.0f} declarations/s (CPU time: {args.n / (c_val + c_scr):,.0f}/s)")
    print(f"lanes: {lanes}")


def _each_profile(ctx, decls: list[Declaration], rounds: int = 3, only: list[str] | None = None,  # noqa: ANN001 - ScreeningContext
                  chunk: int = 500) -> None:
    """The same declarations under no profile and each bundled one (or those in `only`), interleaved so that a
    change in the machine's load hits every profile alike: chunk by chunk, each profile screens the chunk once per
    round (in a rotating order); the best round per chunk and profile counts. A profile's cost is the mean over the
    chunks of its best time less none's, with its standard error.

    Each profile keeps its own remembered outcomes (kordon.screen.hits): the more profiles in the rotation, the
    colder each one's are when its turn comes. A deployment screens under one profile (an API server under one
    per key): `only` with a single profile measures that case."""
    import copy
    import statistics

    from kordon.decide.profiles import load_profile
    from kordon.ingest.profiles import bundled_profile_names

    # "none again" screens under no profile a second time, in the same rotation, with a context of its own (so its
    # remembered outcomes are its own, as a profile's are, not none's used twice a round): how far two identical
    # runs differ is the noise floor against which a profile's cost is read.
    names = ["none", *[n for n in (only if only is not None else bundled_profile_names()) if n != "none"], "none again"]
    profiles = {name: None if name.startswith("none") else load_profile(name) for name in names}
    again = copy.copy(ctx)
    again.judged, again._matches_slot, again.plan_slot = {}, (None, []), (None, None, [])
    contexts = {name: again if name == "none again" else ctx for name in names}
    best = dict.fromkeys(names, 0.0)
    extra: dict[str, list[float]] = {name: [] for name in names}
    actions: dict[str, dict[str, int]] = {name: {} for name in names}
    load_before = os.getloadavg()
    for start in range(0, len(decls), chunk):
        part = decls[start:start + chunk]
        fastest = dict.fromkeys(names, float("inf"))
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                here = contexts[name]
                here.profile = profiles[name]
                counted: dict[str, int] = {}
                c0 = time.process_time()
                for d in part:
                    a = screen_declaration(d, here).action.value
                    counted[a] = counted.get(a, 0) + 1
                fastest[name] = min(fastest[name], time.process_time() - c0)
                if r == 0:
                    for a, n in counted.items():
                        actions[name][a] = actions[name].get(a, 0) + n
        for name in names:
            best[name] += fastest[name]
            extra[name].append(1e6 * (fastest[name] - fastest["none"]) / len(part))
    print(f"declarations: {len(decls)} x 5 items, {rounds} interleaved rounds per chunk of {chunk}, "
          "best round per chunk and profile (CPU time)")
    print(f"load average: before {' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    per = 1e6 * best["none"] / len(decls)
    for name in names:
        mean = statistics.fmean(extra[name])
        error = statistics.stdev(extra[name]) / len(extra[name]) ** 0.5 if len(extra[name]) > 1 else 0.0
        print(f"profile {name:12s} {len(decls) / best[name]:8,.0f} declarations per CPU-second "
              f"({100 * mean / per:+.1f}% CPU time vs none, {mean:+.2f} ± {error:.2f} µs per declaration)  "
              f"actions {dict(sorted(actions[name].items()))}")


if __name__ == "__main__":
    main()
