"""Goods rules on real declaration texts: how many ordinary declarations would be refused.

Reads the 9,999 real Russian customs-declaration goods descriptions with the 4-digit TN VED heading
they were declared under (../shared/data/tnved_labelled, Sept 2021). Each becomes an export from
Kazakhstan to Russia (the harshest destination) dated 2021-09-06 and lodged then, with the heading as
its code, screened with the goods and description rules only. Prints:
  - how many codes fail validation (against HS2017, in force on the declaration date, and against HS2022);
  - decisions and goods-hit precision, and how many get `deny` from the goods rules alone;
  - among those, how many have neither a code on a list nor a lexicon hit (target: none).
A 4-digit heading is broader than any HS6 list entry, so most hits are "may fall under" by design.

Usage: python benchmarks/goods_refusals.py [SHARED_DATA_DIR] [--dest RU]
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gzip
import os
import sys
import time
from pathlib import Path

from kordon.index.hs import validate_code
from kordon.models import Action, Declaration
from kordon.screen import build_context, screen_declaration

ROOT = Path(__file__).resolve().parents[1]
GOODS = ("goods.chpl", "goods.eu_russia", "goods.national")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    dest = sys.argv[sys.argv.index("--dest") + 1] if "--dest" in sys.argv else "RU"
    args = [a for a in args if a != dest]
    shared = Path(args[0] if args else os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = shared / "tnved_labelled" / "fts_declaration_goods_descriptions_hs4_sample.csv.gz"
    if not path.exists():
        sys.exit(f"skipped: {path} not found (set KORDON_SHARED_DATA)")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [(r["goods_description"], r["tnved4"].zfill(4)) for r in csv.DictReader(fh)]
    date = dt.date(2021, 9, 6)
    bad17 = collections.Counter(validate_code(h, date).status for _, h in rows)
    bad22 = collections.Counter(validate_code(h, dt.date(2024, 1, 1)).status for _, h in rows)
    ctx = build_context(only=("goods.", "description."))
    decisions: collections.Counter[str] = collections.Counter()
    precision: collections.Counter[str] = collections.Counter()
    deny_goods = deny_unexplained = 0
    examples: list[str] = []
    t0 = time.process_time()
    for n, (text, heading) in enumerate(rows):
        d = Declaration.model_validate({
            "id": f"L-{n}", "type": "export", "date": date.isoformat(), "lodged_at": f"{date.isoformat()}T10:00:00Z",
            "parties": [{"role": "consignor", "name": "Exporter LLP", "country": "KZ"}, {"role": "consignee", "name": "Buyer", "country": dest}],
            "route": {"dispatch": "KZ", "destination": dest}, "items": [{"hs_code": heading, "description": text[:4000]}]})
        decision = screen_declaration(d, ctx)
        decisions[f"{decision.lane.value}/{decision.action.value}"] += 1
        goods = [h for h in decision.hits if h.rule in GOODS]
        for h in goods:
            precision[h.evidence["precision"]] += 1
        if any(h.action is Action.deny for h in goods):
            deny_goods += 1
            listed = any(h.evidence["precision"] == "exact" for h in goods)
            lexicon = any(h.rule == "description.lexicon" for h in decision.hits)
            if not listed and not lexicon:
                deny_unexplained += 1
            if len(examples) < 5:
                examples.append(f"  {heading} {text[:70]!r} -> {[h.evidence['listed_code'] for h in goods if h.action is Action.deny]}")
    cpu = time.process_time() - t0
    print(f"rows: {len(rows)} (real declaration texts, 4-digit headings); destination {dest}")
    print(f"validation against HS2017 (in force on {date}): {dict(bad17)}")
    print(f"validation against HS2022 (had they been lodged in 2024): {dict(bad22)}")
    print(f"decisions: {dict(decisions.most_common())}")
    print(f"goods hits by precision: {dict(precision)}")
    print(f"deny from a goods rule: {deny_goods}; of which without an exact listed code or a lexicon hit: {deny_unexplained}")
    for line in examples:
        print(line)
    print(f"CPU time: {cpu:.1f} s; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
