"""Screening one declaration: run every enabled rule of the pack, then decide."""

from __future__ import annotations

from kordon.decide.lanes import decide, error_decision
from kordon.decide.profiles import Decided, compile_profile
from kordon.ingest.profiles import Profile
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Declaration, Decision, Hit
from kordon.screen.context import ScreeningContext
from kordon.screen.registry import RULES


# Rules whose answer depends on a list (and so may change when a list changes).
LIST_RULE_PREFIXES = ("goods.", "parties.")


def run_rules(decl: Declaration, ctx: ScreeningContext, only: tuple[str, ...] | None = None,
              profile: Profile | None = None) -> list[Hit]:
    """The hits of every enabled rule (of those whose ids start with `only`). Under `profile` the hits are built
    decided (their action, legal basis and explanation under it): the rules run as the profile's copies of the
    pack's rules, which carry how it decides their hits (CompiledProfile.plan)."""
    if profile is None:
        return _run(decl, ctx, only, ctx.rules.enabled(), [])
    slot = ctx.plan_slot
    if slot[0] is not profile or slot[1] is not ctx.rules.rules:
        slot = ctx.plan_slot = (profile, ctx.rules.rules, compile_profile(profile).plan(ctx.rules).specs)
    hits = Decided()
    hits.profile = profile
    return _run(decl, ctx, only, slot[2], hits)


def _run(decl: Declaration, ctx: ScreeningContext, only: tuple[str, ...] | None, specs: list[RuleSpec],
         hits: list[Hit]) -> list[Hit]:
    for spec in specs:
        if only is not None and not spec.id.startswith(only):
            continue
        fn = RULES.get(spec.id)
        if fn is None:
            raise LookupError(f"rule {spec.id!r} is in the rule pack but no code implements it")
        hits.extend(fn(decl, ctx, spec))
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
