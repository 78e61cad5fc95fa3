"""Goods rules: declared codes against the nomenclature in force and against the control lists.

Each goods hit says how sure it is (`evidence.precision`): "exact" when the declared code is as narrow
as or narrower than the listed entry and the list defines its goods by that code; "may_fall_under" when
the entry is narrower than the declared code, or the list defines goods more narrowly than HS6 (CN codes,
technical parameters). "May fall under" asks for the document that settles it and never refuses; nor
does an illustrative entry. A list's entries count only for the destinations its measure covers.
Jurisdiction profiles (applied after the rules) map these facts to their own actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from kordon.index.goods import GoodsMatch
from kordon.index.hs import (
    EAEU,
    code_ranges,
    declaration_editions,
    edition_for,
    format_code,
    validate_code,
)
from kordon.index.lexicon import terms
from kordon.ingest.goods_lists import GoodsList
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import (
    Action,
    Declaration,
    DeclarationType,
    Hit,
    Item,
    ListRef,
    PartyRole,
    Severity,
)
from kordon.screen.context import JUDGED_MAX, ScreeningContext
from kordon.decide.profiles import KeySpec
from kordon.screen.hits import Judged, judged_hit, lower, make_hit
from kordon.screen.registry import rule

# Which rule speaks for which list; a user's own list counts as a national licensing list
# unless its metadata names another rule.
LIST_RULES = {"chpl": "goods.chpl", "eu_russia_hs6": "goods.eu_russia", "kz_national": "goods.national"}

# How a list defines its goods (list metadata `defined_by`): by the HS code itself, or more narrowly.
DEFINED_NARROWER = {"cn": "the measure lists CN codes, narrower than the HS code",
                    "parameters": "the control list defines goods by technical parameters, not by HS code"}
DEFAULT_SETTLE = "the technical data sheet"


@dataclass(frozen=True)
class ListView:
    """What the goods rules read from a list's metadata, parsed once per list (hot path)."""

    rule: str
    destinations: list[str] | None  # ISO2 destinations the measure covers; None = every destination
    narrower: str | None  # why the list defines goods more narrowly than the HS code, if it does
    code_defined: frozenset[str]  # categories whose entries the code does define
    settle: str  # the document that settles a "may fall under"
    watch_elsewhere: bool  # hits outside the covered destinations still call for due diligence
    deny: frozenset[str]  # categories that refuse; empty = all


def view(gl: GoodsList) -> ListView:
    try:
        cached: ListView = gl.__dict__["_goods_view"]
        return cached
    except KeyError:
        pass
    meta = gl.meta
    dests = meta.get("destinations")
    v = ListView(
        rule=str(meta.get("rule") or LIST_RULES.get(gl.id, "goods.national")),
        destinations=[str(c).upper() for c in dests] if dests else None,
        narrower=DEFINED_NARROWER.get(str(meta.get("defined_by") or "hs")),
        code_defined=frozenset(str(c) for c in meta.get("code_defined_categories") or ()),
        settle=str(meta.get("settle_with") or DEFAULT_SETTLE),
        watch_elsewhere=bool(meta.get("watch_elsewhere")),
        deny=frozenset(str(c) for c in meta.get("deny_categories") or ()),
    )
    gl.__dict__["_goods_view"] = v  # lists never change after loading; a new list is a new object
    return v


def list_rule(match: GoodsMatch) -> str:
    return view(match.list).rule


def restricted_parties(decl: Declaration, ctx: ScreeningContext) -> list[str]:
    """Restricted countries the goods are bound for: destination, consignee or end user."""
    found = []
    if decl.route.destination in ctx.restricted:
        found.append(decl.route.destination)
    for _, party in decl.parties_with_role(PartyRole.consignee, PartyRole.end_user):
        if party.country in ctx.restricted and party.country not in found:
            found.append(party.country)
    return found


def defined_narrower(m: GoodsMatch) -> str | None:
    """Why the list's own definition is narrower than the HS code, if it is. A list may name categories
    whose entries its code does define (list metadata `code_defined_categories`: arms and ammunition of
    chapter 93 are military goods whatever their parameters)."""
    v = view(m.list)
    if v.narrower and not m.entry.illustrative and m.entry.category in v.code_defined:
        return None
    return v.narrower


def precision(m: GoodsMatch) -> str:
    return "may_fall_under" if m.partial or defined_narrower(m) else "exact"


def destinations(m: GoodsMatch) -> list[str] | None:
    """ISO2 destinations the list's measure covers; None = every destination."""
    return view(m.list).destinations


