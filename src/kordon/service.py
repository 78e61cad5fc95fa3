"""The library face of kordon: screen, record, explain and replay — what the CLI and the API call.

    from kordon.service import Kordon
    k = Kordon()                                     # bundled lists, SQLite file kordon.db
    decision = k.screen(declaration)                 # screened, not stored
    stored = k.screen_and_record(declaration)        # screened and stored (a repeat returns the stored decision)
    assert k.replay("KZ-2024-0001").identical        # the same decision from the same lists, rules and history
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy.orm import Session

from kordon.config import Settings
from kordon.ingest.profiles import Profile
from kordon.index.history import History, attach, load_history
from kordon.models import Declaration, Decision
from kordon.models.decision import ACTION_ORDER, LANE_ORDER
from kordon.record.history_export import HistoryRow
from kordon.record.store import Record, Store, Stored
from kordon.screen import ScreeningContext, build_context, screen_declaration
from kordon.screen.context import load_rules
from kordon.screen.pipeline import LIST_RULE_PREFIXES, rescreen_lists

if TYPE_CHECKING:
    from kordon.engines import Engine


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


@dataclass
class Rescreen:
    declaration_id: str
    version: int
    before: Decision
    after: Decision

    def _list_hits(self, d: Decision) -> set[tuple]:
        return {(h.rule, h.subject, h.list.id if h.list else None, h.list.entry if h.list else None)
                for h in d.hits if h.rule.startswith(LIST_RULE_PREFIXES)}

    @property
    def added(self) -> set[tuple]:
        return self._list_hits(self.after) - self._list_hits(self.before)

    @property
    def removed(self) -> set[tuple]:
        return self._list_hits(self.before) - self._list_hits(self.after)

    @property
    def changed(self) -> bool:
        return (self.before.lane, self.before.action) != (self.after.lane, self.after.action) or bool(self.added or self.removed)

    @property
    def lowered(self) -> bool:
        """The new outcome is milder. Automation may hold or escalate, never release: an officer decides."""
        return (ACTION_ORDER.index(self.after.action), LANE_ORDER.index(self.after.lane)) < (
            ACTION_ORDER.index(self.before.action), LANE_ORDER.index(self.before.lane))


def rescreen_one(decl: Declaration, version: int, before: Decision, ctx: ScreeningContext) -> Rescreen:
    """Re-screen one stored declaration against the context's lists: what every engine runs per declaration."""
    return Rescreen(decl.id, version, before, rescreen_lists(decl, before, ctx))


@dataclass
class RowOutcome:
    """A history row re-screened: the result, or why the row could not be read."""

    seq: int
    result: Rescreen | None = None
    error: str | None = None


def rescreen_row(ctx: ScreeningContext, row: HistoryRow) -> RowOutcome:
    """Read one history row (store or Parquet export) and re-screen it; a damaged row gives an error, never raises."""
    from pydantic import ValidationError

    try:
        if not row.declaration_id:
            raise ValueError("field 'declaration_id' is empty")
        if row.version is None:
            raise ValueError("field 'version' is empty")
        for field, text in (("declaration", row.declaration), ("decision", row.decision)):
            if not text:
                raise ValueError(f"field {field!r} is empty")
        try:
            decl = Declaration.model_validate_json(row.declaration or "")
        except ValidationError as exc:
            raise ValueError(f"field 'declaration': {_first_error(exc)}") from exc
        try:
            before = Decision.model_validate_json(row.decision or "")
        except ValidationError as exc:
            raise ValueError(f"field 'decision': {_first_error(exc)}") from exc
        if decl.id != row.declaration_id:
            raise ValueError(f"field 'declaration_id' is {row.declaration_id!r} but the declaration's id is {decl.id!r}")
    except ValueError as exc:
        return RowOutcome(row.seq, error=f"{row.where}: {exc}")
    return RowOutcome(row.seq, result=rescreen_one(decl, row.version, before, ctx))


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        where = ".".join(str(x) for x in e.get("loc", ())) or "(document)"
        return f"{where}: {e.get('msg')}"
    return str(exc)


@dataclass
class RescreenRun:
    """What a bulk re-screen did: every changed outcome, and the rows read, re-screened and rejected."""

    changed: list[Rescreen]
    read: int = 0
    rejected: int = 0
    errors: list[str] | None = None


