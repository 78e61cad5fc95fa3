"""Route rules: destinations, end users, transit and dispatch countries against diversion patterns.

Each hit is built from the remembered outcome of its kind of finding (kordon.screen.hits.remembered), keyed by the
values of its evidence a jurisdiction profile may read: under a profile it is built as under none, with the
profile's action, legal basis and legal sentence in place of the finding's closing full stop."""

from __future__ import annotations

from typing import Iterator

from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Declaration, DeclarationType, Hit, PartyRole, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import judged_hit, remembered
from kordon.screen.registry import rule

_OUTBOUND = (DeclarationType.export, DeclarationType.transit, DeclarationType.re_export)


def _listed_items(decl: Declaration, ctx: ScreeningContext) -> list[int]:
    return [i for i, matches in enumerate(ctx.item_matches(decl)) if matches]


@rule("route.restricted_destination")
def restricted_destination(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    dest = decl.route.destination
    if decl.type in _OUTBOUND and dest in ctx.restricted:
        yield judged_hit(remembered(ctx, spec, Severity.low, ()), "route",
                         f"The goods are bound for {dest}, a destination under trade restrictions; check that no item is controlled",
                         {"destination": dest})


@rule("route.restricted_end_user")
def restricted_end_user(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    dest = decl.route.destination
    if decl.type not in _OUTBOUND or dest in ctx.restricted:
        return
    for i, party in decl.parties_with_role(PartyRole.end_user, PartyRole.consignee, PartyRole.payer):
        if party.country in ctx.restricted:
            role, subject = party.role.value, f"parties[{i}]"
            yield judged_hit(
                remembered(ctx, spec, Severity.high, (role,)), subject,
                f"The {role.replace('_', ' ')} {party.name} is in {party.country}, "
                f"but the goods are declared for {dest}: a diversion pattern; establish the real destination",
                {"role": role, "party_country": party.country, "destination": dest},
            )


@rule("route.transit_restricted")
def transit_restricted(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    dest = decl.route.destination
    if decl.type not in _OUTBOUND or dest in ctx.restricted:
        return
    through = [c for c in decl.route.transit if c in ctx.restricted]
    if through:
        listed = _listed_items(decl, ctx)
        # Kazakh exports to Europe often cross Russia lawfully; without listed goods this is only a note.
        yield judged_hit(
            remembered(ctx, spec, Severity.high if listed else Severity.low, ()), "route",
            f"The goods are declared for {dest} but routed through {', '.join(through)}"
            + (f", with {len(listed)} listed item(s)" if listed else "")
            + ": possible false transit; confirm arrival at the declared destination",
            {"transit": decl.route.transit, "restricted_transit": through, "destination": dest, "listed_items": listed},
        )


@rule("route.transit_to_restricted")
def transit_to_restricted(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    here = ctx.settings.screening_country
    dest = decl.route.destination
    crosses = decl.type is DeclarationType.transit or here in decl.route.transit
    if crosses and dest in ctx.restricted and decl.route.dispatch != here:
        listed = _listed_items(decl, ctx)
        yield judged_hit(
            remembered(ctx, spec, Severity.high if listed else Severity.medium, ()), "route",
            f"Transit through {here} from {decl.route.dispatch} to {dest}"
            + (f" with {len(listed)} listed item(s): the transit of controlled goods needs a Kazakh transit licence" if listed else "")
            + "; check the transit documents",
            {"dispatch": decl.route.dispatch, "destination": dest, "listed_items": listed},
        )


@rule("route.diversion_hub")
def diversion_hub(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    if decl.type not in _OUTBOUND:
        return
    here = ctx.settings.screening_country
    hubs = set(ctx.settings.diversion_hubs) - {here}
    dispatch = decl.route.dispatch
    hit_countries = ([dispatch] if dispatch in hubs else []) + [c for c in decl.route.transit if c in hubs and c != dispatch]
    if not hit_countries:
        return
    listed = _listed_items(decl, ctx)
    yield judged_hit(
        remembered(ctx, spec, Severity.medium if listed else Severity.low, ()), "route",
        f"The consignment comes from or passes through {', '.join(hit_countries)}, named as diversion hub(s) in current advisories"
        + (f", carrying {len(listed)} listed item(s)" if listed else ""),
        {"hubs": hit_countries, "dispatch": dispatch, "listed_items": listed},
    )


@rule("route.foreign_origin_reexport")
def foreign_origin_reexport(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    if decl.type not in _OUTBOUND:
        return
    from kordon.screen.goods import precision, restricted_parties

    bound = restricted_parties(decl, ctx)
    hubs = set(ctx.settings.diversion_hubs)
    sanctioning = set(ctx.settings.sanctioning_countries)
    matches = ctx.item_matches(decl)
    for i, item in enumerate(decl.items):
        origin = item.origin or decl.route.origin
        if not origin or origin == decl.route.dispatch or origin not in sanctioning:
            continue
        if not matches[i] or not (bound or decl.route.destination in hubs):
            continue
        subject = f"items[{i}]"
        # Which lists hold the item itself, not just perhaps its kind: what a profile's `item_on` reads (the re-export
        # controls reach goods that are listed, not every good under a listed code). In the hit, so it explains itself.
        exact_on = sorted({m.list.id for m in matches[i] if not m.entry.illustrative and precision(m) == "exact"})
        yield judged_hit(
            remembered(ctx, spec, Severity.high if bound else Severity.medium,
                       (origin, tuple(bound), decl.type, tuple(exact_on))),
            subject,
            f"Item {i + 1} is a listed good made in {origin}, dispatched from {decl.route.dispatch} "
            f"towards {decl.route.destination}: a re-export pattern; ask for the original export licence and end-use statement",
            {"origin": origin, "dispatch": decl.route.dispatch, "destination": decl.route.destination, "bound_for": bound,
             "declaration_type": decl.type.value, "exact_on": exact_on},
        )
