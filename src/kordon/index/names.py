"""Name normalisation for party matching: one comparable form for Cyrillic and Latin spellings.

Kazakh and Russian names reach kordon in many spellings: the Cyrillic original, the passport
(ICAO 9303) spelling, GOST 7.79, BGN/PCGN, the 2021 Kazakh Latin alphabet, and whatever a clerk
typed. Instead of generating every variant, both sides are reduced to a *matching key*: our own
Cyrillic transliteration, then a few folds that merge the letters the standards disagree on
(қ→k/q, х→kh/h/x, ж→zh/j, ц→ts/c/cz, й→i/y/j, ә→a/ae). Other scripts go through rigour's
``ascii_text``; legal forms are removed with rigour's org-type database plus kordon's own
Kazakh/Russian list (``data/names/legal_forms.yaml``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from rapidfuzz.distance import OSA

from kordon.index.hanja import korean_readings
from kordon.index.text import normalise_name_text

# Our Cyrillic → Latin table: ICAO 9303 where it has one letter, the plainest letter where
# standards differ (the folds below merge the alternatives anyway). Kazakh letters follow the
# passport practice (қ→k, ң→n, ғ→g, ұ/ү→u, ө→o, ә→a, і→i, һ→h), not the q of the 2021 alphabet.
_CYR = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    # Kazakh
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    # Ukrainian, Belarusian, Kyrgyz, Tajik, Uzbek Cyrillic
    "є": "ie", "ї": "i", "ґ": "g", "ў": "u", "ҳ": "h", "ӣ": "i", "ӯ": "u", "ҷ": "j", "ҙ": "z",
}
_CYR_RE = re.compile("[\u0400-\u04ff]")

# Folds applied to every Latin form (in this order): the spellings the standards disagree on.
_FOLDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"shch|sch", "sh"),
        (r"dzh|dj|zh", "j"),
        (r"kh", "h"),
        (r"gh", "g"),
        (r"q", "k"),
        (r"x", "ks"),
        (r"tch", "ch"),  # French-style Evgenievitch
        (r"ck", "k"),
        (r"c(?=[aoukrt]|l(?!e))", "k"),  # Latin c sounding k: Electro/Elektro, Ocean/Okean
        (r"cz|tz|ts", "c"),
        (r"ph", "f"),
        (r"w", "v"),
        (r"y", "i"),
        (r"ou", "u"),
        (r"ij\b", "i"),
        (r"(?<=[aeiou])i(?=[aeiou])", ""),  # Bayev/Baev, Mayakovsky/Maiakovskii
        (r"(?<=[bdfgklmnprstvz])i(?=e)", ""),  # Arkadyevich/Arkadievich/Arkadevich (Russian ье)
        (r"(?<=[bdfgklmnprstvz])io", "e"),  # ё written yo or e: Fyodor/Fedor, Aksyonov/Aksenov
        (r"ae|ä", "a"),
        (r"oe|ö", "o"),
        (r"ue|ü", "u"),
        (r"([a-z])\1+", r"\1"),  # double letters (not digits: "22" is not "2")
    ]
]

# Patronymic and clan endings: a query often drops them, so they weigh less when missing.
PATRONYMIC_RE = re.compile(r"(ovich|evich|ovna|evna|ichna|uli|ulu|kizi|gizi|ogli|oglu)$")

# Articles and particles that carry little identity in a name.
_PARTICLES = {"al", "el", "ul", "bin", "ibn", "bint", "abu", "de", "da", "del", "der", "van", "von", "la", "le",
              "the", "of", "and", "und", "et", "y", "i", "in", "for", "&"}

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def legal_forms() -> tuple[dict[str, str], tuple[tuple[tuple[str, ...], str], ...]]:
    """Single-word forms → class, and multi-word phrases (token tuples) → class, casefolded."""
    text = (resources.files("kordon") / "data" / "names" / "legal_forms.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for cls, forms in doc["classes"].items():
        for form in forms:
            toks = tuple(_TOKEN_RE.findall(str(form).casefold()))
            if len(toks) == 1:
                words[toks[0]] = cls
            elif toks:
                phrases[toks] = cls
    return words, tuple(sorted(phrases.items(), key=lambda kv: len(kv[0]), reverse=True))


@lru_cache(maxsize=1)
def _phrases_by_first_word() -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """legal_forms()'s phrases grouped by their first word, longest first as there. Every phrase has two
    words or more, so one can only match (whole, or cut off at the end of the name) where its first word
    stands: looking up that word replaces trying every phrase at every word of every name."""
    grouped: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, cls in legal_forms()[1]:
        grouped.setdefault(phrase[0], []).append((phrase, cls))
    return {first: tuple(group) for first, group in grouped.items()}


# Hangul syllables spelled one by one as Korean names are written in Latin lists and passports
# ("Kim Jong Un", "RI SONG HYOK"): McCune-Reischauer without its breves and apostrophes (eo → o,
# eu → u), initial ㄱ/ㅂ/ㄷ as k/p/t. rigour's Revised Romanization glues the syllables ("gimjeong-eun").
_HANGUL_INITIAL = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "-", "j", "jj", "ch", "k", "t", "p", "h"]
_HANGUL_MEDIAL = ["a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"]
_HANGUL_FINAL = ["", "k", "k", "ks", "n", "nj", "nh", "t", "l", "lk", "lm", "lb", "ls", "lt", "lp", "lh", "m", "p", "ps", "t", "t",
                 "ng", "t", "t", "k", "t", "p", "t"]
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")


def _hangul(text: str) -> str:
    out: list[str] = []
    for ch in text:
        cp = ord(ch) - 0xAC00
        if 0 <= cp < 11172:
            ini, med, fin = cp // 588, (cp % 588) // 28, cp % 28
            out.append(" " + _HANGUL_INITIAL[ini].replace("-", "") + _HANGUL_MEDIAL[med] + _HANGUL_FINAL[fin])
        else:
            out.append(ch)
    return "".join(out).strip()


def transliterate(text: str) -> str:
    """Latin form of any name: kordon's tables for Cyrillic and Hangul, rigour's ascii_text for other scripts."""
    text = text.casefold()
    if _CYR_RE.search(text):
        text = "".join(_CYR.get(ch, ch) for ch in text)
    if _HANGUL_RE.search(text):
        text = _hangul(text)
    if text.isascii():
        return text
    from rigour.text import ascii_text

    # ascii_text writes "?" for letters it cannot render (Arabic ʿayn); CJK comes out as spaced syllables.
    return ascii_text(text).casefold().replace("?", "").replace("-", " ")


def fold(token: str) -> str:
    for pattern, repl in _FOLDS:
        token = pattern.sub(repl, token)
    return token


# Roman numerals the double-letter fold would change ("II" → "i"); the others fold the same on both sides.
_ROMAN = frozenset(["ii", "iii", "vii", "viii", "xii", "xiii", "xvii", "xviii", "xx", "xxi", "xxii", "xxiii"])


def fold_token(token: str) -> str:
    if token.isascii() and token.isdigit():
        return token  # a number: nothing to transliterate or fold (and kept out of the cache, which names need more)
    return _fold_token(token)


@lru_cache(maxsize=200_000)
def _fold_token(token: str) -> str:
    if token in _ROMAN:
        return token  # numbers: "Solutions II" is not "Solutions I" (the double-letter fold would make it so)
    return fold(transliterate(token))


# A capital after a small letter starts a new part: "SiemensAG", "FridrichLindenberg", "КазМунайГаз" are
# written as one word in one source and apart in another; the joined-name comparison covers the rest.
_CAMEL = re.compile(r"(?<=[a-zß-öø-ÿа-яёәғқңөұүһі])(?=[A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІ])")
# ... but legal forms written in mixed case are one word ("Siemens GmbH" is not "Siemens Gmb H").
_MIXED_CASE_FORMS = re.compile(r"\b(?:g?GmbH|mbH|KGaA|SpA|S[aà]RL)\b")

# English number words, as firms and groups write them ("Three Percenters", "Brigade Forty-Four",
# "1st International Bank"), read as the digits the same names are written with elsewhere.
_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                                      "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_TENS["fourty"] = 40  # a common misspelling
_ORDINALS = {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


def _numbers_as_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        m = _ORDINAL_DIGITS.match(w)
        if m:
            w = m.group(1)
        value = _UNITS.get(w, _TENS.get(w, _ORDINALS.get(w)))
        if value is not None and len(words) > 1:
            w = str(value)
        if out and w.isdigit() and len(w) == 1 and out[-1] in {str(v) for v in _TENS.values()} and w != "0":
            out[-1] = str(int(out[-1]) + int(w))  # "forty four", "forty-four", "Forty 4" → 44
            continue
        out.append(w)
    return out


# Arabic script: the article al- is written joined to the word ("التكريتي" / "AL-TIKRITI") and is split off as
# Latin lists write it; the feminine ending ة is read -a, as in "Hamza", "Aisha" (rigour writes t).
# Not in the first word: given names begin with the same letters (الهام Elham, الياس Ilyas).
_AR_ARTICLE = re.compile(r"(?<=\s)\u0627\u0644(?=[\u0600-\u06ff]{2,})")
_AR_TA_MARBUTA = re.compile("\u0629")
@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Abbreviated words of organisation names → the full word (data/names/abbreviations.yaml)."""
    text = (resources.files("kordon") / "data" / "names" / "abbreviations.yaml").read_text(encoding="utf-8")
    return {str(k).casefold(): str(v).casefold() for k, v in yaml.safe_load(text)["words"].items()}


