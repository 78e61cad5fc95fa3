"""The party scorer: a declarative list of weighted features, each a small function with one explanation.

A listed entity is scored on its best pair of names: every (query name, entity name) pair the index
retrieved is compared, and the best one decides. For that pair each feature returns a value in [0, 1]
(or None when it has nothing to say); the score is

    name  = max(weight × value) over the *name* features   (different ways to see the same name)
    score = name + Σ weight × value over the *evidence* features (country, birth date, legal form)

clipped to [0, 1]. A valid registry identifier equal to a listed one decides on its own.
Weights and tuning values live in the rule pack (``data/rules/parties.yaml``, rule ``parties.sanctions``,
``params.scorer``), documented there; ``scorer_config()`` reads them, falling back to ``DEFAULTS``.
The style follows nomenklatura's logic-v2 model (features with weights, explained); the features
and their values are kordon's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml
from rapidfuzz.distance import OSA

from kordon.index.names import ABJAD, NameKey, is_particle, is_patronymic

if TYPE_CHECKING:
    from kordon.index.parties import ListedEntity, Query

# Values used when the rule pack has no ``scorer`` block (the rule pack documents each).
DEFAULTS: dict[str, Any] = {
    "weights": {
        "name_parts": 1.0, "name_joined": 1.0, "name_skeleton": 0.9,
        "nasab_order": -0.3, "name_order": -0.3, "legal_form_mismatch": -0.25, "country_match": 0.03, "country_mismatch": -0.05,
        "birth_date_match": 0.05, "birth_date_mismatch": -0.15,
    },
    "name": {
        "min_part_similarity": 0.6, "part_curve_offset": 0.45, "vowel_variant": 0.85, "one_edit_long": 0.85, "initial_credit": 0.6, "short_prefix_credit": 0.6,
        "missing_part_person": 0.5, "missing_patronymic": 0.75, "missing_part_org": 0.25,
        "disagreeing_parts_penalty": 0.1, "number_mismatch_factor": 0.7, "joined_min": 0.9, "skeleton_min": 0.85,
    },
    "identifier_score": 1.0,
    "min_candidate_score": 0.3,
}


class ScorerConfigError(ValueError):
    """A rule pack's ``params.scorer`` block that kordon cannot use: names the key and why."""


def validate_scorer(block: Any, where: str = "params.scorer") -> dict[str, Any]:
    """The block merged over DEFAULTS, every key and value checked; ScorerConfigError names the first bad one.

    Weights are numbers in [-1, 1] (a feature's largest effect on a score in [0, 1]); the tuning values
    under ``name`` and the two scores are numbers in [0, 1]. Unknown keys are refused rather than ignored,
    so a misspelt feature name cannot silently leave the shipped weight in force.
    """
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    if block is None:
        return cfg
    if not isinstance(block, dict):
        raise ScorerConfigError(f"{where}: must be a mapping of {', '.join(DEFAULTS)}, not {type(block).__name__}")
    for k, v in block.items():
        if k == "__line__":
            continue
        if k not in DEFAULTS:
            raise ScorerConfigError(f"{where}: unknown key {k!r}; known keys are {', '.join(DEFAULTS)}")
        if isinstance(DEFAULTS[k], dict):
            _merge_group(cfg[k], k, v, f"{where}.{k}")
        else:
            cfg[k] = _number(v, f"{where}.{k}", 0.0)
    return cfg


def _merge_group(cfg: dict[str, Any], group: str, v: Any, where: str) -> None:
    if not isinstance(v, dict):
        raise ScorerConfigError(f"{where}: must be a mapping, not {type(v).__name__}")
    for kk, vv in v.items():
        if kk == "__line__":
            continue
        if kk not in DEFAULTS[group]:
            raise ScorerConfigError(f"{where}: unknown key {kk!r}; known keys are {', '.join(DEFAULTS[group])}")
        cfg[kk] = _number(vv, f"{where}.{kk}", -1.0 if group == "weights" else 0.0)


