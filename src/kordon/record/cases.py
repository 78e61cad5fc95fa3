"""Human clearance: officers' reviews, inspections, seizures, and the cases that group them.

Automation may hold or escalate a declaration; it never releases one that is held. A held
declaration (yellow or red lane) is released only by a recorded review of a person with the
``review`` permission, and every review keeps who, when, what and why.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, Integer, Numeric, String, Text, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from kordon.record import audit
from kordon.record.db import Base
from kordon.record.keys import Principal
from kordon.record.store import DeclarationRow, DecisionRow, Store


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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


# -- requests (strict: an unknown field is an error, not silently dropped) --------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReviewIn(_Strict):
    decision: ReviewDecision
    reason: str = Field(min_length=3, max_length=4000, description="Why: what the officer checked and found")
    conditions: str | None = Field(None, max_length=4000, description="Required with release_with_conditions")
    version: int | None = Field(None, ge=1, description="The declaration version reviewed; the latest if omitted")
    override: bool = Field(False, description="Replace an earlier final review (supervisors only)")


class InspectionIn(_Strict):
    outcome: InspectionOutcome
    findings: str = Field(min_length=1, max_length=8000)
    version: int | None = Field(None, ge=1)


class SeizureIn(_Strict):
    goods: str = Field(min_length=1, max_length=4000, description="What was seized")
    hs_code: str | None = Field(None, max_length=20)
    quantity: Decimal = Field(gt=0)
    unit: str = Field(min_length=1, max_length=20)
    value: Decimal | None = Field(None, ge=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    legal_basis: str = Field(min_length=3, max_length=1000, description="Article and act the seizure rests on")
    note: str | None = Field(None, max_length=8000)
    version: int | None = Field(None, ge=1)


class CaseParty(_Strict):
    name: str = Field(min_length=1, max_length=1000)
    country: str | None = Field(None, max_length=2)


class CaseIn(_Strict):
    title: str = Field(min_length=3, max_length=500)
    note: str | None = Field(None, max_length=8000)
    declarations: list[str] = Field(default_factory=list, max_length=1000)
    parties: list[CaseParty] = Field(default_factory=list, max_length=1000)


class CaseUpdate(_Strict):
    status: CaseStatus | None = None
    note: str | None = Field(None, max_length=8000)
    add_declarations: list[str] = Field(default_factory=list, max_length=1000)
    add_parties: list[CaseParty] = Field(default_factory=list, max_length=1000)


# -- tables ---------------------------------------------------------------------------------------------
class ReviewRow(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(200), index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text, nullable=True)
    override: Mapped[bool] = mapped_column(default=False)
    lane_at_review: Mapped[str] = mapped_column(String(10))
    reviewer: Mapped[str] = mapped_column(String(200))
    reviewer_key: Mapped[int] = mapped_column(Integer)
    reviewer_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InspectionRow(Base):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(200), index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(30))
    findings: Mapped[str] = mapped_column(Text)
    officer: Mapped[str] = mapped_column(String(200))
    officer_key: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeizureRow(Base):
    __tablename__ = "seizures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(200), index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    goods: Mapped[str] = mapped_column(Text)
    hs_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(Numeric(20, 2), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    legal_basis: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    officer: Mapped[str] = mapped_column(String(200))
    officer_key: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(30), index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    declarations: Mapped[list[str]] = mapped_column(JSON)
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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


def _version(store: Store, declaration_id: str, version: int | None) -> tuple[int, str]:
    record = store.get(declaration_id, version)
    if record is None:
        raise LookupError(f"no stored declaration {declaration_id!r}" + (f" version {version}" if version else ""))
    return record.version, record.decision_now.lane.value


def reviews(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(ReviewRow).where(ReviewRow.declaration_id == declaration_id).order_by(ReviewRow.id))
        return [_row_dict(r, *REVIEW_FIELDS) for r in rows]


def record_review(store: Store, who: Principal, declaration_id: str, review: ReviewIn) -> dict[str, Any]:
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not review declarations")
    if review.override and not who.can("override"):
        raise PermissionError(f"role {who.role} may not override a review")
    if review.decision is ReviewDecision.release_with_conditions and not review.conditions:
        raise ClearanceError("release_with_conditions needs the conditions")
    version, lane = _version(store, declaration_id, review.version)
    # The check, the review and its audit record share one transaction: two officers cannot both record
    # a final review, and a review is on the audit trail or did not happen.
    for attempt in range(5):
        try:
            return _insert_review(store, who, declaration_id, review, version, lane)
        except (IntegrityError, OperationalError):
            # Another process took the audit sequence number first: the whole review rolled back; try again.
            if attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _insert_review(store: Store, who: Principal, declaration_id: str, review: ReviewIn, version: int, lane: str) -> dict[str, Any]:
    with audit.writing(), store.session.begin() as s:
        row = ReviewRow(declaration_id=declaration_id, declaration_version=version, decision=review.decision.value,
                        reason=review.reason, conditions=review.conditions, override=review.override, lane_at_review=lane,
                        reviewer=who.name, reviewer_key=who.key_id, reviewer_role=who.role)
        s.add(row)
        s.flush()  # takes the write lock before the check below reads
        earlier = list(s.scalars(select(ReviewRow).where(
            ReviewRow.declaration_id == declaration_id, ReviewRow.declaration_version == version, ReviewRow.id != row.id,
            ReviewRow.decision.in_([d.value for d in FINAL])).order_by(ReviewRow.id)))
        if earlier and not review.override:
            raise ClearanceError(
                f"declaration {declaration_id} version {version} already has a final review ({earlier[-1].decision} by "
                f"{earlier[-1].reviewer}); a supervisor may replace it with override=true")
        out = _row_dict(row, *REVIEW_FIELDS)
        audit.append_in(s, who.actor, "review", f"declaration:{declaration_id}",
                        {"version": version, "decision": review.decision.value, "reason": review.reason,
                         "conditions": review.conditions, "override": review.override, "lane": lane, "review_id": out["id"]})
    return out


def record_inspection(store: Store, who: Principal, declaration_id: str, body: InspectionIn) -> dict[str, Any]:
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not record inspections")
    version, _ = _version(store, declaration_id, body.version)
    with store.session.begin() as s:
        row = InspectionRow(declaration_id=declaration_id, declaration_version=version, outcome=body.outcome.value,
                            findings=body.findings, officer=who.name, officer_key=who.key_id)
        s.add(row)
        s.flush()
        out = _row_dict(row, *INSPECTION_FIELDS)
    audit.append(store, who.actor, "inspection", f"declaration:{declaration_id}",
                 {"version": version, "outcome": body.outcome.value, "findings": body.findings, "inspection_id": out["id"]})
    return out


def record_seizure(store: Store, who: Principal, declaration_id: str, body: SeizureIn) -> dict[str, Any]:
    if not who.can("review"):
        raise PermissionError(f"role {who.role} may not record seizures")
    version, _ = _version(store, declaration_id, body.version)
    with store.session.begin() as s:
        row = SeizureRow(declaration_id=declaration_id, declaration_version=version, goods=body.goods, hs_code=body.hs_code,
                         quantity=body.quantity, unit=body.unit, value=body.value, currency=body.currency,
                         legal_basis=body.legal_basis, note=body.note, officer=who.name, officer_key=who.key_id)
        s.add(row)
        s.flush()
        out = _row_dict(row, *SEIZURE_FIELDS)
    audit.append(store, who.actor, "seizure", f"declaration:{declaration_id}", {k: out[k] for k in SEIZURE_FIELDS if k not in ("at",)})
    return out


def inspections(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(InspectionRow).where(InspectionRow.declaration_id == declaration_id).order_by(InspectionRow.id))
        return [_row_dict(r, *INSPECTION_FIELDS) for r in rows]


def seizures(store: Store, declaration_id: str) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(SeizureRow).where(SeizureRow.declaration_id == declaration_id).order_by(SeizureRow.id))
        return [_row_dict(r, *SEIZURE_FIELDS) for r in rows]


def clearance_status(lane: str, version: int, review_list: list[dict[str, Any]]) -> str:
    """held, released, seized, referred — from the lane and the last final review of this version."""
    final = [r for r in review_list if r["declaration_version"] == version and ReviewDecision(r["decision"]) in FINAL]
    if final:
        last = ReviewDecision(final[-1]["decision"])
        return {"release": "released", "release_with_conditions": "released", "seize": "seized", "refer": "referred"}[last.value]
    # Automation releases only the green lane; yellow and red wait for a person.
    return "released" if lane == "green" else "held"


def queue(store: Store, lane: str | None = None, destination: str | None = None, type_: str | None = None,
          q: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Held declarations (latest version, yellow or red, no final review), riskiest first."""
    with store.session() as s:
        latest = (select(DeclarationRow.declaration_id, func.max(DeclarationRow.version).label("v"))
                  .group_by(DeclarationRow.declaration_id).subquery())
        reviewed = (select(ReviewRow.declaration_id, ReviewRow.declaration_version)
                    .where(ReviewRow.decision.in_([d.value for d in FINAL])))
        stmt = (select(DeclarationRow, DecisionRow)
                .join(latest, (latest.c.declaration_id == DeclarationRow.declaration_id) & (latest.c.v == DeclarationRow.version))
                .join(DecisionRow, (DecisionRow.declaration_id == DeclarationRow.declaration_id)
                      & (DecisionRow.declaration_version == DeclarationRow.version))
                .where(DecisionRow.lane.in_([lane] if lane else ["yellow", "red"])))
        if destination:
            stmt = stmt.where(DeclarationRow.destination == destination.upper())
        if type_:
            stmt = stmt.where(DeclarationRow.type == type_)
        if q:
            stmt = stmt.where(DeclarationRow.declaration_id.contains(q))
        done = {(d, v) for d, v in s.execute(reviewed)}
        out, seen = [], set()
        for decl, dec in s.execute(stmt.order_by(DecisionRow.score.desc(), DeclarationRow.received_at)):
            key = (decl.declaration_id, decl.version)
            if key in done or key in seen:  # a version may carry re-screen decisions; the first one queues it
                continue
            seen.add(key)
            out.append({"declaration_id": decl.declaration_id, "version": decl.version, "type": decl.type,
                        "date": decl.date.isoformat(), "destination": decl.destination, "lane": dec.lane,
                        "action": dec.action, "score": dec.score, "hits": len(dec.body.get("hits", [])),
                        "received_at": decl.received_at.isoformat() if decl.received_at else None})
            if len(out) >= limit:
                break
        return out


