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

from kordon.index.lexicon import kazakh_glossary
from kordon.index.text import STOPWORDS, affirmed, content_stems, stem, words

_KAZAKH_LETTERS = frozenset("әғқңөұүһі")


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

    def stems(self, description: str) -> tuple[str, ...]:
        """Content stems of a description; Kazakh words are read through the Kazakh glossary as the Russian
        nomenclature words they stand for (a word is tried as Kazakh when it has a Kazakh letter or its
        Russian stem is unknown to the nomenclature)."""
        plain = content_stems(description)
        if all(s in self.idf for s in plain) and not _KAZAKH_LETTERS.intersection(description.lower()):
            return plain
        return self._stems_kk(description)

    @lru_cache(maxsize=65536)  # noqa: B019 - the index never changes after construction
    def _stems_kk(self, description: str) -> tuple[str, ...]:
        glossary = kazakh_glossary()
        seen: dict[str, None] = {}
        for w in words(affirmed(description)):
            if w in STOPWORDS or any(ch.isdigit() for ch in w):
                continue
            s = stem(w)
            if s not in self.idf or _KAZAKH_LETTERS.intersection(w):
                root = glossary.root(w)
                if root is not None:
                    for ru in glossary.words[root].split():
                        seen.setdefault(stem(ru), None)
                    continue
            seen.setdefault(s, None)
        return tuple(seen)

    def shares(self, description: str, heading: str) -> bool:
        own = self.headings.get(heading, set())
        return any(s in own for s in self.stems(description))

    def fit(self, description: str, heading: str) -> Fit:
        stems = [s for s in self.stems(description) if s in self.idf]
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