def covered(bound: list[str], m: GoodsMatch) -> list[str]:
    dests = view(m.list).destinations
    return bound if dests is None else [c for c in bound if c in dests]


def _describe(item: Item, index: int, m: GoodsMatch, how: str) -> str:
    code = format_code(item.hs_code)
    text = item.description if len(item.description) <= 40 else item.description[:39] + "…"
    what = f"Item {index + 1} ({code}, \"{text}\")"
    listed = format_code(m.entry.code)
    label = m.list.label
    category = f" ({m.entry.category.replace('|', ', ').replace('_', ' ')})" if m.entry.category else ""
    if m.partial and m.via:
        out = f"{what} may fall under {listed}{category} of the {label}: only part of the goods under {code} are listed"
        if m.relationship:
            out += f" (list in {m.list.edition}, UNSD correlation {m.relationship})"
    elif m.via:
        out = f"{what} corresponds to {listed}{category} of the {label} (list in {m.list.edition}, UNSD correlation {m.relationship})"
    elif how == "may_fall_under":
        out = f"{what} may fall under {listed}{category} of the {label}"
    else:
        out = f"{what} is listed under {listed}{category} on the {label}"
    narrower = defined_narrower(m)
    if how == "may_fall_under" and narrower:
        out += f"; {narrower}"
    if m.weakness:
        out += (f"; a weak link: {m.via or listed} and the declared code belong to an n:n group in which one code "
                f"corresponds to {m.fanout} codes of the other edition, so only a small share of the goods is concerned")
    return out


def _denies(m: GoodsMatch) -> bool:
    """Lists may limit refusals to some categories (list metadata `deny_categories`); by default all entries deny."""
    deny = view(m.list).deny
    if not deny:
        return True
    return bool(set(m.entry.category.split("|")) & deny)


Outcome = tuple[Severity, Action | None, str]


def _judge(decl: Declaration, item: Item, m: GoodsMatch, how: str, bound: list[str]) -> Outcome | None:
    """Severity, neutral default action and consequence of one match; None when the measure does not reach
    this declaration (a ban on exports to Russia says nothing about coal bound for China)."""
    if decl.type is DeclarationType.import_ and m.list.applies_to != "all_destinations":
        return Severity.info, None, "import of a listed item; keep it in view for later re-export"
    if m.list.applies_to == "all_destinations":
        return _licensing(item, m, how, bound)
    if not bound:
        if not view(m.list).watch_elsewhere:
            return None
        # e.g. the CHPL: its guidance asks for enhanced due diligence on every third-country buyer.
        severity = lower(Severity(m.entry.severity or m.list.default_severity), 1 if how == "exact" else 2)
        return severity, None, "ask for end-user information (enhanced due diligence)"
    return _bound_for_restricted(item, m, how, bound)


def _licensing(item: Item, m: GoodsMatch, how: str, bound: list[str]) -> Outcome:
    """A list whose goods need a licence whatever the destination (national control list)."""
    firm = how == "exact" and not m.entry.illustrative
    if firm and bound and m.entry.category == "military":
        return Severity.critical, Action.deny, f"military goods may not be exported to {', '.join(bound)}"
    if item.licence:
        return Severity.low, Action.check_documents, f"check that licence {item.licence} covers it"
    entry_sev = Severity(m.entry.severity or m.list.default_severity)
    if not firm:
        return lower(entry_sev), Action.check_documents, (
            f"a licence is needed only if the goods are the controlled kind; ask for {view(m.list).settle}")
    if bound:
        return Severity.critical, Action.deny, f"it needs a licence, none is declared, and it is bound for {', '.join(bound)}: refuse"
    return entry_sev, Action.inspect, "it needs a licence and none is declared"


def _bound_for_restricted(item: Item, m: GoodsMatch, how: str, bound: list[str]) -> Outcome:
    """A list of goods banned for some destinations, and the goods are bound for one it covers."""
    where = ", ".join(bound)
    if item.licence:
        # The lawful path: a licence was granted; the officer checks that it covers these goods.
        return Severity.low, Action.check_documents, f"it is bound for {where}; check that licence {item.licence} covers it"
    if how != "exact" or m.entry.illustrative:
        # A code-defined list whose entry may cover the goods weighs more than a list drawn more narrowly
        # than HS6 (CN codes, parameters), where most goods under the HS6 are not the listed ones.
        severity = Severity.high if _denies(m) and defined_narrower(m) is None else Severity.medium
        return severity, Action.check_documents, (
            f"it is bound for {where}; ask for {view(m.list).settle} to establish whether the goods are the listed ones")
    if not _denies(m):
        # e.g. EU luxury or industrial-capacity bans: they bind EU exporters, so here the question is
        # whether EU-origin goods are being passed on, not a refusal in itself.
        return Severity.medium, Action.check_documents, (
            f"it is bound for {where}; the ban ({m.entry.category}) binds the list's own exporters, "
            "so check the origin and the no-Russia clause of the contract"
        )
    return Severity.critical, Action.deny, f"it is bound for {where} without a licence: refuse"


