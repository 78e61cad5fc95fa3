"""The library face of kordon: screen, record, explain and replay — what the CLI and the API call.

    from kordon.service import Kordon
    k = Kordon()                       # bundled lists, SQLite file kordon.db
    decision = k.screen(declaration)   # screened and stored
    original, again = k.replay("KZ-2024-0001")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from kordon.config import Settings
from kordon.models import Declaration, Decision
from kordon.record.store import Record, Store, Stored
from kordon.screen import ScreeningContext, build_context, screen_declaration
from kordon.screen.context import load_rules


class ReplayError(LookupError):
    pass


@dataclass
class Replay:
    record: Record
    decision: Decision

    @property
    def identical(self) -> bool:
        strip = {"screened_at"}
        return self.record.decision.model_dump(exclude=strip) == self.decision.model_dump(exclude=strip)


class Kordon:
    def __init__(self, settings: Settings | None = None, store: Store | None = None, context: ScreeningContext | None = None):
        self.settings = settings or Settings()
        self.context = context or build_context(self.settings)
        self._store = store

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    def screen(self, decl: Declaration) -> Decision:
        """Screen without recording."""
        return screen_declaration(decl, self.context)

    def screen_and_record(self, decl: Declaration, also: Callable[[Session, int, Decision], None] | None = None) -> Stored:
        """Screen and store; a repeat of stored content returns the stored decision unchanged.

        ``also(session, version, decision)`` is written in the same transaction as a new version (the audit record).
        """
        repeat = self.store.find_repeat(decl)
        if repeat is not None:
            return repeat
        decision = screen_declaration(decl, self.context)
        self.store.snapshot_lists(self.context.goods.lists)
        self.store.snapshot_rules(self.context.rules)
        hook = None if also is None else (lambda s, version: also(s, version, decision))
        return self.store.save(decl, decision, self.context.rules.sha256, self.settings.model_dump(mode="json"), also=hook)

    def screen_and_record_many(self, decls: list[Declaration],
                               also: Callable[[Session, Stored], None] | None = None) -> list[Stored]:
        """Screen and store a batch in one transaction: the fast path for files and bulk API calls.

        Screening a repeat again is harmless: the store returns the stored decision for it.
        """
        return self.record_many([(d, screen_declaration(d, self.context)) for d in decls], also=also)

    def record_many(self, screened: list[tuple[Declaration, Decision]],
                    also: Callable[[Session, Stored], None] | None = None) -> list[Stored]:
        """Store declarations screened with this context, in one transaction."""
        self.store.snapshot_lists(self.context.goods.lists)
        self.store.snapshot_rules(self.context.rules)
        return self.store.save_many(screened, self.context.rules.sha256, self.settings.model_dump(mode="json"), also=also)

    def get(self, declaration_id: str, version: int | None = None) -> Record:
        record = self.store.get(declaration_id, version)
        if record is None:
            raise ReplayError(f"no stored declaration with id {declaration_id!r}" + (f" version {version}" if version else ""))
        return record

    def context_for(self, record: Record) -> ScreeningContext:
        """Rebuild the screening context a stored decision was made with: its settings, lists and rules."""
        settings = Settings.model_validate(record.settings) if record.settings else self.settings
        lists = []
        for list_id, version in record.decision.list_versions.items():
            goods = self.store.goods_list(list_id, version)
            if goods is not None:
                lists.append(goods)
            elif list_id in {gl.id for gl in self.context.goods.lists}:
                raise ReplayError(f"list {list_id} version {version} is not in the store; it cannot be replayed exactly")
        ctx = build_context(settings, lists=lists)
        if record.rules_sha256:
            pack = self.store.rule_pack(record.rules_sha256)
            if pack is None:
                raise ReplayError(f"rule pack {record.rules_sha256[:12]} is not in the store")
            ctx.rules = pack
        else:
            ctx.rules = load_rules(settings)
        ctx.extras.update(self.context.extras)
        ctx.extra_list_versions.update({k: v for k, v in record.decision.list_versions.items() if k not in {gl.id for gl in lists}})
        return ctx

    def replay(self, declaration_id: str, version: int | None = None) -> Replay:
        record = self.get(declaration_id, version)
        decision = screen_declaration(record.declaration, self.context_for(record))
        return Replay(record, decision)