_LATIN_ACCENTED = re.compile("[\u00c0-\u024f]")


def _latin_plain(word: str) -> str:
    """A Latin word without its accents ("Răspundere Limitată" → raspundere limitata), so that legal forms written
    with or without them are found alike; other scripts keep their letters (й is not и)."""
    if not _LATIN_ACCENTED.search(word):
        return word
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _long_forms() -> tuple[tuple[str, str], ...]:
    return tuple((f, c) for f, c in legal_forms()[0].items() if len(f) >= 7)


def _legal_form_slip(word: str, last: bool) -> str | None:
    """The class of a misspelt or cut-off long legal-form word ("Aktiengeselschaft", a field cut at "COMPAN").

    Only long forms (nine letters or more for a slip of up to two letters, seven or more for a cut at six
    letters or more, at the end of the name): short ones are too near ordinary words."""
    for form, cls in _long_forms():
        if len(form) >= 9 and abs(len(form) - len(word)) <= 2 and OSA.distance(word, form, score_cutoff=2) <= 2:
            return cls
        if last and len(form) >= 7 and 6 <= len(word) < len(form) and form.startswith(word):
            return cls
    return None


# ... except before a word with the article, where it is read -at ("عصبة الأنصار" / ASBAT AL-ANSAR).
_AR_CONSTRUCT = re.compile("\u0629(?=\\s+\u0627\u0644)")