# Lexicon categories (data/lexicon/terms.yaml) that name the kind of goods of a list entry's category.
DESCRIBED_AS = {"uav": {"uav", "aviation"}, "armour": {"protective", "military_tech"},
                "weapons": {"military", "firearms", "military_tech"}, "thermal_night": {"dual_use", "uav"}}


def _named_in_description(item: Item, m: GoodsMatch) -> str | None:
    """The words of the description that name the entry's kind of goods ("беспилотные" for a UAV entry)."""
    cats = set(m.entry.category.split("|"))
    for cat, matched in terms().find(item.description):
        if cats & DESCRIBED_AS.get(cat.id, set()):
            return matched
    return None


def _confirm(outcome: Outcome, matched: str) -> Outcome:
    """A "may fall under" hit whose description names the listed kind of goods calls for inspection."""
    severity, action, consequence = outcome
    if action is not Action.check_documents:
        return outcome
    stronger = Severity.high if severity in (Severity.low, Severity.medium) else severity
    return stronger, Action.inspect, f"{consequence}; the description names such goods (\"{matched}\"): inspect"


def _weigh(outcome: Outcome, weakness: int) -> Outcome:
    """A link through a wide cross-chapter fan-out is kept but weighs less and never acts on its own."""
    severity, action, consequence = outcome
    if not weakness:
        return outcome
    return lower(severity, weakness), (Action.check_documents if action and weakness == 1 else None), consequence


