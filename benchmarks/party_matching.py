"""Party matching: quality and speed, each figure side by side with nomenklatura's logic-v2 in the same run.

    pip install -e '.[bench]'        # nomenklatura (logic-v2); without it the logic-v2 columns are omitted
    python benchmarks/party_matching.py [--shared ../shared/data] [--sections un,negatives,...]

Index: the shipped OFAC SDN / UN / UK snapshot plus every EU Official Journal annex in
``shared/data/sanctions_lists/eu_official_journal`` (one list per regulation, as `kordon lists load` makes them).
Runs pinned to one core. logic-v2 is warmed up first (its caches filled on throw-away pairs); since it
has no index, it scores the candidates kordon's index retrieved (every name of each candidate).

Sections (all by default):
  un         UN Security Council people as listed (yente_positives_un_untreated.csv, 683): recall at the match threshold
  negatives  1,000 synthetic US people on no list (yente_negatives_us_1000.csv): false-positive rate
  variants   the UN people re-ordered and re-spelled (built here, deterministically; see variant()): recall
  locales    generated people of several locales (Faker, fixed seed; on no list): false positives per locale
  arabic     Arabic-script names of UN entries against an index without Arabic-script names: recall
  namebench  nomenklatura name bench (826 pairs): threshold tuned on one half, F1 on the other half
  entitybench nomenklatura entity-bench checks (checks.yml): pass rate
  watchman   watchman cross-script pairs: every pair above its stated minimum
  speed      per-query latency p50/p99 (wall and CPU), index build time and peak RSS in a fresh process
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from kordon.index.names import name_key
from kordon.index.parties import ListedEntity, PartyIndex, Query
from kordon.index.party_features import compare_names
from kordon.ingest.sanctions import eu
from kordon.ingest.sanctions.lifecycle import split_lists
from kordon.record.sanctions_lists import screenable, shipped_entities, shipped_manifest
from kordon.screen.party_search import country_code

LV2_THRESHOLD = 0.7  # logic-v2's usual match threshold


def rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's peak over fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prf(scores: list[tuple[float, bool]], th: float) -> tuple[float, float, float]:
    tp = sum(1 for s, m in scores if s >= th and m)
    fp = sum(1 for s, m in scores if s >= th and not m)
    fn = sum(1 for s, m in scores if s < th and m)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- logic-v2 --------------------------------------------------------------------------------------

class LogicV2:
    def __init__(self) -> None:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm

        self.model = model
        algo = get_algorithm("logic-v2")
        if algo is None:
            raise ImportError("nomenklatura has no logic-v2")
        self.algo = algo
        self.cfg = self.algo.default_config()
        self.n = 0

    def entity(self, schema: str, props: dict[str, list[str]]):
        self.n += 1  # logic-v2 caches per entity id: every entity needs its own
        e = self.model.make_entity(schema if schema in self.model.schemata else "LegalEntity")
        e.id = f"e{self.n}"
        for k, v in props.items():
            e.add(k, v, quiet=True)
        return e

    def score(self, q, c) -> float:
        return float(self.algo.compare(q, c, self.cfg).score)

    def listed(self, ent: ListedEntity):
        props: dict[str, list[str]] = {"name": ent.names}
        if ent.schema == "Person":
            props["birthDate"] = ent.birth_dates
            props["nationality"] = ent.countries
        else:
            props["country"] = ent.countries
        return self.entity(ent.schema, props)

    def warm(self) -> None:
        for a, b in [("Vladimir Putin", "Путин Владимир"), ("Acme Trading LLC", "ACME TRADING"), ("Kim Jong Un", "김정은")] * 20:
            self.score(self.entity("Person", {"name": [a]}), self.entity("Person", {"name": [b]}))


def load_lv2() -> LogicV2 | None:
    try:
        lv2 = LogicV2()
    except ImportError:
        return None
    lv2.warm()
    return lv2


# --- data --------------------------------------------------------------------------------------------

def build_index(shared: Path) -> tuple[PartyIndex, list[dict[str, Any]], float, float]:
    rows = []
    for m in shipped_manifest():
        rows += [{**e, "_list": m["id"]} for e in screenable(shipped_entities(m["id"]))]
    res = eu.load(shared / "sanctions_lists/eu_official_journal")
    for lid, ents in split_lists("eu", res, None).items():
        rows += [{**e, "_list": lid} for e in screenable(ents)]
    t, c = time.perf_counter(), time.process_time()
    index = PartyIndex([ListedEntity.from_ftm(r["_list"], r) for r in rows], {})
    return index, rows, time.perf_counter() - t, time.process_time() - c


def people(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def person_query(r: dict[str, str], name: str | None = None, evidence: bool = True) -> Query:
    cc = country_code(r.get("nationality")) if evidence else None
    return Query(name or r["full_name"], schema="Person", country=cc, birth_date=(r.get("date_of_birth") or None) if evidence else None)


def lv2_query(lv2: LogicV2, q: Query):
    props = {"name": [q.name]}
    if q.birth_date:
        props["birthDate"] = [q.birth_date]
    if q.country:
        props["nationality"] = [q.country.lower()]
    return lv2.entity(q.schema or "LegalEntity", props)


def lv2_best(lv2: LogicV2, index: PartyIndex, q: Query, cache: dict[str, Any], limit: int = 10) -> tuple[float, str | None]:
    """logic-v2's best score over the candidates kordon's index retrieves for the query (its own names, all of them)."""
    found, _ = index.match(q, limit=limit)
    qe = lv2_query(lv2, q)
    best, best_id = 0.0, None
    for c in found:
        key = c.entity.list_id + c.entity.entity_id
        ce = cache.get(key)
        if ce is None:
            ce = cache[key] = lv2.listed(c.entity)
        s = lv2.score(qe, ce)
        if s > best:
            best, best_id = s, c.entity.entity_id
    return best, best_id


# --- sections ----------------------------------------------------------------------------------------

def un_listed(index: PartyIndex, shared: Path, lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    rows = people(shared / "name_matching/yente_positives_un_untreated.csv")
    out = [f"### UN Security Council people as listed ({len(rows)} queries, yente_positives_un_untreated.csv)", ""]
    for evidence in (True, False):
        hit_m = hit_p = 0
        misses = []
        for r in rows:
            found, _ = index.match(person_query(r, evidence=evidence), limit=5)
            top = found[0].score if found else 0.0
            hit_m += top >= match
            hit_p += top >= possible
            if top < match:
                misses.append(f"{r['full_name']!r} → {found[0].matched_name if found else None!r} {top:.2f}")
        what = "name, birth date and nationality as in the file" if evidence else "name only"
        out += [(f"kordon, {what}: recall at match ≥ {match}: **{hit_m / len(rows):.4f}** ({hit_m}/{len(rows)}); "
                 f"at possible ≥ {possible}: {hit_p / len(rows):.4f}"), ""]
        out += [f"- missed: {m}" for m in misses[:10]] + ([""] if misses else [])
        if misses and evidence:
            out += older_publications(shared, [r for r in rows if person_query(r).name in {m.split("'")[1] for m in misses}], match)
    if lv2:
        cache: dict[str, Any] = {}
        hits = sum(lv2_best(lv2, index, person_query(r), cache)[0] >= LV2_THRESHOLD for r in rows)
        out += [f"logic-v2 on kordon's candidates, same evidence: recall at ≥ {LV2_THRESHOLD}: **{hits / len(rows):.4f}** ({hits}/{len(rows)})", ""]
    return out


def older_publications(shared: Path, rows: list[dict[str, str]], match: float) -> list[str]:
    """Where the rows missed are listed at all: each older OFAC SDN publication in shared/data, loaded alone."""
    from kordon.ingest.sanctions import ofac

    out = []
    for path in sorted((shared / "sanctions_lists/ofac").glob("sdn_*.csv.gz")):
        res = ofac.load(path)
        idx = PartyIndex([ListedEntity.from_ftm("old", e if isinstance(e, dict) else e.to_dict()) for e in res.entities])
        for r in rows:
            found, _ = idx.match(person_query(r), limit=1)
            got = f"{found[0].matched_name!r} ({found[0].entity.entity_id}) {found[0].score:.2f}" if found else "nothing"
            out.append(f"- {r['full_name']!r} against {path.name} alone (superseded; not in the index above): "
                       f"{got}{' — found' if found and found[0].score >= match else ''}")
    return out + [""] if out else []


def negatives(index: PartyIndex, shared: Path, lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    rows = people(shared / "name_matching/yente_negatives_us_1000.csv")
    fp_m = fp_p = 0
    examples: list[str] = []
    for r in rows:
        found, _ = index.match(person_query(r), limit=5)
        top = found[0].score if found else 0.0
        fp_m += top >= match
        fp_p += top >= possible
        if top >= possible and len(examples) < 8:
            examples.append(f"{r['full_name']!r} → {found[0].matched_name!r} ({found[0].entity.entity_id}, {top:.2f})")
    out = [f"### False positives on {len(rows)} synthetic US people on no list (yente_negatives_us_1000.csv)", "",
           f"kordon: top candidate ≥ match {match}: **{fp_m} ({fp_m / len(rows):.1%})**; ≥ possible {possible}: {fp_p} ({fp_p / len(rows):.1%})"]
    if lv2:
        cache: dict[str, Any] = {}
        fp = sum(lv2_best(lv2, index, person_query(r), cache)[0] >= LV2_THRESHOLD for r in rows)
        out += [f"logic-v2 on kordon's candidates: ≥ {LV2_THRESHOLD}: **{fp} ({fp / len(rows):.1%})**"]
    out += ["", "Possible matches (first 8):", ""] + [f"- {e}" for e in examples] + [""]
    return out


# Faker locales for the generated negatives: the scripts and naming customs kordon's users meet (Faker has no
# kk_KZ locale: the row says so; uz_UZ and az_AZ stand in for Turkic names of the region, hy_AM for an EAEU member).
LOCALES = ["ru_RU", "uk_UA", "kk_KZ", "uz_UZ", "az_AZ", "hy_AM", "zh_CN", "zh_TW", "ko_KR", "ja_JP", "ar_AA", "fa_IR", "tr_TR", "de_DE"]
LOCALE_PEOPLE = 300
LOCALE_SEED = 9


def generated_people(locale: str, n: int = LOCALE_PEOPLE) -> list[tuple[str, str]] | None:
    """n distinct generated full names of one Faker locale with a birth date, the same on every run (None: no
    such locale). The dates come from a generator of their own, so the names do not depend on them."""
    from faker import Faker

    try:
        fake = Faker(locale)
    except AttributeError:
        return None
    fake.seed_instance(LOCALE_SEED)
    dates = Faker()
    dates.seed_instance(LOCALE_SEED)
    names: list[str] = []
    for _ in range(n * 3):
        name = fake.name()
        if name not in names:
            names.append(name)
        if len(names) == n:
            break
    return [(name, dates.date_of_birth(minimum_age=18, maximum_age=90).isoformat()) for name in names]


def locales(index: PartyIndex, lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    """Generated people of several locales searched by name only (no birth date or country to tell them apart),
    and again with a generated birth date and the locale's country as nationality (as the yente negatives carry).

    A generated name can be a real listed person's name too (common Chinese or Korean names are): every top
    hit at the match threshold by name only is printed so that a reader can judge it.
    """
    try:
        import faker  # noqa: F401
    except ImportError:
        return ["### Generated people of several locales", "", "Faker not installed (pip install -e '.[bench]'): section skipped.", ""]
    out = [f"### Generated people of several locales ({LOCALE_PEOPLE} each, Faker seed {LOCALE_SEED}, on no list; name only unless said)", "",
           "| locale | people | kordon ≥ match | kordon ≥ possible | kordon ≥ match with birth date and nationality"
           + (f" | logic-v2 ≥ {LV2_THRESHOLD} on kordon's candidates |" if lv2 else " |"),
           "|---|---|---|---|---" + ("|---|" if lv2 else "|")]
    hits: list[str] = []
    cache: dict[str, Any] = {}
    for loc in LOCALES:
        names = generated_people(loc)
        if names is None:
            out.append(f"| {loc} | no such Faker locale | | | |" + (" |" if lv2 else ""))
            continue
        fp_m = fp_p = fp_ev = fp_lv2 = 0
        country = loc.split("_")[1] if not loc.endswith("_AA") else None  # ar_AA: the Arab world, no one country
        for name, born in names:
            found, _ = index.match(Query(name, schema="Person", country=country, birth_date=born), limit=1)
            fp_ev += bool(found) and found[0].score >= match
            q = Query(name, schema="Person")
            found, _ = index.match(q, limit=5)
            top = found[0].score if found else 0.0
            fp_m += top >= match
            fp_p += top >= possible
            if top >= match:
                c = found[0]
                hits.append(f"{loc}: {name!r} → {c.matched_name!r} ({c.entity.entity_id}, {c.score:.2f}; {'; '.join(c.explanation[:2])})")
            if lv2:
                fp_lv2 += lv2_best(lv2, index, q, cache)[0] >= LV2_THRESHOLD
        n = len(names)
        out.append(f"| {loc} | {n} | {fp_m} ({fp_m / n:.1%}) | {fp_p} ({fp_p / n:.1%}) | {fp_ev} ({fp_ev / n:.1%}) |"
                   + (f" {fp_lv2} ({fp_lv2 / n:.1%}) |" if lv2 else ""))
    out += ["", f"Top candidates at or above the match threshold ({len(hits)}; a generated name may be a listed person's own):", ""]
    return out + [f"- {h}" for h in hits] + [""]


# Re-spellings applied to one part of a name: the alternatives transliterations of Arabic, Korean and
# Russian names actually take (ou/u, y/i, kh/h, q/k, doubled/single letters) and one typing slip.
_RESPELL: list[tuple[str, str]] = [
    ("ou", "u"), ("u", "ou"), ("kh", "h"), ("q", "k"), ("y", "i"), ("i", "y"), ("ee", "i"), ("mm", "m"), ("dd", "d"),
    ("ss", "s"), ("a", "e"), ("o", "u"), ("ch", "tch"), ("j", "dj"), ("ph", "f"), ("s", "ss"), ("d", "dd"), ("ei", "ey"),
]


def variant(name: str) -> str:
    """A re-ordered and re-spelled form of a listed name, the same on every run.

    The parts (split on spaces and hyphens) are rotated by one (the first part goes last); then the
    longest part gets the first re-spelling from _RESPELL, starting at an offset fixed by the name's
    SHA-1, that changes it; names of one part are only re-spelled.
    """
    parts = [p for p in re.split(r"[\s\-]+", name.strip()) if p]
    if len(parts) >= 2:
        parts = parts[1:] + parts[:1]
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)
    i = max(range(len(parts)), key=lambda k: len(parts[k]))
    low = parts[i].lower()
    for k in range(len(_RESPELL)):
        a, b = _RESPELL[(h + k) % len(_RESPELL)]
        pos = low.find(a)
        if pos > 0:  # never the first letter: the re-spelling keeps the name recognisable
            low = low[:pos] + b + low[pos + len(a):]
            break
    parts[i] = low.upper() if parts[i].isupper() else low.capitalize()
    return " ".join(parts)


def un_targets(index: PartyIndex) -> dict[str, set[str]]:
    """Folded name → UN entity ids listing that exact name (the truth for the variant queries)."""
    out: dict[str, set[str]] = {}
    for ent in index.entities:
        if ent.list_id == "un_sc":
            for n in ent.names:
                out.setdefault(" ".join(n.casefold().split()), set()).add(ent.entity_id)
    return out


def variants(index: PartyIndex, shared: Path, lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    rows = people(shared / "name_matching/yente_positives_un_untreated.csv")
    targets = un_targets(index)
    by_id = {(e.list_id, e.entity_id): e for e in index.entities}
    n = hit_m = hit_p = lv2_hit = 0
    examples: list[str] = []
    for r in rows:
        ids = targets.get(" ".join(r["full_name"].casefold().split()))
        if not ids:
            continue  # not (or no longer) on the UN snapshot under this name
        n += 1
        q = person_query(r, variant(r["full_name"]), evidence=False)
        found, _ = index.match(q, limit=10)
        score = max((c.score for c in found if c.entity.entity_id in ids), default=0.0)
        hit_m += score >= match
        hit_p += score >= possible
        if score < match and len(examples) < 8:
            examples.append(f"{q.name!r} (listed {r['full_name']!r}): {score:.2f}")
        if lv2:
            qe = lv2_query(lv2, q)
            lv2_hit += max(lv2.score(qe, lv2.listed(by_id[("un_sc", i)])) for i in ids) >= LV2_THRESHOLD
    out = [f"### The same UN people re-ordered and re-spelled ({n} queries built by `variant()`, name only)", "",
           f"kordon: recall at match ≥ {match}: **{hit_m / n:.4f}**; at possible ≥ {possible}: {hit_p / n:.4f}"]
    if lv2:
        out += [f"logic-v2 on the listed entity: recall at ≥ {LV2_THRESHOLD}: **{lv2_hit / n:.4f}**"]
    out += ["", "Missed at the match threshold (first 8):", ""] + [f"- {e}" for e in examples] + [""]
    return out


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def arabic_script(rows: list[dict[str, Any]], lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    """Arabic-script names of UN entries searched against an index without any Arabic-script name.

    Most UN entries carry their Arabic-script names as aliases; a declaration may give the name in Arabic or
    Persian script where a list has only Latin spellings. Every Arabic-script name is removed from every
    entity (all lists), and each Arabic-script name of a UN entry is searched; a hit is that UN entry.
    """
    stripped, queries = [], []
    for r in rows:
        props = r.get("properties", {})
        arabic = [n for p in ("name", "alias", "previousName", "weakAlias") for n in props.get(p, []) if _ARABIC.search(n)]
        if r["_list"] == "un_sc":
            queries += [(n, r["id"], r.get("schema")) for n in arabic]
        if arabic:
            props = {k: ([v for v in vs if not _ARABIC.search(v)] if k in ("name", "alias", "previousName", "weakAlias") else vs)
                     for k, vs in props.items()}
            if not any(props.get(p) for p in ("name", "alias")):
                continue
            r = {**r, "properties": props}
        stripped.append(r)
    index = PartyIndex([ListedEntity.from_ftm(r["_list"], r) for r in stripped], {})
    # The same person on another list counts: an entity carrying one of the UN entry's Latin names (same parts).
    by_parts: dict[tuple[str, ...], set[str]] = {}
    for e_idx, key in index.name_keys:
        by_parts.setdefault(key.tokens, set()).add(index.entities[e_idx].entity_id)
    same = {e.entity_id: set().union(*(by_parts.get(name_key(n).tokens, set()) for n in e.names)) | {e.entity_id}
            for e in index.entities if e.list_id == "un_sc"}
    hit_m = hit_p = 0
    misses = []
    for name, eid, schema in queries:
        found, _ = index.match(Query(name, schema=schema), limit=10)
        s = max((c.score for c in found if c.entity.entity_id in same.get(eid, {eid})), default=0.0)
        hit_m += s >= match
        hit_p += s >= possible
        if s < match and len(misses) < 10:
            ent = next((e for e in index.entities if e.entity_id == eid), None)
            top = f"top {found[0].matched_name!r} {found[0].score:.2f}" if found else "no candidate"
            misses.append(f"{name!r} (listed {ent.caption if ent else '?'!r}): {s:.2f}; {top}")
    n = len(queries)
    out = [f"### Arabic-script names of UN entries against Latin names only ({n} queries; every Arabic-script name removed from the index)", "",
           f"kordon: recall at match ≥ {match}: **{hit_m / n:.4f}** ({hit_m}/{n}); at possible ≥ {possible}: {hit_p / n:.4f}", "",
           "Missed at the match threshold (first 10):", ""] + [f"- {m}" for m in misses]
    return out + [""]


def split_half(r: dict[str, str]) -> str:
    """Deterministic half of a name-bench case: parity of the SHA-1 of case_group|name1|name2.

    Hashing the case itself spreads every case group over both halves (about evenly), and the
    assignment never changes with the order or number of rows.
    """
    h = hashlib.sha1(f"{r['case_group']}|{r['name1']}|{r['name2']}".encode()).digest()[0]
    return "tune" if h % 2 == 0 else "test"


def name_bench(shared: Path, lv2: LogicV2 | None, match: float) -> list[str]:
    rows = list(csv.DictReader((shared / "name_matching/nomenklatura_name_bench_cases.csv").open(encoding="utf-8")))
    halves: dict[str, list[dict[str, str]]] = {"tune": [], "test": []}
    for r in rows:
        halves[split_half(r)].append(r)
    scorers: dict[str, Callable[[dict[str, str]], float]] = {
        "kordon": lambda r: compare_names(r["name1"], r["name2"], r["schema"] == "Person")}
    if lv2:
        scorers["logic-v2"] = lambda r: lv2.score(lv2.entity(r["schema"], {"name": [r["name1"]]}), lv2.entity(r["schema"], {"name": [r["name2"]]}))
    grid = [round(0.5 + 0.01 * i, 2) for i in range(50)]
    out = [f"### nomenklatura name bench ({len(rows)} pairs: {len(halves['tune'])} to tune, {len(halves['test'])} to test; split by `split_half()`)", "",
           "| matcher | threshold tuned on the tune half | F1 tune | P / R / **F1 test** | F1 test at 0.7 | F1 test at the match threshold | pairs/s |",
           "|---|---|---|---|---|---|---|"]
    for name, fn in scorers.items():
        t = time.perf_counter()
        scored = {h: [(fn(r), r["is_match"] == "true") for r in rs] for h, rs in halves.items()}
        rate = len(rows) / (time.perf_counter() - t)
        th = max(grid, key=lambda x: prf(scored["tune"], x)[2])
        p, r_, f = prf(scored["test"], th)
        out.append(f"| {name} | {th:.2f} | {prf(scored['tune'], th)[2]:.3f} | {p:.3f} / {r_:.3f} / **{f:.3f}** | "
                   f"{prf(scored['test'], 0.7)[2]:.3f} | {prf(scored['test'], match)[2]:.3f} | {rate:,.0f} |")
    return out + [""]


def _as_lists(d: dict[str, Any]) -> dict[str, list[str]]:
    return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in d.items() if k != "label"}


def entity_bench(shared: Path, lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    """Each check's query and candidate as FtM entities: every property they carry (names, first/last names
    given separately, birth dates, countries, identifiers) reaches the matcher, as it would from yente's API."""
    path = shared / "name_matching/nomenklatura_entity_bench_checks.yml"
    checks = yaml.safe_load(path.read_text(encoding="utf-8"))["checks"]
    sections = _check_sections(path.read_text(encoding="utf-8"))
    ths = [match, possible]
    ok = {th: 0 for th in ths}
    lv2_ok = 0
    failed: dict[str, list[str]] = {}
    for k, ch in enumerate(checks):
        ent = ListedEntity.from_ftm("bench", {"id": "c", "schema": ch["schema"], "properties": _as_lists(ch["candidate"])})
        q = Query.from_ftm(ch["schema"], ch["query"])
        found, _ = PartyIndex([ent]).match(q, limit=1)
        s = found[0].score if found else 0.0
        for th in ths:
            ok[th] += (s >= th) == bool(ch["match"])
        if (s >= match) != bool(ch["match"]):
            failed.setdefault(sections[k], []).append(f"{'missed' if ch['match'] else 'wrong'} {q.name!r} / {ent.caption!r} {s:.2f}")
        if lv2:
            lv2_ok += (lv2.score(lv2.entity(ch["schema"], _as_lists(ch["query"])), lv2.entity(ch["schema"], _as_lists(ch["candidate"])))
                       >= LV2_THRESHOLD) == bool(ch["match"])
    out = [f"### nomenklatura entity-bench checks ({len(checks)} labelled query/candidate pairs)", ""]
    out += [f"kordon pass rate at {th}: **{ok[th] / len(checks):.3f}**" for th in ths]
    if lv2:
        out += [f"logic-v2 pass rate at {LV2_THRESHOLD}: **{lv2_ok / len(checks):.3f}**"]
    out += ["", f"Failures at the match threshold {match}, by section of the checks file:", ""]
    for sec, items in failed.items():
        total = sum(1 for x in sections if x == sec)
        out += [f"- {sec}: {len(items)} of {total}: " + "; ".join(items)]
    return out + [""]