def _number(v: Any, where: str, low: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScorerConfigError(f"{where}: {v!r} is not a number")
    if not low <= float(v) <= 1.0:
        raise ScorerConfigError(f"{where}: {v!r} is outside [{low:g}, 1]")
    return float(v)


def _shipped_block() -> Any:
    doc = yaml.safe_load((resources.files("kordon") / "data" / "rules" / "parties.yaml").read_text(encoding="utf-8"))
    spec = next(r for r in doc["rules"] if r["id"] == "parties.sanctions")
    return (spec.get("params") or {}).get("scorer")


_ACTIVE: dict[str, Any] = {}
_GENERATION = [0]  # counts the changes of the values in force (use_scorer), for caches of values computed with them


def scorer_generation() -> int:
    """Changes whenever use_scorer puts other values in force: a cache of similarities keyed by it is never stale."""
    return _GENERATION[0]


def scorer_config() -> dict[str, Any]:
    """The scorer values in force: the shipped rule pack's block (merged over DEFAULTS) unless ``use_scorer`` set others."""
    if not _ACTIVE:
        _ACTIVE.update(validate_scorer(_shipped_block(), "kordon:data/rules/parties.yaml parties.sanctions params.scorer"))
    return _ACTIVE


def use_scorer(block: Any, where: str = "params.scorer") -> bool:
    """Put a rule pack's scorer block in force for this process (None: the shipped values). Validated first,
    so a bad block raises and leaves the values in force unchanged. True when the values changed; the
    part-similarity caches are then emptied, since they hold scores computed with the old values."""
    cfg = validate_scorer(block if block is not None else _shipped_block(), where)
    if cfg == scorer_config():
        return False
    _ACTIVE.clear()
    _ACTIVE.update(cfg)
    _GENERATION[0] += 1
    token_sim.cache_clear()
    syllable_sim.cache_clear()
    return True


# --- name parts --------------------------------------------------------------------------------

_ROMAN = {"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}
_FAMILY = {"pjsc": "jsc", "cjsc": "jsc", "ojsc": "jsc"}


def _is_number(token: str) -> bool:
    return token.isdigit() or token in _ROMAN


_VOWEL_RUN = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=200_000)
def _vowel_shape(token: str) -> str:
    return _VOWEL_RUN.sub("*", token)


def _vowels_only(a: str, b: str) -> bool:
    """The same consonants with vowels in the same places, the first letter equal: only the vowels differ
    ("janan"/"jenan", "myong"/"myung"); "mohamed"/"mahmud" differ in where the vowels are."""
    return a[0] == b[0] and _vowel_shape(a) == _vowel_shape(b) and _vowel_shape(a) != "*"


# The fold writes a Latin c as k before a, o, u, l ("Claude" → klaude) but leaves the initial "C." alone.
_INITIAL = {"c": "k"}


@lru_cache(maxsize=400_000)
def token_sim(a: str, b: str) -> float:
    """How much two folded name parts agree, in [0, 1]; 0 when they are different names."""
    if a == b:
        return 1.0
    n = scorer_config()["name"]
    la, lb = len(a), len(b)
    if (la > 1 and a in _ROMAN) or (lb > 1 and b in _ROMAN):
        return 0.0  # "Solutions II" / "Solutions I": numbers identify
    if min(la, lb) >= 2 and _vowels_only(a, b):
        # Only vowels differ, in the same places ("Janan"/"Jenan", "Chol"/"Chul", "Sultan"/"Sulten"): the
        # usual disagreement of transliteration systems for Arabic, Korean and Persian names.
        return float(n["vowel_variant"])
    if min(la, lb) <= 2:
        # An initial agrees with a full given name ("A. Wendt" / "Aaron Wendt") but weakly.
        return float(n["initial_credit"]) if min(la, lb) == 1 and _INITIAL.get(a[0], a[0]) == _INITIAL.get(b[0], b[0]) else 0.0
    if is_patronymic(a) != is_patronymic(b):
        return 0.0  # "Petrov" is not "Petrovich": a surname and a patronymic built on the same name
    if a.isdigit() or b.isdigit():
        return 0.0  # numbers in names ("Fund VIII", "Company 23") identify; near is not equal
    if min(la, lb) >= 5 and OSA.distance(a, b, score_cutoff=1) <= 1:
        # One slip of the keyboard in a long part (a letter added, dropped, changed or two swapped).
        return float(n["one_edit_long"])
    sim = OSA.normalized_similarity(a, b)
    if sim < n["min_part_similarity"]:
        # Short given names: "Ben"/"Benjamin". Not patronymics: "Oleksandr"/"Oleksandrovych" differ.
        short, long_ = (a, b) if la < lb else (b, a)
        if len(short) == 3 and long_.startswith(short) and not is_patronymic(long_):
            return float(n["short_prefix_credit"])
        return 0.0
    # Transliteration and typing variants are one or two edits; the curve keeps "Castro"/"Castillo" low.
    off = float(n["part_curve_offset"])
    return (sim - off) / (1 - off)


# Chinese, Japanese and Korean names: where one side is written in their scripts, its reading gives every
# syllable of the name exactly, and a syllable is short, so one vowel more or less is another name ("zhang lu"
# / ZHANG, Lei; "kim song hun" / 김성현 kim song hyon), not a spelling variant; a syllable the other side lacks
# is another given name (陈平 / CHEN, Guo Ping). Only the vowels the romanisations really disagree on count as
# variants: o/u/eo/eu (Korean ŏ and ŭ: Jong/Jung/Jeong, Chol/Chul; Wade-Giles Chung / pinyin zhong).
_OU_VOWELS = frozenset({"o", "u", "eo", "eu", "oo", "uo"})


def syllabic(key: NameKey) -> bool:
    """The name is written in Chinese characters, kana or Hangul (its parts are read syllable by syllable)."""
    return key.syllabic


def _ou_variant(a: str, b: str) -> bool:
    runs_a, runs_b = _VOWEL_RUN.findall(a), _VOWEL_RUN.findall(b)
    return (_vowel_shape(a) == _vowel_shape(b) and len(runs_a) == len(runs_b)
            and all(x == y or (x in _OU_VOWELS and y in _OU_VOWELS) for x, y in zip(runs_a, runs_b, strict=True)))


@lru_cache(maxsize=100_000)
def syllable_sim(a: str, b: str) -> float:
    """token_sim for a name read from syllabic script: vowels differ only as o/u/eo/eu; short parts equal or nothing."""
    if a == b:
        return 1.0
    if _ou_variant(a, b):
        return float(scorer_config()["name"]["vowel_variant"])
    if min(len(a), len(b)) <= 3 or _vowels_only(a, b):
        return 0.0
    return token_sim(a, b)


@lru_cache(maxsize=200_000)
def part_weight(token: str) -> float:
    """Long parts identify more than short ones; particles (al, bin, de) little."""
    if is_particle(token):
        return 0.3
    return syllable_weight(token)


def syllable_weight(token: str) -> float:
    """part_weight without particles: against a name read syllable by syllable, "Won" (folded von) and "I" are syllables."""
    if token.isdigit():
        return 0.8
    return min(len(token), 8) / 4 + 0.5


@dataclass(slots=True)
class NameComparison:
    score: float
    agreed: list[str]
    query_left: list[str]
    list_left: list[str]
    how: str = "parts"
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (query part, list part) paired


def _merge_split(a: list[str], b: list[str]) -> list[str]:
    """Adjacent parts of `a` written apart that form one part of `b` ("Patr ushev" / "Patrushev") become one."""
    if len(a) < 2 or len(a) > 8:
        return a
    out: list[str] = []
    i = 0
    whole = set(b)
    gate = None
    while i < len(a):
        if i + 1 < len(a) and a[i] not in whole and a[i + 1] not in whole and not a[i].isdigit() and not a[i + 1].isdigit():
            joined = a[i] + a[i + 1]
            gate = gate or _join_gate()
            if any(token_sim(joined, t) >= 0.8 for t in b if len(t) >= 5 and _may_join(joined, t, gate)):
                out.append(joined)
                i += 2
                continue
        out.append(a[i])
        i += 1
    return out


def _join_gate() -> tuple[bool, bool, bool, float]:
    """The ways token_sim can reach 0.8 between two parts written together (two letters or more) and a part of five
    letters or more, under the scorer values in force: a vowel variant (first letters equal), one slip (lengths
    within one), a three-letter prefix, or an OSA similarity high enough for the curve to give 0.8, which needs
    lengths within that share of the longer (the distance is at least the difference of the lengths)."""
    n = scorer_config()["name"]
    off = float(n["part_curve_offset"])
    return (n["vowel_variant"] >= 0.8, n["one_edit_long"] >= 0.8, n["short_prefix_credit"] >= 0.8,
            1.0 - (off + 0.8 * (1.0 - off)) + 1e-9)


def _may_join(joined: str, t: str, gate: tuple[bool, bool, bool, float]) -> bool:
    """False only where ``token_sim(joined, t) < 0.8`` for sure (see _join_gate): most parts written apart are
    compared with a query's words this way, and each is a new string the similarity cache has never seen."""
    if joined == t:
        return True
    vowels, slip, prefix, share = gate
    la, lb = len(joined), len(t)
    if vowels and joined[0] == t[0]:
        return True
    if slip and -1 <= la - lb <= 1:
        return True
    if prefix and min(la, lb) == 3:
        return True
    return abs(la - lb) <= share * max(la, lb)


def _pair_parts(qa: list[str], ca: list[str], sim: Callable[[str, str], float] = token_sim,
                weight: Callable[[str], float] = part_weight) -> tuple[float, float, list[tuple[str, str]], list[str], list[str]]:
    """Pair parts greedily, most similar first: (weighted agreement, weight not counted for initials, pairs,
    query parts left, list parts left)."""
    pairs = []
    for i, a in enumerate(qa):
        for j, b in enumerate(ca):
            s = sim(a, b)
            if s > 0:
                pairs.append((s, i, j))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    gained = unweighed = 0.0
    agreed = []
    for s, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        wq, wc = weight(qa[i]), weight(ca[j])
        if min(len(qa[i]), len(ca[j])) == 1 < max(len(qa[i]), len(ca[j])):
            # An initial says only as much as one letter: the full name it stands for ("N." / "Nursultan")
            # weighs as the initial, on both sides, so what an initial cannot confirm is not counted against it.
            unweighed += abs(wq - wc)
            wq = wc = min(wq, wc)
        gained += s * (wq + wc)
        agreed.append((qa[i], ca[j]))
    return gained, unweighed, agreed, [t for i, t in enumerate(qa) if i not in used_q], [t for j, t in enumerate(ca) if j not in used_c]


def _forgiven(q_left: list[str], c_left: list[str], person: bool) -> float:
    """Weight of parts present on one side only that is not counted against the match: lists carry
    patronymics and middle names that declarations drop; missing patronymics are forgiven more."""
    n = scorer_config()["name"]
    slack = 0.0
    for t in q_left + c_left:
        if _is_number(t):
            continue
        share = (n["missing_patronymic"] if is_patronymic(t) else n["missing_part_person"]) if person else n["missing_part_org"]
        slack += part_weight(t) * share
    return float(slack)


# Titles before a person's name ("President", "Monsieur", "Dr"): rigour's list, single words, folded.
@lru_cache(maxsize=1)
def _person_titles() -> frozenset[str]:
    from rigour._core import person_name_prefixes_list

    from kordon.index.names import fold_token

    return frozenset(fold_token(p.casefold().rstrip(".")) for p in person_name_prefixes_list() if p.isalpha())


def _untitled(tokens: tuple[str, ...]) -> tuple[str, ...]:
    titles = _person_titles()
    if not tokens or tokens[0] not in titles:
        return tokens
    i = 0
    while i < len(tokens) - 1 and tokens[i] in titles:
        i += 1
    return tokens[i:]


# Chinese characters: two names written only in them (NameKey.han_only) are compared character by character.
# Their Latin readings cannot tell homophones apart (高石早苗 / 高市早苗 both read "gao shi zao miao").


def _compare_han(q: str, c: str) -> NameComparison:
    qa, ca = [ch for ch in q if not ch.isspace() and ch not in "·・."], [ch for ch in c if not ch.isspace() and ch not in "·・."]
    same = sum(min(qa.count(ch), ca.count(ch)) for ch in set(qa))
    score = 2 * same / (len(qa) + len(ca)) if qa and ca else 0.0
    if same < min(len(qa), len(ca)):
        score -= scorer_config()["name"]["disagreeing_parts_penalty"]  # a character on each side that differs
    return NameComparison(max(score, 0.0), [ch for ch in qa if ch in ca], [ch for ch in qa if ch not in ca], [ch for ch in ca if ch not in qa], "characters")


def compare_parts(q: NameKey, c: NameKey, person: bool, titles: bool = True) -> NameComparison:
    """Name parts paired greedily by similarity, order-free; missing parts cost less than disagreeing ones.
    titles=False: the parts are not words (consonant skeletons: "sr" of Asra is not Senior, "mr" of Omar not Mister)."""
    n = scorer_config()["name"]
    if q.han_only and c.han_only:
        return _compare_han(q.original, c.original)
    # Titles are words of Latin or Cyrillic text; a name in Arabic script read without vowels is not one ("mr" of عمر Omar).
    qt, ct = [list(_untitled(k.tokens)) if person and titles and not k.abjad else list(k.tokens) for k in (q, c)]
    qa, ca = _merge_split(qt, ct), _merge_split(ct, qt)
    if not qa or not ca:
        return NameComparison(0.0, [], qa, ca)
    strict = syllabic(q) or syllabic(c)
    weight = syllable_weight if strict else part_weight
    gained, unweighed, pairs, q_left, c_left = _pair_parts(qa, ca, syllable_sim if strict else token_sim, weight)
    agreed = [a if a == b else f"{a}~{b}" for a, b in pairs]
    total = sum(map(weight, qa)) + sum(map(weight, ca)) - unweighed
    slack = _forgiven(q_left, c_left, person) if (not q_left or not c_left) and not strict else 0.0
    score = gained / max(total - slack, 1e-9) if agreed else 0.0
    if [t for t in q_left if not is_particle(t)] and [t for t in c_left if not is_particle(t)]:
        score -= n["disagreeing_parts_penalty"]  # a part on each side that disagrees: another person of the family
    if any(_is_number(t) for t in q_left + c_left):
        score *= n["number_mismatch_factor"]
    return NameComparison(max(0.0, min(score, 1.0)), agreed, q_left, c_left, pairs=pairs)


def _numbers(tokens: tuple[str, ...]) -> list[str]:
    return [t for t in tokens if t.isdigit() or (len(t) > 1 and t in _ROMAN)]


def compare_joined(q: NameKey, c: NameKey) -> NameComparison | None:
    """Words run together or split ("SergeiLavrov", "MetallStan"/"Металл Стан", "Good Will")."""
    qa, ca = q.tokens, c.tokens
    if not qa or not ca:
        return None
    # Never across different numbers ("Neka 455"/"456") or different initials ("I.P.C."/"N.P.C."), nor where one
    # name is the other with a part more ("Fund" / "Fund I"): that is for the parts comparison to weigh.
    if len(qa) == len(ca):
        if sorted(t[0] for t in qa) != sorted(t[0] for t in ca):
            return None
    elif set(qa) <= set(ca) or set(ca) <= set(qa):
        return None
    if _numbers(qa) != _numbers(ca):
        return None
    jq, jc = "".join(qa), "".join(ca)
    sim = OSA.normalized_similarity(jq, jc)
    if syllabic(q) or syllabic(c):
        if min(len(qa), len(ca)) < 2:
            return None  # a one-word name is not a whole syllabic name run together ("Khano" / 何雷 ha no)
        if jq != jc:
            sim = syllable_sim(jq, jc)  # syllables run together: the same exactness as part by part
    if sim < scorer_config()["name"]["joined_min"]:
        return None
    return NameComparison(sim, [f"{jq}~{jc}" if jq != jc else jq], [], [], "joined")


# Scripts written without short vowels (Arabic, Hebrew, and in practice Thai transliterations): their
# Latin transliteration is a consonant skeleton, so both sides are compared as skeletons.
_ABJAD = ABJAD
_VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=100_000)
def skeleton(token: str) -> str:
    s = _VOWELS.sub("", token.replace("w", "v"))
    return re.sub(r"(.)\1+", r"\1", s).replace("v", "")


