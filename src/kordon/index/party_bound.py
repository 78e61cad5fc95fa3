"""An upper bound on a name pair's score, cheap enough to skip pairs that cannot reach a threshold.

A rule reports only candidates scoring at least its "possible" threshold, yet the index retrieves up to
twenty partially covering names per query, and for a firm name that matches nothing every one of them is
scored in full (``party_features.score_pair``: every feature, every explanation). ``score_bound`` returns
a value that ``score_pair`` can never exceed for the same pair, so a caller that drops pairs whose bound is
below its threshold gets the same candidates at or above it, with the same scores and explanations.

The proof follows ``score_pair`` feature by feature (each step is tested on real list names):

- score = clip(name + Σ evidence), name = max(0, max over name features of weight × value), the evidence
  added only when name > 0; every evidence value is 1 and the legal-form one is scaled by name ≤ 1, so
  Σ evidence ≤ Σ max(0, weight) over the evidence features.
- name_parts (``compare_parts``), neither name written in Chinese characters, kana or Hangul: the parts after
  the same title removal (persons' names, not a name in Arabic script) and the same joining of split parts
  (``_merge_split``, called here too) are paired one to one, only where ``token_sim`` > 0. A part with no such
  partner on the other side is left over for sure. With P the weight of every part that could pair and L the
  weight of the parts surely left over, less what could be forgiven of each (nothing when both sides have
  parts left over, since then nothing is forgiven; nothing for numbers), the raw score gained / (total − slack)
  ≤ P / (P + L): a paired part adds at most its weight to both, an initial's weights only shrink, and more
  parts left over only add to the denominator. The penalty for parts left over on both sides and the factor
  for numbers left over apply whenever the parts surely left over already call for them, and only lower the
  score. A name read syllable by syllable is compared with other similarities and weights (syllable_sim pairs
  "un" with "eun", which token_sim does not): there the bound is compare_parts' value itself.
- name_joined: ``compare_joined`` gives nothing unless both names carry the same numbers, and else an OSA
  similarity of the names run together, 1 − distance / longer length ≤ shorter length / longer length
  (syllable_sim where a name is read syllable by syllable: bounded by 1).
- name_skeleton: 1 where exactly one side is written in an abjad script, else the feature says nothing.
- ``PairBound.reaches`` (what the index asks) takes each name feature's own value where its ceiling alone would
  reach the floor: the features are alternatives, so the pair's name score is at most the largest of them.
- A name feature this module does not know bounds the pair at 1 (never skipped): a new feature cannot make
  the bound unsound, only useless, until it gets its own step here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kordon.index.names import NameKey, is_particle, is_patronymic
from kordon.index.party_features import (
    FEATURES,
    Pair,
    _is_number,
    _merge_split,
    _numbers,
    _untitled,
    compare_joined,
    compare_parts,
    compare_skeleton,
    part_weight,
    scorer_config,
    scorer_generation,
    token_sim,
)

__all__ = ["PairBound", "parts_bound", "score_bound"]


def _merged(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """``_merge_split(a, b)``, remembered: it reads only `a` and the parts of `b` that are not numbers (a number
    is never joined, and no joined part is similar to a number), so a list name is merged once for every query
    that shares the query's words, whatever numbers they carry."""
    if not _joinable(a):
        return a
    return _merged_cached(a, tuple(t for t in b if not t.isdigit()))


@lru_cache(maxsize=200_000)
def _joinable(a: tuple[str, ...]) -> bool:
    """Whether _merge_split could join anything in `a`: two adjacent parts, neither a number, 2..8 parts."""
    return 2 <= len(a) <= 8 and any(not x.isdigit() and not y.isdigit() for x, y in zip(a, a[1:]))


@lru_cache(maxsize=100_000)
def _merged_cached(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_merge_split(list(a), list(b)))


def parts_bound(q: NameKey, c: NameKey, person: bool) -> float:
    """An upper bound on ``compare_parts(q, c, person).score`` (see the module's proof)."""
    if q.syllabic or c.syllabic:
        return compare_parts(q, c, person).score  # syllable by syllable (or character by character): the value itself
    qt, ct = (_untitled(k.tokens) if person and not k.abjad else k.tokens for k in (q, c))
    return _shaped_bound(_shape(_merged(qt, ct)), _shape(_merged(ct, qt)), *_left_terms(scorer_config()["name"], person))


