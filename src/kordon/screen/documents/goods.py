"""Goods rules (CHPL, national list, EU annexes) and party screening on SNT rows: the declaration rules
themselves, run on the SNT seen as an export declaration (seller = consignor, customer = consignee).

The same sellers, customers and goods recur SNT after SNT, so within a run over one list snapshot (one
DocumentContext) the findings are remembered per party and per row (`ScreeningMemo`): an SNT whose parties and
rows have all been seen is answered from memory, with the same reasons in the same order as the rules give."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from kordon.index.hs import EAEU, declaration_editions, validate_code
from kordon.models import Declaration
from kordon.models.declaration import DECLARATION_ID_MAX, DECLARATION_ID_PATTERN
from kordon.models.documents import SNT, Reason
from kordon.screen.context import ScreeningContext
from kordon.screen.pipeline import run_rules

REUSED = ("goods.", "parties.")
_LICENCE_FIELDS = ("licence", "license", "licenseNumber", "licenceNumber", "permitNumber")
_SUBJECT = re.compile(r"(items|parties)\[(\d+)\]")
_ID = re.compile(DECLARATION_ID_PATTERN)
_NOT_ID = re.compile(r"[^A-Za-z0-9._:-]+")


def _licence(row) -> str | None:  # noqa: ANN001 - SNTProduct
    extra = row.model_extra or {}
    return next((str(extra[k]) for k in _LICENCE_FIELDS if extra.get(k)), None)


def _parties(snt: SNT) -> list[tuple[str, str, str | None, dict[str, str]]]:
    """(role, name, country, identifiers) of the SNT's seller and customer as the declaration rules see them."""
    info = snt.shippingInfo
    buyer_country = snt.customer.country_code or info.destinationCountry
    return [("consignor", snt.seller.name, snt.seller.country_code or info.departureCountry,
             {"bin": snt.seller.tin} if snt.seller.tin else {}),
            ("consignee", snt.customer.name, buyer_country,
             {("bin" if buyer_country == "KZ" else "tin"): snt.customer.tin} if snt.customer.tin else {})]


def _declaration_id(number: str) -> str:
    """The SNT's number as a declaration id. No rule reads the id, and an SNT number may hold what a declaration id
    may not ("/", spaces): the goods of such an SNT are screened like any other's, not failed on its number."""
    if _ID.fullmatch(number) and len(number) <= DECLARATION_ID_MAX:
        return number
    return ("SNT-" + _NOT_ID.sub("-", number))[:DECLARATION_ID_MAX]


def as_declaration(snt: SNT) -> Declaration:
    info = snt.shippingInfo
    parties = [{"role": role, "name": name, "country": country, "identifiers": ids} for role, name, country, ids in _parties(snt)]
    items = [{"hs_code": row.codeTNVED, "description": row.productName or "(no name on the SNT)", "quantity": row.quantity,
              "unit": row.unit, "licence": _licence(row)} for _, row in snt.rows()]
    return Declaration.model_validate({
        "id": _declaration_id(snt.registrationNumber), "type": "export", "date": snt.shipped, "parties": parties,
        "route": {"dispatch": info.departureCountry, "destination": info.destinationCountry}, "items": items})


