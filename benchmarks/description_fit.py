"""Measure the description rules on real goods texts (../shared/data/tnved_labelled).

- 9,999 real Russian declaration goods descriptions with the heading they were declared under:
  false alarms = description.misfit fires on the true (description, heading) pair;
  catch rate   = it fires when the same description is paired with a wrong heading
                 (a random heading of another chapter, and — harder — of the same chapter).
  Rows are split in two: even rows tune the threshold (grid printed), odd rows report.
- 12,346 electronic-component part numbers ("XC7K410T-2FFG900I XILINX") with their 10-digit code:
  how often each description rule fires on them (they carry no words the nomenclature knows).
- On the true pairs: how often description.lexicon and description.vague fire.

- Kazakh descriptions: benchmarks/data/kk_goods_descriptions.csv, 54 short goods names written in Kazakh by
  the kordon authors with the heading they belong to (constructed, not real declarations: no labelled Kazakh
  declaration text is public). How often the right heading ranks first (chapter / heading), how often
  description.misfit fires on the true pair, and the catch rate with a heading of another chapter; with
  and without the Kazakh glossary (data/lexicon/kazakh_goods.yaml).

Usage: python benchmarks/description_fit.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gzip
import os
import random
import sys
import time
from pathlib import Path

from kordon.index.nomenclature import bundled_nomenclature
from kordon.models import Declaration
from kordon.screen import build_context
from kordon.screen.registry import RULES

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "tnved_labelled").is_dir():
        sys.exit(f"skipped: {path}/tnved_labelled not found (set KORDON_SHARED_DATA)")
    return path


def decl(description: str, code: str) -> Declaration:
    return Declaration.model_validate({"id": "M", "type": "import", "date": "2025-01-10", "route": {"dispatch": "CN", "destination": "KZ"},
                                       "items": [{"hs_code": code, "description": description[:4000]}]})


def main() -> None:
    shared = shared_dir()
    ctx = build_context()
    index = bundled_nomenclature()
    codes = {}
    with gzip.open(shared / "tnved_eaeu" / "tnved_eaeu_10digit.csv.gz", "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            codes.setdefault(r["heading"], r["code"])
    with gzip.open(shared / "tnved_labelled" / "fts_declaration_goods_descriptions_hs4_sample.csv.gz", "rt", encoding="utf-8") as fh:
        rows = [(r["goods_description"], r["tnved4"].zfill(4)) for r in csv.DictReader(fh)]
    rng = random.Random(2026)
    headings = sorted(h for h in index.headings if h in codes)
    by_chapter: dict[str, list[str]] = {}
    for h in headings:
        by_chapter.setdefault(h[:2], []).append(h)
    known = [(d, h) for d, h in rows if h in codes]
    print(f"{len(rows)} labelled descriptions; {len(known)} with a heading of the current TN VED ({len(rows) - len(known)} obsolete headings skipped)")
    pairs = []
    for d, h in known:
        other = rng.choice([x for x in headings if x[:2] != h[:2]])
        same = [x for x in by_chapter[h[:2]] if x != h]
        pairs.append((d, h, other, rng.choice(same) if same else None))

    t0 = time.perf_counter()
    fits = [(index.shares(d, h), index.fit(d, h).best, index.shares(d, o), index.fit(d, o).best,
             None if s is None else index.shares(d, s), None if s is None else index.fit(d, s).best) for d, h, o, s in pairs]
    print(f"scored {3 * len(pairs)} pairs in {time.perf_counter() - t0:.1f} s")

    def rate(subset, threshold):
        n = len(subset)
        fa = sum(1 for f in subset if not f[0] and f[1] >= threshold) / n
        catch = sum(1 for f in subset if not f[2] and f[3] >= threshold) / n
        same = [f for f in subset if f[4] is not None]
        catch_same = sum(1 for f in same if not f[4] and f[5] >= threshold) / len(same)
        return fa, catch, catch_same, n

    tune, report = fits[0::2], fits[1::2]
    print("\nthreshold grid on the tuning half (even rows):")
    print(f"{'min_evidence':>12} {'false alarms':>13} {'catch (other chapter)':>22} {'catch (same chapter)':>21}")
    for th in (0, 5, 10, 15, 20, 25, 30, 40):
        fa, c, cs, _ = rate(tune, th)
        print(f"{th:>12} {fa:>13.2%} {c:>22.1%} {cs:>21.1%}")
    th = float(ctx.rules.rules["description.misfit"].params.get("min_evidence", 20))
    fa, c, cs, n = rate(report, th)
    print(f"\nheld-out half (odd rows, n={n}) at the pack's min_evidence={th:g}:")
    print(f"  false alarms on true pairs: {fa:.2%}  ({round(fa * n)} of {n})")
    print(f"  catch rate, wrong heading of another chapter: {c:.1%}")
    print(f"  catch rate, wrong heading of the same chapter: {cs:.1%}")

    # The rule itself, run end to end, must agree with the measurement above.
    spec = ctx.rules.rules["description.misfit"]
    held = pairs[1::2]
    fired = sum(1 for d, h, _, _ in held if list(RULES["description.misfit"](decl(d, codes[h]), ctx, spec)))
    wrong = sum(1 for d, _, o, _ in held if list(RULES["description.misfit"](decl(d, codes[o]), ctx, spec)))
    print(f"  end to end through the rule (10-digit codes, declarations): {fired} of {len(held)} true pairs flagged "
          f"({fired / len(held):.2%}), {wrong} of {len(held)} other-chapter pairs ({wrong / len(held):.1%})")

    lex, vague = ctx.rules.rules["description.lexicon"], ctx.rules.rules["description.vague"]
    lex_hits, vague_hits, examples = 0, 0, []
    for d, h in known:
        dd = decl(d, codes[h])
        lh = list(RULES["description.lexicon"](dd, ctx, lex))
        lex_hits += bool(lh)
        if lh and len(examples) < 8:
            examples.append(f"    {h} [{lh[0].evidence['matched']}] {d[:90]}")
        vague_hits += bool(list(RULES["description.vague"](dd, ctx, vague)))
    print(f"\non the {len(known)} true pairs: description.lexicon fires on {lex_hits} ({lex_hits / len(known):.2%}), "
          f"description.vague on {vague_hits} ({vague_hits / len(known):.2%})")
    print("  lexicon examples:\n" + "\n".join(examples))

    with gzip.open(shared / "tnved_labelled" / "electronic_components_partnumber_tnved10.csv.gz", "rt", encoding="utf-8") as fh:
        parts = [(r["concat_str"], r["TNVED"]) for r in csv.DictReader(fh) if r["TNVED"].isdigit() and len(r["TNVED"]) == 10]
    counts = dict.fromkeys(("description.misfit", "description.lexicon", "description.vague"), 0)
    for d, code in parts:
        dd = decl(d, code)
        for rid in counts:
            counts[rid] += bool(list(RULES[rid](dd, ctx, ctx.rules.rules[rid])))
    print(f"\n{len(parts)} part numbers with their declared 10-digit code: "
          + ", ".join(f"{rid} fires on {k} ({k / len(parts):.2%})" for rid, k in counts.items()))

    kazakh(ctx, codes, headings, rng)


def kazakh(ctx, codes: dict[str, str], headings: list[str], rng: random.Random) -> None:
    from kordon.index import nomenclature

    with (ROOT / "benchmarks" / "data" / "kk_goods_descriptions.csv").open(encoding="utf-8") as fh:
        rows = [(r["description"], r["heading"]) for r in csv.DictReader(fh) if r["heading"] in codes]
    spec = ctx.rules.rules["description.misfit"]
    wrong = [rng.choice([x for x in headings if x[:2] != h[:2]]) for _, h in rows]
    print(f"\nKazakh descriptions (constructed, {len(rows)} rows): ")
    for label, glossary in (("without the glossary", False), ("with the Kazakh glossary", True)):
        saved = nomenclature.NomenclatureIndex.stems
        if not glossary:
            nomenclature.NomenclatureIndex.stems = lambda self, d: nomenclature.content_stems(d)  # type: ignore[method-assign]
        try:
            index = nomenclature.NomenclatureIndex(bundled_nomenclature().headings)
            fits = [index.fit(d, h) for d, h in rows]
            top_heading = sum(f.best_heading == h for f, (_, h) in zip(fits, rows))
            top_chapter = sum((f.best_heading or "")[:2] == h[:2] for f, (_, h) in zip(fits, rows))
            known = sum(f.known > 0 for f in fits)
            nomenclature.bundled_nomenclature.cache_clear()
            fa = sum(bool(list(RULES["description.misfit"](decl(d, codes[h]), ctx, spec))) for d, h in rows)
            catch = sum(bool(list(RULES["description.misfit"](decl(d, codes[o]), ctx, spec))) for (d, _), o in zip(rows, wrong))
        finally:
            nomenclature.NomenclatureIndex.stems = saved  # type: ignore[method-assign]
            nomenclature.bundled_nomenclature.cache_clear()
        print(f"  {label}: words known {known}/{len(rows)}, right heading first {top_heading} ({top_heading / len(rows):.0%}), "
              f"right chapter first {top_chapter} ({top_chapter / len(rows):.0%}); misfit on true pairs {fa}, "
              f"on another chapter's heading {catch} ({catch / len(rows):.0%})")


if __name__ == "__main__":
    main()