_ARTICLES = frozenset(["al", "el", "ul"])


@lru_cache(maxsize=100_000)
def skeleton_tokens(tokens: tuple[str, ...], vowel_names: bool = False) -> tuple[str, ...]:
    """The consonant skeleton of each part, without the article (written joined or apart, al- or el-).

    vowel_names (people's names compared): a part of three letters or more without consonants ("Ava", آوا)
    stays as "_", which agrees only with another such part: dropped, it would let "Ava Mohammadi" meet a listed
    "Mahmud" on the other part alone. Shorter ones are words ("e" of the Persian ezafe, "va" and)."""
    return tuple(sk for t in tokens if t not in _ARTICLES and (sk := skeleton(t) or ("_" if vowel_names and len(t) >= 3 else "")))


def is_abjad(text: str) -> bool:
    return _ABJAD.search(text) is not None


def abjad_skeletons(key: NameKey, vowel_names: bool = False) -> list[tuple[str, ...]]:
    """Skeletons of a name in Arabic or Persian script: as read, and, where its first word begins with al-,
    also without that article (names.py splits it off other words only: given names such as الهام Elham
    begin with the same letters, organisations' names with the article: الاتحاد الاسلامي / AL-ITIHAAD AL-ISLAMIYA)."""
    sk = skeleton_tokens(key.tokens, vowel_names)
    first = key.tokens[0] if key.tokens else ""
    if first.startswith("al") and len(first) >= 5 and sk and sk[0].startswith("l") and len(sk[0]) >= 3:
        return [sk, (sk[0][1:], *sk[1:])]
    return [sk]