def _check_sections(text: str) -> list[str]:
    """The comment heading each check sits under in the checks file ("Short names", "The maritime section"...)."""
    out, sec = [], "(top)"
    for line in text.splitlines():
        if line.startswith("  # "):
            sec = line[4:].strip()[:40]
        elif line.startswith("  - "):
            out.append(sec)
    return out


def watchman(shared: Path, lv2: LogicV2 | None) -> list[str]:
    lines = [x for x in (shared / "name_matching/watchman_cross_script_pairs.csv").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    out = ["### watchman cross-script pairs", "", "| query | expected | minimum | kordon | logic-v2 |", "|---|---|---|---|---|"]
    passed = lv2_passed = 0
    for row in csv.reader(lines):
        q, exp, minimum = row[0], row[1], float(row[2])
        s = compare_names(q, exp, True)
        ls = lv2.score(lv2.entity("Person", {"name": [q]}), lv2.entity("Person", {"name": [exp]})) if lv2 else None
        passed += s >= minimum
        lv2_passed += ls is not None and ls >= minimum
        out.append(f"| {q} | {exp} | {minimum:.2f} | {s:.2f}{'' if s >= minimum else ' ✗'} | "
                   f"{'' if ls is None else f'{ls:.2f}' + ('' if ls >= minimum else ' ✗')} |")
    out += ["", f"kordon: {passed}/{len(lines)} pairs at or above their minimum" + (f"; logic-v2: {lv2_passed}/{len(lines)}" if lv2 else ""), ""]
    return out


def child_build(path: str) -> None:
    """Build the index alone in a fresh process so that its time and resident memory are its own."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    before = rss_mb()
    t, c = time.perf_counter(), time.process_time()
    PartyIndex([ListedEntity.from_ftm(r.pop("_list"), r) for r in rows], {})
    print(json.dumps({"build_s": time.perf_counter() - t, "build_cpu_s": time.process_time() - c, "rss_mb": rss_mb(), "rss_before_mb": before}))


def speed(index: PartyIndex, rows: list[dict[str, Any]], shared: Path, lv2: LogicV2 | None, build: tuple[float, float]) -> list[str]:
    import gc

    with tempfile.NamedTemporaryFile(suffix=".jsonl.gz", delete=False) as tmp, gzip.open(tmp.name, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    child = json.loads(subprocess.run([sys.executable, __file__, "--child-build", tmp.name], capture_output=True, text=True, check=True).stdout)
    os.unlink(tmp.name)
    queries = [person_query(r) for r in people(shared / "name_matching/yente_positives_un_untreated.csv")]
    queries += [Query(variant(q.name), schema="Person") for q in queries]
    queries += [person_query(r) for r in people(shared / "name_matching/yente_negatives_us_1000.csv")]
    for q in queries[:200]:
        index.match(q)  # warm: caches of part similarities and normal forms
    gc.collect()
    wall, cpu = [], []
    for q in queries:
        t, c = time.perf_counter(), time.thread_time()
        index.match(q, limit=10)
        wall.append(time.perf_counter() - t)
        cpu.append(time.thread_time() - c)
    wall.sort()
    cpu.sort()

    def pct(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000

    out = ["### Speed (one core)", "",
           (f"Index: {len(index.entities):,} entities, {len(index.name_keys):,} names ({len(index.groups):,} distinct part sets) "
            "(OFAC SDN, UN, UK shipped snapshot + "
            f"{sum(1 for r in rows if r['_list'].startswith('eu_oj_')):,} EU Official Journal entries, one list per regulation)."),
           (f"Build in a fresh process: {child['build_s']:.1f} s wall, {child['build_cpu_s']:.1f} s CPU; peak RSS {child['rss_mb']:.0f} MB "
            f"({child['rss_before_mb']:.0f} MB before the build: Python, kordon and the entity dicts). In the benchmark process: "
            f"{build[0]:.1f} s wall, {build[1]:.1f} s CPU."),
           (f"{len(wall):,} queries (UN as listed, UN variants, US negatives), warm: "
            f"wall p50 **{pct(wall, 0.5):.2f} ms**, p99 **{pct(wall, 0.99):.2f} ms**, "
            f"mean {1000 * sum(wall) / len(wall):.2f} ms; CPU p50 {pct(cpu, 0.5):.2f} ms, p99 {pct(cpu, 0.99):.2f} ms, max {cpu[-1] * 1000:.1f} ms; "
            f"{len(cpu) / sum(cpu):,.0f} queries per CPU-second. Peak RSS of the benchmark process {rss_mb():.0f} MB.")]
    if lv2:
        cache: dict[str, Any] = {}
        sample = queries[:: max(1, len(queries) // 200)]
        t = time.perf_counter()
        for q in sample:
            lv2_best(lv2, index, q, cache)
        out.append(f"logic-v2 scoring kordon's top-10 candidates: {1000 * (time.perf_counter() - t) / len(sample):.1f} ms per query "
                   f"({len(sample)} queries, warm, includes kordon's retrieval).")
    return out + [f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores (shared machine).", ""]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-build":
        return child_build(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("KORDON_SHARED_DATA", "../shared/data"))
    ap.add_argument("--sections", default="un,negatives,locales,variants,arabic,namebench,entitybench,watchman,speed")
    ap.add_argument("--match", type=float, default=0.9, help="the rule pack's match threshold")
    ap.add_argument("--possible", type=float, default=0.75, help="the rule pack's possible-match threshold")
    ap.add_argument("--no-lv2", action="store_true", help="skip nomenklatura's logic-v2")
    args = ap.parse_args()
    shared = Path(args.shared)
    if not (shared / "name_matching").exists():
        sys.exit(f"{shared}: shared data not found (set --shared or KORDON_SHARED_DATA); benchmark skipped")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    sections = set(args.sections.split(","))
    lv2 = None if args.no_lv2 else load_lv2()
    out = [(f"Python {sys.version.split()[0]}, pinned to one core of {os.cpu_count()}; load average at start "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; logic-v2 {'(nomenklatura) warm' if lv2 else 'not installed: columns omitted'}."), ""]
    if "namebench" in sections:
        out += name_bench(shared, lv2, args.match)
    if "entitybench" in sections:
        out += entity_bench(shared, lv2, args.match, args.possible)
    if "watchman" in sections:
        out += watchman(shared, lv2)
    if sections & {"un", "negatives", "locales", "variants", "arabic", "speed"}:
        out += index_sections(shared, sections, lv2, args.match, args.possible)
    print("\n".join(out))


def index_sections(shared: Path, sections: set[str], lv2: LogicV2 | None, match: float, possible: float) -> list[str]:
    index, rows, build_s, build_cpu = build_index(shared)
    out: list[str] = []
    if "un" in sections:
        out += un_listed(index, shared, lv2, match, possible)
    if "negatives" in sections:
        out += negatives(index, shared, lv2, match, possible)
    if "locales" in sections:
        out += locales(index, lv2, match, possible)
    if "variants" in sections:
        out += variants(index, shared, lv2, match, possible)
    if "arabic" in sections:
        out += arabic_script(rows, lv2, match, possible)
    if "speed" in sections:
        out += speed(index, rows, shared, lv2, (build_s, build_cpu))
    return out


if __name__ == "__main__":
    main()
