"""Which TN VED headings a goods description speaks of, from the nomenclature's own words.

Every heading owns the stems of all texts under it (Russian ETT EAEU tree and English HS2022).
A description is scored against a heading by the summed rarity (idf) of the stems they share;
a stem found under few headings says more than one found under hundreds.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kordon.index.text import content_stems


@dataclass(frozen=True)
class Fit:
    declared: float  # evidence for the declared heading
    best: float  # evidence for the best-fitting heading
    best_heading: str | None
    known: int  # description stems the nomenclature knows at all
    shared: tuple[str, ...]  # stems shared with the declared heading


class NomenclatureIndex:
    def __init__(self, heading_stems: dict[str, set[str]]):
        self.headings = heading_stems
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        for heading, stems in heading_stems.items():
            for s in stems:
                self.by_stem[s].append(heading)
        n = len(heading_stems)
        self.idf = {s: math.log(n / len(hs)) for s, hs in self.by_stem.items()}

    def shares(self, description: str, heading: str) -> bool:
        own = self.headings.get(heading, set())
        return any(s in own for s in content_stems(description))

    def fit(self, description: str, heading: str) -> Fit:
        stems = [s for s in content_stems(description) if s in self.idf]
        scores: dict[str, float] = defaultdict(float)
        for s in stems:
            w = self.idf[s]
            for h in self.by_stem[s]:
                scores[h] += w
        best_heading = max(scores, key=scores.__getitem__) if scores else None
        own = self.headings.get(heading, set())
        return Fit(
            declared=round(scores.get(heading, 0.0), 3),
            best=round(scores[best_heading], 3) if best_heading else 0.0,
            best_heading=best_heading,
            known=len(stems),
            shared=tuple(s for s in stems if s in own),
        )


@lru_cache(maxsize=1)
def bundled_nomenclature() -> NomenclatureIndex:
    raw = (resources.files("kordon") / "data" / "tnved" / "heading_stems.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    return NomenclatureIndex({r["heading"]: set(r["stems"].split()) for r in csv.DictReader(io.StringIO(text))})


@lru_cache(maxsize=1)
def heading_names() -> dict[str, str]:
    text = (resources.files("kordon") / "data" / "tnved" / "headings_ru.csv").read_text(encoding="utf-8")
    return {r["heading"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