def compare_skeleton(q: NameKey, c: NameKey, person: bool = True) -> NameComparison | None:
    """One side in Arabic, Persian, Hebrew or Thai script, the other not: both as consonant skeletons, part by part
    and order-free as `compare_parts` does (lists reorder "AL-TIKRITI, Saddam Hussein"), or written as one string."""
    if q.abjad == c.abjad:
        return None
    if q.abjad:
        pairs = [(sq, skeleton_tokens(_untitled(c.tokens) if person else c.tokens, person)) for sq in abjad_skeletons(q, person)]
    else:
        pairs = [(skeleton_tokens(_untitled(q.tokens) if person else q.tokens, person), sc) for sc in abjad_skeletons(c, person)]
    found = [r for r in (_compare_skeletons(sq, sc, person) for sq, sc in pairs) if r is not None]
    return max(found, key=lambda r: r.score) if found else None


def _compare_skeletons(sq: tuple[str, ...], sc: tuple[str, ...], person: bool) -> NameComparison | None:
    if not sq or not sc:
        return None
    r = compare_parts(NameKey("", sq), NameKey("", sc), person, titles=False)
    joined = OSA.normalized_similarity("".join(sq), "".join(sc))
    if joined >= r.score and joined >= scorer_config()["name"]["skeleton_min"]:
        return NameComparison(joined, [f"{''.join(sq)}~{''.join(sc)} (consonants)"], [], [], "skeleton")
    if r.score < scorer_config()["name"]["skeleton_min"] * 0.75:
        return None
    return NameComparison(r.score, [f"{' '.join(r.agreed)} (consonants)"], r.query_left, r.list_left, "skeleton", r.pairs)


