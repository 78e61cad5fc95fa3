"""The early exit of party matching (kordon.index.party_bound): a bound that no pair's score exceeds, and
`PartyIndex.match(..., floor=)` giving the same candidates at or above the floor as a full match.

Checked on real list names (the shipped OFAC/UN/UK snapshot), as listed, re-ordered and re-spelled, with and
without evidence, on the UN positives of the shared data, and under a re-weighed scorer."""

from __future__ import annotations

import hashlib

import pytest

from kordon.index.names import name_key, name_keys
from kordon.index.parties import PartyIndex, Query
from kordon.index.party_bound import PairBound
from kordon.index.party_features import Pair, score_pair, use_scorer
from tests.parties.conftest import index_pairs


def _variant(name: str) -> str:
    """The parts rotated, one letter of the longest changed (a fixed one per name), as a clerk might retype it."""
    parts = name.split()
    parts = parts[1:] + parts[:1] if len(parts) > 1 else parts
    i = max(range(len(parts)), key=lambda k: len(parts[k]))
    p = parts[i]
    if len(p) > 3:
        at = 1 + int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % (len(p) - 2)
        parts[i] = p[:at] + ("e" if p[at].lower() != "e" else "a") + p[at + 1 :]
    return " ".join(parts)


def _queries(index: PartyIndex, n: int) -> list[Query]:
    names = sorted({x for e in index.entities for x in e.names})
    step = max(1, len(names) // n)
    sample = names[::step][:n]
    out = [Query(x) for x in sample] + [Query(_variant(x)) for x in sample]
    out += [Query(x, schema="Person", country="RU", birth_date="1970") for x in sample[::3]]
    out += [Query(f"ТОО «Фирма {i}»", country="KZ", identifiers=[("bin", "080540270759")]) for i in range(0, 3000, 97)]
    out += [Query("ТОО «Металл Стан»"), Query("Roso boron export"), Query("ООО «Сбер Восток»", country="KZ"),
            Query("Kalashnikov Concern JSC", country="RU"), Query("Ahmad Shah Massoud"), Query("حسين"), Query("高市早苗")]
    return out


def _check_bound(index: PartyIndex, queries: list[Query]) -> int:
    checked = 0
    for q in queries:
        for bounder, ckey, person, pair in index_pairs(index, q):
            score = score_pair(pair).score
            bound = bounder(ckey, person)
            assert bound >= score - 1e-9, (q.name, ckey.original, score, bound)
            checked += 1
    return checked


def test_no_pair_scores_above_its_bound_on_real_names(shipped_index):
    checked = _check_bound(shipped_index, _queries(shipped_index, 400))
    assert checked > 10_000  # the bound met many pairs, from exact names to unrelated ones


def test_the_bound_holds_under_a_reweighed_scorer(shipped_index):
    # A site pack may re-weigh every feature within [-1, 1]: the bound reads the weights in force.
    block = {"weights": {"legal_form_mismatch": 0.2, "country_mismatch": 0.1, "name_joined": 0.8, "name_skeleton": 1.0,
                         "nasab_order": 0.1},
             "name": {"missing_part_org": 1.0, "missing_part_person": 1.0, "disagreeing_parts_penalty": 0.0,
                      "number_mismatch_factor": 1.0, "joined_min": 0.5, "initial_credit": 1.0}}
    assert use_scorer(block, "test")
    try:
        assert _check_bound(shipped_index, _queries(shipped_index, 120)) > 2_000
    finally:
        use_scorer(None)


def test_the_bound_actually_skips_unrelated_names(shipped_index):
    # The point of it: a firm name that matches nothing has every retrieved name bounded below 0.75.
    key = name_key("ТОО «Фирма 26845»")
    bounder = PairBound(key)
    groups = shipped_index.candidates(key)
    assert len(groups) >= 10
    assert all(bounder(shipped_index.name_keys[k][1], False) < 0.75 for g in groups for k in shipped_index.members[g])
    # ... while an exact listed name is never bounded below its own score.
    listed = next(n for e in shipped_index.entities for n in e.names if "ROSOBORONEKSPORT" in n.upper())
    k = name_key(listed)
    assert PairBound(k)(k, False) == 1.0


def _same(full: list, fast: list, floor: float) -> None:
    def rows(cs: list) -> list[tuple]:
        return [(c.entity.list_id, c.entity.entity_id, c.score, c.name_score, c.matched_name, c.identifier_match,
                 tuple(c.explanation)) for c in cs if c.score >= floor]
    assert rows(full) == rows(fast)


@pytest.mark.parametrize("floor, limit", [(0.75, 3), (0.75, 10), (0.5, 5), (0.9, 3)])
def test_match_with_a_floor_gives_the_same_candidates_at_or_above_it(shipped_index, floor, limit):
    queries = _queries(shipped_index, 150)
    reported = 0
    for q in queries:
        full, w1 = shipped_index.match(q, limit=limit)
        fast, w2 = shipped_index.match(q, limit=limit, floor=floor)
        _same(full, fast, floor)
        assert w1 == w2
        reported += any(c.score >= floor for c in full)
    assert reported > 100  # real hits were compared, not only empty answers


def test_an_identifier_match_keeps_its_name_evidence(shipped_index):
    # Matched by its BIN under another name: the candidate (score 1.0) carries what its best name pair said,
    # however low that pair scores, with or without the floor.
    q = Query("ТОО «Совсем Другое Имя»", country="KZ", identifiers=[("bin", "110140012405")])
    full, _ = shipped_index.match(q, limit=3)
    fast, _ = shipped_index.match(q, limit=3, floor=0.75)
    assert full and full[0].identifier_match == "kz_bin:110140012405"
    _same(full, fast, 0.75)


def test_un_positives_keep_their_recall_with_the_floor(shipped_index, shared_data):
    import csv

    rows = list(csv.DictReader((shared_data / "name_matching" / "yente_positives_un_untreated.csv").open(encoding="utf-8")))
    for r in rows:
        q = Query(r["full_name"], schema="Person", birth_date=r.get("date_of_birth") or None)
        full, _ = shipped_index.match(q, limit=3)
        fast, _ = shipped_index.match(q, limit=3, floor=0.75)
        _same(full, fast, 0.75)


@pytest.mark.parametrize("query, listed, person", [
    ("Alpha 26 Trading", "Alpha 2 Trading", False),  # a number against the one-digit "initial" it starts with
    ("Fund VIII", "Fund VII", False), ("Neka 455", "Neka 456", False),  # numbers that differ
    ("A. Wendt", "Aaron Wendt", True), ("Ben Ali Hassan", "Benjamin Ali Hassan", True),  # initials, short forms
    ("Patr ushev Nikolai", "Patrushev Nikolai Platonovich", True),  # parts written apart, a patronymic missing
    ("Nikolai Patrushev", "Patr ushev Nikolai", True),
    ("Dr Ivan Petrov", "Ivan Petrovich Petrov", True), ("President Ivan Petrov", "Ivan Petrov", True),  # titles
    ("MetallStan LLP", "ТОО «Металл Стан»", False), ("Roso boron export", "ROSOBORONEKSPORT", False),  # joined
    ("Janan Chol", "Jenan Chul", True), ("Mouammar Kadhafi", "Muammer Qaddafi", True),  # vowels only
    ("حسين علي", "HUSSEIN ALI", True), ("高市早苗", "高石早苗", True),  # abjad and Chinese characters
    ("Logarcheo AG", "LOGARCHEO S.A.", False), ("Saleh bin Ahmed", "Ahmed bin Saleh", True),  # legal forms, nasab
])
def test_the_bound_on_the_scorer_s_special_cases(query, listed, person):
    from kordon.index.parties import ListedEntity

    for qk in name_keys(query):
        for ck in name_keys(listed):
            ent = ListedEntity("t", "t", "Person" if person else "Company", listed, [listed])
            for q in (Query(query), Query(query, schema="Person" if person else None, country="RU", birth_date="1970")):
                score = score_pair(Pair(q, qk, ent, ck, person)).score
                assert PairBound(qk)(ck, person) >= score - 1e-9, (qk.tokens, ck.tokens, score)
