"""CPU per party query as the party rules ask it (limit 3, floor 0.75), each query new to the process.

The SNT benchmark (documents_speed.py) matches ~60,000 new parties: sellers "ТОО «Фирма N»" with their BIN and
customers "ООО «Покупатель N»" with the destination country. Declarations and customer files bring people and
firms on no list. This script times `PartyIndex.match` on such queries alone, in a fresh process against the index
the screening context builds (the shipped lists), after a warm-up on other names, so that caches keyed by a
query's own words start cold for every timed query as they do in a real run. It prints a digest of the answers
(candidates at or above the floor: entity, score, name score, matched name, explanation) so that two versions of
the matcher can be compared query for query.

Sets:
  sellers    --sellers SNT sellers, firm numbers drawn (seed 1) from the SNT benchmark's 50,000 firms, with their BIN
  customers  --customers SNT customers, numbers drawn from its 5,000, destination RU/BY/AM/KG
  us         1,000 synthetic US people on no list, with birth date and nationality (yente_negatives_us_1000.csv)
  un         683 UN Security Council people, name only (yente_positives_un_untreated.csv): queries that do match

Usage: python benchmarks/party_cost.py [--shared ../shared/data] [--sellers 4000] [--customers 2000] [--floor 0.75]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from documents_speed import firms  # noqa: E402
from party_matching import people, person_query  # noqa: E402

from kordon.index.parties import Candidate, PartyIndex, Query  # noqa: E402


def answer(found: list[Candidate], floor: float) -> bytes:
    return repr([(c.entity.list_id, c.entity.entity_id, c.score, c.name_score, c.matched_name, c.identifier_match,
                  c.explanation) for c in found if c.score >= floor]).encode()


def timed(index: PartyIndex, label: str, queries: list[Query], floor: float) -> None:
    digest = hashlib.sha256()
    cpu: list[float] = []
    for q in queries:
        c0 = time.process_time_ns()
        found, warnings = index.match(q, limit=3, floor=floor)
        cpu.append((time.process_time_ns() - c0) / 1e3)
        digest.update(answer(found, floor) + repr(warnings).encode())
    cpu.sort()
    n = len(cpu)
    print(f"{label:<10} {n:>6,} queries: cpu {sum(cpu) / n:6.0f} µs a query (median {statistics.median(cpu):5.0f}, "
          f"p99 {cpu[int(n * 0.99)]:6.0f}); answers sha256 {digest.hexdigest()[:16]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("KORDON_SHARED_DATA", "../shared/data"))
    ap.add_argument("--sellers", type=int, default=4000)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--floor", type=float, default=0.75)
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    from kordon.screen import build_context

    t0 = time.process_time()
    index = build_context(only=("parties.",)).extras["parties"]
    print(f"index: {len(index):,} entities, {len(index.groups):,} name groups (loaded or built in {time.process_time() - t0:.1f} s cpu)")
    shared = Path(args.shared)
    rng = np.random.default_rng(1)
    tins = firms(50_000, np.random.default_rng(12))
    dest = ["RU", "BY", "AM", "KG"]
    sellers = [Query(f"ТОО «Фирма {i}»", identifiers=[("bin", tins[i])]) for i in rng.choice(50_000, args.sellers, replace=False)]
    customers = [Query(f"ООО «Покупатель {i}»", country=dest[int(i) % 4]) for i in rng.choice(5_000, args.customers, replace=False)]
    us = [person_query(r) for r in people(shared / "name_matching/yente_negatives_us_1000.csv")]
    un = [person_query(r, evidence=False) for r in people(shared / "name_matching/yente_positives_un_untreated.csv")]
    # Warm-up on names none of the timed queries carries: the lists' side of every cache fills as in a long run.
    warm = [Query(f"ТОО «Фирма {i}»", identifiers=[("bin", tins[0])]) for i in range(60_000, 60_300)]
    warm += [Query(f"ООО «Покупатель {i}»", country="RU") for i in range(6_000, 6_300)]
    warm += [Query(f"{a} {b}", schema="Person") for a, b in zip(("Anna", "Boris", "Carla", "Dmitri", "Elena") * 20,
                                                                  ("Kowalczyk", "Lindqvist", "Moreau", "Novak", "Olsen") * 20)]
    for q in warm:
        index.match(q, limit=3, floor=args.floor)
    print(f"floor {args.floor}, limit 3, one core; warm-up {len(warm)} queries")
    timed(index, "sellers", sellers, args.floor)
    timed(index, "customers", customers, args.floor)
    timed(index, "us", us, args.floor)
    timed(index, "un", un, args.floor)


if __name__ == "__main__":
    main()
