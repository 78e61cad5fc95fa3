"""Hits built already decided under a profile (kordon.screen.hits.make_hit) must equal hits built plain and
decided afterwards by apply_profile: action, legal basis, explanation, every field, in order."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from kordon.decide.profiles import Decided, apply_profile, compile_profile, load_profile
from kordon.ingest.profiles import bundled_profile_names
from kordon.models import Declaration
from kordon.screen import build_context
from kordon.screen.pipeline import run_rules

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "declarations.jsonl"

# Descriptions that hold what the explanation's cut looks for (a colon and a closing action, the words of an
# illustrative entry), as a careless or hostile declarant may write them.
HOSTILE = ["Drones: refuse", "parts (illustrative list entry)", "chips. : inspect", "  leading blanks: deny.",
           "кабель: check the documents", "a: b: c: release", "(illustrative list entry): refuse"]


@pytest.fixture(scope="module")
def ctx():
    return build_context(as_of=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))


def _declarations() -> list[Declaration]:
    raw = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [Declaration.model_validate(d) for d in raw]
    for n, text in enumerate(HOSTILE):
        for d in raw:
            changed = copy.deepcopy(d)
            changed["id"] = f"{d['id']}-H{n}"
            for item in changed["items"]:
                item["description"] = text
            if n % 2:
                for item in changed["items"]:
                    item["licence"] = "L-7: refuse"
            out.append(Declaration.model_validate(changed))
    return out


def _dump(hits) -> list[dict]:  # noqa: ANN001
    return [h.model_dump(mode="json") for h in hits]


@pytest.mark.parametrize("name", bundled_profile_names())
def test_hits_decided_as_built_equal_hits_decided_after(ctx, name):
    profile = load_profile(name)
    decls = _declarations()
    compiled = compile_profile(profile)
    for spec in list(compiled.keys.values()):
        spec.memo.clear()  # the first pass decides afterwards and remembers; the second decides as it builds
    built_decided = 0
    for _ in range(2):
        for d in decls:
            after = apply_profile(run_rules(d, ctx), profile)
            built = run_rules(d, ctx, profile=profile)
            built_decided += sum(h.legal_basis is not None for h in built)
            # Even a hit no equal of which was decided before is built decided: nothing is left to apply_profile.
            assert isinstance(built, Decided) and built.profile is profile
            assert _dump(apply_profile(built, profile)) == _dump(after), d.id
    assert built_decided > len(decls)  # the second pass did decide hits as they were built


def test_a_list_of_decided_hits_is_left_alone_only_under_its_profile(ctx):
    d = Declaration.model_validate(json.loads(EXAMPLES.read_text(encoding="utf-8").splitlines()[1]))
    eu, kz = load_profile("eu_exporter"), load_profile("kz_customs")
    for _ in range(2):
        built = run_rules(d, ctx, profile=eu)
    assert isinstance(built, Decided) and built.profile is eu and built
    assert apply_profile(built, eu) is built
    # Another profile decides them again, each hit under its own law, as if they had been built plain.
    again = apply_profile(list(built), kz)
    assert _dump(again) == _dump(apply_profile(run_rules(d, ctx), kz))
    assert {h.legal_basis.profile for h in again if h.legal_basis} == {"kz_customs"}
    # A kz_customs hit that needs the item's other hits (the lists it is exactly on) is decided as it is built
    # from the goods hits built before it, once an equal hit was decided.
    under_kz = run_rules(d, ctx, profile=kz)
    assert isinstance(under_kz, Decided) and under_kz.profile is kz
    assert any(h.legal_basis is not None and h.rule == "route.foreign_origin_reexport" for h in under_kz)


def test_the_order_of_the_rules_does_not_change_a_hit_that_reads_the_items_lists(ctx):
    """kz_customs decides a re-export hit by the lists the item itself is exactly on (`item_on`). The rule records
    them in the hit (evidence `exact_on`), so a pack that runs the goods rules after it gives the same hits, each
    built decided, as the bundled order and as plain hits decided afterwards."""
    kz = load_profile("kz_customs")
    moved = copy.copy(ctx)
    moved.rules = copy.copy(ctx.rules)
    goods = ["goods.chpl", "goods.eu_russia", "goods.national"]
    order = [k for k in ctx.rules.rules if k not in goods]
    at = order.index("route.foreign_origin_reexport") + 1
    order[at:at] = goods
    moved.rules.rules = {k: ctx.rules.rules[k] for k in order}
    denied = 0
    for d in _declarations():
        built = run_rules(d, moved, profile=kz)
        assert isinstance(built, Decided) and built.profile is kz
        assert all(h.legal_basis is not None for h in built)
        assert _dump(built) == _dump(apply_profile(run_rules(d, moved), kz)), d.id
        assert sorted(_dump(built), key=lambda h: (h["rule"], h["subject"])) == \
            sorted(_dump(run_rules(d, ctx, profile=kz)), key=lambda h: (h["rule"], h["subject"])), d.id
        for h in built:
            if h.rule == "route.foreign_origin_reexport":
                on = {g.list.id for g in built if g.subject == h.subject and g.list is not None
                      and g.evidence.get("precision") == "exact" and not g.evidence.get("illustrative")}
                assert set(h.evidence["exact_on"]) == on, (d.id, h.subject)  # what the goods hits say of the item
                denied += h.action is not None and h.action.value == "deny"
    assert denied  # the examples hold a re-export that kz_customs refuses


def test_a_hit_stored_before_its_rule_recorded_the_items_lists_is_decided_from_the_items_hits(ctx):
    """A re-export hit kept from a decision stored before the rule recorded `exact_on` (a re-screen after a list
    or the settings changed) is decided as before: apply_profile reads the lists from the item's goods hits."""
    kz = load_profile("kz_customs")
    found = 0
    for d in _declarations():
        plain = run_rules(d, ctx)
        if not any(h.rule == "route.foreign_origin_reexport" and h.evidence["exact_on"] for h in plain):
            continue
        old = [h.model_copy(deep=True) for h in plain]
        for h in old:
            if h.rule == "route.foreign_origin_reexport":
                del h.evidence["exact_on"]
        assert _dump(apply_profile(old, kz)) == _dump(apply_profile(plain, kz)), d.id
        found += 1
    assert found