@lru_cache(maxsize=200_000)
def _joined_shape(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    return tuple(_numbers(tokens)), sum(map(len, tokens))


_PLAIN, _PATRONYMIC, _NUMBER = 0, 1, 2


Shape = tuple[tuple[str, ...], tuple[float, ...], tuple[int, ...], tuple[bool, ...], tuple[bool, ...]]


def _shape(tokens: tuple[str, ...]) -> Shape:
    """What the parts bound reads of each part, read once per name (a listed name's in _listed_side, remembered; a
    query's once per query) instead of once per pair: the part, its weight, its
    kind (_is_number, else is_patronymic), whether it is a word (not a particle), and whether _pairable takes it as a
    number (two digits or more)."""
    return (tokens, tuple(part_weight(t) for t in tokens),
            tuple(_NUMBER if _is_number(t) else _PATRONYMIC if is_patronymic(t) else _PLAIN for t in tokens),
            tuple(not is_particle(t) for t in tokens), tuple(len(t) > 1 and t.isdigit() for t in tokens))


@lru_cache(maxsize=200_000)
def _listed_side(tokens: tuple[str, ...]) -> tuple[Any, ...]:
    """A listed name's parts as PairBound reads them: (parts, joinable, shape) compared as firms and as persons (titles
    removed); the parts of each that are not numbers (all that _merge_split reads of the other side); _joined_shape."""
    person = _untitled(tokens)
    return ((tokens, _joinable(tokens), _shape(tokens)), (person, _joinable(person), _shape(person)),
            tuple(t for t in tokens if not t.isdigit()), tuple(t for t in person if not t.isdigit()), _joined_shape(tokens))


def _pairable(q: Shape, c: Shape) -> tuple[float, list[int], list[int]]:
    """The weight of the parts that could pair (token_sim > 0 with some part of the other side), and the parts of
    each side that surely stay unpaired. A number of two digits or more agrees with nothing but itself and the
    one-letter initial it starts with (token_sim's branches before its number test): answered here, so that a
    query's new number does not fill token_sim's cache with pairs scoring 0."""
    qa, qw, _, _, q_num = q
    ca, cw, _, _, c_num = c
    c_hit = [False] * len(ca)
    paired = 0.0
    q_left: list[int] = []
    sim = token_sim
    for i, a in enumerate(qa):
        hit = False
        number = q_num[i]
        for j, b in enumerate(ca):
            # This loop runs for every part of every name retrieved.
            if (a == b or b == a[0]) if number else ((a == b or a == b[0]) if c_num[j] else sim(a, b) > 0):
                hit = c_hit[j] = True
        if hit:
            paired += qw[i]
        else:
            q_left.append(i)
    c_left: list[int] = []
    for j, hit in enumerate(c_hit):
        if hit:
            paired += cw[j]
        else:
            c_left.append(j)
    return paired, q_left, c_left


def _left_terms(n: dict[str, Any], person: bool) -> tuple[tuple[float, float], float, float]:
    """From the scorer's name values: what of a part left over stays in the denominator when the other side has none
    left (plain part, patronymic), the penalty for parts left on both sides, the factor for a number left over."""
    kept = ((1.0 - float(n["missing_part_person"]), 1.0 - float(n["missing_patronymic"])) if person
            else (1.0 - float(n["missing_part_org"]), 1.0 - float(n["missing_part_org"])))
    return kept, n["disagreeing_parts_penalty"], n["number_mismatch_factor"]


def _shaped_bound(q: Shape, c: Shape, kept: tuple[float, float], penalty: float, factor: float) -> float:
    """The parts bound of the module's proof, on the two sides' parts (after titles and joins) as shapes."""
    qa, qw, q_kind, q_word, _ = q
    ca, cw, c_kind, c_word, _ = c
    if not qa or not ca:
        return 0.0
    paired, q_left, c_left = _pairable(q, c)
    if not paired:
        return 0.0  # nothing agrees: compare_parts gives 0
    both_left = bool(q_left) and bool(c_left)  # then nothing is forgiven (_forgiven is not called)
    # One pass over the parts surely left over: what of each stays in the denominator whatever _forgiven forgives,
    # whether a number is among them, and whether each side has one that is not a particle.
    left = 0.0
    number = False
    words = [False, False]
    for side, idx, w_of, kind_of, word_of in ((0, q_left, qw, q_kind, q_word), (1, c_left, cw, c_kind, c_word)):
        for i in idx:
            w = w_of[i]
            kind = kind_of[i]
            if kind == _NUMBER:
                number = True
            elif not both_left:
                w *= kept[kind]
            left += w
            if word_of[i]:
                words[side] = True
    bound = paired / (paired + left)
    if words[0] and words[1]:
        bound -= penalty
    if number:
        bound *= factor
    return max(0.0, min(bound, 1.0))


# reaches() of numbered queries against listed names without numbers: (scorer generation, query parts with each
# number as "00", listed parts, person, floor) -> the answer.
_NUMBERED: dict[tuple[Any, ...], bool] = {}
NUMBERED_MAX = 100_000


class PairBound:
    """``score_bound`` for one query name against many listed names: the query's side and the scorer's weights
    are read once. Call it with the listed name's key and whether the pair is compared as persons."""

    def __init__(self, qkey: NameKey):
        cfg = scorer_config()
        self.qkey = qkey
        self.w_parts, self.w_joined, self.w_skeleton, self.unknown, self.evidence = _weights(tuple(cfg["weights"].items()))
        self.q_abjad = qkey.abjad  # as compare_skeleton reads it
        self.q_syllabic = qkey.syllabic
        # A firm name carrying a number ("Фирма 26845", "СМУ-7"): against a listed name with no number, which number it
        # is changes nothing (see reaches), so the answer is shared by every query that differs only there.
        numbered = not qkey.abjad and not qkey.syllabic and any(len(t) > 1 and t.isdigit() for t in qkey.tokens)
        self.numbered = tuple("00" if len(t) > 1 and t.isdigit() else t for t in qkey.tokens) if numbered else None
        self.generation = scorer_generation()
        self.prepared = False  # the query's side, read at the first pair the remembered answers do not cover

    def _prepare(self) -> None:
        qkey, n = self.qkey, scorer_config()["name"]
        self.joined_min = float(n["joined_min"])
        self.q_shape = _joined_shape(qkey.tokens)
        # The query's parts as compare_parts reads them, with titles removed (persons) and not; whether any two
        # could be joined; its parts that are not numbers (all that _merge_split reads of the other side).
        self.q_parts = {False: qkey.tokens, True: _untitled(qkey.tokens)}
        self.q_joinable = {k: _joinable(v) for k, v in self.q_parts.items()}
        self.q_words = {k: tuple(t for t in v if not t.isdigit()) for k, v in self.q_parts.items()}
        self.q_shapes = {k: _shape(v) for k, v in self.q_parts.items()}
        self.left_terms = {False: _left_terms(n, False), True: _left_terms(n, True)}
        self.prepared = True

    def parts(self, ckey: NameKey, person: bool) -> float:
        """parts_bound(self.qkey, ckey, person), with the query's side prepared once and each listed name's read once."""
        if self.q_syllabic or ckey.syllabic:
            return compare_parts(self.qkey, ckey, person).score
        if not self.prepared:
            self._prepare()
        # Titles are removed from persons' names, except from a name in Arabic script (compare_parts).
        qu, cu = person and not self.qkey.abjad, person and not ckey.abjad
        qt = self.q_parts[qu]
        sides = _listed_side(ckey.tokens)
        ct, c_joinable, c_shape = sides[cu]
        # _merge_split only ever joins parts: a side as long as before is unchanged, and its shape is known.
        q_shape = self.q_shapes[qu]
        if self.q_joinable[qu]:
            qa = _merged_cached(qt, sides[2 + cu])
            if len(qa) != len(qt):
                q_shape = _shape(qa)
        if c_joinable:
            ca = _merged_cached(ct, self.q_words[qu])
            if len(ca) != len(ct):
                c_shape = _shape(ca)
        return _shaped_bound(q_shape, c_shape, *self.left_terms[person])

    def joined(self, ckey: NameKey) -> float:
        """compare_joined's value is None (0) unless the numbers agree, and else an OSA similarity, 1 − distance /
        longer length, where the distance is at least the difference of the lengths (names read syllable by syllable
        are compared by syllable_sim instead: bounded by 1)."""
        if self.qkey.han_only and ckey.han_only:
            return 0.0
        if not self.prepared:
            self._prepare()
        (q_numbers, lq), (c_numbers, lc) = self.q_shape, _listed_side(ckey.tokens)[4]
        if q_numbers != c_numbers or not lq or not lc:
            return 0.0
        if self.qkey.syllabic or ckey.syllabic:
            return 1.0  # compared as syllables (syllable_sim), which a ratio of lengths does not bound
        ratio = min(lq, lc) / max(lq, lc)
        return ratio if ratio >= self.joined_min else 0.0

    def __call__(self, ckey: NameKey, person: bool) -> float:
        name = max(0.0, self.unknown, self.w_parts * self.parts(ckey, person), self.w_joined * self.joined(ckey),
                   self.w_skeleton * (1.0 if self.q_abjad != ckey.abjad else 0.0))
        return 0.0 if name <= 0 else min(1.0, name + self.evidence)

    def reaches(self, ckey: NameKey, person: bool, floor: float) -> bool:
        """Whether the pair can score `floor` or more: False only where ``score_pair`` surely stays below it.

        The terms of __call__, cheapest first, stopping at the first that reaches the floor; where the joined or
        skeleton term's ceiling would reach it, that feature's own value is computed instead (the name features are
        alternatives, so each one's value bounds its share). Most names of the same length as the query reach the
        floor only through the joined term's ceiling, a ratio of lengths ("Kathryn Barr" / "CAMELIAS BAR": 0.91);
        its value, an OSA similarity of the names run together, costs a fraction of scoring the pair.

        A query number of two digits or more against a listed name without numbers: it pairs with nothing (_pairable
        pairs it only with itself or its first digit), weighs 0.8 and counts as a number whatever its digits, is
        never joined and only keeps its neighbours apart (_merge_split), and makes the joined term 0 (numbers
        differ). Neither side in Arabic script (the skeleton term reads digits) nor read by syllables: the answer is
        the same for every number, and is remembered for the query's parts with each such number as "00"."""
        if self.numbered is None or ckey.abjad or ckey.syllabic or len(_listed_side(ckey.tokens)[2]) != len(ckey.tokens):
            return self._reaches(ckey, person, floor)
        key = (self.generation, self.numbered, ckey.tokens, person, floor)
        found = _NUMBERED.get(key)
        if found is None:
            if len(_NUMBERED) >= NUMBERED_MAX:
                _NUMBERED.clear()
            found = _NUMBERED[key] = self._reaches(ckey, person, floor)
        return found

    def _reaches(self, ckey: NameKey, person: bool, floor: float) -> bool:
        if self._bound(max(0.0, self.unknown)) >= floor:
            return True
        if self._bound(self.w_parts * self.parts(ckey, person)) >= floor:
            return True
        if self.w_joined > 0 and self._bound(self.w_joined * self.joined(ckey)) >= floor:
            r = None if self.qkey.han_only and ckey.han_only else compare_joined(self.qkey, ckey)
            if r is not None and self._bound(self.w_joined * r.score) >= floor:
                return True
        if self.w_skeleton > 0 and self.q_abjad != ckey.abjad and self._bound(self.w_skeleton) >= floor:
            r = compare_skeleton(self.qkey, ckey, person)
            if r is not None and self._bound(self.w_skeleton * r.score) >= floor:
                return True
        return False

    def _bound(self, name: float) -> float:
        return 0.0 if name <= 0 else min(1.0, name + self.evidence)


_KNOWN = ("name_parts", "name_joined", "name_skeleton")


@lru_cache(maxsize=64)
def _weights(weights: tuple[tuple[str, Any], ...]) -> tuple[float, float, float, float, float]:
    """From the scorer's weights: those of the three name features bounded here; the largest weight of any other
    name feature (it bounds every pair at weight × 1); and the most the evidence features can add."""
    w = dict(weights)
    name = {f.name: float(w.get(f.name, 0.0)) for f in FEATURES if f.kind == "name"}
    unknown = max([0.0] + [v for k, v in name.items() if k not in _KNOWN])
    evidence = sum(max(0.0, float(w.get(f.name, 0.0))) for f in FEATURES if f.kind == "evidence")
    return name.get("name_parts", 0.0), name.get("name_joined", 0.0), name.get("name_skeleton", 0.0), unknown, evidence


def score_bound(p: Pair) -> float:
    """A value ``score_pair(p).score`` never exceeds, with the scorer values in force."""
    return PairBound(p.qkey)(p.ckey, p.person)
