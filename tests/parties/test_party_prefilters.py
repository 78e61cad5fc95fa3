"""The cheaper early exits of party matching never drop what the full scorer keeps.

- ``PairBound.reaches`` (what `PartyIndex.match(..., floor=)` asks): False only for pairs whose full score is
  below the floor, on real list names at several floors and under a re-weighed scorer; and the parts bound on
  the listed names' prepared shapes equals the reference ``parts_bound``, value for value.
- ``_may_join`` (the gate before ``token_sim`` in ``_merge_split``): False only where ``token_sim < 0.8``.
- The index's memo of similar list parts is never stale after the scorer values change.
Plus the two holes the old bound had (found while building these): titles of names in Arabic script and
syllables that only syllable_sim pairs.
"""

from __future__ import annotations

import itertools
import re

import pytest

from kordon.index.names import name_key, name_keys
from kordon.index.parties import ListedEntity, PartyIndex, Query
from kordon.index.party_bound import PairBound, parts_bound
from tests.parties.conftest import index_pairs
from kordon.index.party_features import _join_gate, _may_join, compare_keys, score_pair, token_sim, use_scorer

REWEIGHED = {"weights": {"legal_form_mismatch": 0.2, "country_mismatch": 0.1, "name_joined": 0.8, "name_skeleton": 1.0},
             "name": {"missing_part_org": 1.0, "missing_part_person": 1.0, "disagreeing_parts_penalty": 0.0,
                      "number_mismatch_factor": 1.0, "joined_min": 0.5, "initial_credit": 1.0, "vowel_variant": 0.8,
                      "one_edit_long": 0.95, "short_prefix_credit": 0.9, "part_curve_offset": 0.2}}


