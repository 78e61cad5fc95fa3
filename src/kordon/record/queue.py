"""The review queue as officers work it: held declarations, filtered, sorted and paged, with totals.

A declaration is held when the decision in force on its latest version (the newest: a re-screen may
have escalated it) is yellow or red and that version has no final review and no seizure — the same
rule as ``kordon.record.cases.queue`` and ``clearance_status``. The structured filters and the order run in SQL on the stored
columns (and the customs office inside the declaration's JSON); the filters that need the
declaration's content — party names in any script, HS codes, list hits, random draws — run in
Python over the rows SQL kept, because names must be compared through kordon's name
normalisation (``kordon.index.names``), which no database index knows. Only the rows of the page
asked for are read in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from kordon.index.names import name_key
from kordon.record.cases import FINAL, ReviewRow, SeizureRow
from kordon.record.store import DecisionRow, DeclarationRow, Store

SORTS = ("score", "date", "received", "id", "type", "office", "destination", "lane")
MAX_PER_PAGE = 200
RANDOM_RULE = "selection.random"
HELD_LANES = ("yellow", "red")


@dataclass
class QueueFilter:
    lane: str | None = None  # yellow or red
    type: str | None = None
    office: str | None = None
    destination: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    party: str | None = None  # a name or part of one, in any script
    hs: str | None = None  # an HS code or its first digits, dots allowed
    list_id: str | None = None  # a list the declaration hit ("any" for any list)
    random: bool = False  # only the declarations drawn by the random selection
    q: str | None = None  # part of the declaration id

    @property
    def needs_content(self) -> bool:
        return bool(self.party or self.hs or self.list_id or self.random)


@dataclass
class QueuePage:
    items: list[dict[str, Any]]
    total: int  # held declarations that pass the filters
    page: int
    per_page: int
    lanes: dict[str, int] = field(default_factory=dict)  # of the total, per lane

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# -- matching helpers --------------------------------------------------------------------------------
def _query_tokens(text: str) -> list[str]:
    key = name_key(text)
    return [] if key.only_legal_form else list(key.tokens)


@lru_cache(maxsize=100_000)
def _tokens(name: str) -> tuple[str, ...]:
    # The same traders appear on declaration after declaration: fold each name once.
    return name_key(name).tokens


def party_matches(query_tokens: list[str], names: Iterable[str]) -> bool:
    """Every part of the query starts a part of one of the names (or is within a typo of one), after folding
    Cyrillic and Latin spellings to one form: "Нова" finds "Nova Trade", "vostok" finds "Восток"."""
    if not query_tokens:
        return False
    for name in names:
        tokens = _tokens(name)
        if all(any(t.startswith(q) or (len(q) >= 4 and OSA.normalized_similarity(q, t) >= 0.8) for t in tokens)
               for q in query_tokens):
            return True
    return False


def hs_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _is_random(decision: dict[str, Any]) -> bool:
    selection = decision.get("random_selection") or {}
    return bool(selection.get("selected")) or any(h.get("rule") == RANDOM_RULE for h in decision.get("hits", []))


def _content_ok(f: QueueFilter, decl: dict[str, Any], decision: dict[str, Any], party_q: list[str]) -> bool:
    if f.party and not party_matches(party_q, [p.get("name", "") for p in decl.get("parties", [])]):
        return False
    if f.hs:
        digits = hs_digits(f.hs)
        if not any(str(it.get("hs_code", "")).startswith(digits) for it in decl.get("items", [])):
            return False
    if f.list_id:
        lists = {(h.get("list") or {}).get("id") for h in decision.get("hits", []) if h.get("list")}
        if not (lists if f.list_id == "any" else f.list_id in lists):
            return False
    return not (f.random and not _is_random(decision))


# -- what a row shows ----------------------------------------------------------------------------------
_MAIN_ROLES = ("consignee", "end_user", "consignor", "declarant")


def main_party(decl: dict[str, Any], hits: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The party an officer looks at first: one a list hit names, else the consignee, else the consignor."""
    parties = decl.get("parties", [])
    for h in sorted(hits, key=lambda h: -float(h.get("score", 0))):
        subject = str(h.get("subject", ""))
        if subject.startswith("parties["):
            try:
                i = int(subject[8:-1])
            except ValueError:
                continue
            if 0 <= i < len(parties):
                return {**parties[i], "index": i}
    for role in _MAIN_ROLES:
        for i, p in enumerate(parties):
            if p.get("role") == role:
                return {**p, "index": i}
    return {**parties[0], "index": 0} if parties else None


