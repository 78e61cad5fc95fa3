"""Rebuild the goods control lists shipped in src/kordon/data/lists from the shared source files.

Run from the repository root with ../shared beside it:  python scripts/build_goods_lists.py
The output is committed; this script documents exactly how it was derived.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "export_control_goods"
OUT = ROOT / "src" / "kordon" / "data" / "lists"

TIER_SEVERITY = {"1": "high", "2": "high", "3A": "medium", "3B": "medium", "4A": "medium", "4B": "medium"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_chpl() -> None:
    src = SHARED / "chpl_common_high_priority_list_2024-02-23.csv"
    with src.open(newline="", encoding="utf-8") as fh, (OUT / "chpl" / "entries.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "category", "severity", "description"])
        for row in csv.DictReader(fh):
            writer.writerow([row["hs6_hs2022"], f"tier {row['tier']}", TIER_SEVERITY[row["tier"]], row["hs2022_description_uncomtrade"]])
    print("chpl source sha256", sha256(src))


def build_eu() -> None:
    src = SHARED / "EU_sanctions_HS6_chupilkin_et_al.csv"
    categories = ["aviation", "dual_use", "firearms", "industrial_cap", "luxury", "military_tech", "oil_exploration", "oil_refining"]
    with src.open(newline="", encoding="utf-8") as fh, (OUT / "eu_russia_hs6" / "entries.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "category", "effective_from", "partially_exempt"])
        for row in csv.DictReader(fh):
            if row["EU_sanction"] != "1.0":
                continue
            cats = "|".join(c for c in categories if row[c] == "1.0")
            writer.writerow([row["Code"], cats, row["Date"], "yes" if row["partially_exempt"] == "1.0" else ""])
    print("eu source sha256", sha256(src))


if __name__ == "__main__":
    build_chpl()
    build_eu()
