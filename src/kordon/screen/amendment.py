"""Amendments of declarations an officer holds or has acted on.

A new version of a declaration that was held, reviewed, inspected, seized or referred must not
slip out as green: automation never releases what a person is dealing with. What changed is put
in front of the officer, and a change of the goods themselves is a red flag of its own (the goods
examined are not the goods that will move).

The service puts an ``Amendment`` into ``ctx.extras["amendment"]`` before screening a new version
of a stored id; replay rebuilds it from the stored previous version and the recorded status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Declaration, Hit, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import make_hit
from kordon.screen.registry import rule

# Statuses of the previous version under which an amendment stays with an officer.
ACTED_ON = ("held", "reviewed", "inspected", "seized", "referred")
GOODS_FIELDS = ("hs_code", "description", "origin", "quantity", "unit", "net_mass_kg", "value", "currency")


@dataclass(frozen=True)
class Amendment:
    previous: Declaration
    previous_version: int
    status: str  # the previous version's status when the amendment arrived: released, held, reviewed, seized, ...


def changes(before: Declaration, after: Declaration) -> list[str]:
    """Top-level fields (and items[i].field) that differ between two versions."""
    a = before.model_dump(mode="json", exclude_none=True)
    b = after.model_dump(mode="json", exclude_none=True)
    out = []
    for key in sorted(set(a) | set(b)):
        if key == "items":
            continue
        if a.get(key) != b.get(key):
            out.append(key)
    out.extend(goods_changes(before, after))
    return out


def goods_changes(before: Declaration, after: Declaration) -> list[str]:
    a = [i.model_dump(mode="json", exclude_none=True) for i in before.items]
    b = [i.model_dump(mode="json", exclude_none=True) for i in after.items]
    out = []
    if len(a) != len(b):
        out.append(f"items: {len(a)} → {len(b)}")
    for n, (x, y) in enumerate(zip(a, b)):
        out.extend(f"items[{n}].{f}" for f in GOODS_FIELDS if x.get(f) != y.get(f))
    return out


def _amendment(ctx: ScreeningContext) -> Amendment | None:
    value = ctx.extras.get("amendment")
    return value if isinstance(value, Amendment) else None


def _evidence(am: Amendment, changed: list[str]) -> dict[str, Any]:
    return {"previous_version": am.previous_version, "previous_status": am.status, "changed": changed}


@rule("amendment.after_hold")
def after_hold(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    am = _amendment(ctx)
    if am is None or am.status not in ACTED_ON:
        return
    changed = changes(am.previous, decl)
    yield make_hit(
        spec, severity=Severity.medium, subject="declaration", action=Action.check_documents,
        evidence=_evidence(am, changed),
        explanation=(f"Amendment of version {am.previous_version}, which was {am.status}: "
                     f"{', '.join(changed) or 'no field'} changed; it stays held until an officer has seen the change."))


@rule("amendment.goods_changed")
def goods_changed(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    am = _amendment(ctx)
    if am is None:
        return
    changed = goods_changes(am.previous, decl)
    if not changed:
        return
    acted_on = am.status in ACTED_ON
    yield make_hit(
        spec, severity=Severity.high if acted_on else Severity.medium, subject="items",
        action=Action.inspect if acted_on else Action.check_documents, evidence=_evidence(am, changed),
        explanation=(f"The goods changed from version {am.previous_version} ({am.status}): {', '.join(changed)}. "
                     + ("Goods swapped after a hold are inspected." if acted_on else "The documents are checked against the new goods.")))
