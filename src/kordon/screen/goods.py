"""Goods rules: declared codes against the control lists, in the HS edition of the declaration date."""

from __future__ import annotations

from typing import Iterator

from kordon.index.goods import GoodsMatch
from kordon.index.hs import edition_for, format_code
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Declaration, DeclarationType, Hit, Item, ListRef, PartyRole, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import lower, make_hit
from kordon.screen.registry import rule

# Which rule speaks for which list; a user's own list counts as a national licensing list
# unless its metadata names another rule.
LIST_RULES = {"chpl": "goods.chpl", "eu_russia_hs6": "goods.eu_russia", "kz_national": "goods.national"}


def list_rule(match: GoodsMatch) -> str:
    return str(match.list.meta.get("rule") or LIST_RULES.get(match.list.id, "goods.national"))


def restricted_parties(decl: Declaration, ctx: ScreeningContext) -> list[str]:
    """Restricted countries the goods are bound for: destination, consignee or end user."""
    found = []
    if decl.route.destination in ctx.restricted:
        found.append(decl.route.destination)
    for _, party in decl.parties_with_role(PartyRole.consignee, PartyRole.end_user):
        if party.country in ctx.restricted and party.country not in found:
            found.append(party.country)
    return found


def _describe(item: Item, index: int, m: GoodsMatch) -> str:
    code = format_code(item.hs_code)
    text = item.description if len(item.description) <= 40 else item.description[:39] + "…"
    what = f"Item {index + 1} ({code}, \"{text}\")"
    listed = format_code(m.entry.code)
    label = m.list.label
    category = f" ({m.entry.category.replace('|', ', ').replace('_', ' ')})" if m.entry.category else ""
    if m.partial and m.via:
        return f"{what} may fall under {listed}{category} of the {label}: only part of the goods under {code} are listed"
    if m.via:
        return f"{what} corresponds to {listed}{category} of the {label} (HS {m.list.edition}, UNSD correlation {m.relationship})"
    return f"{what} is listed under {listed}{category} on the {label}"


def _denies(m: GoodsMatch) -> bool:
    """Lists may limit refusals to some categories (list metadata `deny_categories`); by default all entries deny."""
    deny = m.list.meta.get("deny_categories")
    if not deny:
        return True
    return bool(set(m.entry.category.split("|")) & set(deny))


def _severity_and_action(decl: Declaration, ctx: ScreeningContext, item: Item, m: GoodsMatch,
                         bound: list[str]) -> tuple[Severity, Action | None, str]:
    if decl.type is DeclarationType.import_ and m.list.applies_to != "all_destinations":
        return Severity.info, None, "import of a listed item; keep it in view for later re-export"
    if m.list.applies_to == "all_destinations":
        return _licensing_list(item, m, bound)
    if bound:
        return _bound_for_restricted(item, m, bound)
    # Not bound for a restricted country: enhanced due diligence, the more so for the top tiers.
    severity = lower(Severity(m.entry.severity or m.list.default_severity))
    if m.partial:
        severity = lower(severity)
    return severity, None, "ask for end-user information (enhanced due diligence)"


def _licensing_list(item: Item, m: GoodsMatch, bound: list[str]) -> tuple[Severity, Action | None, str]:
    """A list whose goods need a licence to any destination (national and dual-use control lists)."""
    if bound and m.entry.category == "military" and not m.partial:
        return Severity.critical, Action.deny, f"military goods may not be exported to {', '.join(bound)}"
    if item.licence:
        return Severity.low, Action.check_documents, f"check that licence {item.licence} covers it"
    if bound and not m.partial:
        return Severity.critical, Action.deny, f"it needs a licence, none is declared, and it is bound for {', '.join(bound)}: refuse"
    entry_sev = Severity(m.entry.severity or m.list.default_severity)
    severity = lower(entry_sev) if m.partial else entry_sev
    return severity, (Action.check_documents if m.partial else Action.inspect), "it needs a licence and none is declared"


def _bound_for_restricted(item: Item, m: GoodsMatch, bound: list[str]) -> tuple[Severity, Action | None, str]:
    """A list of goods banned for some destinations, and the goods are bound for one of them."""
    if item.licence:
        # The lawful path: a licence was granted; the officer checks that it covers these goods.
        return Severity.low, Action.check_documents, f"it is bound for {', '.join(bound)}; check that licence {item.licence} covers it"
    if m.partial:
        return Severity.high, Action.inspect, f"it is bound for {', '.join(bound)} without a licence; inspect to establish the exact goods"
    if not _denies(m):
        # e.g. EU luxury or industrial-capacity bans: they bind EU exporters, so here the question is
        # whether EU-origin goods are being passed on, not a refusal in itself.
        return Severity.medium, Action.check_documents, (
            f"it is bound for {', '.join(bound)}; the ban ({m.entry.category}) binds the list's own exporters, "
            "so check the origin and the no-Russia clause of the contract"
        )
    return Severity.critical, Action.deny, f"it is bound for {', '.join(bound)} without a licence: refuse"


def _goods_hits(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    all_matches = ctx.item_matches(decl)
    if not any(all_matches):
        return
    edition = decl.hs_edition or edition_for(decl.date)
    bound = restricted_parties(decl, ctx)
    for i, item in enumerate(decl.items):
        for m in all_matches[i]:
            if list_rule(m) != spec.id:
                continue
            severity, action, consequence = _severity_and_action(decl, ctx, item, m, bound)
            note = " (illustrative list entry)" if m.entry.illustrative else ""
            yield make_hit(
                spec,
                severity=severity,
                subject=f"items[{i}]",
                explanation=f"{_describe(item, i, m)}; {consequence}.{note}",
                action=action,
                list_ref=ListRef(id=m.list.id, version=m.list.version, entry=m.entry.code),
                evidence={
                    "hs_code": item.hs_code,
                    "edition": edition,
                    "listed_code": m.entry.code,
                    "category": m.entry.category,
                    "partial": m.partial,
                    "via_correlation": m.relationship,
                    "licence": item.licence,
                    "bound_for": bound,
                    "legal_basis": m.entry.legal_basis or m.list.legal_basis,
                    "illustrative": m.entry.illustrative,
                },
            )


@rule("goods.chpl")
def chpl(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)


@rule("goods.eu_russia")
def eu_russia(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)


@rule("goods.national")
def national(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)
