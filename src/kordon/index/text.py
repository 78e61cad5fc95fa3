"""Goods-text normalisation shared by the description rules and their measurement.

Words are lower-cased, split on anything that is not a letter or digit, and reduced to their
Snowball stems (Russian for Cyrillic, English for Latin) so that "трансформаторы" and
"трансформатор" or "drones" and "drone" meet. Kazakh has no Snowball stemmer; its words are
kept whole, which is why the lexicon lists Kazakh terms in the forms declarations use.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_RU = snowballstemmer.stemmer("russian")
_EN = snowballstemmer.stemmer("english")

# Words that say nothing about what the goods are (packing, condition, trade terms).
STOPWORDS = frozenset(
    """
    для или при без под над как так что это его они она оно все всех всего весь также только
    более менее кроме прочие прочих прочий прочее прочая иные иной других другие виде вида
    шт штук кол количество вес нетто брутто упаковке упаковка упак новый новая новое новые б/у
    поставляются поставляется первичной первичная упаковочные упаковочных входить входят могут состав
    составе предназначен предназначены предназначенные предназначенный применения применяется
    изготовитель производитель товарный знак марка модель артикул серия отсутствует не
    the and for with from without other others than not its new used pcs set kit model brand
    type made parts part articles thereof
    """.split()
)


# "НЕ ЯВЛЯЕТСЯ ПРОДУКЦИЕЙ ВОЕННОГО НАЗНАЧЕНИЯ", "НЕ ДЛЯ ВЕТЕРИНАРИИ": declarations are full of
# disclaimers that name what the goods are not; those words must count neither for a heading
# nor for the military lexicon. A negation runs to the next punctuation mark.
_NEGATED = re.compile(r"(?<![^\W_])(?:не|без|not|non|no|nicht|kein\w*)\s[^,.;:()\[\]]*", re.IGNORECASE | re.UNICODE)


# The disclaimer is so common that abbreviations ("НЕ ПРИНАДЛ. К ПРОДУКЦИИ ВОЕННОГО НАЗНАЧ.") and
# glued words ("АВТОМОБИЛЕЙНЕ ВОЕННОГО НАЗНАЧЕНИЯ") break the negation; the phrase itself is dropped.
_DISCLAIMER = re.compile(r"(?:продукци\w*\s+)?военного(?:\s+и\s+двойного)?\s+(?:назнач|примен)\w*\.?|(?:к\s+)?продукции\s+военного\b",
                         re.IGNORECASE | re.UNICODE)


def affirmed(text: str) -> str:
    """The text without its negated clauses and military-purpose disclaimers."""
    return _NEGATED.sub(" ", _DISCLAIMER.sub(" ", text))


# Goods lines repeat a lot (the same goods lodged again and again), so the normalised forms of
# recent descriptions are cached; the functions are pure, so caching changes no result.
@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """Lower case, "ё" as "е", without negated clauses: what the lexicons are matched against."""
    return affirmed(text.lower().replace("ё", "е"))


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower().replace("ё", "е")) if len(w) >= 3 and not w.isdigit()]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    if _CYRILLIC.search(word):
        return _RU.stemWord(word)
    return _EN.stemWord(word)


@lru_cache(maxsize=65536)
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the words that can say what the goods are, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in words(affirmed(text)):
        if w in STOPWORDS or any(ch.isdigit() for ch in w):
            continue
        seen.setdefault(stem(w), None)
    return tuple(seen)
