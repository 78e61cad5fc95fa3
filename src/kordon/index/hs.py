"""HS editions: which edition a code is in, and how HS2017 and HS2022 subheadings correspond.

The UNSD correlation table pairs HS2022 and HS2017 subheadings with a relationship
(1:1, n:1, 1:n, n:n). An n:n pair only partly overlaps, so hits found through one are
marked partial and explained as such. Every link is kept; wide cross-chapter fan-outs weigh less.
Declared codes are validated against the HS edition and the TN VED EAEU tree in force.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
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


# A code whose n:n counterparts number more than this (8541.51 took goods from 157 HS2017 subheadings,
# one of them 9305.10, parts of arms) says little about any one of them: such links are kept and
# reported, but weigh less (link_weakness).
WIDE_FANOUT = 10
VERY_WIDE_FANOUT = 50


@dataclass(frozen=True)
class Correspondence:
    code: str
    relationship: str  # as UNSD writes it, HS2022 side first: "n:1" = several HS2022 codes from one HS2017 code
    partial: bool  # the counterpart is broader: only some of its goods fall under the original code
    fanout: int = 1  # how many counterparts the original code has in the other edition
    cross_chapter: bool = False  # the counterpart is in another HS chapter

    @property
    def weakness(self) -> int:
        return link_weakness(self.relationship, self.fanout)


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
    return (resources.files("kordon") / "data" / "hs" / name).read_text(encoding="utf-8-sig")


@lru_cache(maxsize=1)
def correlation_pairs() -> tuple[tuple[str, str, str], ...]:
    """The UNSD table as shipped: (HS2022 code, HS2017 code, relationship), every row, nothing dropped."""
    return tuple((r["code_newer"], r["code_older"], r["relationship"])
                 for r in csv.DictReader(io.StringIO(_read("hs2022_hs2017_correlation.csv"))))


@lru_cache(maxsize=1)
def correlation() -> Correlation:
    # Every link of the table is kept: dropping the links of codes that fan out widely (as an earlier
    # version did) silently lost 8525.80 -> 8806 (drones) and 8803.30 -> 8807.30. Wide fan-outs are
    # weighed instead (Correspondence.weakness) and said in the explanation.
    pairs = correlation_pairs()
    older_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    newer_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for new, old, rel in pairs:
        older_of[new].append((old, rel))
        newer_of[old].append((new, rel))
    to_older: dict[str, list[Correspondence]] = {}
    to_newer: dict[str, list[Correspondence]] = {}
    for new, links in older_of.items():
        # "n:1": the HS2017 code split into several HS2022 codes, so the old code is the broader one.
        to_older[new] = [Correspondence(old, rel, rel in ("n:1", "n:n"), len(links), old[:2] != new[:2]) for old, rel in links]
    for old, links in newer_of.items():
        to_newer[old] = [Correspondence(new, rel, rel in ("1:n", "n:n"), len(links), old[:2] != new[:2]) for new, rel in links]
    by_edition: dict[str, dict[str, list[str]]] = {}
    for edition in EDITIONS:
        prefixes: dict[str, list[str]] = defaultdict(list)
        for code in hs_codes(edition):
            if len(code) == 6:
                prefixes[code[:2]].append(code)
                prefixes[code[:4]].append(code)
        by_edition[edition] = {k: sorted(v) for k, v in prefixes.items()}
    return Correlation(to_older, to_newer, by_edition)


_HS_FILES = {"HS2022": "hs2022_harmonized_system.csv", "HS2017": "hs2017_harmonized_system.csv"}


@lru_cache(maxsize=2)
def hs_codes(edition: str) -> frozenset[str]:
    """Chapters, headings and subheadings (2, 4, 6 digits) of an HS edition.

    UN Comtrade's "99 / 9999 / 999999 commodities not specified" is a statistical code, not part of the
    HS (chapters 98 and 99 are reserved for national use): a declaration that uses it names no goods."""
    return frozenset(r["hscode"] for r in csv.DictReader(io.StringIO(_read(_HS_FILES[edition])))
                     if r["hscode"].isdigit() and len(r["hscode"]) in (2, 4, 6) and r["hscode"][:2] not in ("98", "99"))


@lru_cache(maxsize=1)
def tnved_codes() -> frozenset[str]:
    """The 10-digit TN VED EAEU codes in force (2022 edition as amended; data/tnved/PROVENANCE.md)."""
    raw = (resources.files("kordon") / "data" / "tnved" / "tnved_eaeu_codes.csv.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").split()
    return frozenset(lines[1:])


@lru_cache(maxsize=1)
def _tnved_prefixes() -> frozenset[str]:
    return frozenset(c[:n] for c in tnved_codes() for n in range(7, 10))


@dataclass(frozen=True)
class CodeCheck:
    """How a declared code stands against the nomenclature in force on the declaration date."""

    code: str
    edition: str  # the HS edition in force on the declaration date
    status: str  # valid | unknown | other_edition | national_unknown
    reason: str = ""
    found_in: str | None = None  # the edition the code belongs to, when it is not the one in force
    successors: tuple[str, ...] = ()  # its counterparts in the edition in force (all of them)

    @property
    def valid(self) -> bool:
        return self.status == "valid"


# The TN VED EAEU is the nomenclature of the customs union's members; elsewhere only the HS6 is checked.
EAEU = frozenset({"AM", "BY", "KG", "KZ", "RU"})


@lru_cache(maxsize=65536)
def validate_code(code: str, on: dt.date, national: bool = True) -> CodeCheck:
    """Check a declared HS / TN VED code against the nomenclature in force on `on`.

    HS2022 from 2022-01-01: HS6 against HS2022 and 7 to 10 digits against the TN VED EAEU tree
    (kordon ships the tree in force now; see data/tnved/PROVENANCE.md). Before: HS6 against HS2017
    (no older 10-digit tree is shipped, so national digits are not checked). `national=False` (a screening
    country outside the EAEU) checks the HS6 only.
    """
    edition = edition_for(on)
    other = "HS2017" if edition == "HS2022" else "HS2022"
    known, known_other = hs_codes(edition), hs_codes(other)
    level = code[:6] if len(code) >= 6 else code[:4]
    if level not in known:
        if level in known_other:
            succ = tuple(sorted({c.code for c in correlation().counterparts(level, other)})) if len(level) == 6 else ()
            return CodeCheck(code, edition, "other_edition",
                             f"{format_code(level)} is a {other} code that does not exist in {edition}, the edition in force on {on.isoformat()}",
                             other, succ)
        return CodeCheck(code, edition, "unknown", f"{format_code(code)} exists in no HS edition (neither HS2017 nor HS2022)")
    if national and edition == "HS2022" and len(code) > 6:
        tree = tnved_codes() if len(code) == 10 else _tnved_prefixes()
        if code not in tree:
            return CodeCheck(code, edition, "national_unknown",
                             f"{format_code(code)} is not a code of the TN VED EAEU in force (its HS6 {format_code(level)} is valid)")
    return CodeCheck(code, edition, "valid")


def link_weakness(relationship: str, declared_fanout: int) -> int:
    """How much a correlation link from a listed code to a declared code is discounted: 0 for an ordinary
    link; 1 or 2 for an n:n overlap with a declared code that took in goods from many codes (8541.51 took
    goods from 157 HS2017 subheadings in 5 chapters, one of them 9305.10, parts of arms)."""
    if relationship != "n:n" or declared_fanout <= WIDE_FANOUT:
        return 0
    return 2 if declared_fanout > VERY_WIDE_FANOUT else 1


def declaration_editions(code: str, declared: str | None, on: dt.date) -> tuple[str, ...]:
    """The editions a declared code is looked up in. The declared edition never replaces the one in force
    on the declaration date: both are searched, so choosing an edition cannot remove a finding. A code that
    exists only in the other edition is searched there too."""
    return _editions(code, declared, edition_for(on))


@lru_cache(maxsize=65536)
def _editions(code: str, declared: str | None, in_force: str) -> tuple[str, ...]:
    editions = [declared or in_force]
    if in_force not in editions:
        editions.append(in_force)
    level = code[:6] if len(code) >= 6 else code[:4]
    if not any(level in hs_codes(e) for e in editions):
        editions.extend(e for e in EDITIONS if e not in editions and level in hs_codes(e))
    return tuple(editions)


def code_ranges(codes: list[str] | tuple[str, ...]) -> str:
    """8525.81, 8525.82, 8525.83, 8525.89 → "8525.81–8525.89": runs under one heading are joined."""
    by_heading: dict[str, list[str]] = defaultdict(list)
    for c in sorted(set(codes)):
        by_heading[c[:4]].append(c)
    parts = []
    for group in by_heading.values():
        parts.append(format_code(group[0]) if len(group) == 1 else f"{format_code(group[0])}–{format_code(group[-1])}")
    return ", ".join(parts)


@lru_cache(maxsize=1)
def descriptions() -> dict[str, dict[str, str]]:
    """HS texts by edition and code (2, 4 and 6 digits), from the UN Comtrade nomenclature."""
    out: dict[str, dict[str, str]] = {}
    for edition, name in _HS_FILES.items():
        out[edition] = {row["hscode"]: row["description"] for row in csv.DictReader(io.StringIO(_read(name)))}
    return out


def format_code(code: str) -> str:
    """8542310000 → 8542.31.0000, the way officers read codes."""
    if len(code) <= 4:
        return code
    return ".".join([code[:4], code[4:6]] + ([code[6:]] if len(code) > 6 else []))
