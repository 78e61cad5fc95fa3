"""Human clearance: officers' reviews, inspections, seizures, and the cases that group them.

Automation may hold or escalate a declaration; it never releases one that is held. A held
declaration (yellow or red lane) is released only by a recorded review of a person with the
``review`` permission, and every review keeps who, when, what and why.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kordon.models.declaration import DECLARATION_ID_MAX, DECLARATION_ID_PATTERN
from kordon.record import audit
from kordon.record.keys import Principal
from kordon.record.store import Store
from kordon.record.tables import (
    CaseRow,
    DecisionRow,
    DeclarationRow,
    InspectionRow,
    ReviewRow,
    SeizureRow,
    utcnow,
)

__all__ = [
    "CaseRow",
    "ClearanceError",
    "InspectionRow",
    "ReviewRow",
    "SeizureRow",
    "clearance_status",
    "create_case",
    "declaration_status",
    "queue",
    "record_inspection",
    "record_review",
    "record_seizure",
    "update_case",
]


class ReviewDecision(str, Enum):
    release = "release"
    release_with_conditions = "release_with_conditions"
    inspect = "inspect"
    seize = "seize"
    refer = "refer"


class CaseStatus(str, Enum):
    open = "open"
    under_investigation = "under_investigation"
    referred_for_prosecution = "referred_for_prosecution"
    closed = "closed"


class InspectionOutcome(str, Enum):
    no_discrepancy = "no_discrepancy"
    discrepancy = "discrepancy"
    goods_not_as_declared = "goods_not_as_declared"
    not_carried_out = "not_carried_out"


# Reviews after which the declaration leaves the queue.
FINAL = {ReviewDecision.release, ReviewDecision.release_with_conditions, ReviewDecision.seize, ReviewDecision.refer}
RELEASING = {ReviewDecision.release, ReviewDecision.release_with_conditions}


class ClearanceError(ValueError):
    """A review or action that the rules of clearance do not allow (e.g. a second final review without override)."""


MAX_VERSION = 2**31 - 1  # the columns are 32-bit integers
DeclarationId = Annotated[str, StringConstraints(pattern=DECLARATION_ID_PATTERN, max_length=DECLARATION_ID_MAX)]


# -- requests (strict: an unknown field is an error, not silently dropped) --------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReviewIn(_Strict):
    decision: ReviewDecision
    reason: str = Field(min_length=3, max_length=4000, description="Why: what the officer checked and found")
    conditions: str | None = Field(None, max_length=4000, description="Required with release_with_conditions")
    version: int | None = Field(None, ge=1, le=MAX_VERSION, description="The declaration version reviewed; the latest if omitted")
    override: bool = Field(False, description="Replace an earlier final review (supervisors only)")


class InspectionIn(_Strict):
    outcome: InspectionOutcome
    findings: str = Field(min_length=1, max_length=8000)
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class SeizureIn(_Strict):
    goods: str = Field(min_length=1, max_length=4000, description="What was seized")
    hs_code: str | None = Field(None, max_length=20)
    quantity: Decimal = Field(gt=0, lt=10**11, decimal_places=4, description="At most 11 digits before the point and 4 after")
    unit: str = Field(min_length=1, max_length=20)
    value: Decimal | None = Field(None, ge=0, lt=10**13, decimal_places=2)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    legal_basis: str = Field(min_length=3, max_length=1000, description="Article and act the seizure rests on")
    note: str | None = Field(None, max_length=8000)
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class CaseParty(_Strict):
    name: str = Field(min_length=1, max_length=1000)
    country: str | None = Field(None, max_length=2)


class CaseIn(_Strict):
    title: str = Field(min_length=3, max_length=500)
    note: str | None = Field(None, max_length=8000)
    declarations: list[DeclarationId] = Field(default_factory=list, max_length=1000)
    parties: list[CaseParty] = Field(default_factory=list, max_length=1000)


class CaseUpdate(_Strict):
    status: CaseStatus | None = None
    note: str | None = Field(None, max_length=8000)
    add_declarations: list[DeclarationId] = Field(default_factory=list, max_length=1000)
    add_parties: list[CaseParty] = Field(default_factory=list, max_length=1000)


# -- functions ------------------------------------------------------------------------------------------
def _row_dict(row: Any, *fields: str) -> dict[str, Any]:
    out = {}
    for f in fields:
        v = getattr(row, f)
        if isinstance(v, dt.datetime):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = str(v)
        out[f] = v
    return out


REVIEW_FIELDS = ("id", "declaration_id", "declaration_version", "decision", "reason", "conditions", "override",
                 "lane_at_review", "reviewer", "reviewer_role", "at")
INSPECTION_FIELDS = ("id", "declaration_id", "declaration_version", "outcome", "findings", "officer", "at")
SEIZURE_FIELDS = ("id", "declaration_id", "declaration_version", "goods", "hs_code", "quantity", "unit", "value", "currency",
                  "legal_basis", "note", "officer", "at")
CASE_FIELDS = ("id", "title", "status", "note", "declarations", "parties", "created_by", "created_at", "updated_at")


def _target(s: Session, declaration_id: str, version: int | None) -> tuple[int, str]:
    """(version, lane in force) of a stored declaration: the latest version unless one is named."""
    q = select(DeclarationRow.version).where(DeclarationRow.declaration_id == declaration_id)
    if version is not None:
        q = q.where(DeclarationRow.version == version)
    found = s.scalars(q.order_by(DeclarationRow.version.desc()).limit(1)).first()
    if found is None:
        raise LookupError(f"no stored declaration {declaration_id!r}" + (f" version {version}" if version else ""))
    decision = Store.latest_decision(s, declaration_id, found)
    return found, decision.lane if decision is not None else "red"


def reviews(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(ReviewRow).where(ReviewRow.declaration_id == declaration_id).order_by(ReviewRow.id))
        return [_row_dict(r, *REVIEW_FIELDS) for r in rows]


def _same_person(who: Principal, key: int, name: str) -> bool:
    return who.key_id == key or who.name.strip().casefold() == name.strip().casefold()


def _unsettled_before(s: Session, declaration_id: str, version: int) -> tuple[list[str], list[tuple[int, str]]]:
    """What earlier versions of a declaration left open — seized, referred, or red and not yet released —
    since the last version that was released, and who seized or reviewed them (for four eyes)."""
    revs = list(s.scalars(select(ReviewRow).where(ReviewRow.declaration_id == declaration_id,
                                                  ReviewRow.declaration_version < version)))
    seiz = list(s.scalars(select(SeizureRow).where(SeizureRow.declaration_id == declaration_id,
                                                   SeizureRow.declaration_version < version)))
    open_: list[str] = []
    people: list[tuple[int, str]] = []
    for v in sorted(s.scalars(select(DeclarationRow.version).where(DeclarationRow.declaration_id == declaration_id,
                                                                   DeclarationRow.version < version))):
        decision = Store.latest_decision(s, declaration_id, v)
        lane = decision.lane if decision is not None else "red"
        rv = [_row_dict(r, *REVIEW_FIELDS) for r in revs if r.declaration_version == v]
        sz = [_row_dict(x, *SEIZURE_FIELDS) for x in seiz if x.declaration_version == v]
        status = clearance_status(lane, v, rv, sz)
        if status == "released":
            open_, people = [], []  # released under these same rules: what came before was settled
            continue
        if status in ("seized", "referred") or (lane == "red" and status == "held"):
            open_.append(f"{status if status != 'held' else 'in the red lane'} (version {v})")
        people += [(r.reviewer_key, r.reviewer) for r in revs if r.declaration_version == v]
        people += [(x.officer_key, x.officer) for x in seiz if x.declaration_version == v]
    return open_, people


def record_review(store: Store, who: Principal, declaration_id: str, review: ReviewIn) -> dict[str, Any]:
    """Record an officer's decision on a declaration version.

    Raises PermissionError (role), ClearanceError (the rules of clearance) or LookupError (no such
    declaration). Releasing a red-lane or seized declaration needs a supervisor who is not the
    officer who seized or reviewed it (four eyes). A second final review needs override (supervisors).
    """
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not review declarations")
    if review.override and not who.can("override"):
        raise PermissionError(f"role {who.role} may not override a review")
    if review.decision is ReviewDecision.release_with_conditions and not review.conditions:
        raise ClearanceError("release_with_conditions needs the conditions")

    # The checks, the review and its audit record share one writing transaction: two officers cannot
    # both record a final review, and a review is on the audit trail or did not happen.
    def write(s: Session) -> dict[str, Any]:
        version, lane = _target(s, declaration_id, review.version)
        earlier = list(s.scalars(select(ReviewRow).where(
            ReviewRow.declaration_id == declaration_id, ReviewRow.declaration_version == version).order_by(ReviewRow.id)))
        seized = list(s.scalars(select(SeizureRow).where(
            SeizureRow.declaration_id == declaration_id, SeizureRow.declaration_version == version)))
        final = [r for r in earlier if r.decision in {d.value for d in FINAL}]
        if final and not review.override:
            raise ClearanceError(
                f"declaration {declaration_id} version {version} already has a final review ({final[-1].decision} by "
                f"{final[-1].reviewer}); a supervisor may replace it with override=true")
        status = clearance_status(lane, version, [_row_dict(r, *REVIEW_FIELDS) for r in earlier],
                                  [_row_dict(r, *SEIZURE_FIELDS) for r in seized])
        # An amendment does not launder what an earlier version was: seized, referred or red and held.
        carried, carried_by = _unsettled_before(s, declaration_id, version)
        if review.decision in RELEASING and (lane == "red" or status == "seized" or seized or carried):
            why = "seized" if (status == "seized" or seized) else "in the red lane" if lane == "red" else carried[0]
            if who.role != "supervisor":
                raise PermissionError(f"declaration {declaration_id} is {why}: only a supervisor may release it (four eyes)")
            before = [(r.reviewer_key, r.reviewer) for r in earlier] + [(x.officer_key, x.officer) for x in seized] + carried_by
            if any(_same_person(who, k, n) for k, n in before):
                raise ClearanceError(
                    f"four eyes: {who.name} seized or reviewed declaration {declaration_id} version {version} and may not "
                    "also release it; another supervisor must")
        row = ReviewRow(declaration_id=declaration_id, declaration_version=version, decision=review.decision.value,
                        reason=review.reason, conditions=review.conditions, override=review.override, lane_at_review=lane,
                        reviewer=who.name, reviewer_key=who.key_id, reviewer_role=who.role, at=utcnow())
        s.add(row)
        s.flush()
        out = _row_dict(row, *REVIEW_FIELDS)
        audit.append_in(s, who.actor, "review", f"declaration:{declaration_id}",
                        {"version": version, "decision": review.decision.value, "reason": review.reason,
                         "conditions": review.conditions, "override": review.override, "lane": lane, "review_id": out["id"]},
                        rows=[row])
        return out

    return store.transaction(write)


def record_inspection(store: Store, who: Principal, declaration_id: str, body: InspectionIn) -> dict[str, Any]:
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not record inspections")

    def write(s: Session) -> dict[str, Any]:
        version, _ = _target(s, declaration_id, body.version)
        row = InspectionRow(declaration_id=declaration_id, declaration_version=version, outcome=body.outcome.value,
                            findings=body.findings, officer=who.name, officer_key=who.key_id, at=utcnow())
        s.add(row)
        s.flush()
        out = _row_dict(row, *INSPECTION_FIELDS)
        audit.append_in(s, who.actor, "inspection", f"declaration:{declaration_id}",
                        {"version": version, "outcome": body.outcome.value, "findings": body.findings, "inspection_id": out["id"]},
                        rows=[row])
        return out

    return store.transaction(write)


def record_seizure(store: Store, who: Principal, declaration_id: str, body: SeizureIn) -> dict[str, Any]:
    """Record a seizure; the declaration's status becomes `seized` (release then needs another supervisor)."""
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not record seizures")

    def write(s: Session) -> dict[str, Any]:
        version, _ = _target(s, declaration_id, body.version)
        row = SeizureRow(declaration_id=declaration_id, declaration_version=version, goods=body.goods, hs_code=body.hs_code,
                         quantity=body.quantity, unit=body.unit, value=body.value, currency=body.currency,
                         legal_basis=body.legal_basis, note=body.note, officer=who.name, officer_key=who.key_id, at=utcnow())
        s.add(row)
        s.flush()
        out = _row_dict(row, *SEIZURE_FIELDS)
        audit.append_in(s, who.actor, "seizure", f"declaration:{declaration_id}",
                        {k: out[k] for k in SEIZURE_FIELDS if k != "at"}, rows=[row])
        return out

    return store.transaction(write)


