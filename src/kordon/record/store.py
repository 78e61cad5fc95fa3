"""The store: every screening persisted with the exact list and rule versions it used.

A declaration id may be lodged more than once. The same content again is a repeat and gets the
stored decision back; changed content is an amendment, stored as the next version and screened
again, so both versions stay on record. Every write goes through ``audit.transaction`` and binds
what it writes into the audit chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from kordon.ingest.errors import ListFileError
from kordon.ingest.goods_lists import GoodsList, load_goods_list_texts
from kordon.ingest.rule_pack import RulePack, parse_rule_pack
from kordon.models import Decision, Declaration
from kordon.record import audit
from kordon.record.db import WRITE, make_engine
from kordon.record.tables import (
    AllowListRow,
    DecisionRow,
    DeclarationRow,
    ListSnapshotRow,
    RulePackSnapshotRow,
    SanctionsListVersionRow,
    utcnow,
)

__all__ = [
    "DecisionRow",
    "DeclarationRow",
    "ListSnapshotRow",
    "Record",
    "RulePackSnapshotRow",
    "Store",
    "Stored",
    "content_hash",
    "utcnow",
]


def content_hash(decl: Declaration) -> str:
    body = decl.model_dump(mode="json", exclude_none=True)
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class Stored:
    declaration: Declaration
    version: int
    decision: Decision
    repeat: bool = False  # True when the same content had been stored before
    pk: int | None = None  # store key of the declaration row (new versions only)
    rows: list[Any] = field(default_factory=list, repr=False)  # the rows written, for the audit binding


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


# Decides a declaration inside the writing transaction; gets the latest stored version (pk, version,
# content_sha256) or None for a new id.
Screen = Callable[[Declaration, Any], Decision]


class Store:
    def __init__(self, url: str = "sqlite:///kordon.db"):
        from kordon.record.schema import prepare as prepare_schema

        self.url = url
        self.engine = make_engine(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        # Writing transactions (see audit.transaction) take the write lock when they begin.
        self.writer = sessionmaker(self.engine.execution_options(**{WRITE: True}), expire_on_commit=False)
        prepare_schema(self.engine)
        self._snapshotted: set[tuple[str, str, str]] = set()
        self._snapshotted_rules: set[str] = set()

    def transaction(self, fn: Callable[[Session], Any]) -> Any:
        return audit.transaction(self, fn)

    # -- lists and rules ------------------------------------------------------------------
    def list_state(self, s: Session | None = None) -> tuple[int, int]:
        """Changes whenever a sanctions list version is loaded or an allow-list entry is added: a
        running process compares it before screening to pick up lists activated by another one."""
        if s is None:
            with self.session() as own:
                return self.list_state(own)
        row = s.execute(select(select(func.max(SanctionsListVersionRow.pk)).scalar_subquery(),
                               select(func.max(AllowListRow.pk)).scalar_subquery())).one()
        return (row[0] or 0, row[1] or 0)

    def snapshot_lists(self, lists: list[GoodsList], actor: str = "kordon") -> None:
        todo = [gl for gl in lists if (gl.id, gl.version, gl.sha256) not in self._snapshotted]
        if not todo:
            return

        def write(s: Session) -> None:
            for gl in todo:
                stored = set(s.scalars(select(ListSnapshotRow.sha256).where(
                    ListSnapshotRow.list_id == gl.id, ListSnapshotRow.version == gl.version)))
                if stored and gl.sha256 not in stored:
                    # Replay finds a list by its version: one version label must mean one content.
                    raise ListFileError(f"{gl.path}: list {gl.id} version {gl.version} is already on record with other "
                                        "content; give the changed list a new version")
                if not stored:
                    row = ListSnapshotRow(list_id=gl.id, version=gl.version, sha256=gl.sha256, source=gl.path,
                                          meta_text=gl.raw[0], entries_text=gl.raw[1])
                    s.add(row)
                    s.flush()
                    audit.append_in(s, actor, "list.snapshot", f"list:{gl.id}", {"version": gl.version, "sha256": gl.sha256},
                                    rows=[row])

        self.transaction(write)
        self._snapshotted.update((gl.id, gl.version, gl.sha256) for gl in todo)

    def snapshot_rules(self, pack: RulePack, actor: str = "kordon") -> None:
        if pack.sha256 in self._snapshotted_rules:
            return

        def write(s: Session) -> None:
            if s.get(RulePackSnapshotRow, pack.sha256) is None:
                row = RulePackSnapshotRow(sha256=pack.sha256, version=pack.version, texts=pack.texts, sources=pack.sources)
                s.add(row)
                s.flush()
                audit.append_in(s, actor, "rules.snapshot", f"rules:{pack.version}", {"sha256": pack.sha256}, rows=[row])

        self.transaction(write)
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
    @staticmethod
    def latest_version(s: Session, declaration_id: str) -> DeclarationRow | None:
        return s.scalars(
            select(DeclarationRow).where(DeclarationRow.declaration_id == declaration_id).order_by(DeclarationRow.version.desc())
        ).first()

    def put(self, s: Session, decl: Declaration, screen: Screen, rules_sha256: str | None = None,
            settings: dict[str, Any] | None = None) -> Stored:
        """The one repeat/version path: inside a writing transaction, return the stored decision when this
        exact content is the latest version, else screen it (`screen` gets the latest stored version's
        pk, version and content hash, or None) and store it as the next version."""
        digest = content_hash(decl)
        t = DeclarationRow.__table__
        latest = s.execute(select(t.c.pk, t.c.version, t.c.content_sha256).where(t.c.declaration_id == decl.id)
                           .order_by(t.c.version.desc()).limit(1)).first()
        if latest is not None and latest.content_sha256 == digest:
            first = self._decision_row(s, decl.id, latest.version)
            if first is not None:
                return Stored(decl, latest.version, Decision.model_validate(first.body), repeat=True, pk=latest.pk)
        decision = screen(decl, latest)
        version = 1 if latest is None else latest.version + 1
        # Core inserts (this runs for every screening): the values written are what the audit binding hashes.
        row = {"declaration_id": decl.id, "version": version, "content_sha256": digest, "type": decl.type.value,
               "date": decl.date, "destination": decl.route.destination,
               "body": decl.model_dump(mode="json", exclude_none=True), "received_at": utcnow()}
        row["pk"] = s.execute(insert(t).returning(t.c.pk), row).scalar_one()
        d = DecisionRow.__table__
        decision_row = self._decision_values(decl.id, version, decision, rules_sha256, settings)
        decision_row["pk"] = s.execute(insert(d).returning(d.c.pk), decision_row).scalar_one()
        return Stored(decl, version, decision, pk=row["pk"], rows=[audit.Written(t, row), audit.Written(d, decision_row)])

    def add_decision(self, s: Session, declaration_id: str, version: int, decision: Decision, rules_sha256: str | None = None,
                     settings: dict[str, Any] | None = None) -> DecisionRow:
        """Record a further decision on a stored version (a re-screen after a list update), in a writing
        transaction. The first decision of a version stays what `get` and replay return."""
        row = self._decision(declaration_id, version, decision, rules_sha256, settings)
        s.add(row)
        s.flush()
        return row

    @staticmethod
    def _decision_values(declaration_id: str, version: int, decision: Decision, rules_sha256: str | None,
                         settings: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"declaration_id": declaration_id, "declaration_version": version, "lane": decision.lane.value,
                "action": decision.action.value, "score": decision.score, "body": decision.model_dump(mode="json"),
                "list_versions": decision.list_versions, "rules_version": decision.rules_version,
                "rules_sha256": rules_sha256, "settings": settings, "screened_at": decision.screened_at or utcnow()}

    @classmethod
    def _decision(cls, declaration_id: str, version: int, decision: Decision, rules_sha256: str | None,
                  settings: dict[str, Any] | None = None) -> DecisionRow:
        return DecisionRow(**cls._decision_values(declaration_id, version, decision, rules_sha256, settings))

    @staticmethod
    def _decision_row(s: Session, declaration_id: str, version: int) -> DecisionRow | None:
        return s.scalars(
            select(DecisionRow)
            .where(DecisionRow.declaration_id == declaration_id, DecisionRow.declaration_version == version)
            .order_by(DecisionRow.pk.asc())
        ).first()

    @staticmethod
    def latest_decision(s: Session, declaration_id: str, version: int) -> DecisionRow | None:
        return s.scalars(select(DecisionRow).where(
            DecisionRow.declaration_id == declaration_id, DecisionRow.declaration_version == version)
            .order_by(DecisionRow.pk.desc()).limit(1)).first()

    def get(self, declaration_id: str, version: int | None = None) -> Record | None:
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
            latest = self.latest_decision(s, declaration_id, row.version)
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

    def latest_since(self, since: dt.datetime | dt.date | None, batch: int = 500) -> Iterator[tuple[Declaration, int, Decision]]:
        """The latest version of every declaration lodged (received by the store) at or after `since`
        — None: all — with its latest decision; two queries a batch, not one a row."""
        if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
            since = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        versions = select(DeclarationRow.declaration_id, func.max(DeclarationRow.version).label("v"))
        if since is not None:
            versions = versions.where(DeclarationRow.received_at >= since)
        latest = versions.group_by(DeclarationRow.declaration_id).subquery()
        newest_decision = (select(DecisionRow.declaration_id, DecisionRow.declaration_version, func.max(DecisionRow.pk).label("dpk"))
                           .group_by(DecisionRow.declaration_id, DecisionRow.declaration_version).subquery())
        last = 0
        while True:
            with self.session() as s:
                rows = list(s.execute(
                    select(DeclarationRow.pk, DeclarationRow.body, DeclarationRow.version, DecisionRow.body)
                    .join(latest, (DeclarationRow.declaration_id == latest.c.declaration_id) & (DeclarationRow.version == latest.c.v))
                    .join(newest_decision, (newest_decision.c.declaration_id == DeclarationRow.declaration_id)
                          & (newest_decision.c.declaration_version == DeclarationRow.version))
                    .join(DecisionRow, DecisionRow.pk == newest_decision.c.dpk)
                    .where(DeclarationRow.pk > last).order_by(DeclarationRow.pk).limit(batch)))
            if not rows:
                return
            for _pk, body, version, decision in rows:
                yield Declaration.model_validate(body), version, Decision.model_validate(decision)
            last = rows[-1][0]

    def iter_rows(self, upto: int | None = None, after: int = 0, batch: int = 1000,
                  s: Session | None = None) -> Iterator[tuple[int, Declaration]]:
        """(store key, declaration) of every stored version in the order stored, after key `after` up to key `upto`
        (read in the given session, e.g. a writing transaction, or in short read sessions)."""
        last = after
        while True:
            q = select(DeclarationRow.pk, DeclarationRow.body).where(DeclarationRow.pk > last)
            if upto is not None:
                q = q.where(DeclarationRow.pk <= upto)
            q = q.order_by(DeclarationRow.pk).limit(batch)
            if s is not None:
                rows = list(s.execute(q))
            else:
                with self.session() as own:
                    rows = list(own.execute(q))
            if not rows:
                return
            for pk, body in rows:
                yield pk, Declaration.model_validate(body)
            last = rows[-1][0]

    def count(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(DeclarationRow)) or 0
