"""Every table of the store, in one place (one declarative base, one clock).

The functions that read and write them live beside (store, audit, cases, keys, allow_list,
sanctions_lists); the migrations in ``migrations/versions`` must match what is declared here
(a test compares them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from kordon.record.db import Base


def utcnow() -> dt.datetime:
    """The one clock of the store: timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


# -- screenings ------------------------------------------------------------------------------------
class DeclarationRow(Base):
    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("declaration_id", "version"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(index=True)
    destination: Mapped[str] = mapped_column(String(2))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class DecisionRow(Base):
    __tablename__ = "decisions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(200), index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    lane: Mapped[str] = mapped_column(String(10), index=True)
    action: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    list_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    rules_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rules_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    screened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ListSnapshotRow(Base):
    """The exact texts of a goods list version, so a past decision can be replayed with it."""

    __tablename__ = "list_snapshots"
    __table_args__ = (UniqueConstraint("list_id", "version", "sha256"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20), default="goods")
    source: Mapped[str] = mapped_column(Text)
    meta_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    entries_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RulePackSnapshotRow(Base):
    __tablename__ = "rule_pack_snapshots"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    texts: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[list[str]] = mapped_column(JSON)


# -- the audit trail --------------------------------------------------------------------------------
class AuditRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Kept as ISO text, not a DateTime column, so the hashed value is byte-for-byte what is stored on every backend.
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(50), index=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of sha256 with the server's audit key: re-hashing the chain without the key shows.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


# -- clearance ----------------------------------------------------------------------------------------
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


# -- keys ---------------------------------------------------------------------------------------------
class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16), doc="The first characters of the key, to tell keys apart")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Whose law decides for this key's requests (a bundled profile id; null: the server's settings), and
    # whether a request may name another (false: the key is pinned to it).
    profile: Mapped[str | None] = mapped_column(String(100), nullable=True)
    profile_override: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())


# -- sanctions lists and the allow-list -----------------------------------------------------------------
class SanctionsListVersionRow(Base):
    __tablename__ = "sanctions_list_versions"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(100))
    published: Mapped[str | None] = mapped_column(String(10), nullable=True)  # publication date in the file
    source: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # active, superseded, rejected
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class SanctionsEntityRow(Base):
    __tablename__ = "sanctions_entities"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_pk: Mapped[int] = mapped_column(ForeignKey("sanctions_list_versions.pk"), index=True)
    entity_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AllowListRow(Base):
    __tablename__ = "sanctions_allow_list"
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    entity_digest: Mapped[str] = mapped_column(String(64))
    party_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    party_name: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    expires: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# Tables whose every row must be bound into the audit chain by the hash of its content.
AUDITED: dict[str, Any] = {t.__tablename__: t for t in (
    DeclarationRow, DecisionRow, ListSnapshotRow, RulePackSnapshotRow, ReviewRow, InspectionRow, SeizureRow, CaseRow,
    ApiKeyRow, SanctionsListVersionRow, AllowListRow)}

# Tables whose rows are bound a group at a time (table -> model, grouping column): one digest over the
# row digests of a group, in key order, with the row count. A sanctions list version is 18,000 (OFAC) to
# 300,000 (all lists) rows written at once and never changed; a binding per row would put megabytes of
# [table, key, hash] into one audit record and a dict of every entity into `verify`'s memory, while a
# group digest is one line in the record and `verify` streams the rows once. What it gives up is naming
# the row: `verify` names the version whose rows changed, and whether rows were added or removed.
AUDITED_GROUPS: dict[str, tuple[Any, str]] = {SanctionsEntityRow.__tablename__: (SanctionsEntityRow, "version_pk")}
