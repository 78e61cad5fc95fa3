"""The early exit of party matching (kordon.index.party_bound): same answers, and how much time it saves.

A rule reports only candidates scoring at least its "possible" threshold (0.75 in the shipped pack), so
`PartyIndex.match(query, limit, floor)` skips name pairs whose score provably cannot reach `floor`. This
script asks every query twice, with and without the floor, and checks that the candidates at or above the
floor are the same: entity, score, name score, matched name, identifier and explanation, in the same order.
It then times both on one core (CPU time).

Queries (all real names except the last group):
  listed    every name and alias of the index's entities as a query (as the lists write them), and the same
            names re-ordered and re-spelled (party_matching.variant)
  arabic    listed people's names in Arabic script, their first two and first three words, as persons (titles
            are not read in Arabic script: عمر is "mr")
  un        UN Security Council people with birth date and nationality (yente_positives_un_untreated.csv)
  negatives 1,000 synthetic US people on no list (yente_negatives_us_1000.csv)
  firms     the SNT benchmark's sellers and customers ("ТОО «Фирма 123»", documents_speed.py)

Usage: python benchmarks/party_bound.py [--shared ../shared/data] [--floor 0.75] [--listed 0 (all)] [--limit 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from party_matching import build_index, people, person_query, variant  # noqa: E402

from kordon.index.parties import Candidate, PartyIndex, Query  # noqa: E402
from kordon.index.party_features import is_abjad  # noqa: E402


def same(a: list[Candidate], b: list[Candidate], floor: float) -> bool:
    def key(cs: list[Candidate]) -> list[tuple]:
        return [(c.entity.list_id, c.entity.entity_id, c.score, c.name_score, c.matched_name, c.identifier_match,
                 tuple(c.explanation)) for c in cs if c.score >= floor]
    return key(a) == key(b)


def check(index: PartyIndex, label: str, queries: list[Query], floor: float, limit: int) -> bool:
    index.memo.clear()
    bad = []
    above = 0
    t_full = t_floor = 0.0
    for q in queries:
        c0 = time.process_time()
        full, w1 = index.match(q, limit=limit)
        c1 = time.process_time()
        fast, w2 = index.match(q, limit=limit, floor=floor)
        c2 = time.process_time()
        t_full += c1 - c0
        t_floor += c2 - c1
        above += any(c.score >= floor for c in full)
        if not same(full, fast, floor) or w1 != w2:
            bad.append(q.name)
    n = len(queries)
    print(f"{label}: {n:,} queries, {above:,} with a candidate ≥ {floor}; different answers: {len(bad)}"
          f"{' ' + repr(bad[:5]) if bad else ''}; cpu per query {t_full / n * 1e6:,.0f} µs without the floor, "
          f"{t_floor / n * 1e6:,.0f} µs with it")
    return not bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("KORDON_SHARED_DATA", "../shared/data"))
    ap.add_argument("--floor", type=float, default=0.75)
    ap.add_argument("--limit", type=int, default=3, help="candidates asked for (parties.sanctions asks 3)")
    ap.add_argument("--listed", type=int, default=0, help="listed names used as queries (0: all)")
    args = ap.parse_args()
    shared = Path(args.shared)
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    index, _, _, _ = build_index(shared)
    print(f"index: {len(index):,} entities; floor {args.floor}, limit {args.limit}")
    names = sorted({n for e in index.entities for n in e.names})
    if args.listed:
        names = names[:: max(1, len(names) // args.listed)][: args.listed]
    ok = check(index, "listed names", [Query(n) for n in names], args.floor, args.limit)
    ok &= check(index, "listed names re-ordered and re-spelled", [Query(variant(n)) for n in names], args.floor, args.limit)
    arabic = sorted({n for e in index.entities if e.schema == "Person" for n in e.names if is_abjad(n)})
    ok &= check(index, "listed people in Arabic script, two or three words", [Query(" ".join(n.split()[:k]), schema="Person")
                                                                             for n in arabic for k in (2, 3)], args.floor, args.limit)
    un = people(shared / "name_matching/yente_positives_un_untreated.csv")
    ok &= check(index, "UN people with birth date and nationality", [person_query(r) for r in un], args.floor, args.limit)
    ok &= check(index, "UN people, name only", [person_query(r, evidence=False) for r in un], args.floor, args.limit)
    neg = people(shared / "name_matching/yente_negatives_us_1000.csv")
    ok &= check(index, "US people on no list", [person_query(r) for r in neg], args.floor, args.limit)
    firms = [Query(f"ТОО «Фирма {i}»", country="KZ", identifiers=[("bin", "080540270759")]) for i in range(0, 50_000, 25)]
    firms += [Query(f"ООО «Покупатель {i}»", country="RU") for i in range(0, 5_000, 5)]
    ok &= check(index, "SNT benchmark sellers and customers", firms, args.floor, args.limit)
    print("same answers at or above the floor: " + ("yes, every query" if ok else "NO"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
