"""Chain rules across declarations: amended destination or consignee, re-export of imported
controlled goods (the "virtual warehouse"), structuring below a threshold.

False transit through Russia is already the core rule route.transit_restricted.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from kordon.index.history import history_of, party_key, stock_amount
from kordon.index.hs import format_code
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Declaration, DeclarationType, Hit, PartyRole, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.goods import restricted_parties
from kordon.screen.hits import make_hit
from kordon.screen.redflags.common import OUTBOUND, high_priority, listed
from kordon.screen.registry import rule


@rule("chain.amended_route")
def amended_route(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    history = history_of(ctx)
    first = history.first_versions.get(decl.id) if history else None
    if first is None:
        return
    consignees = tuple(party_key(p) for _, p in decl.parties_with_role(PartyRole.consignee, PartyRole.end_user))
    changes = []
    if first.destination != decl.route.destination:
        changes.append(f"destination {first.destination} → {decl.route.destination}")
    if set(first.consignees) != set(consignees):
        now = [p.name for _, p in decl.parties_with_role(PartyRole.consignee, PartyRole.end_user)]
        changes.append(f"consignee {', '.join(first.consignee_names) or '—'} → {', '.join(now) or '—'}")
    if not changes:
        return
    to_restricted = decl.route.destination in ctx.restricted and first.destination not in ctx.restricted
    yield make_hit(
        spec,
        severity=Severity.high if to_restricted else Severity.medium,
        subject="route",
        explanation=f"Declaration {decl.id} was amended after it was first lodged on {first.date}: {'; '.join(changes)}; ask for the reason.",
        action=Action.check_documents,
        evidence={"first_lodged": first.date.isoformat(), "first_destination": first.destination, "destination": decl.route.destination,
                  "first_consignees": list(first.consignee_names), "changes": changes},
    )


@rule("chain.reexport")
def reexport(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """Controlled goods imported by the same or a related party within N days, now leaving for a
    restricted destination: the per-party stock by HS6 links the two."""
    history = history_of(ctx)
    if history is None or decl.type not in OUTBOUND:
        return
    bound = restricted_parties(decl, ctx)
    if not bound:
        return
    window = dt.timedelta(days=int(spec.params.get("window_days", 180)))
    senders = decl.parties_with_role(PartyRole.consignor, PartyRole.declarant)
    for j, item in enumerate(decl.items):
        if not listed(decl, ctx, item):
            continue
        hs6 = item.hs_code[:6]
        for _i, party in senders:
            imports, out = _recent_stock(history, decl, party, hs6, window)
            if imports:
                yield _reexport_hit(spec, decl, ctx, j, item, party, imports, out, bound, window)
                break


def _recent_stock(history, decl: Declaration, party, hs6: str, window: dt.timedelta) -> tuple[list, float]:  # noqa: ANN001
    """Imports of hs6 by the party or a related one within the window, and what already went out."""
    imports, out = [], 0.0
    for key in history.related(party):
        for ev in history.stock_events(key, hs6):
            if ev.declaration_id == decl.id or not (decl.date - window <= ev.date <= decl.date):
                continue
            if ev.amount > 0:
                imports.append((ev, key))
            else:
                out -= ev.amount
    return imports, out


def _reexport_hit(spec: RuleSpec, decl: Declaration, ctx: ScreeningContext, j: int, item, party, imports: list,  # noqa: ANN001
                  out: float, bound: list[str], window: dt.timedelta) -> Hit:
    hs6 = item.hs_code[:6]
    imported = sum(ev.amount for ev, _ in imports)
    # Only the broad EU HS6 list: ordinary re-export trade looks like this too, so a document check.
    priority = high_priority(decl, ctx, item)
    if not priority:
        severity, action = Severity.medium, Action.check_documents
    else:
        severity, action = (Severity.critical if item.licence is None else Severity.high), Action.inspect
    related = sorted({k for _, k in imports} - {party_key(party)})
    return make_hit(
        spec,
        severity=severity,
        subject=f"items[{j}]",
        explanation=(
            f"{party.name}{' (or a party at the same address)' if related else ''} imported {format_code(hs6)} "
            f"{len(imports)} time(s) in the last {window.days} days ({imported:g} in, {out:g} already out) and now sends "
            f"{stock_amount(item):g} towards {', '.join(bound)}: a re-export of controlled goods; "
            + ("inspect and check the licence." if priority else "check the documents for the end user.")
        ),
        action=action,
        evidence={"hs6": hs6, "party": party.name,
                  "imports": [{"declaration": ev.declaration_id, "date": ev.date.isoformat(), "amount": ev.amount} for ev, _ in imports[-5:]],
                  "imported": imported, "exported_before": out, "balance": imported - out, "related_parties": related, "bound_for": bound,
                  "window_days": window.days},
    )


@rule("chain.structuring")
def structuring(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """Several consignments between the same two parties, each below the threshold, together above it."""
    history = history_of(ctx)
    if history is None or decl.type is DeclarationType.import_:
        return
    threshold = float(spec.params.get("threshold", 10000))
    currency = str(spec.params.get("currency", "USD"))
    window = dt.timedelta(days=int(spec.params.get("window_days", 30)))
    min_count = int(spec.params.get("min_consignments", 3))
    value = sum(float(it.value) for it in decl.items if it.value is not None and it.currency == currency)
    if not value or value >= threshold:
        return
    consignor = next((p for _, p in decl.parties_with_role(PartyRole.consignor)), None)
    consignee = next((p for _, p in decl.parties_with_role(PartyRole.consignee)), None)
    if consignor is None or consignee is None:
        return
    earlier = [c for c in history.recent_consignments(party_key(consignor), party_key(consignee))
               if c.currency == currency and c.declaration_id != decl.id and decl.date - window <= c.date <= decl.date and c.value < threshold]
    total = value + sum(c.value for c in earlier)
    if len(earlier) + 1 < min_count or total < threshold:
        return
    yield make_hit(
        spec,
        severity=Severity.medium,
        subject="declaration",
        explanation=(
            f"{consignor.name} sent {consignee.name} {len(earlier) + 1} consignments in {window.days} days, each under "
            f"{threshold:g} {currency} but {total:g} {currency} together: possible splitting to stay below the threshold."
        ),
        action=Action.check_documents,
        evidence={"consignments": [c.declaration_id for c in earlier] + [decl.id], "total": total, "threshold": threshold,
                  "currency": currency, "window_days": window.days},
    )