# --- the feature list ----------------------------------------------------------------------------

@dataclass(slots=True)
class Pair:
    """One query name against one listed name of one entity, with what the features found."""

    query: Query
    qkey: NameKey
    entity: ListedEntity
    ckey: NameKey
    person: bool
    cache: dict[str, Any] = field(default_factory=dict)

    # Both comparisons depend only on the parts of the two names, so names with the same parts share them.
    def parts(self) -> NameComparison:
        if "parts" not in self.cache:
            self.cache["parts"] = compare_parts(self.qkey, self.ckey, self.person)
        return self.cache["parts"]

    def joined(self) -> NameComparison | None:
        if "joined" not in self.cache:
            self.cache["joined"] = compare_joined(self.qkey, self.ckey)
        return self.cache["joined"]


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # "name" (alternatives, the best counts) or "evidence" (added)
    fn: Callable[[Pair], tuple[float, str] | None]
    doc: str


def _name_parts(p: Pair) -> tuple[float, str] | None:
    r = p.parts()
    return (r.score, f"agreed {', '.join(r.agreed) or 'nothing'}") if r.score > 0 else None


def _name_joined(p: Pair) -> tuple[float, str] | None:
    if p.qkey.han_only and p.ckey.han_only:
        return None  # the characters decide (compare_parts): readings cannot tell homophones apart
    r = p.joined()
    return (r.score, f"written together/apart: {r.agreed[0]}") if r else None