def test_item_on_is_refused_for_a_rule_that_does_not_record_the_items_lists(tmp_path):
    from kordon.ingest.errors import ListFileError
    from kordon.ingest.profiles import read_profile

    text = (Path(__file__).resolve().parents[2] / "src" / "kordon" / "data" / "profiles" / "kz_customs.yaml").read_text(encoding="utf-8")
    bad = text.replace("  - rule: route.foreign_origin_reexport\n    when: {bound: true, item_on: [chpl, eu_russia_hs6]}",
                       "  - rule: goods.national\n    when: {bound: true, item_on: [chpl, eu_russia_hs6]}", 1)
    assert bad != text
    path = tmp_path / "mine.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ListFileError, match=r"mine.yaml:\d+.*item_on.*exact_on.*goods.national"):
        read_profile(path)


@pytest.mark.parametrize("name", ["none", *bundled_profile_names()])
def test_goods_hits_from_remembered_outcomes_equal_fresh_ones(ctx, name):
    """The goods rules remember each outcome apart from the item's words (kordon.screen.goods._judged): a hit
    built from a remembered outcome, under any profile, equals the hit built with nothing remembered."""
    profile = None if name == "none" else load_profile(name)
    decls = _declarations()
    fresh = []
    for d in decls:
        ctx.judged.clear()
        fresh.append(_dump(apply_profile(run_rules(d, ctx, profile=profile), profile)))
    for _ in range(2):
        for d, expected in zip(decls, fresh):
            assert _dump(apply_profile(run_rules(d, ctx, profile=profile), profile)) == expected, d.id
    assert any(j is not None and j.ready and (profile is None or j.basis is not None) for _, _, j in ctx.judged.values())


def test_threads_screening_under_different_profiles_each_get_their_own_law(ctx):
    """The API screens requests in a thread pool, each under its key's profile: the profiles' copies of the rules and
    the outcomes remembered per profile must not leak between threads."""
    from concurrent.futures import ThreadPoolExecutor

    decls = _declarations()
    names = [*bundled_profile_names(), "kz_customs", "kz_customs"]  # several threads under one profile at once
    expected = {name: [_dump(apply_profile(run_rules(d, ctx), load_profile(name))) for d in decls] for name in set(names)}

    def screen(name: str) -> list:
        profile = load_profile(name)
        return [_dump(run_rules(d, ctx, profile=profile)) for d in decls for _ in range(2)][::2]

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: mid-declaration, mid-rule
    try:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            for _ in range(3):
                for name, got in zip(names, pool.map(screen, names)):
                    assert got == expected[name], name
    finally:
        sys.setswitchinterval(interval)


def test_a_remembered_outcome_is_keyed_by_all_its_hits_evidence_a_profile_may_read(ctx, monkeypatch):
    """Route rules and description.vague give `remembered` their own key of the values a profile may read of the
    hit's evidence (kordon.decide.profiles._READS). Hits built from one remembered outcome must agree in all of
    them, else a later hit would get the outcome of an earlier, different one. Over the examples, their hostile
    variants and generated declarations (every route kind, type, origin and end-user country), under each profile."""
    import sys

    from kordon.decide import profiles
    from kordon.screen import hits as hits_module

    readable = sorted({k for scalars, lists, _, _ in profiles._READS.values() for k in (*scalars, *lists)})
    seen: dict[int, tuple] = {}
    built = hits_module.judged_hit

    def recording(judged, subject, explanation, evidence):  # noqa: ANN001, ANN202
        hit = built(judged, subject, explanation, evidence)
        if judged.list_ref is None:  # remembered (goods outcomes carry their list reference)
            values = tuple(repr(evidence.get(k)) for k in readable)
            assert seen.setdefault(id(judged), values) == values, (hit.rule, subject, evidence)
        return hit

    for module in ("kordon.screen.routes", "kordon.screen.redflags.description"):
        monkeypatch.setattr(sys.modules[module], "judged_hit", recording)
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        from screening_speed import make
    finally:
        sys.path.pop(0)
    generated = [json.loads(line) for line in make(1500, seed=3)]
    for d in generated[::3]:  # the consignee where the end user is: both roles in a restricted country
        d["parties"][1]["country"] = d["parties"][2]["country"]
    decls = _declarations() + [Declaration.model_validate(d) for d in generated]
    for name in ["none", *bundled_profile_names()]:
        profile = None if name == "none" else load_profile(name)
        ctx.judged.clear()  # ids of outcomes forgotten may be reused
        seen.clear()
        for d in decls:
            run_rules(d, ctx, profile=profile)
    assert seen


