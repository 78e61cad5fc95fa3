"""The Korean (Sino-Korean) reading of a personal name written in Chinese characters (hanja).

Korean names are often written in hanja in lists and documents (金正恩), while Latin lists spell the
Korean reading (Kim Jong Un); rigour reads the characters in Mandarin only (jin zheng en). The table
`data/names/hanja_hangul.tsv` is Unihan's kHangul field (Unicode licence): each character's readings with
their sources (0 = KS X 1001, 1 = KS X 1002, E = basic education hanja, N = hanja for personal names).

Which reading:
- a character with one reading (leaving aside the forms the initial-sound rule derives) has it;
- of several, a surname takes the one KS X 1001 lists for personal names (金 김, not 금; 沈 심; 車 차),
  other characters the basic (education) reading, else the personal-name one, else the first;
- the initial-sound rule (두음법칙): the South writes 李 이, 林 임, 柳 유, 盧 노 at the start of the surname
  and of the given name; the North keeps 리, 림, 류, 로 (the UN list writes "RI", "RIM", "RYU"). Both
  forms are returned, the North's first.

Only a name of two to four characters, every one with a reading, gets one: a Korean name is written in
traditional characters, so a name in simplified ones (习近平) gets none. The Mandarin reading stays; the
Korean one is matched as one more name (names.readings), and the best pair decides.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

# Two-character surnames (복성): the given name starts after them.
_COMPOUND_SURNAMES = frozenset({"南宮", "諸葛", "皇甫", "鮮于", "獨孤", "司空", "西門", "東方", "司馬", "南宫"})
_SEPARATORS = re.compile(r"[\s·・.]+")
_IOTATED = frozenset({2, 3, 6, 7, 12, 17, 20})  # medials ㅑ ㅒ ㅕ ㅖ ㅛ ㅠ ㅣ
_R, _N, _NULL = 5, 2, 11  # initials ㄹ ㄴ ㅇ


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[tuple[str, str], ...]]:
    """Character → its readings as (hangul syllable, source codes), in Unihan's order."""
    text = resources.files("kordon").joinpath("data/names/hanja_hangul.tsv").read_text(encoding="utf-8")
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            char, values = line.split("\t")
            out[char] = tuple((v.split(":")[0], v.split(":")[1]) for v in values.split())
    return out


def initial_sound_rule(syllable: str) -> str:
    """The South's word-initial form: ㄹ → ㅇ before i/y and → ㄴ otherwise; ㄴ → ㅇ before i/y (리 → 이, 로 → 노, 녀 → 여)."""
    cp = ord(syllable) - 0xAC00
    if not 0 <= cp < 11172:
        return syllable
    ini, med, fin = cp // 588, (cp % 588) // 28, cp % 28
    if ini == _R:
        ini = _NULL if med in _IOTATED else _N
    elif ini == _N and med in _IOTATED:
        ini = _NULL
    return chr(0xAC00 + ini * 588 + med * 28 + fin)


def _reading(char: str, surname: bool) -> str | None:
    values = table().get(char)
    if not values:
        return None
    # Forms the initial-sound rule derives from another reading (李: 리 and 이) are that reading.
    base = [(h, src) for h, src in values if not any(o != h and initial_sound_rule(o) == h for o, _ in values)] or list(values)
    if len(base) == 1:
        return base[0][0]
    if surname:
        prefs = [lambda s: "0" in s and "N" in s, lambda s: "E" in s]
    else:
        prefs = [lambda s: "E" in s, lambda s: "0" in s and "N" in s]
    for pref in prefs:
        for h, src in base:
            if pref(src):
                return h
    return base[0][0]


def korean_readings(text: str) -> tuple[str, ...]:
    """Korean readings of a name in Chinese characters, in Hangul (North's form first); () if not plausible."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    chars = "".join(words)
    if not 2 <= len(chars) <= 4 or not all(ch in table() for ch in chars):
        return ()
    apart = len(words) > 1
    if not apart:
        cut = 2 if len(chars) > 2 and chars[:2] in _COMPOUND_SURNAMES else 1
        words = [chars[:cut], chars[cut:]]
    north: list[str] = []
    for n, w in enumerate(words):
        # Written apart, a one-character word may be the surname in either place ("秀英 李"); otherwise
        # the first word is the surname.
        surname = n == 0 or (apart and len(w) == 1) or w in _COMPOUND_SURNAMES
        syllables = [_reading(ch, surname and (i == 0 or w in _COMPOUND_SURNAMES)) for i, ch in enumerate(w)]
        if None in syllables:
            return ()
        north.append("".join(s for s in syllables if s))
    south = [initial_sound_rule(w[0]) + w[1:] for w in north]
    out = (" ".join(north), " ".join(south))
    return out[:1] if out[0] == out[1] else out