def _goods_hits(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    all_matches = ctx.item_matches(decl)
    mine = [(i, m) for i, ms in enumerate(all_matches) for m in ms if view(m.list).rule == spec.id]
    if not mine:
        return
    edition = decl.hs_edition or edition_for(decl.date)
    restricted = restricted_parties(decl, ctx)
    on = ctx.list_date(decl).isoformat()
    way = spec.way  # the profile's, on the copy of the rule run_rules hands over under a profile
    memo = ctx.judged
    for i, m in mine:
        item = decl.items[i]
        how = precision(m)
        bound = covered(restricted, m)
        named = _named_in_description(item, m) if how == "may_fall_under" and not item.licence else None
        judged = _judged(memo, spec, decl, item, m, how, bound, named, way)
        if judged is None:
            continue
        subject = f"items[{i}]"
        yield judged_hit(judged, subject, _describe(item, i, m, how), {
            "hs_code": item.hs_code,
            "edition": edition,
            "listed_code": m.entry.code,
            "category": m.entry.category,
            "precision": how,
            "partial": m.partial,
            "via_correlation": m.relationship,
            "link_weakness": m.weakness,
            "fanout": m.fanout,
            "licence": item.licence,
            "bound_for": bound,
            "destinations": destinations(m),
            "settle_with": None if how == "exact" else view(m.list).settle,
            "legal_basis": m.entry.legal_basis or m.list.legal_basis,
            "illustrative": m.entry.illustrative,
            "lists_in_force_on": on,
        })


def _judged(memo: dict, spec: RuleSpec, decl: Declaration, item: Item, m: GoodsMatch, how: str, bound: list[str],
            named: str | None, way: KeySpec | None) -> Judged | None:
    """The outcome of one match, remembered per screening context (one list snapshot) and profile (`way`: how it
    decides this rule's hits) under all it reads apart from the item's words: the match, its precision, the covered
    restricted destinations, the licence, the declaration type and the words of the description that name the
    listed kind of goods. None: the measure does not reach this declaration."""
    key = (spec.id, id(m), how, tuple(bound), item.licence, decl.type, named, way)
    found = memo.get(key)
    if found is not None and found[0] is m and found[1] is spec:  # not a recycled id
        judged: Judged | None = found[2]
        return judged
    outcome = _judge(decl, item, m, how, bound)
    judged = None
    if outcome is not None:
        if named:
            outcome = _confirm(outcome, named)
        severity, action, consequence = _weigh(outcome, m.weakness)
        judged = Judged(spec, severity, action, ListRef(id=m.list.id, version=m.list.version, entry=m.entry.code),
                        consequence, " (illustrative list entry)" if m.entry.illustrative else "", way is not None)
    if len(memo) >= JUDGED_MAX:
        memo.clear()
    memo[key] = (m, spec, judged)
    return judged


@rule("goods.chpl")
def chpl(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)


@rule("goods.eu_russia")
def eu_russia(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)


@rule("goods.national")
def national(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    return _goods_hits(decl, ctx, spec)


def _listed_successors(ctx: ScreeningContext, codes: tuple[str, ...], edition: str, on: dt.date) -> str:
    by_list: dict[str, list[str]] = {}
    for code in codes:
        for m in ctx.goods.lookup(code, edition, on):
            by_list.setdefault(m.list.label, []).append(code)
    if not by_list:
        return "none of them is on a control list"
    parts = [f"{code_ranges(c)} {'is' if len(c) == 1 else 'are'} on the {label}" for label, c in by_list.items()]
    return "of which " + "; ".join(parts)


@rule("goods.code_valid")
def code_valid(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """Every declared code must exist in the nomenclature in force on the declaration date; an unknown
    or obsolete code is never green, and an obsolete one is read as all of its successors."""
    on = ctx.list_date(decl)
    national = ctx.settings.screening_country in EAEU
    for i, item in enumerate(decl.items):
        check = validate_code(item.hs_code, decl.date, national)
        declared = decl.hs_edition
        if check.valid and (declared is None or declared == check.edition):
            continue
        evidence: dict[str, object] = {"hs_code": item.hs_code, "status": check.status, "edition_in_force": check.edition,
                                       "declared_edition": declared, "declaration_date": decl.date.isoformat(),
                                       "searched_editions": list(declaration_editions(item.hs_code, declared, decl.date))}
        what = f"Item {i + 1} ({format_code(item.hs_code)})"
        if check.status == "unknown":
            severity, action = Severity.high, Action.check_documents
            text = (f"{what}: {check.reason}, so the goods cannot be screened against the control lists; "
                    "ask for the correct classification")
        elif check.status == "other_edition":
            successors = check.successors
            listed = _listed_successors(ctx, successors, check.edition, on)
            evidence["successors"] = list(successors)
            severity = Severity.high if listed.startswith("of which") else Severity.medium
            action = Action.check_documents
            if successors:
                text = (f"{what}: {check.reason}; in {check.edition} it may fall under {code_ranges(successors)} "
                        f"({len(successors)} subheadings), {listed}; ask for the classification in force")
            else:
                text = f"{what}: {check.reason}; ask for the classification in force"
        elif check.status == "national_unknown":
            severity, action = Severity.medium, Action.check_documents
            text = f"{what}: {check.reason}; ask for the 10-digit code in force"
        else:
            # Valid in the edition in force, but the declarant named another edition: both are read.
            severity, action = Severity.low, None
            text = (f"{what} is declared as {declared} but {check.edition} is in force on {decl.date.isoformat()}; "
                    f"it was read in both editions, so the choice removes no finding")
        yield make_hit(spec, severity=severity, subject=f"items[{i}]", explanation=text + ".", action=action, evidence=evidence)


@rule("declaration.date_gap")
def date_gap(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """The declared date decides the nomenclature; the lodgement date decides the lists. A declared date far
    before lodgement (backdating to an older list or edition) or after it is a finding."""
    max_days = int(spec.params.get("max_days", 30))
    if decl.lodged_at is not None:
        lodged, source = decl.lodged_at.date(), "lodged"
    else:
        lodged, source = ctx.list_date(decl), "screened"
    gap = (lodged - decl.date).days
    # Without a lodgement time, screening an archive later is normal: only a future date is a finding then.
    if gap < -1 or (source == "lodged" and gap > max_days):
        direction = "after" if gap < 0 else "before"
        yield make_hit(
            spec,
            severity=Severity.medium,
            subject="declaration",
            explanation=(f"The declaration is dated {decl.date.isoformat()}, {abs(gap)} days {direction} it was {source} "
                         f"({lodged.isoformat()}); the lists in force on {lodged.isoformat()} were applied. Ask why the dates differ."),
            action=Action.check_documents,
            evidence={"declared_date": decl.date.isoformat(), f"{source}_on": lodged.isoformat(), "gap_days": gap, "max_days": max_days},
        )
