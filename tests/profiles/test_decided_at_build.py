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
from kordon.screen.registry import RULES

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


def test_a_goods_rule_after_a_hit_that_needs_it_leaves_that_hit_to_apply_profile(ctx, monkeypatch):
    """A rule pack that runs the goods rules after route.foreign_origin_reexport: the route hit cannot be decided as
    it is built (the item's goods hits are not all known yet). The profile's plan of that pack says so: the hit is
    built plain and decided once all the rules ran, with the rules run once."""
    kz = load_profile("kz_customs")
    moved = copy.copy(ctx)
    moved.rules = copy.copy(ctx.rules)
    goods = ["goods.chpl", "goods.eu_russia", "goods.national"]
    order = [k for k in ctx.rules.rules if k not in goods]
    at = order.index("route.foreign_origin_reexport") + 1
    order[at:at] = goods
    moved.rules.rules = {k: ctx.rules.rules[k] for k in order}
    plan = compile_profile(kz).plan(moved.rules)
    assert plan.after and next(s for s in plan.specs if s.id == "route.foreign_origin_reexport").way is None
    assert not compile_profile(kz).plan(ctx.rules).after  # the bundled order: every hit is decided as it is built
    decls = _declarations()
    for _ in range(2):
        for d in decls:
            built = run_rules(d, moved, profile=kz)
            assert isinstance(built, Decided) and built.profile is kz
            assert _dump(built) == _dump(apply_profile(run_rules(d, moved), kz)), d.id
    d = next(d for d in decls if any(h.rule == "route.foreign_origin_reexport" for h in run_rules(d, moved)))
    calls = []
    chpl = RULES["goods.chpl"]
    monkeypatch.setitem(RULES, "goods.chpl", lambda *a: calls.append(1) or chpl(*a))
    built = run_rules(d, moved, profile=kz)
    assert len(calls) == 1
    assert all(h.legal_basis is not None for h in built if h.rule == "route.foreign_origin_reexport")
    # A pack given new rules gets a new plan: the profile's copies never outlive the rules they copy.
    moved.rules.rules = dict(ctx.rules.rules)
    assert not compile_profile(kz).plan(moved.rules).after


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
    """The API screens requests in a thread pool, each under its key's profile: the lists an item is exactly on,
    noted per thread for kz_customs' item provisions, and the profiles' copies of the rules must not leak between
    threads."""
    from concurrent.futures import ThreadPoolExecutor

    decls = _declarations()
    names = [*bundled_profile_names(), "kz_customs", "kz_customs"]  # several threads note items at once
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
