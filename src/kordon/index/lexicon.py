"""Word lists kept as data (kordon/data/lexicon): military and dual-use terms, vague words,
intermediary firm names. Each file carries its version and sources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from kordon.index.text import clean as clean_text


def _load(name: str) -> dict:
    return yaml.safe_load((resources.files("kordon") / "data" / "lexicon" / name).read_text(encoding="utf-8"))


def _term_pattern(term: str, inside_from: int | None = None) -> str:
    whole = term.endswith("$")
    body = re.escape(term.rstrip("$").lower().replace("ё", "е")).replace(r"\ ", r"\s+")
    # Firm names glue words together ("KazLogistics"): long terms may then start inside a word.
    start = "" if (inside_from and not whole and len(term) >= inside_from) else r"(?<![^\W_])"
    return start + body + (r"(?![^\W_])" if whole else "")


def term_regex(terms: list[str], inside_from: int | None = None) -> re.Pattern[str]:
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(_term_pattern(t, inside_from) for t in ordered), re.UNICODE)


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    severity: str
    expected: tuple[str, ...]
    unless: tuple[str, ...] = ()  # word starts that make the term harmless ("игрушечное оружие")


_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class TermLexicon:
    """Single-word terms are looked up by word prefix in a dict (one pass over the words, fast);
    the few multi-word terms by a regex, tried only when their first word occurs."""

    version: str
    sources: tuple[str, ...]
    categories: tuple[Category, ...]
    prefixes: dict[str, tuple[int, bool]]  # term → (category index, whole word only)
    phrases: dict[str, list[tuple[int, re.Pattern[str]]]]  # first word → (category index, pattern)
    shortest: int

    def find(self, text: str) -> list[tuple[Category, str]]:
        """(category, matched words) for every category whose terms occur in the affirmed text."""
        clean = clean_text(text)
        found: dict[int, str] = {}
        for word in _TOKEN.findall(clean):
            for n in range(self.shortest, len(word) + 1):
                hit = self.prefixes.get(word[:n])
                if hit is not None and (not hit[1] or n == len(word)) and hit[0] not in found:
                    found[hit[0]] = word[:n]
            for idx, pattern in self.phrases.get(word, ()):
                if idx not in found:
                    m = pattern.search(clean)
                    if m:
                        found[idx] = m.group(0)
        if not found:
            return []
        words = _TOKEN.findall(clean)
        out = []
        for i in sorted(found):
            cat = self.categories[i]
            if cat.unless and any(w.startswith(cat.unless) for w in words):
                continue
            out.append((cat, found[i]))
        return out


@lru_cache(maxsize=1)
def terms() -> TermLexicon:
    doc = _load("terms.yaml")
    cats: list[Category] = []
    prefixes: dict[str, tuple[int, bool]] = {}
    phrases: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
    for idx, (cid, c) in enumerate(doc["categories"].items()):
        cats.append(Category(cid, c["title"], c["severity"], tuple(str(e) for e in c["expected"]),
                             tuple(str(u).lower() for u in c.get("unless", ()))))
        for term in (str(t).lower().replace("ё", "е") for lang in c["terms"].values() for t in lang):
            if " " in term:
                phrases.setdefault(term.split()[0], []).append((idx, term_regex([term])))
            else:
                prefixes.setdefault(term.rstrip("$"), (idx, term.endswith("$")))
    shortest = min(len(t) for t in prefixes)
    return TermLexicon(str(doc["version"]), tuple(doc["sources"]), tuple(cats), prefixes, phrases, shortest)


@dataclass(frozen=True)
class WordStarts:
    """Words that start with an entry and add at most `slack` letters (inflection)."""

    starts: frozenset[str]
    slack: int = 4

    def covers(self, word: str) -> bool:
        for n in range(max(1, len(word) - self.slack), len(word) + 1):
            if word[:n] in self.starts:
                return True
        return False


@lru_cache(maxsize=1)
def vague() -> tuple[str, WordStarts, WordStarts]:
    doc = _load("vague.yaml")

    def starts(section: dict) -> WordStarts:
        return WordStarts(frozenset(w for lang in section.values() for t in lang for w in str(t).lower().split()))

    return str(doc["version"]), starts(doc["vague"]), starts(doc["filler"])


@lru_cache(maxsize=1)
def intermediaries() -> tuple[str, re.Pattern[str]]:
    doc = _load("intermediaries.yaml")
    return str(doc["version"]), term_regex([t for lang in doc["terms"].values() for t in lang], inside_from=6)


@dataclass(frozen=True)
class KazakhGlossary:
    """Kazakh goods roots and the Russian nomenclature words they stand for (data/lexicon/kazakh_goods.yaml)."""

    version: str
    words: dict[str, str]
    suffixes: tuple[str, ...]  # longest first

    def _inflection(self, rest: str) -> bool:
        """Is `rest` made only of inflectional suffixes ("дердің" = дер + дің)?"""
        if not rest:
            return True
        return any(rest.startswith(sfx) and self._inflection(rest[len(sfx):]) for sfx in self.suffixes)

    def root(self, word: str) -> str | None:
        """The glossary root of a Kazakh word form, or None: "көмірді" → "көмір", "құбырлардың" → "құбыр"."""
        for n in range(len(word), 2, -1):
            if word[:n] in self.words and self._inflection(word[n:]):
                return word[:n]
        return None


@lru_cache(maxsize=1)
def kazakh_glossary() -> KazakhGlossary:
    doc = _load("kazakh_goods.yaml")
    suffixes = tuple(sorted({str(x) for x in doc["suffixes"]}, key=len, reverse=True))
    return KazakhGlossary(str(doc["version"]), {str(k).lower(): str(v) for k, v in doc["words"].items()}, suffixes)