def _clean(text: str) -> str:
    # One normal form for list and query (format characters, look-alikes, letters written apart);
    # then emoji, symbols and punctuation are not name material. Marks stay: Thai vowels, Arabic harakat.
    text = _CAMEL.sub(" ", _MIXED_CASE_FORMS.sub(lambda m: m.group(0).lower(), normalise_name_text(text)))
    if "\u0627\u0644" in text or "\u0629" in text:
        text = _AR_TA_MARBUTA.sub("\u0627", _AR_CONSTRUCT.sub("\u062a", _AR_ARTICLE.sub("\u0627\u0644 ", text)))
    return "".join(ch if unicodedata.category(ch)[0] in "LMNZ" or ch in "&'’‘ʼʻ`´-" else " " for ch in text)


_APOSTROPHES = re.compile("['’‘ʼʻ`´]")


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name reduced for matching: folded tokens, with what was stripped on the way."""

    original: str
    tokens: tuple[str, ...]
    legal_forms: tuple[str, ...] = ()
    only_legal_form: bool = False
    letters: int = 0  # letters in the name parts as written, without digits, particles and legal forms
    reading: str = ""  # another reading of the written name (readings()) these tokens come from, if any
    han_only: bool = False  # the written name is only Chinese characters: they decide, not their readings
    syllabic: bool = False  # written in Chinese characters, kana or Hangul (read syllable by syllable)
    abjad: bool = False  # written in Arabic, Hebrew or Thai script (read without short vowels)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def meaningful(self) -> bool:
        """False for names that would match anything: only a legal form, one letter, only digits."""
        if self.only_legal_form:
            return False
        return self.letters >= 2


MAX_NAME_CHARS = 500


def name_key(name: str) -> NameKey:
    """Normalise one name. Never raises: empty, very long, mixed-script or emoji names all give a key."""
    raw = (name or "")[:MAX_NAME_CHARS]
    # Apostrophes in every form lists use ("SA'D", "SA’D", "SAʼD") are dropped alike.
    cleaned = _APOSTROPHES.sub("", _clean(raw).casefold()).replace("&", " and ")
    words = [_latin_plain(w) for w in _TOKEN_RE.findall(cleaned)]
    single, _ = legal_forms()
    by_first = _phrases_by_first_word()
    found: list[str] = []  # legal-form classes
    # Multi-word legal forms first ("товарищество с ограниченной ответственностью").
    i = 0
    kept: list[str] = []
    while i < len(words):
        for phrase, cls in by_first.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase or (
                    # the name ends in the phrase cut off ("JOINT STOCK COMPAN"): a field length cut it
                    i + len(phrase) == len(words) and len(words[-1]) >= 4 and tuple(words[i:-1]) == phrase[:-1]
                    and phrase[-1].startswith(words[-1])):
                found.append(cls)
                i += len(phrase)
                break
        else:
            kept.append(words[i])
            i += 1
    kept = [abbreviations().get(w, w) for w in _numbers_as_digits(kept)]
    tokens: list[str] = []
    for n, w in enumerate(kept):
        if w in single and len(kept) > 1:
            found.append(single[w])
            continue
        slip = _legal_form_slip(w, n == len(kept) - 1) if len(kept) > 1 and n in (0, len(kept) - 1) and len(w) >= 6 else None
        if slip:
            found.append(slip)
            continue
        # A token of another script may transliterate to several parts ("李明" → "li ming").
        for f in fold_token(w).split():
            if f not in tokens:
                # A repeated part adds nothing: lists write "Full Name (ABBREVIATED Full Name)".
                tokens.append(f)
    only_form = (len(kept) == 1 and kept[0] in single) or (not kept and bool(found))
    letters = sum(sum(ch.isalpha() for ch in w) for w in kept if w not in _PARTICLES and not (w in single and len(kept) > 1))
    return NameKey(original=raw, tokens=tuple(tokens), legal_forms=tuple(found), only_legal_form=only_form, letters=letters,
                   han_only=bool(_HAN_ONLY.match(raw)), syllabic=_SYLLABIC.search(raw) is not None, abjad=ABJAD.search(raw) is not None)


# Scripts read syllable by syllable (Chinese characters, kana, Hangul), and scripts written without short vowels
# (Arabic, Hebrew, and in practice Thai transliterations), whose Latin reading is a consonant skeleton.
_SYLLABIC = re.compile("[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]")
ABJAD = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0e00-\u0e7f]")


# --- Other readings of one written name ---------------------------------------------------------------
#
# Chinese characters are read differently in Chinese, Japanese and Korean: rigour reads them in Mandarin
# ("山田太郎" → shan tian tai lang), while the Japanese name is Yamada Taro. Where the optional `cjk` extra
# (fugashi with the UniDic-lite dictionary, MIT/BSD) is installed, a name written only in Chinese characters
# and kana also gets its Japanese reading. A name of two to four Chinese characters and no kana also gets
# its Korean reading (kordon.index.hanja: 金正恩 → 김정은 → kim jong un; Korean names in hanja). Greek names carry the nominative ending (-ος, -ας, -ης) that
# English and passport forms often drop ("Αλέξανδρος" / "Alexander"). Each reading is matched as one more
# name of the same party; the best pair decides, as for aliases.

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\s·・.]+$")
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")  # hiragana and katakana letters (not the middle dot ・)
_HAN_KANA_ONLY = re.compile("^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\\s·・ー]+$")
_GREEK_WORD = re.compile("[\u0370-\u03ff\u1f00-\u1fff]{4,}")
_GREEK_ENDING = re.compile("(?:ος|ας|ης|ός|άς|ής)$")


@lru_cache(maxsize=1)
def _japanese_tagger():  # noqa: ANN202 - fugashi.Tagger, or None without the cjk extra
    try:
        import fugashi  # type: ignore[import-not-found,unused-ignore]

        return fugashi.Tagger()
    except (ImportError, RuntimeError):
        return None


def japanese_reading(text: str) -> str | None:
    """The Japanese reading of a name in Chinese characters and kana, in kana (None without the cjk extra)."""
    tagger = _japanese_tagger()
    if tagger is None:
        return None
    words = list(tagger(text.replace(" ", "")))
    # Only names the dictionary knows as Japanese personal names (surname, given name) in every word: a
    # Chinese name ("娜秀英李") would otherwise get a meaningless Japanese reading that could meet anything.
    if not re.search("[\u3040-\u30ff]", text) and not all(w.feature.pos2 == "固有名詞" and w.feature.pos3 == "人名" for w in words):
        return None
    reading = " ".join(w.feature.pron or w.feature.kana or w.surface for w in words)
    return None if _HAN.search(reading) else reading


@lru_cache(maxsize=50_000)
def readings(name: str) -> tuple[str, ...]:
    """Other readings of a name, each to be matched as another name of the same party."""
    text = normalise_name_text((name or "")[:MAX_NAME_CHARS])
    out: list[str] = []
    if _HAN.search(text) and _HAN_KANA_ONLY.match(text):
        ja = japanese_reading(text)
        if ja:
            out.append(ja)
        if not _KANA.search(text):
            out.extend(korean_readings(text))
    if _GREEK_WORD.search(text):
        stem = _GREEK_WORD.sub(lambda m: _GREEK_ENDING.sub("", m.group(0)), text)
        if stem != text:
            out.append(stem)
    return tuple(out)


def name_keys(name: str) -> list[NameKey]:
    """The name's key, then one key per other reading (original: the name as written; reading: the reading)."""
    from dataclasses import replace

    key = name_key(name)
    return [key] + [replace(name_key(r), original=key.original, reading=r, han_only=key.han_only, syllabic=key.syllabic, abjad=key.abjad)
                    for r in readings(name)]