def create_case(store: Store, who: Principal, body: CaseIn) -> dict[str, Any]:
    if not who.can("cases"):
        raise PermissionError(f"role {who.role} may not open cases")
    for d in body.declarations:
        _version(store, d, None)
    with store.session.begin() as s:
        row = CaseRow(title=body.title, status=CaseStatus.open.value, note=body.note, declarations=list(dict.fromkeys(body.declarations)),
                      parties=[p.model_dump() for p in body.parties], created_by=who.name)
        s.add(row)
        s.flush()
        out = _row_dict(row, *CASE_FIELDS)
    audit.append(store, who.actor, "case.open", f"case:{out['id']}", {"title": body.title, "declarations": out["declarations"],
                                                                      "parties": out["parties"]})
    return out


def update_case(store: Store, who: Principal, case_id: int, body: CaseUpdate) -> dict[str, Any]:
    if not who.can("cases"):
        raise PermissionError(f"role {who.role} may not change cases")
    for d in body.add_declarations:
        _version(store, d, None)
    with store.session.begin() as s:
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
        out = _row_dict(row, *CASE_FIELDS)
    audit.append(store, who.actor, "case.update", f"case:{case_id}",
                 {"status_from": before, **body.model_dump(mode="json", exclude_defaults=True)})
    return out


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