def row_view(decl: dict[str, Any], decision: dict[str, Any], party_q: list[str] | None = None) -> dict[str, Any]:
    """What a queue row shows; when the queue is filtered by a party, that party is the one shown."""
    hits = decision.get("hits", [])
    risk = [h for h in hits if h.get("rule") != RANDOM_RULE]
    top = max(risk, key=lambda h: float(h.get("score", 0)), default=None)
    items = decl.get("items", [])
    shown = main_party(decl, risk)
    if party_q:
        shown = next(({**p, "index": i} for i, p in enumerate(decl.get("parties", []))
                      if party_matches(party_q, [p.get("name", "")])), shown)
    return {
        "main_party": shown,
        "goods": items[0] if items else None,
        "more_items": max(0, len(items) - 1),
        "top_hit": top,
        "random": _is_random(decision),
        "route": decl.get("route", {}),
    }


# -- the query -------------------------------------------------------------------------------------------
def _base(f: QueueFilter) -> tuple[Any, dict[str, Any], Any, Any]:
    """The held-declaration select with the structured filters, its sortable columns, and the two row aliases."""
    D = DeclarationRow
    cur = aliased(DecisionRow)
    latest = select(D.declaration_id, func.max(D.version).label("v")).group_by(D.declaration_id).subquery()
    current_pk = (select(func.max(DecisionRow.pk)).where(DecisionRow.declaration_id == D.declaration_id,
                                                         DecisionRow.declaration_version == D.version)
                  .correlate(D).scalar_subquery())
    office = D.body["customs_office"].as_string()
    reviewed = exists().where(ReviewRow.declaration_id == D.declaration_id, ReviewRow.declaration_version == D.version,
                              ReviewRow.decision.in_([d.value for d in FINAL]))
    seized = exists().where(SeizureRow.declaration_id == D.declaration_id, SeizureRow.declaration_version == D.version)
    stmt = (select(D.pk, D.declaration_id, D.version, D.type, D.date, D.destination, D.received_at, office.label("office"),
                   cur.pk.label("decision_pk"), cur.lane, cur.score, cur.action)
            .join(latest, and_(latest.c.declaration_id == D.declaration_id, latest.c.v == D.version))
            .join(cur, cur.pk == current_pk)
            .where(cur.lane.in_(HELD_LANES), ~reviewed, ~seized))
    if f.lane:
        stmt = stmt.where(cur.lane == f.lane)
    if f.type:
        stmt = stmt.where(D.type == f.type)
    if f.office:
        stmt = stmt.where(office == f.office.strip())
    if f.destination:
        stmt = stmt.where(D.destination == f.destination.strip().upper())
    if f.date_from:
        stmt = stmt.where(D.date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(D.date <= f.date_to)
    if f.q:
        stmt = stmt.where(D.declaration_id.contains(f.q.strip(), autoescape=True))
    columns = {"score": cur.score, "date": D.date, "received": D.received_at, "id": D.declaration_id, "type": D.type,
               "office": office, "destination": D.destination, "lane": cur.lane}
    return stmt, columns, D, cur


def held_page(store: Store, f: QueueFilter | None = None, sort: str = "score", descending: bool = True, page: int = 1,
              per_page: int = 50) -> QueuePage:
    """One page of the held declarations that pass the filters, with the total and the count per lane."""
    f = f or QueueFilter()
    sort = sort if sort in SORTS else "score"
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    stmt, columns, D, cur = _base(f)
    key = columns[sort]
    order = [key.desc() if descending else key.asc()]
    if sort == "lane":  # red before yellow, then riskiest first
        order.append(cur.score.desc())
    order += [D.received_at.asc(), D.declaration_id.asc()]  # a stable order: the same page twice shows the same rows
    stmt = stmt.order_by(*order)
    party_q = _query_tokens(f.party) if f.party else []
    with store.session() as s:
        rows = list(s.execute(stmt))
        if f.needs_content and rows:
            if f.party and not party_q:
                rows = []  # a query of only a legal form or punctuation names nobody
            else:
                # Read only the bodies the filters look at: a decision body is several times a declaration's.
                need_decl, need_dec = bool(f.party or f.hs), bool(f.list_id or f.random)
                rows = [r for r, (decl, dec) in zip(rows, _bodies(s, rows, need_decl, need_dec))
                        if _content_ok(f, decl, dec, party_q)]
        total = len(rows)
        lanes: dict[str, int] = {}
        for r in rows:
            lanes[r.lane] = lanes.get(r.lane, 0) + 1
        page = min(page, max(1, -(-total // per_page)))
        chosen = rows[(page - 1) * per_page: page * per_page]
        items = []
        for r, (decl, dec) in zip(chosen, _bodies(s, chosen)):
            items.append({
                "declaration_id": r.declaration_id, "version": r.version, "type": r.type, "date": r.date.isoformat(),
                "office": r.office, "destination": r.destination, "lane": r.lane, "score": r.score, "action": r.action,
                "received_at": r.received_at.isoformat() if r.received_at else None, "hits": len(dec.get("hits", [])),
                **row_view(decl, dec, party_q),
            })
    return QueuePage(items, total, page, per_page, lanes)


def _bodies(s: Any, rows: list[Any], decl: bool = True, dec: bool = True,
            batch: int = 500) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(declaration body, decision body) of the rows, in their order, read in batches ({} for a body not asked for)."""
    for i in range(0, len(rows), batch):
        part = rows[i: i + batch]
        decls: dict[int, Any] = dict(s.execute(select(DeclarationRow.pk, DeclarationRow.body)
                                               .where(DeclarationRow.pk.in_([r.pk for r in part]))).all()) if decl else {}
        decs: dict[int, Any] = dict(s.execute(select(DecisionRow.pk, DecisionRow.body)
                                              .where(DecisionRow.pk.in_([r.decision_pk for r in part]))).all()) if dec else {}
        for r in part:
            yield decls.get(r.pk, {}), decs.get(r.decision_pk, {})


def offices(store: Store) -> list[str]:
    """The customs offices that appear on stored declarations, for the filter's choices."""
    office = DeclarationRow.body["customs_office"].as_string()
    with store.session() as s:
        return sorted(o for o in s.scalars(select(office).where(office.is_not(None)).distinct().limit(500)) if o)



# -- the SNT verification queue (EAEU documents) -------------------------------------------------------------
VERDICT_ORDER = ("refused", "review", "verified")


def snt_verdict_page(store: Store, verdict: str | None = None, q: str | None = None, page: int = 1,
                     per_page: int = 50) -> QueuePage:
    """The latest verdict on each verified SNT: refused first, then those for review, then verified; with totals."""
    from sqlalchemy import case

    from kordon.record.documents import VerdictRow

    per_page = max(1, min(per_page, MAX_PER_PAGE))
    latest = select(func.max(VerdictRow.pk).label("pk")).group_by(VerdictRow.snt_number).subquery()
    base = select(VerdictRow).join(latest, latest.c.pk == VerdictRow.pk)
    if q:
        base = base.where(VerdictRow.snt_number.contains(q.strip(), autoescape=True))
    counting = select(VerdictRow.verdict, func.count()).join(latest, latest.c.pk == VerdictRow.pk)
    if q:
        counting = counting.where(VerdictRow.snt_number.contains(q.strip(), autoescape=True))
    with store.session() as s:
        counts = {v: n for v, n in s.execute(counting.group_by(VerdictRow.verdict))}
        total = counts.get(verdict, 0) if verdict else sum(counts.values())
        page = min(max(1, page), max(1, -(-total // per_page)))
        rank = case({v: i for i, v in enumerate(VERDICT_ORDER)}, value=VerdictRow.verdict, else_=len(VERDICT_ORDER))
        stmt = base.where(VerdictRow.verdict == verdict) if verdict else base
        rows = s.scalars(stmt.order_by(rank, VerdictRow.verified_at.desc(), VerdictRow.snt_number)
                         .limit(per_page).offset((page - 1) * per_page))
        items = [{**r.body, "snt_number": r.snt_number, "snt_version": r.snt_version, "verdict": r.verdict,
                  "verified_at": r.verified_at.isoformat() if r.verified_at else None} for r in rows]
    return QueuePage(items, total, page, per_page, counts)