def _name_skeleton(p: Pair) -> tuple[float, str] | None:
    r = compare_skeleton(p.qkey, p.ckey, p.person)
    return (r.score, f"same consonants across scripts: {r.agreed[0]}") if r else None


def _legal_forms(k: NameKey) -> set[str]:
    return {_FAMILY.get(f, f) for f in k.legal_forms} - {"generic"}


def _legal_form_mismatch(p: Pair) -> tuple[float, str] | None:
    qf, cf = _legal_forms(p.qkey), _legal_forms(p.ckey)
    if qf and cf and not qf & cf:
        return 1.0, f"legal forms differ ({'/'.join(sorted(qf))} vs {'/'.join(sorted(cf))})"
    return None


_NASAB = {"bin", "ibn", "bint", "ben", "ould"}


def _nasab_order(p: Pair) -> tuple[float, str] | None:
    """Arabic names chain "X bin Y" (X son of Y): the same parts in the other order are father and son."""
    q, c = p.qkey.tokens, p.ckey.tokens
    qi = next((i for i, t in enumerate(q) if t in _NASAB), None)
    ci = next((i for i, t in enumerate(c) if t in _NASAB), None)
    if not qi or not ci:
        return None
    qa, ca = q[qi - 1], c[ci - 1]
    if token_sim(qa, ca) >= 0.6:
        return None
    if any(token_sim(qa, t) >= 0.6 for t in c[ci + 1 :]):
        return 1.0, f"{qa!r} before {q[qi]!r} in the query is after it on the list: another member of the family"
    return None


