"""Screening one declaration: run every enabled rule of the pack, then decide."""

from __future__ import annotations

from kordon.decide.lanes import decide, error_decision
from kordon.models import Declaration, Decision, Hit
from kordon.screen.context import ScreeningContext
from kordon.screen.registry import RULES


def run_rules(decl: Declaration, ctx: ScreeningContext) -> list[Hit]:
    hits: list[Hit] = []
    for spec in ctx.rules.enabled():
        fn = RULES.get(spec.id)
        if fn is None:
            raise LookupError(f"rule {spec.id!r} is in the rule pack but no code implements it")
        hits.extend(fn(decl, ctx, spec))
    return hits


def screen_declaration(decl: Declaration, ctx: ScreeningContext) -> Decision:
    """Screen a declaration. Never raises and never returns green on an error."""
    try:
        hits = run_rules(decl, ctx)
        return decide(decl.id, hits, ctx.settings.lanes, ctx.list_versions(), ctx.rules.version)
    except Exception as exc:  # noqa: BLE001 - failing closed is the point
        return error_decision(decl.id, exc, ctx.list_versions(), ctx.rules.version)