def test_a_context_given_new_rules_screens_with_them_under_a_profile(ctx):
    """run_rules keeps the profile's copies of the rules for the last profile and rule set (ScreeningContext.plan_slot):
    rules changed since (a new rule set) must be the ones that run."""
    kz = load_profile("kz_customs")
    mine = copy.copy(ctx)
    mine.rules = copy.copy(ctx.rules)
    mine.plan_slot = (None, None, [])
    d = next(d for d in _declarations() if any(h.rule == "goods.chpl" for h in run_rules(d, ctx)))
    assert any(h.rule == "goods.chpl" for h in run_rules(d, mine, profile=kz))
    mine.rules.rules = {k: v for k, v in ctx.rules.rules.items() if k != "goods.chpl"}
    assert not any(h.rule == "goods.chpl" for h in run_rules(d, mine, profile=kz))
    mine.rules = ctx.rules
    assert any(h.rule == "goods.chpl" for h in run_rules(d, mine, profile=kz))


def test_a_hand_edited_exact_on_is_read_as_its_key_reads_it_and_never_fails(ctx):
    """A stored hit whose `exact_on` is not a list of list ids (edited by hand, or by someone with database access) is
    decided as the same hit decided with nothing remembered: two hits of one key never get different outcomes. What
    has no members (a number, null) is on no list, so the re-export provision that refuses does not hold."""
    from kordon.decide.profiles import compile_profile

    kz = load_profile("kz_customs")
    d = next(d for d in _declarations()
             if any(h.rule == "route.foreign_origin_reexport" and h.action is not None and h.action.value == "deny"
                    for h in run_rules(d, ctx, profile=kz)))
    way = compile_profile(kz).key_spec("route.foreign_origin_reexport")

    def decided(bad: object) -> list[dict]:
        hits = run_rules(d, ctx)
        for h in hits:
            if h.rule == "route.foreign_origin_reexport":
                h.evidence["exact_on"] = bad
        return [h.model_dump(mode="json") for h in apply_profile(hits, kz) if h.rule == "route.foreign_origin_reexport"]

    for bad in (5, None, "chpl", {"chpl": 1}, [["chpl"]], ("chpl", "eu_russia_hs6")):
        remembered = decided(bad)
        way.memo.clear()
        assert remembered and remembered == decided(bad), bad
        if bad in (5, None):
            assert all(h["action"] != "deny" for h in remembered), bad


def test_a_decision_decided_again_under_another_profile_equals_screening_under_it(ctx):
    """What the web's comparison of profiles, a re-screen after the settings changed and a repeat under another
    profile do: the stored hits, decided under one profile, decided again under another. A provision that keeps the
    rule's own action must start from the rule's (`rule_action`), not from the first profile's."""
    from kordon.decide.lanes import decide
    from kordon.models import Hit

    names = [None, *bundled_profile_names()]
    lanes, versions = ctx.settings.lanes, ctx.list_versions()
    kept = 0
    for d in _declarations():
        fresh = {b: decide(d.id, run_rules(d, ctx, profile=load_profile(b)), lanes, versions, profile=load_profile(b))
                 .model_dump(mode="json", exclude={"screened_at"}) for b in names[1:]}
        for a in names:
            first = decide(d.id, run_rules(d, ctx, profile=load_profile(a) if a else None), lanes, versions,
                           profile=load_profile(a) if a else None)
            stored = first.model_dump(mode="json")
            for b in names[1:]:
                if b == a:
                    continue
                # Without the random draw's hit: deciding draws again (as rescreen_lists does), from the same seed.
                hits = [Hit.model_validate(h) for h in stored["hits"] if h["rule"] != "selection.random"]
                again = decide(d.id, hits, lanes, versions, profile=load_profile(b))
                assert again.model_dump(mode="json", exclude={"screened_at"}) == fresh[b], (d.id, a, b)
                kept += any(h.rule_action != h.action for h in again.hits)
    assert kept  # some hits' actions differ from their rule's own: the case this guards