@lru_cache(maxsize=200_000)
def is_patronymic(token: str) -> bool:
    return len(token) > 5 and PATRONYMIC_RE.search(token) is not None


def is_particle(token: str) -> bool:
    return token in _PARTICLES


def script_of(text: str) -> str:
    """'cyrillic', 'latin', 'mixed' or 'other' — for explanations."""
    cyr = bool(_CYR_RE.search(text))
    lat = bool(re.search(r"[A-Za-z]", text))
    if cyr and lat:
        return "mixed"
    return "cyrillic" if cyr else "latin" if lat else "other"


# --- Spelling standards, for building test sets and showing officers the variants ---------------
# Where ICAO 9303, GOST 7.79 (system B), BGN/PCGN and the 2021 Kazakh Latin alphabet differ.
_STANDARDS: dict[str, dict[str, str]] = {
    "icao": {"ж": "zh", "й": "i", "х": "kh", "ц": "ts", "щ": "shch", "ы": "y", "ю": "iu", "я": "ia", "е": "e", "ъ": "ie",
             "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i"},
    "gost": {"ж": "zh", "й": "j", "х": "x", "ц": "cz", "щ": "shh", "ы": "y'", "ю": "yu", "я": "ya", "е": "e", "ъ": "''",
             "ә": "a'", "ғ": "g'", "қ": "k'", "ң": "n'", "ө": "o'", "ұ": "u'", "ү": "u'", "һ": "h", "і": "i'"},
    "bgn": {"ж": "zh", "й": "y", "х": "kh", "ц": "ts", "щ": "shch", "ы": "y", "ю": "yu", "я": "ya", "е": "ye", "ъ": "",
            "ә": "ä", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "ö", "ұ": "u", "ү": "ü", "һ": "h", "і": "i"},
    "kz2021": {"ж": "j", "й": "i", "х": "h", "ц": "ts", "щ": "ş", "ы": "y", "ю": "iu", "я": "ia", "е": "e", "ъ": "",
               "ә": "ä", "ғ": "ğ", "қ": "q", "ң": "ñ", "ө": "ö", "ұ": "ū", "ү": "ü", "һ": "h", "і": "ı", "ш": "ş", "ч": "ch"},
}
STANDARDS = tuple(_STANDARDS)


def spell(text: str, standard: str) -> str:
    """Spell a Cyrillic name under one transliteration standard (title-cased)."""
    table = _STANDARDS[standard]
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        if low in table or low in _CYR:
            rep = table.get(low, _CYR.get(low, low))
            if standard == "bgn" and low == "е" and out and out[-1].isalpha():
                rep = "e"  # BGN writes ye only at the start of a word or after a vowel
            out.append(rep.capitalize() if ch.isupper() else rep)
        else:
            out.append(ch)
    return "".join(out)
