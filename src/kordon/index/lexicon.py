"""Word lists kept as data (kordon/data/lexicon): military and dual-use terms, vague words,
intermediary firm names. Each file carries its version and sources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from kordon.text import affirmed


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
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TermLexicon:
    version: str
    sources: tuple[str, ...]
    categories: tuple[Category, ...]

    def find(self, text: str) -> list[tuple[Category, str]]:
        """(category, matched words) for every category whose terms occur in the affirmed text."""
        clean = affirmed(text.lower().replace("ё", "е"))
        found = []
        for cat in self.categories:
            m = cat.pattern.search(clean)
            if m:
                found.append((cat, m.group(0)))
        return found


@lru_cache(maxsize=1)
def terms() -> TermLexicon:
    doc = _load("terms.yaml")
    cats = []
    for cid, c in doc["categories"].items():
        words = [t for lang in c["terms"].values() for t in lang]
        cats.append(Category(cid, c["title"], c["severity"], tuple(str(e) for e in c["expected"]), term_regex(words)))
    return TermLexicon(str(doc["version"]), tuple(doc["sources"]), tuple(cats))


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
