"""Party rules: new traders, intermediaries as consignee, third-country payers, goods outside a
party's usual line of business."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Iterator

from kordon.index.history import history_of, party_key
from kordon.index.hs import format_code
from kordon.index.lexicon import intermediaries
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Declaration, Hit, Party, PartyRole, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import make_hit
from kordon.screen.redflags.common import OUTBOUND, high_priority
from kordon.screen.registry import rule

# The date the BIS/FinCEN alerts use: firms formed after the invasion deserve a closer look.
INVASION = dt.date(2022, 2, 24)


def bin_registered(party: Party) -> dt.date | None:
    """Registration month from a Kazakh BIN (digits 1-4 are YYMM)."""
    value = party.identifiers.get("bin")
    if not value or len(value) != 12 or not value.isdigit():
        return None
    yy, mm = int(value[:2]), int(value[2:4])
    if not 1 <= mm <= 12:
        return None
    return dt.date(2000 + yy, mm, 1)


@rule("party.new")
def new_party(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """A trader first seen recently (or registered after Feb 2022) ships controlled goods out."""
    if decl.type not in OUTBOUND:
        return
    history = history_of(ctx)
    days = int(spec.params.get("recent_days", 90))
    min_history = int(spec.params.get("min_history", 100))
    any_listed = any(high_priority(decl, ctx, item) for item in decl.items)
    for i, party in decl.parties_with_role(PartyRole.consignor, PartyRole.consignee, PartyRole.end_user):
        reasons: list[str] = []
        evidence: dict[str, Any] = {"party": party.name, "role": party.role.value}
        registered = bin_registered(party)
        if registered and registered >= INVASION and (decl.date - registered).days <= 365 * 2:
            reasons.append(f"registered {registered:%Y-%m} according to its BIN")
            evidence["bin_registered"] = registered.isoformat()
        # A foreign buyer new to this country's records is ordinary; it only counts for listed goods.
        local = party.country == ctx.settings.screening_country
        if (local or any_listed) and history is not None and len(history) >= min_history and history.first_date \
                and (decl.date - history.first_date).days > days:
            seen = history.first_seen.get(party_key(party))
            if seen is None or seen > decl.date:
                reasons.append("never seen in the trade history")
                evidence["first_seen"] = None
            elif (decl.date - seen).days <= days:
                reasons.append(f"first seen {seen.isoformat()}, {(decl.date - seen).days} days ago")
                evidence["first_seen"] = seen.isoformat()
        if not reasons:
            continue
        yield make_hit(
            spec,
            severity=Severity.high if any_listed else Severity.low,
            subject=f"parties[{i}]",
            explanation=(
                f"The {party.role.value} {party.name} is new: {'; '.join(reasons)}"
                + ("; a new trader in listed goods is a shell-firm red flag, verify it exists and trades." if any_listed else ".")
            ),
            evidence={**evidence, "listed_goods": any_listed, "recent_days": days},
        )


@rule("party.intermediary_consignee")
def intermediary_consignee(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    version, pattern = intermediaries()
    any_listed = any(high_priority(decl, ctx, item) for item in decl.items)
    for i, party in decl.parties_with_role(PartyRole.consignee, PartyRole.end_user):
        m = pattern.search(party.name.lower().replace("ё", "е"))
        if not m:
            continue
        # "Trading" names most import firms of Asia: without listed goods or a restricted destination the
        # name alone says little (coal to a Chinese "Trading Co." is ordinary trade), so it weighs low then.
        bound = decl.route.destination in ctx.restricted or party.country in ctx.restricted
        yield make_hit(
            spec,
            severity=Severity.high if any_listed else (Severity.medium if bound else Severity.low),
            subject=f"parties[{i}]",
            explanation=(
                f"The {party.role.value.replace('_', ' ')} {party.name} looks like a forwarder or trading firm (\"{m.group(0)}\"), "
                "so the real end user is hidden; ask for the end-user statement."
            ),
            evidence={"party": party.name, "role": party.role.value, "matched": m.group(0), "listed_goods": any_listed, "lexicon_version": version},
        )


@rule("party.third_country_payer")
def third_country_payer(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    on_route = {decl.route.dispatch, decl.route.destination, *decl.route.transit, ctx.settings.screening_country}
    if decl.route.origin:
        on_route.add(decl.route.origin)
    trading = {p.country for _, p in decl.parties_with_role(PartyRole.consignor, PartyRole.consignee, PartyRole.end_user)}
    payers: list[tuple[str, str]] = []
    if decl.payment is not None:
        payers.append((decl.payment.payer_country, "payment"))
    payers += [(p.country, f"parties[{i}]") for i, p in decl.parties_with_role(PartyRole.payer)]
    for country, subject in payers:
        if country in on_route or country in trading:
            continue
        restricted = country in ctx.restricted
        yield make_hit(
            spec,
            severity=Severity.high if restricted else Severity.medium,
            subject=subject,
            explanation=(
                f"The goods are paid from {country}, a country neither on the route nor of the trading parties; "
                "ask who pays and why."
            ),
            evidence={"payer_country": country, "route_countries": sorted(on_route), "party_countries": sorted(trading)},
        )


@rule("party.outside_line")
def outside_line(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """Goods in an HS chapter the consignee has never traded, for a consignee with a record.

    Only consignees in the screening country: their imports are all on record here, while a foreign
    buyer's line of business is only the part of it that passes this country."""
    history = history_of(ctx)
    if history is None:
        return
    min_decls = int(spec.params.get("min_declarations", 5))
    for _i, party in decl.parties_with_role(PartyRole.consignee):
        if party.country != ctx.settings.screening_country:
            continue
        key = party_key(party)
        if history.party_declarations.get(key, 0) < min_decls:
            continue
        usual: Counter[str] = history.chapters.get(key) or Counter()
        for j, item in enumerate(decl.items):
            chapter = item.hs_code[:2]
            if usual.get(chapter):
                continue
            top = [c for c, _ in sorted(usual.items(), key=lambda kv: -kv[1])[:3]]
            yield make_hit(
                spec,
                severity=Severity.high if high_priority(decl, ctx, item) else Severity.low,
                subject=f"items[{j}]",
                explanation=(
                    f"{party.name} usually trades HS chapters {', '.join(top)} ({history.party_declarations[key]} declarations) "
                    f"but item {j + 1} is {format_code(item.hs_code)}, chapter {chapter}; ask why it buys these goods."
                ),
                evidence={"party": party.name, "chapter": chapter, "usual_chapters": top, "declarations": history.party_declarations[key]},
            )
