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
    print(f"rules: {args.rules} ({len(ctx.rules.enabled())} rules; party index loaded: {'parties' in ctx.extras})")
    print(f"screening + decision: {args.n / t_scr:,.0f} declarations/s (CPU time: {args.n / c_scr:,.0f}/s)")
    print(f"validation + screening: {args.n / (t_val + t_scr):,.0f} declarations/s (CPU time: {args.n / (c_val + c_scr):,.0f}/s)")
    print(f"lanes: {lanes}")


if __name__ == "__main__":
    main()
