"""Product groups as data, matched across HS editions.

A group is a set of HS prefixes (2, 4 or 6 digits) in one HS edition, or
edition-free for chapters and sections. Built-in groups:

  chpl, chpl:1, chpl:2, chpl:3A ...     Common High Priority List (HS2022)
  eu_sanctioned, eu_sanctioned:<cat>    EU Russia-sanctioned HS6 (Chupilkin et al., HS2017)
  eu_not_sanctioned[:<cat>]             the rest of Chupilkin et al.'s HS2017 codes

CHPL and the EU list are the screening lists kordon ships (kordon/data/lists), and the
HS2022-HS2017 correlation is the one in kordon/data/hs, so monitoring and screening read
the same copy of each.
  hs:8703,8542                          explicit prefixes, any edition
  chapter:85, section:XVI               HS chapter / section
  TOTAL                                 all-goods rows (national totals)

User groups come from a YAML file ({groups: {name: {edition, codes, label}}})
or a CSV (group, hs_code[, edition]) and are named file.yaml#name.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kordon.ingest.goods_lists import GoodsList, bundled_goods_lists

EDITIONS = ("HS2012", "HS2017", "HS2022")
EU_CATEGORIES = ("aviation", "dual_use", "firearms", "industrial_cap", "luxury",
                 "military_tech", "oil_exploration", "oil_refining")


@dataclass(frozen=True)
class ProductGroup:
    id: str
    label: str
    edition: str | None  # None: prefixes mean the same in every edition
    prefixes: frozenset[str]

    @property
    def is_total(self) -> bool:
        return self.prefixes == frozenset({"TOTAL"})


def _open(name: str, folder: str = "groups"):
    return (resources.files("kordon.data") / folder / name).open(encoding="utf-8")


@lru_cache(maxsize=None)
def _goods_list(list_id: str) -> GoodsList:
    return next(g for g in bundled_goods_lists() if g.id == list_id)


def _categories(entry) -> set[str]:
    return {c for c in entry.category.split("|") if c}


@lru_cache(maxsize=None)
def _correlation(newer: str, older: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """UNSD correlation as two maps: newer->older codes and older->newer.

    1:1, n:1 and 1:n pairs are exact. n:n blocks (the 2022 reshuffle of 8471,
    8486, 8524...) would pull hundreds of unrelated codes into a 50-code list,
    so inside them we follow UNSD's one-to-one conversion table instead.
    """
    stem = {("HS2022", "HS2017"): "hs2022_hs2017", ("HS2017", "HS2012"): "hs2017_hs2012"}[(newer, older)]
    down, up = defaultdict(set), defaultdict(set)
    # HS2022-HS2017 is the table screening uses too; HS2017-HS2012 only monitoring needs.
    with _open(f"{stem}_correlation.csv", "hs" if stem == "hs2022_hs2017" else "groups") as fh:
        for r in csv.DictReader(fh):
            if r["relationship"].strip() == "n:n":
                continue
            n, o = r["code_newer"].zfill(6), r["code_older"].zfill(6)
            down[n].add(o)
            up[o].add(n)
    with _open(f"{stem}_conversion.csv") as fh:
        for r in csv.DictReader(fh):
            n, o = r["from_code"].zfill(6), r["to_code"].zfill(6)
            if n not in down:
                down[n].add(o)
                up[o].add(n)
    return dict(down), dict(up)


def _step(codes: set[str], frm: str, to: str) -> set[str]:
    i, j = EDITIONS.index(frm), EDITIONS.index(to)
    newer, older = (frm, to) if i > j else (to, frm)
    down, up = _correlation(newer, older)
    mapping = down if i > j else up
    out: set[str] = set()
    for code in codes:
        # A 2- or 4-digit prefix is expanded to its 6-digit members first,
        # because headings are renumbered too (drones: 8806 in HS2022 only).
        members = [c for c in mapping if c.startswith(code)] if len(code) < 6 else [code[:6]]
        for m in members:
            out |= mapping.get(m, set())
    return out


def codes_in_edition(group: ProductGroup, edition: str) -> frozenset[str]:
    if group.edition is None or group.edition == edition or group.is_total:
        return group.prefixes
    codes = set(group.prefixes)
    path = EDITIONS[EDITIONS.index(group.edition):EDITIONS.index(edition) + 1] or \
        EDITIONS[EDITIONS.index(edition):EDITIONS.index(group.edition) + 1][::-1]
    for frm, to in zip(path, path[1:]):
        codes = _step(codes, frm, to)
    return frozenset(codes)


def _chpl(tier: str | None) -> ProductGroup:
    chpl = _goods_list("chpl")
    by_tier = {e.code: e.category.removeprefix("tier ").strip() for e in chpl.entries}
    tiers = sorted(set(by_tier.values()))
    if tier is not None and tier.upper() not in {t.upper() for t in tiers}:
        raise ValueError(f"CHPL has tiers {', '.join(tiers)}, not {tier!r}")
    codes = {c for c, t in by_tier.items() if tier is None or t.upper() == tier.upper()}
    label = "CHPL" + (f" tier {tier}" if tier else " (all tiers)")
    return ProductGroup("chpl" + (f":{tier}" if tier else ""), label, chpl.edition, frozenset(codes))


@lru_cache(maxsize=1)
def _eu_not_sanctioned_codes() -> frozenset[str]:
    # The control group of the EBRD paper: the codes Chupilkin et al. classified and did not
    # flag. Not "all HS2017 minus the list": their file leaves out 26 HS2017 subheadings.
    with _open("eu_not_sanctioned_hs6_chupilkin_et_al.csv") as fh:
        return frozenset(r["code"].zfill(6) for r in csv.DictReader(fh))


def _eu_sanctioned(category: str | None, negate: bool = False) -> ProductGroup:
    if category is not None and category not in EU_CATEGORIES:
        raise ValueError(f"unknown EU sanction category {category!r}; one of {', '.join(EU_CATEGORIES)}")
    eu = _goods_list("eu_russia_hs6")
    hit = {e.code for e in eu.entries if category is None or category in _categories(e)}
    codes = (_eu_not_sanctioned_codes() | ({e.code for e in eu.entries} - hit)) if negate else hit
    name = ("eu_not_sanctioned" if negate else "eu_sanctioned") + (f":{category}" if category else "")
    label = ("EU not sanctioned" if negate else "EU Russia-sanctioned") + (f" ({category})" if category else "") + " HS6"
    return ProductGroup(name, label, eu.edition, frozenset(codes))


def _section(sec: str) -> ProductGroup:
    with _open("hs_chapters.csv") as fh:
        chapters = {r["chapter"] for r in csv.DictReader(fh) if r["section"].upper() == sec.upper()}
    if not chapters:
        raise ValueError(f"no HS section {sec!r}")
    return ProductGroup(f"section:{sec.upper()}", f"HS section {sec.upper()}", None, frozenset(chapters))


def _user(path: Path, name: str) -> ProductGroup:
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        groups: dict[str, Any] = data.get("groups", data) or {}
        if name not in groups:
            raise ValueError(f"{path.name}: no group {name!r} (has {', '.join(groups)})")
        g = groups[name]
        codes, edition, label = g.get("codes", []), g.get("edition"), g.get("label", name)
    else:
        codes, editions = [], set()
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                if r.get("group") == name:
                    codes.append(r["hs_code"])
                    editions.add(r.get("edition") or None)
        if not codes:
            raise ValueError(f"{path.name}: no rows for group {name!r}")
        if len(editions) > 1:
            raise ValueError(f"{path.name}: group {name!r} mixes HS editions {editions}")
        edition, label = editions.pop(), name
    cleaned = {str(c).replace(".", "").strip() for c in codes}
    bad = [c for c in cleaned if not c.isdigit() or len(c) not in (2, 4, 6)]
    if bad:
        raise ValueError(f"{path.name}: group {name!r} has codes that are not 2/4/6 digits: {bad[:5]}")
    if edition is not None and edition not in EDITIONS:
        raise ValueError(f"{path.name}: edition must be one of {EDITIONS}")
    return ProductGroup(f"{path.name}#{name}", str(label), edition, frozenset(cleaned))


def resolve_group(spec: str | None) -> ProductGroup:
    if spec is None or spec.upper() in ("TOTAL", "ALL"):
        return ProductGroup("TOTAL", "All goods", None, frozenset({"TOTAL"}))
    kind, _, arg = spec.partition(":")
    if "#" in spec and not spec.startswith("hs:"):
        file, _, name = spec.partition("#")
        return _user(Path(file), name)
    if kind == "chpl":
        return _chpl(arg or None)
    if kind == "eu_sanctioned":
        return _eu_sanctioned(arg or None)
    if kind == "eu_not_sanctioned":
        return _eu_sanctioned(arg or None, negate=True)
    if kind in ("hs", "chapter"):
        codes = {c.strip().replace(".", "") for c in arg.split(",") if c.strip()}
        if not codes or any(not c.isdigit() or len(c) not in (2, 4, 6) for c in codes):
            raise ValueError(f"{spec!r}: give 2, 4 or 6-digit HS codes, comma-separated")
        if kind == "chapter" and any(len(c) != 2 for c in codes):
            raise ValueError(f"{spec!r}: chapters have 2 digits")
        return ProductGroup(spec, f"HS {', '.join(sorted(codes))}", None, frozenset(codes))
    if kind == "section":
        return _section(arg)
    raise ValueError(
        f"unknown product group {spec!r}: use TOTAL, chpl[:tier], eu_sanctioned[:category], "
        "hs:CODES, chapter:NN, section:ROMAN or file.yaml#name"
    )


def group_table(group: ProductGroup) -> list[tuple[str | None, str]]:
    """(edition, prefix) rows to join trade rows against; edition None = any."""
    if group.edition is None:
        return [(None, p) for p in sorted(group.prefixes)]
    return [(ed, p) for ed in EDITIONS for p in sorted(codes_in_edition(group, ed))]


def builtin_groups() -> list[tuple[str, str, int, str]]:
    out = []
    for spec in ["chpl", "chpl:1", "chpl:2", "chpl:3A", "chpl:3B", "chpl:4A", "chpl:4B", "eu_sanctioned",
                 *[f"eu_sanctioned:{c}" for c in EU_CATEGORIES], "eu_not_sanctioned"]:
        g = resolve_group(spec)
        out.append((g.id, g.label, len(g.prefixes), g.edition or "any"))
    return out
