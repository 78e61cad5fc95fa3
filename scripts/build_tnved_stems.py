"""Build kordon/data/tnved/: per TN VED heading, the word stems of its nomenclature texts.

Reads the official Russian ETT EAEU tree (../shared/data/tnved_eaeu/tnved_eaeu_ett_tree.csv.gz) and
the English HS2022 texts shipped in kordon/data/hs, and writes two compact tables:
  headings_ru.csv      heading, its first 10-digit code, Russian heading text (for synthetic streams and explanations)
  heading_stems.csv.gz heading, space-separated stems of every text under the heading (RU + EN)

Usage: python scripts/build_tnved_stems.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
from collections import defaultdict
from pathlib import Path

from kordon.index.text import content_stems

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "kordon" / "data" / "tnved"


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))
    stems, names, first_code = read_tree(shared / "tnved_eaeu" / "tnved_eaeu_ett_tree.csv.gz")
    hs = csv.DictReader(io.StringIO((ROOT / "src/kordon/data/hs/hs2022_harmonized_system.csv").read_text(encoding="utf-8")))
    for row in hs:
        code = row["hscode"]
        if len(code) in (4, 6) and code[:4] in stems:
            for s in content_stems(row["description"]):
                stems[code[:4]].setdefault(s, None)
    write(stems, names, first_code)
    print(f"{len(stems)} headings, {sum(len(v) for v in stems.values())} stems → {OUT}")


def read_tree(tree: Path) -> tuple[dict[str, dict[str, None]], dict[str, str], dict[str, str]]:
    """Stems of every heading's descriptions, the heading names and each heading's first ten-digit code."""
    stems: dict[str, dict[str, None]] = defaultdict(dict)
    names: dict[str, str] = {}
    first_code: dict[str, str] = {}
    with gzip.open(tree, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            heading = row["heading"]
            if not heading or len(heading) != 4:
                continue
            if row["level_type"] == "heading" or (heading not in names and row["dash_level"] == "0"):
                names.setdefault(heading, row["name"])
            if row["level_type"] == "tnved10":
                first_code.setdefault(heading, row["code"])
            for s in content_stems(row["name"]):
                stems[heading].setdefault(s, None)
    return stems, names, first_code


def write(stems: dict[str, dict[str, None]], names: dict[str, str], first_code: dict[str, str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "headings_ru.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["heading", "code", "name"])
        for h in sorted(names):
            w.writerow([h, first_code.get(h, ""), names[h][:300]])
    with gzip.open(OUT / "heading_stems.csv.gz", "wt", encoding="utf-8", newline="", compresslevel=9) as fh:
        w = csv.writer(fh)
        w.writerow(["heading", "stems"])
        for h in sorted(stems):
            w.writerow([h, " ".join(stems[h])])


if __name__ == "__main__":
    main()
