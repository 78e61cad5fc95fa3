"""Screening one declaration: run every enabled rule of the pack, then decide."""

from __future__ import annotations

from kordon.decide.lanes import decide, error_decision
from kordon.decide.profiles import DECIDING, Decided, Deciding, compile_profile
from kordon.ingest.profiles import Profile
from kordon.models import Declaration, Decision, Hit
from kordon.screen.context import ScreeningContext
from kordon.screen.registry import RULES


# Rules whose answer depends on a list (and so may change when a list changes).
LIST_RULE_PREFIXES = ("goods.", "parties.")


def run_rules(decl: Declaration, ctx: ScreeningContext, only: tuple[str, ...] | None = None,
              profile: Profile | None = None) -> list[Hit]:
    """The hits of every enabled rule (of those whose ids start with `only`). Under `profile` most hits are
    built already decided (their action, legal basis and explanation under it); apply_profile decides the rest."""
    if profile is None:
        return _run(decl, ctx, only, None)
    compiled = compile_profile(profile)
    deciding = Deciding(compiled)
    hits = _run(decl, ctx, only, deciding)
    if deciding.redo:  # a goods rule ran after a hit that needed its findings: those are left to apply_profile
        deciding = Deciding(compiled, items=False)
        hits = _run(decl, ctx, only, deciding)
    assert isinstance(hits, Decided)
    if not deciding.pending:
        hits.profile = profile
    return hits


def _run(decl: Declaration, ctx: ScreeningContext, only: tuple[str, ...] | None, deciding: Deciding | None) -> list[Hit]:
    hits: list[Hit] = []
    token = None
    if deciding is not None:
        hits = Decided()
        hits.profile = None
        token = DECIDING.set(deciding)
    try:
        for spec in ctx.rules.enabled():
            if only is not None and not spec.id.startswith(only):
                continue
            fn = RULES.get(spec.id)
            if fn is None:
                raise LookupError(f"rule {spec.id!r} is in the rule pack but no code implements it")
            hits.extend(fn(decl, ctx, spec))
    finally:
        if token is not None:
            DECIDING.reset(token)
    return hits


def screen_declaration(decl: Declaration, ctx: ScreeningContext, profile: Profile | None = None) -> Decision:
    """Screen a declaration (under `profile`, else the context's). Never raises and never returns green on an error."""
    profile = profile or ctx.profile
    try:
        hits = run_rules(decl, ctx, profile=profile)
        return decide(decl.id, hits, ctx.settings.lanes, ctx.list_versions(), ctx.rules.version, profile=profile)
    except Exception as exc:  # noqa: BLE001 - failing closed is the point
        return error_decision(decl.id, exc, ctx.list_versions(), ctx.rules.version, profile=profile)


def rescreen_lists(decl: Declaration, before: Decision, ctx: ScreeningContext) -> Decision:
    """Decide again after a list changed: the list rules run against today's lists, every other hit
    (route, red flags and their history) is kept as it was found. Never raises; fails closed."""
    try:
        kept = [h for h in before.hits if not h.rule.startswith(LIST_RULE_PREFIXES) and h.rule != "selection.random"]
        decision = decide(decl.id, kept + run_rules(decl, ctx, LIST_RULE_PREFIXES, ctx.profile), ctx.settings.lanes,
                          ctx.list_versions(), ctx.rules.version, profile=ctx.profile)
        decision.history_upto = before.history_upto
        return decision
    except Exception as exc:  # noqa: BLE001 - failing closed is the point
        return error_decision(decl.id, exc, ctx.list_versions(), ctx.rules.version, profile=ctx.profile)