@dataclass
class ScreeningMemo:
    """Findings per party and per row, for one screening context and profile (a new list version is a new context;
    a memo handed another context or profile forgets what it holds).

    A key holds exactly what the findings read, and nothing they do not, so that it recurs:
    - a party's: its place on the SNT (the findings name it), role, name, country and identifiers, and the day of
      screening (an allow-list entry expires on a day);
    - a row's: its place (index, section, rowNumber), code, name, unit and licence; the route and the parties'
      countries (whether the goods are bound for a restricted destination); the day of screening (the lists in
      force, `lists_in_force_on`); and of the shipping day only what the goods rules read of it (`_day`): the HS
      editions the code is read in, and the day itself when the code is not valid that day (`goods.code_valid`
      names the date). Not the quantity: no goods rule reads it (the declaration model's checks on it are the
      SNT model's own, so a quantity cannot make the declaration invalid where the SNT is valid)."""

    limit: int = 200_000
    # Each row keeps its findings (about 5 KB a row): capped lower, so that a run over rows that seldom recur (many
    # product names) does not hold the findings of every row it saw.
    row_limit: int = 20_000
    parties: dict[Hashable, list[tuple[str, Reason]]] = field(default_factory=dict)
    rows: dict[Hashable, list[tuple[str, Reason]]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    parties_reused: int = 0  # of the misses: every party seen before, only the rows screened
    rows_reused: int = 0  # of the misses: every row seen before, only the parties screened
    owner: tuple[int, str | None] | None = None  # id of the screening context, and the profile, the findings are for
    context: ScreeningContext | None = None  # held, so that its id names no other context while the memo lives
    order: dict[str, int] = field(default_factory=dict)  # the rules' order in the context's rule pack

    def bind(self, ctx: ScreeningContext, profile: str | None) -> None:
        if self.owner != (id(ctx), profile) or self.context is not ctx:
            self.parties.clear()
            self.rows.clear()
            self.owner, self.context = (id(ctx), profile), ctx
            self.order = {spec.id: n for n, spec in enumerate(ctx.rules.enabled())}

    def keys(self, snt: SNT, ctx: ScreeningContext | None = None, today: dt.date | None = None) -> tuple[list[Hashable], list[Hashable]]:
        parties = _parties(snt)
        party_keys: list[Hashable] = [(i, role, name, country, tuple(sorted(ids.items())), today)
                                      for i, (role, name, country, ids) in enumerate(parties)]
        info = snt.shippingInfo
        day = snt.shipped
        route = (info.departureCountry, info.destinationCountry, tuple(p[2] for p in parties), today)
        national = ctx is None or ctx.settings.screening_country in EAEU
        row_keys: list[Hashable] = [(i, section, row.rowNumber, row.codeTNVED, row.productName, row.unit, _licence(row), route,
                                     _day(row.codeTNVED, day, national))
                                    for i, (section, row) in enumerate(snt.rows())]
        return party_keys, row_keys

    def remember(self, party_keys: list[Hashable], row_keys: list[Hashable],
                 reasons: list[tuple[str, str, int, Reason]]) -> tuple[list[list[tuple[str, Reason]]], list[list[tuple[str, Reason]]]]:
        """Keep the findings of these parties and rows; returns them per party and per row (read back from the
        lists made here, not from the memo, which another thread may have cleared meanwhile)."""
        parties: list[list[tuple[str, Reason]]] = [[] for _ in party_keys]
        rows: list[list[tuple[str, Reason]]] = [[] for _ in row_keys]
        for rule, kind, index, reason in reasons:
            (parties if kind == "parties" else rows)[index].append((rule, reason))
        if len(self.parties) >= self.limit:
            self.parties.clear()
        if len(self.rows) >= self.row_limit:
            self.rows.clear()
        self.parties.update(zip(party_keys, parties))
        self.rows.update(zip(row_keys, rows))
        return parties, rows


def _day(code: str, day: dt.date, national: bool) -> Hashable:
    """What the goods rules read of a row's shipping day: the editions its code is looked up in (the lists' matches
    and the `edition` evidence); and the day itself where `goods.code_valid` has a finding, which names it."""
    if validate_code(code, day, national).valid:
        return declaration_editions(code, None, day)
    return day


def _screen(snt: SNT, ctx: ScreeningContext, profile: str | None,
            only: tuple[str, ...] = REUSED) -> tuple[list[tuple[str, str, int, Reason]], bool]:
    """(rule, "parties" | "items", index, reason) of each goods and party finding, in the rules' order, and whether
    every finding is about one party or one row (else the SNT's findings cannot be remembered part by part)."""
    from kordon.decide.profiles import apply_profile, load_profile

    decl = as_declaration(snt)
    rows = snt.rows()
    out: list[tuple[str, str, int, Reason]] = []
    chosen = load_profile(profile) if profile is not None else None
    hits = apply_profile(run_rules(decl, ctx, only, chosen), chosen)
    whole = True
    for hit in hits:
        row = section = None
        subject = _SUBJECT.fullmatch(hit.subject)
        if subject is None:
            whole = False
        elif subject[1] == "items":
            section, product = rows[int(subject[2])]
            row = product.rowNumber
        evidence = dict(hit.evidence, action=hit.action.value if hit.action else None, severity=hit.severity.value)
        if hit.list is not None:
            evidence["list"] = hit.list.model_dump()
        if hit.legal_basis is not None:
            evidence["legal_basis"] = hit.legal_basis.model_dump(exclude_none=True)
        reason = Reason(code=hit.rule, explanation=hit.explanation, evidence=evidence, row=row, section=section, source=hit.source)
        out.append((hit.rule, subject[1] if subject else "", int(subject[2]) if subject else -1, reason))
    return out, whole


def goods_and_parties(snt: SNT, ctx: ScreeningContext, profile: str | None = None, memo: ScreeningMemo | None = None) -> list[Reason]:
    """The goods and party hits on the SNT's rows and parties, each with the action and legal basis of `profile`
    (kordon.decide.profiles, the same as for declarations). With a memo, parties and rows seen before are not
    screened again; the reasons are the same, in the same order (each a copy: the verdict sets its effect)."""
    if memo is None:
        return [r for _, _, _, r in _screen(snt, ctx, profile)[0]]
    memo.bind(ctx, profile)
    today = ctx.today()
    party_keys, row_keys = memo.keys(snt, ctx, today)
    parties = [memo.parties.get(k) for k in party_keys]
    rows = [memo.rows.get(k) for k in row_keys]
    parties_known, rows_known = None not in parties, None not in rows
    if parties_known and rows_known:
        memo.hits += 1
        return _in_order(parties + rows, memo.order)
    memo.misses += 1
    if parties_known or rows_known:
        # Every party seen before (the same traders, new goods) or every row (new traders, the same goods): only the
        # rules of the other side run. The party rules read nothing but the parties; the goods rules and the
        # profile judge each row alone, reading of the parties only their countries (in the row's key).
        side = "items" if parties_known else "parties"
        found, whole = _screen(snt, ctx, profile, only=("goods.",) if parties_known else ("parties.",))
        if whole and all(kind == side for _, kind, _, _ in found) and ctx.today() == today:
            if parties_known:
                memo.parties_reused += 1
                return _in_order([*parties, *memo.remember([], row_keys, found)[1]], memo.order)
            memo.rows_reused += 1
            return _in_order([*memo.remember(party_keys, [], found)[0], *rows], memo.order)
    found, whole = _screen(snt, ctx, profile)
    if whole and ctx.today() == today:  # not across midnight: the findings name the day of screening
        memo.remember(party_keys, row_keys, found)
    return [r.model_copy() for _, _, _, r in found]


def _in_order(known: Sequence[list[tuple[str, Reason]] | None], order: dict[str, int]) -> list[Reason]:
    """The remembered findings of each party, then each row, in the rules' order: rule by rule, and within a rule
    party by party, row by row, as each rule goes (each reason a copy: the verdict sets its effect)."""
    parts = sorted(((order.get(rule, len(order)), n, seq, reason)
                    for n, part in enumerate(known) for seq, (rule, reason) in enumerate(part or [])), key=lambda p: p[:3])
    return [reason.model_copy() for *_, reason in parts]