def inspections(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(InspectionRow).where(InspectionRow.declaration_id == declaration_id).order_by(InspectionRow.id))
        return [_row_dict(r, *INSPECTION_FIELDS) for r in rows]


def seizures(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(SeizureRow).where(SeizureRow.declaration_id == declaration_id).order_by(SeizureRow.id))
        return [_row_dict(r, *SEIZURE_FIELDS) for r in rows]


STATUS_OF = {"release": "released", "release_with_conditions": "released", "seize": "seized", "refer": "referred"}


def clearance_status(lane: str, version: int, review_list: list[dict[str, Any]],
                     seizure_list: list[dict[str, Any]] | None = None) -> str:
    """held, released, seized, referred — from the lane and the last final review or seizure of this version."""
    events = [(r["at"] or "", 1, STATUS_OF[r["decision"]]) for r in review_list
              if r["declaration_version"] == version and ReviewDecision(r["decision"]) in FINAL]
    events += [(x["at"] or "", 0, "seized") for x in seizure_list or [] if x["declaration_version"] == version]
    if events:
        return max(events)[2]
    # Automation releases only the green lane; yellow and red wait for a person.
    return "released" if lane == "green" else "held"


def declaration_status(store: Store, declaration_id: str, version: int | None = None) -> str:
    """The clearance status of a stored declaration version (the latest unless named)."""
    with store.session() as s:
        version, lane = _target(s, declaration_id, version)
    return clearance_status(lane, version, reviews(store, declaration_id), seizures(store, declaration_id))


