"""Party matching: quality and speed, with nomenklatura's logic-v2 side by side when installed.

    python benchmarks/party_matching.py [--shared ../shared/data] [--names 400] [--threshold 0.7]

Runs on one core (sched_setaffinity). Prints markdown; the figures go into docs/matching.md.
1. P/R/F1 on nomenklatura's name_bench cases (826 labelled pairs).
2. Cross-script recall: Cyrillic names of real EU Official Journal entries (Reg. 269/2014, 833/2014,
   765/2006 ...) searched as Cyrillic, under ICAO 9303, GOST 7.79, BGN/PCGN and the 2021 Kazakh
   Latin alphabet, in swapped order, without patronymic and with legal-form variants, against an
   index of the shipped lists plus the EU annexes in which those entries keep only their Latin names.
3. False positives on real names that are not listed: OFAC SDN entries of 2021-07-07 delisted by
   2026-08-20 and on no other list loaded.
4. Speed: index build, RSS, per-query latency p50/p99 and queries per second on one core.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

from kordon.index.names import STANDARDS, is_patronymic, name_key, spell
from kordon.index.parties import ListedEntity, PartyIndex, Query, compare_keys
from kordon.ingest.sanctions import eu
from kordon.record.sanctions_lists import screenable, shipped_entities, shipped_manifest

CYR = re.compile("[\u0400-\u04ff]")
LEGAL_SWAP = {"ооо": ["LLC", "ТОО", ""], "ао": ["JSC", "АҚ", ""], "тоо": ["LLP", "ЖШС", ""], "пао": ["PJSC", ""], "зао": ["CJSC", ""], "оао": ["OJSC", ""]}


def rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's peak over fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def f1_table(scores: list[tuple[float, bool]], thresholds=(0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)) -> list[str]:
    lines = ["| threshold | precision | recall | F1 |", "|---|---|---|---|"]
    for th in thresholds:
        tp = sum(1 for s, m in scores if s >= th and m)
        fp = sum(1 for s, m in scores if s >= th and not m)
        fn = sum(1 for s, m in scores if s < th and m)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        lines.append(f"| {th:.2f} | {p:.3f} | {r:.3f} | {f:.3f} |")
    return lines


def logic_v2():
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
    except ImportError:
        return None
    algo = get_algorithm("logic-v2")
    cfg = algo.default_config()
    counter = iter(range(10**9))  # logic-v2 caches per entity id: every entity needs its own

    def make(schema: str, names: list[str], eid: str):
        e = model.make_entity(schema if schema in model.schemata else "LegalEntity")
        e.id = eid
        e.add("name", names)
        return e

    def score(schema_q: str, name_q: str, schema_c: str, names_c: list[str]) -> float:
        n = next(counter)
        return algo.compare(make(schema_q, [name_q], f"q{n}"), make(schema_c, names_c, f"c{n}"), cfg).score

    return score


def name_bench(path: Path, threshold: float, lv2) -> list[str]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    out = [f"### nomenklatura name_bench ({len(rows)} labelled pairs)", "", "kordon:", ""]
    t = time.perf_counter()
    ks = [(compare_keys(name_key(r["name1"]), name_key(r["name2"]), r["schema"] == "Person")[0], r["is_match"] == "true") for r in rows]
    kt = time.perf_counter() - t
    out += f1_table(ks)
    out += ["", f"kordon: {len(rows) / kt:,.0f} pairs/s (name keys computed per pair, one core)"]
    if lv2:
        t = time.perf_counter()
        ls = [(lv2(r["schema"], r["name1"], r["schema"], [r["name2"]]), r["is_match"] == "true") for r in rows]
        lt = time.perf_counter() - t
        out += ["", "nomenklatura logic-v2, same pairs, same run:", ""] + f1_table(ls)
        out += ["", f"logic-v2: {len(rows) / lt:,.0f} pairs/s"]
    return out


def cross_script_set(eu_entities: list[dict], n: int, seed: int = 7) -> tuple[list[tuple[str, str, str, str]], list[dict]]:  # noqa: C901 - issue 9's benchmark, reworked there
    """Queries (variant kind, query text, schema, target id) and the EU entities with Cyrillic names stripped."""
    rng = random.Random(seed)
    def pure_cyr(n: str) -> bool:
        return bool(CYR.search(n)) and not re.search(r"[A-Za-z]", n)

    from rapidfuzz import fuzz
    from rigour.text import ascii_text

    def transliterated(e: dict) -> bool:
        # Keep entries whose Latin name is a spelling of the Cyrillic one, judged by rigour's generic
        # transliteration (not kordon's): translated names ("Research Production Association Mars" for
        # "НПО «Марс»") cannot be found by spelling and are counted apart.
        cyr = [ascii_text(n).lower() for p in ("name", "alias") for n in e["properties"].get(p, []) if pure_cyr(n)]
        lat = [n.lower() for p in ("name", "alias") for n in e["properties"].get(p, []) if not CYR.search(n)]
        return bool(cyr and lat) and max(fuzz.token_set_ratio(c, lt) for c in cyr for lt in lat) >= 60

    with_cyr = [e for e in eu_entities if any(pure_cyr(n) for p in ("name", "alias") for n in e["properties"].get(p, []))
                and transliterated(e)]
    sample = rng.sample(with_cyr, min(n, len(with_cyr)))
    queries = []
    for e in sample:
        cyr = next(n for p in ("name", "alias") for n in e["properties"].get(p, []) if pure_cyr(n))
        schema = e["schema"]
        queries.append(("cyrillic", cyr, schema, e["id"]))
        for st in STANDARDS:
            queries.append((st, spell(cyr, st), schema, e["id"]))
        toks = cyr.split()
        if schema == "Person" and len(toks) >= 2:
            queries.append(("swapped order", " ".join(toks[1:] + toks[:1]), schema, e["id"]))
            kept = [t for t in toks if not is_patronymic(name_key(t).text)]
            if len(kept) < len(toks):
                queries.append(("no patronymic", spell(" ".join(kept), "icao"), schema, e["id"]))
        if schema != "Person":
            low = [t.casefold().strip("«»\"“”") for t in toks]
            for i, t in enumerate(low):
                for alt in LEGAL_SWAP.get(t, []):
                    queries.append(("legal form", " ".join(toks[:i] + ([alt] if alt else []) + toks[i + 1 :]), schema, e["id"]))
                    break
    stripped = []
    for e in eu_entities:
        props = dict(e["properties"])
        for p in ("name", "alias", "weakAlias", "previousName"):
            if p in props:
                props[p] = [n for n in props[p] if not CYR.search(n)]
        if props.get("name") or props.get("alias"):
            stripped.append({**e, "properties": props})
    return queries, stripped


def delisted_names(shared: Path, current_ids: set[str], listed_keys: set[tuple[str, ...]]) -> list[tuple[str, str]]:
    old = gzip.decompress((shared / "sanctions_lists/ofac/sdn_2021-07-07.csv.gz").read_bytes()).decode("utf-8", "replace")
    out = []
    for r in csv.reader(io.StringIO(old)):
        if len(r) < 3 or not r[0].strip().isdigit() or f"ofac-{r[0].strip()}" in current_ids:
            continue
        name = r[1].strip()
        if frozenset(name_key(name).tokens) in listed_keys:
            continue  # the same name is listed under another entry: not a non-listed name
        out.append((name, "Person" if r[2].strip() == "individual" else "LegalEntity"))
    return out


def child_build(path: str) -> None:
    """Build the index alone in a fresh process so that its time and resident memory are its own."""
    import json

    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    before = rss_mb()
    t = time.perf_counter()
    PartyIndex([ListedEntity.from_ftm(r.pop("_list"), r) for r in rows], {})
    print(json.dumps({"build_s": time.perf_counter() - t, "rss_mb": rss_mb(), "rss_before_mb": before}))


def main() -> None:  # noqa: C901 - issue 9's benchmark, reworked there
    if len(sys.argv) == 3 and sys.argv[1] == "--child-build":
        return child_build(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("KORDON_SHARED_DATA", "../shared/data"))
    ap.add_argument("--names", type=int, default=400, help="EU entries with Cyrillic names to sample")
    ap.add_argument("--threshold", type=float, default=0.7)
    ap.add_argument("--match", type=float, default=0.9, help="the rule pack's match threshold")
    ap.add_argument("--possible", type=float, default=0.75, help="the rule pack's possible-match threshold")
    args = ap.parse_args()
    shared = Path(args.shared)
    if not (shared / "sanctions_lists").exists():
        sys.exit(f"{shared}: shared data not found (set --shared or KORDON_SHARED_DATA); benchmark skipped")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    lv2 = logic_v2()
    out = [f"Machine: {os.cpu_count()} cores visible, run pinned to one; Python {sys.version.split()[0]}.", ""]
    out += name_bench(shared / "name_matching/nomenklatura_name_bench_cases.csv", args.threshold, lv2)

    # Index: shipped OFAC/UN/UK + EU Official Journal annexes (Cyrillic names removed for the cross-script test).
    eu_res = eu.load(shared / "sanctions_lists/eu_official_journal")
    queries, eu_stripped = cross_script_set(screenable(eu_res.entities), args.names)
    base = [ListedEntity.from_ftm(m["id"], e) for m in shipped_manifest() for e in screenable(shipped_entities(m["id"]))]
    t = time.perf_counter()
    entities = base + [ListedEntity.from_ftm("eu_oj", e) for e in eu_stripped]
    index = PartyIndex(entities, {m["id"]: m["version"] for m in shipped_manifest()} | {"eu_oj": eu_res.published or "?"})
    build = time.perf_counter() - t
    import json
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".jsonl.gz", delete=False) as tmp:
        with gzip.open(tmp.name, "wt", encoding="utf-8") as fh:
            for m in shipped_manifest():
                for e in screenable(shipped_entities(m["id"])):
                    fh.write(json.dumps({**e, "_list": m["id"]}) + "\n")
            for e in eu_stripped:
                fh.write(json.dumps({**e, "_list": "eu_oj"}) + "\n")
    child = json.loads(subprocess.run([sys.executable, __file__, "--child-build", tmp.name], capture_output=True, text=True, check=True).stdout)
    os.unlink(tmp.name)
    out += ["", "### Index", "", f"{len(index.entities):,} entities, {len(index.name_keys):,} distinct names "
            f"(OFAC SDN, UN, UK shipped snapshot + {len(eu_stripped):,} EU Official Journal entries).",
            f"Build in this process {build:.1f} s; in a fresh process {child['build_s']:.1f} s with resident memory "
            f"{child['rss_mb']:.0f} MB at peak ({child['rss_before_mb']:.0f} MB before the build: Python, kordon and the entity dicts)."]

    # Cross-script recall.
    kinds: dict[str, list[int]] = {}
    lv2_kinds: dict[str, list[int]] = {}
    latencies = []
    by_id = {e.entity_id: e for e in index.entities}
    for kind, q, schema, target in queries:
        t = time.perf_counter()
        found, _ = index.match(Query(q, schema=schema), limit=10, threshold=args.match)
        latencies.append(time.perf_counter() - t)
        score = next((c.score for c in found if c.entity.entity_id == target), 0.0)
        top = found[0].entity.entity_id if found else None
        kinds.setdefault(kind, [0, 0, 0, 0])
        k = kinds[kind]
        k[0] += 1
        k[1] += score >= args.match
        k[2] += score >= args.possible
        k[3] += top == target or (bool(found) and found[0].score == score and score > 0)
        if lv2:
            ent = by_id[target]
            lv2_kinds.setdefault(kind, [0, 0])
            lv2_kinds[kind][0] += 1
            lv2_kinds[kind][1] += lv2(schema, q, ent.schema, ent.names) >= args.threshold
    out += ["", f"### Cross-script recall ({len(set(q[3] for q in queries))} real EU entries with Cyrillic names, {len(queries)} queries)", "",
            f"| variant | queries | recall at match ≥ {args.match} | recall at possible ≥ {args.possible} | target ranked first |"
            + (f" logic-v2 ≥ {args.threshold} on the target |" if lv2 else ""),
            "|---|---|---|---|---|" + ("---|" if lv2 else "")]
    tot = [0, 0, 0, 0]
    for kind, (n, m, p, first) in kinds.items():
        tot = [a + b for a, b in zip(tot, (n, m, p, first))]
        extra = f" {lv2_kinds[kind][1] / lv2_kinds[kind][0]:.3f} |" if lv2 else ""
        out.append(f"| {kind} | {n} | {m / n:.3f} | {p / n:.3f} | {first / n:.3f} |{extra}")
    extra = f" {sum(v[1] for v in lv2_kinds.values()) / max(1, sum(v[0] for v in lv2_kinds.values())):.3f} |" if lv2 else ""
    out.append(f"| **all** | {tot[0]} | {tot[1] / tot[0]:.3f} | {tot[2] / tot[0]:.3f} | {tot[3] / tot[0]:.3f} |{extra}")

    # False positives on non-listed names.
    listed_keys = {frozenset(k.tokens) for _, k in index.name_keys}
    non_listed = delisted_names(shared, {e.entity_id for e in index.entities}, listed_keys)
    fp_m = fp_p = 0
    examples = []
    for name, schema in non_listed:
        t = time.perf_counter()
        found, _ = index.match(Query(name, schema=schema), limit=10, threshold=args.match)
        latencies.append(time.perf_counter() - t)
        top = found[0].score if found else 0.0
        fp_m += top >= args.match
        fp_p += top >= args.possible
        if top >= args.match and len(examples) < 8:
            examples.append(f"{name!r} → {found[0].matched_name!r} ({found[0].entity.entity_id}, {top:.2f})")
    out += ["", f"### False positives on {len(non_listed):,} non-listed real names (OFAC 2021 entries delisted by 2026, on no loaded list)", "",
            f"top candidate ≥ match {args.match}: {fp_m} ({fp_m / len(non_listed):.1%}); ≥ possible {args.possible}: {fp_p} ({fp_p / len(non_listed):.1%})",
            "", "First hits at the match threshold (an upper bound: some are the same person under another spelling on the UK or EU list):", ""]
    out += [f"- {e}" for e in examples]

    # Speed: every query above again, timed on its own (no logic-v2 calls in between).
    import gc

    gc.collect()
    latencies = []
    cpu = []
    all_queries = [(q, schema) for _, q, schema, _ in queries] + non_listed
    for q, schema in all_queries:
        t, c = time.perf_counter(), time.thread_time()
        index.match(Query(q, schema=schema), limit=10, threshold=args.match)
        latencies.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    cpu.sort()
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000
    qps = len(lat) / sum(lat)
    out += ["", f"### Speed ({len(lat):,} queries, one core)", "", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {1000 * sum(lat) / len(lat):.2f} ms, "
            f"{qps:,.0f} queries/s (wall clock); peak RSS {rss_mb():.0f} MB; "
            f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)",
            f"CPU time per query (excludes time the scheduler gave to other processes): p50 {statistics.median(cpu) * 1000:.2f} ms, "
            f"p99 {cpu[int(len(cpu) * 0.99) - 1] * 1000:.2f} ms, max {cpu[-1] * 1000:.2f} ms, {len(cpu) / sum(cpu):,.0f} queries per CPU-second"]
    if lv2:
        # logic-v2 on the same queries and the same candidates kordon's index proposed.
        sample = random.Random(3).sample([q for q in queries], min(300, len(queries)))
        pairs = 0
        t = time.perf_counter()
        for _kind, q, schema, _target in sample:
            found, _ = index.match(Query(q, schema=schema), limit=10)
            for c in found:
                lv2(schema, q, c.entity.schema, c.entity.names)
                pairs += 1
        lt = time.perf_counter() - t
        out += [f"logic-v2 scoring the same {len(sample)} queries' candidates ({pairs} query-candidate pairs, all names of each candidate): "
                f"{1000 * lt / len(sample):.1f} ms per query, {pairs / lt:,.0f} pairs/s"]
    else:
        out += ["nomenklatura not installed (pip install -e '.[bench]'): logic-v2 columns omitted"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