class Kordon:
    """Screening with a store. When recording, the red-flag rules see the history of every declaration
    stored before (loaded from the store once, then kept up to date); each decision records how far
    that history reached (`history_upto`) so that a replay rebuilds exactly the same one."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None, context: ScreeningContext | None = None):
        self.settings = settings or Settings()
        self.context = context or build_context(self.settings)
        self._store = store
        self._history: History | None = None
        self._refreshed = 0.0
        # Screening reads the history and recording adds to it, possibly from different threads.
        self._lock = threading.RLock()
        # Profiles decisions were made under in this process, by (id, version): recorded with them for replay.
        self._profiles: dict[tuple[str, str], Profile] = {}

    def profile(self, name: str | None = None) -> Profile | None:
        """The settings' profile, or another one by bundled id or file path (a per-request choice)."""
        from kordon.decide.profiles import load_profile

        found = self.context.profile if name is None else load_profile(name)
        if found is not None:
            self._profiles[(found.id, found.version)] = found
        return found

    def _snapshot_profiles(self, decisions: list[Decision]) -> None:
        from kordon.record.profiles import snapshot_profile

        for key in {(d.profile, d.profile_version) for d in decisions if d.profile and d.profile_version}:
            found = self._profiles.get(key)  # type: ignore[arg-type]
            if found is not None:
                snapshot_profile(self.store, found)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    @property
    def history(self) -> History | None:
        """The history of stored declarations as this process knows it (None when switched off or store-less)."""
        with self._lock:
            return self._current_history()

    def _current_history(self, refresh: bool = True) -> History | None:
        # Call with the lock held. Loaded on first use; afterwards topped up with what other processes
        # stored (at most every `history_refresh_seconds`, so a busy server does not query for each request).
        if not self.settings.history or self._store is None:
            return None
        if self._history is None:
            self._history = load_history(self._store)
            self._refreshed = time.monotonic()
        elif refresh and time.monotonic() - self._refreshed >= self.settings.history_refresh_seconds:
            self._catch_up()
        return self._history

    def _catch_up(self, before: int | None = None) -> None:
        assert self._history is not None and self._store is not None
        upto = None if before is None else before - 1
        for pk, decl in self._store.iter_rows(after=self._history.upto or 0, upto=upto):
            self._history.add(decl, pk)
        self._refreshed = time.monotonic()

    def _screen_with(self, history: History | None, decl: Declaration, profile: Profile | None = None) -> Decision:
        if history is not None:
            attach(self.context, history)
        else:
            self.context.extras.pop("history", None)
        decision = screen_declaration(decl, self.context, profile)
        if history is not None:
            decision.history_upto = history.upto
        return decision

    def _remember(self, stored: Stored) -> None:
        if self._history is None or stored.repeat:
            return
        if stored.pk is not None and self._history.upto is not None and stored.pk > self._history.upto + 1:
            # Rows below ours that this process has not seen (another process wrote them): take them in
            # first, so the history always holds every row up to its reach — what `history_upto` promises replay.
            self._catch_up(before=stored.pk)
        self._history.add(stored.declaration, stored.pk)

    def screen(self, decl: Declaration, profile: str | None = None) -> Decision:
        """Screen without recording (with the store's history once a store is in use), under the settings'
        profile or the one named."""
        chosen = self.profile(profile)
        with self._lock:
            return self._screen_with(self._current_history(), decl, chosen)

    def screen_and_record(self, decl: Declaration, also: Callable[[Session, int, Decision], None] | None = None) -> Stored:
        """Screen and store; a repeat of stored content returns the stored decision unchanged.

        ``also(session, version, decision)`` is written in the same transaction as a new version (the audit record).
        """
        hook = None if also is None else (lambda s, stored: also(s, stored.version, stored.decision))
        return self.screen_and_record_many([decl], also=hook)[0]

    def screen_and_record_many(self, decls: list[Declaration],
                               also: Callable[[Session, Stored], None] | None = None, profile: str | None = None) -> list[Stored]:
        """Screen and store a batch in one transaction, each declaration seeing the ones before it."""
        from kordon.record.profiles import snapshot_profile

        store = self.store
        store.snapshot_lists(self.context.goods.lists)
        store.snapshot_rules(self.context.rules)
        chosen = self.profile(profile)
        if chosen is not None:
            snapshot_profile(store, chosen)
        with self._lock:
            history = self._current_history()
            try:
                return store.screen_and_save(decls, lambda d: self._screen_with(history, d, chosen), self.context.rules.sha256,
                                             self.settings.model_dump(mode="json"), also=also, after=self._remember)
            except Exception:
                # The history took in declarations of a transaction that did not commit: start again from the store.
                self._history = None
                raise

    def record_many(self, screened: list[tuple[Declaration, Decision]],
                    also: Callable[[Session, Stored], None] | None = None) -> list[Stored]:
        """Store declarations already screened with this context (by `screen`), in one transaction.

        The lock is held from the save until the history has them, so no screening sees a history
        with a gap below its reach."""
        self.store.snapshot_lists(self.context.goods.lists)
        self.store.snapshot_rules(self.context.rules)
        self._snapshot_profiles([d for _, d in screened])
        with self._lock:
            stored = self.store.save_many(screened, self.context.rules.sha256, self.settings.model_dump(mode="json"), also=also)
            for item in stored:
                self._remember(item)
        return stored

    def get(self, declaration_id: str, version: int | None = None) -> Record:
        record = self.store.get(declaration_id, version)
        if record is None:
            raise ReplayError(f"no stored declaration with id {declaration_id!r}" + (f" version {version}" if version else ""))
        return record

    def context_for(self, record: Record) -> ScreeningContext:
        """Rebuild the screening context a stored decision was made with: its settings, lists, rules and history."""
        settings = Settings.model_validate(record.settings) if record.settings else self.settings
        decision = record.decision
        lists = []
        for list_id, version in decision.list_versions.items():
            goods = self.store.goods_list(list_id, version)
            if goods is not None:
                lists.append(goods)
            elif list_id in {gl.id for gl in self.context.goods.lists}:
                raise ReplayError(f"list {list_id} version {version} is not in the store; it cannot be replayed exactly")
        goods_ids = {gl.id for gl in lists}
        pinned = {k: v for k, v in decision.list_versions.items() if k not in goods_ids}
        try:
            ctx = build_context(settings, lists=lists, pinned_versions=pinned, as_of=decision.screened_at)
        except LookupError as exc:
            raise ReplayError(str(exc)) from exc
        if record.rules_sha256:
            pack = self.store.rule_pack(record.rules_sha256)
            if pack is None:
                raise ReplayError(f"rule pack {record.rules_sha256[:12]} is not in the store")
            ctx.rules = pack
        else:
            ctx.rules = load_rules(settings)
        if decision.history_upto is not None:
            attach(ctx, load_history(self.store, upto=decision.history_upto))
        ctx.profile = self._pinned_profile(decision)
        return ctx

    def _pinned_profile(self, decision: Decision) -> Profile | None:
        """The profile a decision was made under, in the version it names (None before profiles existed)."""
        from kordon.decide.profiles import load_profile
        from kordon.record.profiles import stored_profile

        if not decision.profile:
            return None
        found = stored_profile(self.store, decision.profile, decision.profile_version or "")
        if found is not None:
            return found
        try:
            current = load_profile(decision.profile)
        except (LookupError, ValueError) as exc:
            raise ReplayError(f"profile {decision.profile!r} is neither in the store nor available: {exc}") from exc
        if current.version != decision.profile_version:
            raise ReplayError(f"profile {decision.profile} version {decision.profile_version} is not in the store "
                              f"(available: version {current.version}); it cannot be replayed exactly")
        return current

    def rescreen(self, since: dt.date, record: bool = True, actor: str = "kordon") -> list[Rescreen]:
        """Re-screen the latest version of every declaration since `since` against today's lists.

        Only list-driven hits are recomputed (a list changed, nothing else did). A changed outcome is
        recorded as a further decision with an audit record — unless it is milder than before (a delisting,
        or a list missing from this run's settings): that is returned for an officer's review, never recorded.
        """
        return self.rescreen_all(since, record=record, actor=actor).changed

    def rescreen_all(self, since: dt.date | None = None, record: bool = True, actor: str = "kordon",
                     engine: "Engine | None" = None, source: str | Path | None = None) -> RescreenRun:
        """`rescreen` over the whole history (or since a date), or over a Parquet export of it (`source`),
        on the local engine or Spark. The engine only decides where `rescreen_row` runs; every changed
        outcome is recorded here, through the same path, in the order of the history."""
        from kordon.engines.local import LocalEngine

        engine = engine or LocalEngine()
        ctx = self.context
        outcomes = engine.rescreen_parquet(ctx, source) if source is not None else engine.rescreen_store(ctx, self.store, since)
        run = RescreenRun([], errors=[])
        for outcome in outcomes:
            run.read += 1
            if outcome.error is not None:
                run.rejected += 1
                assert run.errors is not None
                run.errors.append(outcome.error)
                continue
            result = outcome.result
            if result is None or not result.changed:
                continue
            run.changed.append(result)
            if record and not result.lowered:
                self.record_rescreen(result, actor)
        return run

    def record_rescreen(self, result: Rescreen, actor: str = "kordon") -> None:
        """Record an escalated re-screen outcome as a further decision, with its audit record."""
        from kordon.record import audit

        payload = {"version": result.version, "lane": result.after.lane.value, "action": result.after.action.value,
                   "was": [result.before.lane.value, result.before.action.value], "list_versions": result.after.list_versions,
                   "added": sorted(map(str, result.added)), "removed": sorted(map(str, result.removed))}

        def audited(s: Session) -> None:
            audit.append_in(s, actor, "rescreen", f"declaration:{result.declaration_id}", payload)

        self.store.add_decision(result.declaration_id, result.version, result.after, self.context.rules.sha256,
                                self.settings.model_dump(mode="json"), also=audited)

    def replay(self, declaration_id: str, version: int | None = None) -> Replay:
        record = self.get(declaration_id, version)
        ctx = self.context_for(record)
        decision = screen_declaration(record.declaration, ctx)
        history = ctx.extras.get("history")
        if isinstance(history, History):
            decision.history_upto = history.upto
        return Replay(record, decision)