def _name_order(p: Pair) -> tuple[float, str] | None:
    """Given and family names stated on both sides (firstName/lastName): a given name paired with a family name."""
    qr, cr = p.query.name_roles, p.entity.name_roles
    if not qr or not cr or p.parts().how != "parts":
        return None
    crossed = [(a, b) for a, b in p.parts().pairs if {qr.get(a), cr.get(b)} == {"given", "family"}]
    if not crossed:
        return None
    a, b = crossed[0]
    return 1.0, f"{a!r} is a {qr[a]} name in the query, {b!r} a {cr[b]} name on the list"


def _country_match(p: Pair) -> tuple[float, str] | None:
    c = (p.query.country or "").lower()
    return (1.0, f"country {p.query.country} agrees") if c and c in p.entity.countries else None


def _country_mismatch(p: Pair) -> tuple[float, str] | None:
    c = (p.query.country or "").lower()
    if c and p.entity.countries and c not in p.entity.countries:
        return 1.0, f"country {p.query.country} differs from the list ({', '.join(p.entity.countries)})"
    return None


def _dates_agree(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _birth_date_match(p: Pair) -> tuple[float, str] | None:
    d = p.query.birth_date
    if d and any(_dates_agree(d, x) for x in p.entity.birth_dates):
        return 1.0, f"birth date {d} agrees"
    return None


def _birth_date_mismatch(p: Pair) -> tuple[float, str] | None:
    d = p.query.birth_date
    if d and p.entity.birth_dates and not any(_dates_agree(d, x) for x in p.entity.birth_dates):
        return 1.0, f"birth date {d} differs from the list ({', '.join(p.entity.birth_dates)})"
    return None


FEATURES: tuple[Feature, ...] = (
    Feature("name_parts", "name", _name_parts,
            "Folded name parts (transliteration standards merged) paired order-free by similarity; missing parts cost less than disagreeing ones."),
    Feature("name_joined", "name", _name_joined, "The names compared as one string: words run together or split, in either script."),
    Feature("name_skeleton", "name", _name_skeleton,
            "Arabic/Hebrew/Thai against Latin: both sides as consonant skeletons, since those scripts omit short vowels."),
    Feature("nasab_order", "evidence", _nasab_order, "Arabic \"X bin Y\" against \"Y bin X\": father and son, not one person."),
    Feature("name_order", "evidence", _name_order,
            "Given and family names stated on both sides, and a given name pairs with a family name (\"Friedrich Hans\")."),
    Feature("legal_form_mismatch", "evidence", _legal_form_mismatch, "Both names carry legal forms, of different classes (AG vs GmbH)."),
    Feature("country_match", "evidence", _country_match, "The party's country is one of the entity's countries."),
    Feature("country_mismatch", "evidence", _country_mismatch, "The party's country is none of the entity's countries."),
    Feature("birth_date_match", "evidence", _birth_date_match, "Birth dates agree (a year agrees with a full date in it)."),
    Feature("birth_date_mismatch", "evidence", _birth_date_mismatch, "Birth dates are given on both sides and disagree."),
)


@dataclass(slots=True)
class PairScore:
    score: float
    name_score: float
    explanation: list[str]
    comparison: NameComparison


def score_pair(p: Pair) -> PairScore:
    """Score one name pair with every feature; the explanation names each feature that fired."""
    weights = scorer_config()["weights"]
    best_name, best_expl, best_feature = 0.0, "", ""
    evidence: list[tuple[float, str]] = []
    for f in FEATURES:
        w = float(weights.get(f.name, 0.0))
        if not w:
            continue
        out = f.fn(p)
        if out is None:
            continue
        value, why = out
        if f.kind == "name":
            if w * value > best_name:
                best_name, best_expl, best_feature = w * value, why, f.name
        elif best_name > 0:
            # Legal-form mismatch scales with the name: a quarter of it is lost, as a weight of -0.25.
            contrib = w * value * (best_name if f.name == "legal_form_mismatch" else 1.0)
            evidence.append((contrib, f"{why} ({f.name} {contrib:+.2f})"))
    r = p.parts()
    # Say which side was read: "name 'KIM, Jong Un' (query read as '김 정은')" is the query's Korean reading.
    read = "".join(f" ({side} read as {k.reading!r})" for side, k in (("query", p.qkey), ("listed name", p.ckey))
                   if k.reading) if p.qkey.reading or p.ckey.reading else ""
    expl = [f"name {p.ckey.original!r}{read}: {best_expl or 'nothing agreed'} ({best_feature or 'no name feature'} {best_name:.2f})"]
    if best_feature == "name_parts":
        if r.query_left:
            expl.append(f"query parts not on the list: {', '.join(r.query_left)}")
        if r.list_left:
            expl.append(f"list parts not in the query: {', '.join(r.list_left)}")
    score = best_name + sum(c for c, _ in evidence)
    expl += [e for _, e in evidence]
    return PairScore(max(0.0, min(1.0, score)), best_name, expl, r)


def compare_names(q: str, c: str, person: bool) -> float:
    """Name-only score of two names over their readings (names.name_keys), as the index scores them; for benchmarks."""
    from kordon.index.names import name_keys

    return max(compare_keys(a, b, person)[0] for a in name_keys(q) for b in name_keys(c))


def compare_keys(q: NameKey, c: NameKey, person: bool) -> tuple[float, list[str], list[str], list[str]]:
    """Name-only score of two keys (the name features and the legal-form feature); for benchmarks and tests."""
    from kordon.index.parties import ListedEntity, Query

    ent = ListedEntity("", "", "Person" if person else "LegalEntity", c.original, [c.original])
    ps = score_pair(Pair(Query(q.original), q, ent, c, person))
    return ps.score, ps.comparison.agreed, ps.comparison.query_left, ps.comparison.list_left