def queue(store: Store, lane: str | None = None, destination: str | None = None, type_: str | None = None,
          q: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Held declarations (latest version, yellow or red, no final review or seizure), riskiest first."""
    with store.session() as s:
        latest = (select(DeclarationRow.declaration_id, func.max(DeclarationRow.version).label("v"))
                  .group_by(DeclarationRow.declaration_id).subquery())
        reviewed = (select(ReviewRow.declaration_id, ReviewRow.declaration_version)
                    .where(ReviewRow.decision.in_([d.value for d in FINAL])))
        seized = select(SeizureRow.declaration_id, SeizureRow.declaration_version)
        # The lane in force is the latest decision's (a re-screen may have escalated a green one).
        newest = (select(DecisionRow.declaration_id, DecisionRow.declaration_version, func.max(DecisionRow.pk).label("dpk"))
                  .group_by(DecisionRow.declaration_id, DecisionRow.declaration_version).subquery())
        stmt = (select(DeclarationRow, DecisionRow)
                .join(latest, (latest.c.declaration_id == DeclarationRow.declaration_id) & (latest.c.v == DeclarationRow.version))
                .join(newest, (newest.c.declaration_id == DeclarationRow.declaration_id)
                      & (newest.c.declaration_version == DeclarationRow.version))
                .join(DecisionRow, DecisionRow.pk == newest.c.dpk)
                .where(DecisionRow.lane.in_([lane] if lane else ["yellow", "red"])))
        if destination:
            stmt = stmt.where(DeclarationRow.destination == destination.upper())
        if type_:
            stmt = stmt.where(DeclarationRow.type == type_)
        if q:
            stmt = stmt.where(DeclarationRow.declaration_id.contains(q))
        done = {(d, v) for d, v in s.execute(reviewed)} | {(d, v) for d, v in s.execute(seized)}
        out = []
        for decl, dec in s.execute(stmt.order_by(DecisionRow.score.desc(), DeclarationRow.received_at)):
            if (decl.declaration_id, decl.version) in done:
                continue
            out.append({"declaration_id": decl.declaration_id, "version": decl.version, "type": decl.type,
                        "date": decl.date.isoformat(), "destination": decl.destination, "lane": dec.lane,
                        "action": dec.action, "score": dec.score, "hits": len(dec.body.get("hits", [])),
                        "amendment": decl.version > 1,
                        "received_at": decl.received_at.isoformat() if decl.received_at else None})
            if len(out) >= limit:
                break
        return out


def _check_declarations(s: Session, ids: list[str]) -> None:
    for d in ids:
        _target(s, d, None)


def create_case(store: Store, who: Principal, body: CaseIn) -> dict[str, Any]:
    if not who.can("cases"):
        raise PermissionError(f"role {who.role} may not open cases")

    def write(s: Session) -> dict[str, Any]:
        _check_declarations(s, body.declarations)
        now = utcnow()
        row = CaseRow(title=body.title, status=CaseStatus.open.value, note=body.note, declarations=list(dict.fromkeys(body.declarations)),
                      parties=[p.model_dump() for p in body.parties], created_by=who.name, created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        out = _row_dict(row, *CASE_FIELDS)
        audit.append_in(s, who.actor, "case.open", f"case:{out['id']}",
                        {"title": body.title, "declarations": out["declarations"], "parties": out["parties"]}, rows=[row])
        return out

    return store.transaction(write)


def update_case(store: Store, who: Principal, case_id: int, body: CaseUpdate) -> dict[str, Any]:
    if not who.can("cases"):
        raise PermissionError(f"role {who.role} may not change cases")

    def write(s: Session) -> dict[str, Any]:
        _check_declarations(s, body.add_declarations)
        row = s.get(CaseRow, case_id)
        if row is None:
            raise LookupError(f"no case {case_id}")
        before = row.status
        if body.status is not None:
            row.status = body.status.value
        if body.note is not None:
            row.note = body.note
        if body.add_declarations:
            row.declarations = list(dict.fromkeys([*row.declarations, *body.add_declarations]))
        if body.add_parties:
            row.parties = [*row.parties, *[p.model_dump() for p in body.add_parties]]
        row.updated_at = utcnow()
        s.flush()
        out = _row_dict(row, *CASE_FIELDS)
        audit.append_in(s, who.actor, "case.update", f"case:{case_id}",
                        {"status_from": before, **body.model_dump(mode="json", exclude_defaults=True)}, rows=[row])
        return out

    return store.transaction(write)


def get_case(store: Store, case_id: int) -> dict[str, Any] | None:
    with store.session() as s:
        row = s.get(CaseRow, case_id)
        return None if row is None else _row_dict(row, *CASE_FIELDS)


def list_cases(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    with store.session() as s:
        stmt = select(CaseRow).order_by(CaseRow.id.desc())
        if status:
            stmt = stmt.where(CaseRow.status == status)
        return [_row_dict(r, *CASE_FIELDS) for r in s.scalars(stmt)]
