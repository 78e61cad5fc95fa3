"""The rule registry: rule id → a small pure function that returns hits.

A rule function takes the declaration, the screening context and its own RuleSpec (weight,
parameters, source from the rule pack) and yields Hit objects. It reads nothing but its
arguments and never writes, so the same inputs give the same hits — which is what replay needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from kordon.ingest.rule_pack import RuleSpec
    from kordon.models import Declaration, Hit
    from kordon.screen.context import ScreeningContext

RuleFn = Callable[["Declaration", "ScreeningContext", "RuleSpec"], Iterable["Hit"]]

RULES: dict[str, RuleFn] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES and RULES[rule_id] is not fn:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        RULES[rule_id] = fn
        return fn

    return register
