"""HS editions: which edition a code is in, and how HS2017 and HS2022 subheadings correspond.

The UNSD correlation table pairs HS2022 and HS2017 subheadings with a relationship
(1:1, n:1, 1:n, n:n). An n:n pair only partly overlaps, so hits found through one are
marked partial and explained as such.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

HS2022_IN_FORCE = dt.date(2022, 1, 1)
EDITIONS = ("HS2017", "HS2022")


def edition_for(date: dt.date) -> str:
    """The HS edition in force on a declaration date."""
    return "HS2022" if date >= HS2022_IN_FORCE else "HS2017"


# An n:n group that fans out to more codes than this says little about any one of them
# (the 2022 reshuffles link CHPL 8541.51 to dishwashers in HS2017); such links are dropped.
MAX_PARTIAL_FANOUT = 4


@dataclass(frozen=True)
class Correspondence:
    code: str
    relationship: str  # as UNSD writes it, HS2022 side first: "n:1" = several HS2022 codes from one HS2017 code
    partial: bool  # the counterpart is broader: only some of its goods fall under the original code


@dataclass
class Correlation:
    to_older: dict[str, list[Correspondence]]
    to_newer: dict[str, list[Correspondence]]
    hs6_by_edition: dict[str, dict[str, list[str]]]

    def counterparts(self, code6: str, from_edition: str) -> list[Correspondence]:
        table = self.to_older if from_edition == "HS2022" else self.to_newer
        return table.get(code6, [])

    def subheadings_under(self, prefix: str, edition: str) -> list[str]:
        return self.hs6_by_edition[edition].get(prefix, [])


def _read(name: str) -> str:
    return (resources.files("kordon") / "data" / "hs" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def correlation() -> Correlation:
    to_older: dict[str, list[Correspondence]] = defaultdict(list)
    to_newer: dict[str, list[Correspondence]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(_read("hs2022_hs2017_correlation.csv"))):
        new, old, rel = row["code_newer"], row["code_older"], row["relationship"]
        # "n:1": the HS2017 code split into several HS2022 codes, so the old code is the broader one.
        to_older[new].append(Correspondence(old, rel, partial=rel in ("n:1", "n:n")))
        to_newer[old].append(Correspondence(new, rel, partial=rel in ("1:n", "n:n")))
    for table in (to_older, to_newer):
        for code, links in table.items():
            if sum(c.partial for c in links) > MAX_PARTIAL_FANOUT:
                table[code] = [c for c in links if not c.partial]
    by_edition: dict[str, dict[str, list[str]]] = {}
    for edition, name in (("HS2022", "hs2022_harmonized_system.csv"), ("HS2017", "hs2017_harmonized_system.csv")):
        prefixes: dict[str, list[str]] = defaultdict(list)
        for row in csv.DictReader(io.StringIO(_read(name))):
            code = row["hscode"]
            if len(code) == 6 and code.isdigit():
                prefixes[code[:2]].append(code)
                prefixes[code[:4]].append(code)
        by_edition[edition] = dict(prefixes)
    return Correlation(dict(to_older), dict(to_newer), by_edition)


@lru_cache(maxsize=1)
def descriptions() -> dict[str, dict[str, str]]:
    """HS texts by edition and code (2, 4 and 6 digits), from the UN Comtrade nomenclature."""
    out: dict[str, dict[str, str]] = {}
    for edition, name in (("HS2022", "hs2022_harmonized_system.csv"), ("HS2017", "hs2017_harmonized_system.csv")):
        out[edition] = {row["hscode"]: row["description"] for row in csv.DictReader(io.StringIO(_read(name)))}
    return out


def format_code(code: str) -> str:
    """8542310000 → 8542.31.0000, the way officers read codes."""
    if len(code) <= 4:
        return code
    return ".".join([code[:4], code[4:6]] + ([code[6:]] if len(code) > 6 else []))
