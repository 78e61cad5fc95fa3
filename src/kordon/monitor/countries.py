"""One country vocabulary for every source.

Statistics offices name partners differently (BNS 'Россия', Eurostat
'Russian Federation (Russia)', Comtrade M49 643 / 'RUS'); analyses only work
if all of them land on the same code. kordon uses ISO 3166-1 alpha-2 for
countries and short upper-case names (EU27, WORLD, CIS...) for groupings.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    m49: str
    name_en: str
    name_ru: str
    kind: str  # "country" or "aggregate"


def _norm(name: str) -> str:
    name = name.casefold().replace("ё", "е").replace("’", "'")
    # Eurostat appends footnotes in brackets: "France (incl. Saint Barthélemy ...)"
    name = re.sub(r"\s+", " ", name).strip()
    return name


def _strip_note(name: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


class CountryTable:
    """Lookup by alpha-2, alpha-3, M49 number or English/Russian name."""

    def __init__(self, rows: list[Country], aliases: list[tuple[str, str, str]]):
        self.rows = rows
        self.by_code = {c.code: c for c in rows}
        self._alpha3 = {c.alpha3: c.code for c in rows if c.alpha3}
        self._m49 = {c.m49: c.code for c in rows if c.m49}
        self._names: dict[str, str] = {}
        for c in rows:
            for n in (c.name_en, c.name_ru):
                if n:
                    self._names.setdefault(_norm(n), c.code)
        for scheme, alias, code in aliases:
            if code not in self.by_code:
                raise ValueError(f"alias {alias!r} points to unknown code {code!r}")
            target = {"name": self._names, "m49": self._m49, "alpha3": self._alpha3}[scheme]
            target[_norm(alias) if scheme == "name" else alias] = code

    def from_name(self, name: str) -> str | None:
        n = _norm(name)
        if n in self._names:
            return self._names[n]
        return self._names.get(_norm(_strip_note(name)))

    def from_alpha3(self, a3: str) -> str | None:
        return self._alpha3.get(a3.strip().upper()) or self._alpha3.get(a3.strip())

    def from_m49(self, m49: str | int) -> str | None:
        s = str(m49).strip()
        return self._m49.get(s.lstrip("0") or "0")

    def resolve(self, value: str) -> str | None:
        """Best guess for any spelling a user types on the command line."""
        v = value.strip()
        if v.upper() in self.by_code:
            return v.upper()
        if len(v) == 3 and v.isalpha():
            hit = self.from_alpha3(v)
            if hit:
                return hit
        if v.isdigit():
            return self.from_m49(v)
        return self.from_name(v)

    def name(self, code: str, lang: str = "en") -> str:
        c = self.by_code.get(code)
        if c is None:
            return code
        return c.name_ru if lang == "ru" else c.name_en


@lru_cache(maxsize=1)
def countries() -> CountryTable:
    base = resources.files("kordon.data") / "trade"
    with (base / "countries.csv").open(encoding="utf-8") as fh:
        rows = [Country(**r) for r in csv.DictReader(fh)]
    with (base / "country_aliases.csv").open(encoding="utf-8") as fh:
        aliases = [(r["scheme"], r["alias"], r["code"]) for r in csv.DictReader(fh)]
    return CountryTable(rows, aliases)