def _sample(index: PartyIndex, n: int) -> list[str]:
    names = sorted({x for e in index.entities for x in e.names})
    return names[:: max(1, len(names) // n)][:n]


def _queries(index: PartyIndex, n: int) -> list[Query]:
    sample = _sample(index, n)
    # As listed, a part dropped and the rest rotated (partial matches near the floor), and as persons with evidence.
    out = [Query(x) for x in sample]
    out += [Query(" ".join(x.split()[1:])) for x in sample if len(x.split()) > 2]
    out += [Query(x, schema="Person", country="RU", birth_date="1970") for x in sample[::3]]
    out += [Query(f"ТОО «Фирма {i}»", identifiers=[("bin", "080540270759")]) for i in range(0, 2000, 61)]
    out += [Query("Kathryn Barr", schema="Person"), Query("Reni Mehdi Klemm", schema="Person"), Query("عمر حسن"),
            Query("김정은", schema="Person"), Query("金正恩"), Query("ТОО «Металл Стан»"), Query("Roso boron export")]
    return out


def _check_reaches(index: PartyIndex, queries: list[Query], floors: tuple[float, ...]) -> tuple[int, int]:
    """Every pair the index retrieves: where the full score reaches a floor, reaches() says so. Returns (pairs, skipped)."""
    pairs = skipped = 0
    for q in queries:
        for bounder, ckey, person, pair in index_pairs(index, q):
            score = score_pair(pair).score
            for floor in floors:
                ok = bounder.reaches(ckey, person, floor - 1e-9)
                assert ok or score < floor, (q.name, ckey.original, person, floor, score)
                skipped += not ok
            pairs += 1
    return pairs, skipped


def test_reaches_never_drops_a_pair_the_scorer_keeps(shipped_index):
    pairs, skipped = _check_reaches(shipped_index, _queries(shipped_index, 300), (0.5, 0.75, 0.9))
    assert pairs > 8_000 and skipped > pairs  # many pairs met, most of them skipped at some floor


def test_reaches_holds_under_a_reweighed_scorer(shipped_index):
    assert use_scorer(REWEIGHED, "test")
    try:
        pairs, _ = _check_reaches(shipped_index, _queries(shipped_index, 100), (0.5, 0.75))
        assert pairs > 2_000
    finally:
        use_scorer(None)


def test_the_prepared_parts_bound_equals_the_one_from_scratch(shipped_index):
    # PairBound.parts prepares the query once and reads each listed name once (titles, joins, shapes); parts_bound
    # does it all for the pair: the same value, exactly.
    compared = 0
    for q in _queries(shipped_index, 150):
        for key in name_keys(q.name):
            bounder = PairBound(key)
            for g in shipped_index.candidates(key):
                for k_idx in shipped_index.members[g]:
                    ckey = shipped_index.name_keys[k_idx][1]
                    for person in (False, True):
                        assert bounder.parts(ckey, person) == parts_bound(key, ckey, person), (key.tokens, ckey.tokens)
                        compared += 1
    assert compared > 5_000


def test_the_joined_value_replaces_its_ceiling_only_where_needed(shipped_index):
    # "Kathryn Barr" / "CAMELIAS BAR": the names run together are as long (ceiling 0.91) but share little.
    q, c = name_key("Kathryn Barr"), name_key("CAMELIAS BAR")
    bounder = PairBound(q)
    assert bounder(c, True) >= 0.75  # the ceiling alone would score the pair
    assert not bounder.reaches(c, True, 0.75)
    assert compare_keys(q, c, True)[0] < 0.75


@pytest.mark.parametrize("query, listed", [
    ("عمر حسن", "عمر حسن عبد كريم"), ("عمر عثمان", "عمر عثمان محمد صالح"),  # عمر reads "mr": a title only in Latin text
    ("김정은", "Kim Jong Eun"), ("오성", "U Song"),  # syllables paired only by syllable_sim (un/eun, o/u)
])
def test_pairs_the_old_bound_dropped_are_kept(query, listed):
    for qk in name_keys(query):
        ck = name_key(listed)
        score = compare_keys(qk, ck, True)[0]
        assert score >= 0.75  # a possible match at least ...
        assert parts_bound(qk, ck, True) >= score - 1e-9 and PairBound(qk).reaches(ck, True, 0.75 - 1e-9)


def test_a_match_with_the_floor_keeps_an_arabic_name_with_what_reads_as_a_title():
    listed = ListedEntity("t", "t-1", "Person", "عمر حسن عبد كريم", ["عمر حسن عبد كريم"])
    index = PartyIndex([listed, ListedEntity("t", "t-2", "Person", "Hassan Karim", ["Hassan Karim"])])
    full, _ = index.match(Query("عمر حسن", schema="Person"), limit=3)
    fast, _ = index.match(Query("عمر حسن", schema="Person"), limit=3, floor=0.75)
    assert full[0].entity.entity_id == "t-1" and full[0].score >= 0.75
    assert [(c.entity.entity_id, c.score) for c in fast if c.score >= 0.75] == [(c.entity.entity_id, c.score) for c in full
                                                                                  if c.score >= 0.75]


def _join_pairs(index: PartyIndex) -> list[tuple[str, str]]:
    """(two adjacent parts of a listed name written together, a part of five letters or more of another name), and the
    same joined strings against themselves re-spelled: a vowel changed, a letter dropped or added (first or last), the
    first two swapped, every vowel run written "ea" (a vowel variant of another length), cut to a three-letter prefix."""
    names = _sample(index, 1500)
    joined = [a + b for n in names for a, b in itertools.pairwise(name_key(n).tokens) if not a.isdigit() and not b.isdigit()]
    parts = sorted({t for n in names[::5] for t in name_key(n).tokens if len(t) >= 5})
    out = [(j, t) for j in joined[::7] for t in parts[::11]]
    for j in joined[::3]:
        if len(j) >= 5:
            out += [(j, j[:2] + ("a" if j[2] != "a" else "e") + j[3:]), (j, j[:-1]), (j, j + "s"), (j, j[1] + j[0] + j[2:]),
                    (j, j[1:]), (j, "k" + j), (j, re.sub("[aeiou]+", "ea", j)), (j, j[:3]), (j[:3], j)]
    return [(a, b) for a, b in out if len(b) >= 5 and len(a) >= 2]


@pytest.mark.parametrize("block", [None, REWEIGHED, {"name": {"vowel_variant": 0.5, "one_edit_long": 0.5, "short_prefix_credit": 0.9}}])
def test_the_join_gate_never_hides_a_join(shipped_index, block):
    use_scorer(block, "test")
    try:
        gate = _join_gate()
        pairs = _join_pairs(shipped_index)
        near = 0
        for a, b in pairs:
            if token_sim(a, b) >= 0.8:
                near += 1
                assert _may_join(a, b, gate), (a, b, token_sim(a, b))
        assert len(pairs) > 20_000 and near > 500
    finally:
        use_scorer(None)


def test_the_similar_parts_memo_follows_the_scorer(shipped_index):
    before = dict(shipped_index._similar_tokens("ivanova"))
    assert before == shipped_index._similar_uncached("ivanova")
    assert use_scorer({"name": {"min_part_similarity": 0.9, "vowel_variant": 0.5}}, "test")
    try:
        after = shipped_index._similar_tokens("ivanova")
        assert after == shipped_index._similar_uncached("ivanova") != before
    finally:
        use_scorer(None)
    assert shipped_index._similar_tokens("ivanova") == before


def _renumbered(name: str, i: int) -> str:
    """The name with each number of two digits or more replaced: by itself, another of its length, the same with a
    digit more, or one that starts like it (which pairs with a listed one-digit part)."""
    out = []
    for w in name.split():
        digits = "".join(ch for ch in w if ch.isdigit())
        if len(digits) > 1 and digits == w.strip("«»\"'.,()-№#"):
            w = w.replace(digits, [digits, str(int(digits) + 1), digits + "7", digits[0] + "0" * (len(digits) - 1)][i % 4])
        out.append(w)
    return " ".join(out)


def test_numbered_queries_share_answers_only_where_the_number_cannot_matter(shipped_index):
    # reaches() remembers a numbered query's answer against a listed name without numbers for every number in its
    # place: it must be the answer computed for that very number, whatever the number and the listed name.
    from kordon.index import party_bound

    numbered = [x for x in sorted({n for e in shipped_index.entities for n in e.names}) if any(
        len(t) > 1 and t.isdigit() for t in name_key(x).tokens)][::3][:150]
    assert len(numbered) > 100
    queries = [Query(_renumbered(x, i)) for x in numbered for i in range(4)]
    queries += [Query(f"ТОО «Фирма {i}»") for i in (7, 12, 123, 26845, 1000)] + [Query("СМУ-7 1"), Query("Neka 455")]
    party_bound._NUMBERED.clear()
    compared = 0
    for q in queries:
        key = name_key(q.name)
        bounder = PairBound(key)
        for g in shipped_index.candidates(key):
            for k_idx in shipped_index.members[g]:
                e_idx, ckey = shipped_index.name_keys[k_idx]
                person = shipped_index.entities[e_idx].schema == "Person"
                for floor in (0.5, 0.75 - 1e-9):
                    assert bounder.reaches(ckey, person, floor) == bounder._reaches(ckey, person, floor), (q.name, ckey.original)
                    compared += 1
    assert compared > 3_000 and len(party_bound._NUMBERED) > 100  # the memo answered, and was checked
