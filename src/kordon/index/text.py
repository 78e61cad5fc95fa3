"""Goods-text normalisation shared by the description rules and their measurement.

Words are lower-cased, split on anything that is not a letter or digit, and reduced to their
Snowball stems (Russian for Cyrillic, English for Latin) so that "трансформаторы" and
"трансформатор" or "drones" and "drone" meet. Kazakh has no Snowball stemmer; its words are
kept whole, which is why the lexicon lists Kazakh terms in the forms declarations use.
"""

from __future__ import annotations

import re
import unicodedata
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
    """.split()  # noqa: SIM905 - a word list is easier to read and extend as text
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


# --- Name text: one normalisation for what is indexed and what is searched -----------------------
#
# Screening is defeated by characters a reader does not see or cannot tell apart: zero-width spaces,
# soft hyphens, word joiners, variation selectors and tag characters inside a name; full-width or
# mathematical letters; Cyrillic "о" or "р" in a Latin word; letters written apart ("R o s o ...",
# "R.o.s.o..."). ``normalise_name_text`` undoes all of these, and both the index (list names) and the
# query (declared names) go through it, so what one side folds the other folds alike.

# Marks that change how a letter looks but not which letter it is (category Mn, so not covered by the
# format-character rule): variation selectors, the combining grapheme joiner, Mongolian FVS.
_INVISIBLE_MARKS = frozenset([0x034F, 0x180B, 0x180C, 0x180D, 0x180F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])

# Arabic and Hebrew vowel points and reading marks (harakat, shadda, sukun, tanwin; niqqud, cantillation): written
# or left out at will, so a name must not depend on them; kept, they would split a word ("ريّان" → "ri an").
_VOWEL_POINTS = frozenset([*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8,
                           *range(0x06EA, 0x06EE), *range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7])

# Look-alike letters between Latin and Cyrillic/Greek (Unicode's confusables, restricted to the
# letters that occur in names and look the same in both cases they are listed for).
_CYR_TO_LAT = dict(zip(
    "АВЕКМНОРСТХУаеорсухіјѕԁһԛԝӏІЈЅ",
    "ABEKMHOPCTXYaeopcyxijsdhqwlIJS",
))
_GRK_TO_LAT = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ", "ABEZHIKMNOPTYXoikvptux"))
_LAT_TO_CYR = {lat: cyr for cyr, lat in _CYR_TO_LAT.items() if cyr not in "іјѕԁһԛԝӏІЈЅ"}

_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Three or more single letters kept apart by spaces, dots, hyphens or middle dots: "R o s o", "R.o.s.o.".
# The separator must be the same throughout, so "Fund V L.P." stays apart while "J. R. R." joins.
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_](?P<sep>[ .·•\-]{1,2})[^\W\d_](?:(?P=sep)[^\W\d_]){1,}(?![^\W_])\.?")
# Digits standing for letters inside a word ("Ig0r Sech1n"): a digit with letters on both sides.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
_LEET_RE = re.compile(r"(?<=[^\W\d_])[0134578]+(?=[^\W\d_])")


def _script(ch: str) -> str:
    cp = ord(ch)
    if 0x0400 <= cp <= 0x052F:
        return "cyr"
    if 0x0370 <= cp <= 0x03FF:
        return "grk"
    if ch.isascii() or 0x00C0 <= cp <= 0x024F:
        return "lat"
    return "other"


_LATIN_LETTER = re.compile("[\x00-\x7f\u00c0-\u024f]")  # what _script calls "lat"


def _unconfuse(word: str) -> str:
    """A word mixing Latin with Cyrillic or Greek letters is rewritten in one script: the one every
    foreign letter has a look-alike in, the majority script when both would do."""
    if word.isascii() or not _LATIN_LETTER.search(word):
        return word  # one script only (the usual case): nothing to fold
    scripts = [_script(ch) for ch in word]
    lat, cyr, grk = scripts.count("lat"), scripts.count("cyr"), scripts.count("grk")
    if not lat or not (cyr or grk):
        return word
    as_latin = "".join(_CYR_TO_LAT.get(ch, _GRK_TO_LAT.get(ch, ch)) for ch in word)
    latin_ok = all(_script(ch) != "cyr" and _script(ch) != "grk" for ch in as_latin)
    as_cyr = "".join(_LAT_TO_CYR.get(ch, ch) for ch in word) if not grk else word
    cyr_ok = not grk and all(_script(ch) != "lat" for ch in as_cyr)
    if latin_ok and (not cyr_ok or lat >= cyr):
        return as_latin
    return as_cyr if cyr_ok else word


def _join_spaced(m: re.Match[str]) -> str:
    return "".join(ch for ch in m.group(0) if ch.isalpha())


@lru_cache(maxsize=200_000)
def normalise_name_text(text: str) -> str:
    """The one normal form of a name's text: NFKC, no format or invisible characters, look-alike letters
    of another script folded into the word's own script, letters written apart joined, single spaces.

    Case is kept (callers casefold) so that this can also serve display.
    """
    # NFKC folds full-width and mathematical letters (Ｒ, 𝐑 → R) and ligatures.
    text = unicodedata.normalize("NFKC", text)
    # Printable ASCII has no format, invisible or control characters, and its one separator is the space.
    if not (text.isascii() and text.isprintable()):
        out = []
        for ch in text:
            cat = unicodedata.category(ch)
            if cat == "Cf" or ord(ch) in _INVISIBLE_MARKS or ord(ch) in _VOWEL_POINTS:
                continue  # zero-width space/joiners, soft hyphen, word joiner, BOM, tag characters: invisible
            out.append(" " if cat[0] == "C" or cat[0] == "Z" else ch)
        text = "".join(out)
    text = _LETTER_RUN.sub(lambda m: _unconfuse(m.group(0)), text)
    text = _SPACED.sub(_join_spaced, text)
    text = _LEET_RE.sub(lambda m: "".join(_LEET[d] for d in m.group(0)), text)
    return " ".join(text.split())
