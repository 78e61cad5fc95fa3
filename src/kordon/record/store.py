"""The store: every screening persisted with the exact list and rule versions it used.

A declaration id may be lodged more than once. The same content again is a repeat and gets the
stored decision back; changed content is an amendment, stored as the next version and screened
again, so both versions stay on record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kordon.ingest.errors import ListFileError
from kordon.ingest.goods_lists import GoodsList, load_goods_list_texts
from kordon.ingest.rule_pack import RulePack, parse_rule_pack
from kordon.models import Declaration, Decision
from kordon.record.db import Base, make_engine


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def content_hash(decl: Declaration) -> str:
    body = decl.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


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


@dataclass
class Stored:
    declaration: Declaration
    version: int
    decision: Decision
    repeat: bool = False  # True when the same content had been stored before
    pk: int | None = None  # store key of the declaration row (new versions only)


@dataclass
class Record:
    declaration: Declaration
    version: int
    decision: Decision  # the first decision on this version: what explain shows and replay reproduces
    rules_sha256: str | None
    settings: dict[str, Any] | None
    current: Decision | None = None  # the latest decision (a re-screen after a list change), if any

    @property
    def decision_now(self) -> Decision:
        """The decision in force: the latest one, which a re-screen may have escalated."""
        return self.current or self.decision


class Store:
    def __init__(self, url: str = "sqlite:///kordon.db"):
        from kordon.record.schema import prepare as prepare_schema

        self.url = url
        self.engine = make_engine(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        prepare_schema(self.engine)
        self._snapshotted: set[tuple[str, str, str]] = set()
        self._snapshotted_rules: set[str] = set()

    # -- lists and rules ------------------------------------------------------------------
    def snapshot_lists(self, lists: list[GoodsList]) -> None:
        todo = [gl for gl in lists if (gl.id, gl.version, gl.sha256) not in self._snapshotted]
        if not todo:
            return
        with self.session.begin() as s:
            for gl in todo:
                stored = set(s.scalars(select(ListSnapshotRow.sha256).where(
                    ListSnapshotRow.list_id == gl.id, ListSnapshotRow.version == gl.version)))
                if stored and gl.sha256 not in stored:
                    # Replay finds a list by its version: one version label must mean one content.
                    raise ListFileError(f"{gl.path}: list {gl.id} version {gl.version} is already on record with other "
                                        "content; give the changed list a new version")
                if not stored:
                    s.add(ListSnapshotRow(list_id=gl.id, version=gl.version, sha256=gl.sha256, source=gl.path,
                                          meta_text=gl.raw[0], entries_text=gl.raw[1]))
                self._snapshotted.add((gl.id, gl.version, gl.sha256))

    def snapshot_rules(self, pack: RulePack) -> None:
        if pack.sha256 in self._snapshotted_rules:
            return
        with self.session.begin() as s:
            if s.get(RulePackSnapshotRow, pack.sha256) is None:
                s.add(RulePackSnapshotRow(sha256=pack.sha256, version=pack.version, texts=pack.texts, sources=pack.sources))
        self._snapshotted_rules.add(pack.sha256)

    def goods_list(self, list_id: str, version: str) -> GoodsList | None:
        with self.session() as s:
            row = s.scalars(
                select(ListSnapshotRow)
                .where(ListSnapshotRow.list_id == list_id, ListSnapshotRow.version == version, ListSnapshotRow.kind == "goods")
                .order_by(ListSnapshotRow.pk.desc())
            ).first()
            if row is None:
                return None
            return load_goods_list_texts(row.meta_text, row.entries_text, row.source, list_id)

    def rule_pack(self, sha256: str) -> RulePack | None:
        with self.session() as s:
            row = s.get(RulePackSnapshotRow, sha256)
            if row is None:
                return None
            pack = None
            for text, source in zip(row.texts, row.sources):
                part = parse_rule_pack(text, source)
                pack = part if pack is None else pack.merged(part)
            return pack

    # -- declarations and decisions ---------------------------------------------------------
    def latest_version(self, s: Session, declaration_id: str) -> DeclarationRow | None:
        return s.scalars(
            select(DeclarationRow).where(DeclarationRow.declaration_id == declaration_id).order_by(DeclarationRow.version.desc())
        ).first()

    def find_repeat(self, decl: Declaration) -> Stored | None:
        """The stored decision when this exact content was lodged before."""
        digest = content_hash(decl)
        with self.session() as s:
            row = self.latest_version(s, decl.id)
            if row is None or row.content_sha256 != digest:
                return None
            decision = self._decision_row(s, decl.id, row.version)
            if decision is None:
                return None
            return Stored(Declaration.model_validate(row.body), row.version, Decision.model_validate(decision.body), repeat=True)

    def save(self, decl: Declaration, decision: Decision, rules_sha256: str | None = None, settings: dict[str, Any] | None = None,
             also: Callable[[Session, int], None] | None = None) -> Stored:
        """Store a screened declaration as its next version, or return the stored one if it is a repeat.

        ``also(session, version)`` runs inside the same transaction for a new version, so that what it
        writes (an audit record) is committed together with the declaration or not at all.
        """
        hook = None if also is None else (lambda s, stored: also(s, stored.version))
        return self.save_many([(decl, decision)], rules_sha256, settings, hook)[0]

    def save_many(self, screened: list[tuple[Declaration, Decision]], rules_sha256: str | None = None,
                  settings: dict[str, Any] | None = None, also: Callable[[Session, Stored], None] | None = None) -> list[Stored]:
        """Store several screened declarations in one transaction (one disk sync for a whole batch).

        ``also(session, stored)`` runs in that transaction for every new version.
        """
        out = []
        with self.session.begin() as s:
            for decl, decision in screened:
                stored = self._save_in(s, decl, decision, rules_sha256, settings)
                if also is not None and not stored.repeat:
                    also(s, stored)
                out.append(stored)
        return out

    def screen_and_save(self, decls: list[Declaration], screen: Callable[[Declaration], Decision],
                        rules_sha256: str | None = None, settings: dict[str, Any] | None = None,
                        also: Callable[[Session, Stored], None] | None = None,
                        after: Callable[[Stored], None] | None = None) -> list[Stored]:
        """Screen and store declarations one after another in one transaction.

        Each declaration is screened only after the previous one is in the transaction and has been
        passed to ``after`` (which feeds the history), so a file's declarations see each other as
        they would arriving one by one — at the cost of one transaction for the batch.
        """
        out = []
        with self.session.begin() as s:
            for decl in decls:
                repeat = self._repeat_in(s, decl)
                if repeat is not None:
                    out.append(repeat)
                    continue
                stored = self._save_in(s, decl, screen(decl), rules_sha256, settings)
                if also is not None:
                    also(s, stored)
                if after is not None:
                    after(stored)
                out.append(stored)
        return out

    def _repeat_in(self, s: Session, decl: Declaration) -> Stored | None:
        latest = self.latest_version(s, decl.id)
        if latest is None or latest.content_sha256 != content_hash(decl):
            return None
        stored = self._decision_row(s, decl.id, latest.version)
        return None if stored is None else Stored(decl, latest.version, Decision.model_validate(stored.body), repeat=True)

    def _save_in(self, s: Session, decl: Declaration, decision: Decision, rules_sha256: str | None,
                 settings: dict[str, Any] | None) -> Stored:
        digest = content_hash(decl)
        latest = self.latest_version(s, decl.id)
        if latest is not None and latest.content_sha256 == digest:
            stored = self._decision_row(s, decl.id, latest.version)
            if stored is not None:
                return Stored(decl, latest.version, Decision.model_validate(stored.body), repeat=True)
        version = 1 if latest is None else latest.version + 1
        row = DeclarationRow(
            declaration_id=decl.id, version=version, content_sha256=digest, type=decl.type.value,
            date=decl.date, destination=decl.route.destination, body=decl.model_dump(mode="json", exclude_none=True),
        )
        s.add(row)
        s.add(self._decision(decl.id, version, decision, rules_sha256, settings))
        s.flush()  # the next declaration of the same id, and the audit hook, must see this version
        return Stored(decl, version, decision, pk=row.pk)

    def add_decision(self, declaration_id: str, version: int, decision: Decision, rules_sha256: str | None = None,
                     settings: dict[str, Any] | None = None, also: Callable[[Session], None] | None = None) -> None:
        """Record a further decision on a stored version (a re-screen after a list update).

        The first decision of a version stays what `get` and replay return; later ones are re-screens."""
        with self.session.begin() as s:
            s.add(self._decision(declaration_id, version, decision, rules_sha256, settings))
            if also is not None:
                s.flush()  # write first, so the hook (the audit chain) runs holding the write lock
                also(s)

    @staticmethod
    def _decision(declaration_id: str, version: int, decision: Decision, rules_sha256: str | None,
                  settings: dict[str, Any] | None = None) -> DecisionRow:
        return DecisionRow(
            declaration_id=declaration_id, declaration_version=version, lane=decision.lane.value,
            action=decision.action.value, score=decision.score, body=decision.model_dump(mode="json"),
            list_versions=decision.list_versions, rules_version=decision.rules_version, rules_sha256=rules_sha256,
            settings=settings, screened_at=decision.screened_at or utcnow(),
        )

    @staticmethod
    def _decision_row(s: Session, declaration_id: str, version: int) -> DecisionRow | None:
        return s.scalars(
            select(DecisionRow)
            .where(DecisionRow.declaration_id == declaration_id, DecisionRow.declaration_version == version)
            .order_by(DecisionRow.pk.asc())
        ).first()

    def get(self, declaration_id: str, version: int | None = None) -> "Record | None":
        """A stored declaration (latest version unless one is named) with its first decision."""
        with self.session() as s:
            if version is None:
                row = self.latest_version(s, declaration_id)
            else:
                row = s.scalars(select(DeclarationRow).where(
                    DeclarationRow.declaration_id == declaration_id, DeclarationRow.version == version)).first()
            if row is None:
                return None
            decision = self._decision_row(s, declaration_id, row.version)
            if decision is None:
                return None
            latest = s.scalars(select(DecisionRow).where(
                DecisionRow.declaration_id == declaration_id, DecisionRow.declaration_version == row.version)
                .order_by(DecisionRow.pk.desc()).limit(1)).first()
            current = Decision.model_validate(latest.body) if latest is not None and latest.pk != decision.pk else None
            return Record(Declaration.model_validate(row.body), row.version, Decision.model_validate(decision.body),
                          decision.rules_sha256, decision.settings, current)

    def versions(self, declaration_id: str) -> list[int]:
        with self.session() as s:
            return list(s.scalars(select(DeclarationRow.version).where(
                DeclarationRow.declaration_id == declaration_id).order_by(DeclarationRow.version)))

    def iter_declarations(self, since: dt.date | None = None, batch: int = 1000) -> Iterator[tuple[Declaration, int]]:
        """Every stored declaration version, oldest first (for history and re-screening)."""
        last = 0
        while True:
            with self.session() as s:
                q = select(DeclarationRow).where(DeclarationRow.pk > last).order_by(DeclarationRow.pk).limit(batch)
                if since is not None:
                    q = q.where(DeclarationRow.date >= since)
                rows = list(s.scalars(q))
            if not rows:
                return
            for row in rows:
                yield Declaration.model_validate(row.body), row.version
            last = rows[-1].pk

    def latest_since(self, since: dt.date, batch: int = 500) -> Iterator[tuple[Declaration, int, Decision]]:
        """The latest version of every declaration dated on or after `since`, with its latest decision."""
        latest = (select(DeclarationRow.declaration_id, func.max(DeclarationRow.version).label("v"))
                  .where(DeclarationRow.date >= since).group_by(DeclarationRow.declaration_id).subquery())
        last = 0
        while True:
            with self.session() as s:
                rows = list(s.scalars(
                    select(DeclarationRow)
                    .join(latest, (DeclarationRow.declaration_id == latest.c.declaration_id) & (DeclarationRow.version == latest.c.v))
                    .where(DeclarationRow.pk > last).order_by(DeclarationRow.pk).limit(batch)))
                out = []
                for row in rows:
                    decision = s.scalars(select(DecisionRow).where(
                        DecisionRow.declaration_id == row.declaration_id, DecisionRow.declaration_version == row.version)
                        .order_by(DecisionRow.pk.desc())).first()
                    if decision is not None:
                        out.append((Declaration.model_validate(row.body), row.version, Decision.model_validate(decision.body)))
            if not rows:
                return
            yield from out
            last = rows[-1].pk

    def iter_rows(self, upto: int | None = None, after: int = 0, batch: int = 1000) -> Iterator[tuple[int, Declaration]]:
        """(store key, declaration) of every stored version in the order stored, after key `after` up to key `upto`."""
        last = after
        while True:
            with self.session() as s:
                q = select(DeclarationRow.pk, DeclarationRow.body).where(DeclarationRow.pk > last)
                if upto is not None:
                    q = q.where(DeclarationRow.pk <= upto)
                rows = list(s.execute(q.order_by(DeclarationRow.pk).limit(batch)))
            if not rows:
                return
            for pk, body in rows:
                yield pk, Declaration.model_validate(body)
            last = rows[-1][0]

    def count(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(DeclarationRow)) or 0
