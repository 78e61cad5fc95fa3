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
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.config import Settings
from kordon.ingest.profiles import Profile
from kordon.index.history import History, attach, load_history
from kordon.models import Decision, Declaration
from kordon.models.decision import ACTION_ORDER, LANE_ORDER
from kordon.record import audit
from kordon.record.history_export import HistoryRow
from kordon.record.store import Record, Store, Stored, content_hash
from kordon.record.tables import DeclarationRow, InspectionRow, ReviewRow, SeizureRow
from kordon.screen import ScreeningContext, build_context, screen_declaration
from kordon.screen.amendment import Amendment
from kordon.screen.context import load_rules
from kordon.screen.pipeline import LIST_RULE_PREFIXES, rescreen_lists

if TYPE_CHECKING:
    from kordon.engines import Engine

RESCREEN_PER_TRANSACTION = 200  # escalated re-screen outcomes recorded per transaction


def stored_settings(settings: Settings) -> dict[str, Any]:
    """The settings a decision records for replay: never the database URL (it may hold a password) nor
    the random-selection seed (it must not leave the server); replay takes both from the running settings."""
    return settings.model_dump(mode="json", exclude={"database_url": True, "lanes": {"random_seed"}})


def previous_status(s: Session, declaration_id: str, version: int, lane: str) -> str:
    """What had happened to a declaration when a new version of it arrives: seized, referred, reviewed,
    inspected, held (a yellow or red lane nobody has acted on) or released (green)."""
    decisions = set(s.scalars(select(ReviewRow.decision).where(ReviewRow.declaration_id == declaration_id)))
    if "seize" in decisions or s.scalars(select(SeizureRow.id).where(SeizureRow.declaration_id == declaration_id).limit(1)).first():
        return "seized"
    if "refer" in decisions:
        return "referred"
    if decisions:
        return "reviewed"
    if s.scalars(select(InspectionRow.id).where(InspectionRow.declaration_id == declaration_id).limit(1)).first():
        return "inspected"
    return "released" if lane == "green" else "held"


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
        self._store = store
        # The sanctions lists and allow-list are live: `_live_lists` rebuilds the context when another
        # process (kordon lists load, parties allow) changed them. Read the state before building.
        self._probe = store if store is not None else self._existing_store(self.settings.database_url)
        self._list_state = self._probe.list_state() if self._probe is not None else None
        self.context = context or build_context(self.settings)
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

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self._probe or Store(self.settings.database_url)
            if self._probe is None:
                self._probe = self._store
                self._list_state = self._store.list_state()
        return self._store

    @staticmethod
    def _existing_store(url: str) -> Store | None:
        """The store at `url` when it exists (to follow its lists); none is created just for that."""
        from kordon.record.sanctions_lists import _store_exists

        return Store(url) if _store_exists(url) else None

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

    def _catch_up(self, before: int | None = None, s: Session | None = None) -> None:
        assert self._history is not None and self._store is not None
        upto = None if before is None else before - 1
        for pk, decl in self._store.iter_rows(after=self._history.upto or 0, upto=upto, s=s):
            self._history.add(decl, pk)
        self._refreshed = time.monotonic()

    def _live_lists(self, s: Session | None = None) -> None:
        """Rebuild the screening context when the store's sanctions lists or allow-list changed (one
        cheap query; called before every screening), so every screening uses the lists active then.
        Called in a writing transaction (`s`), the answer holds until it commits: a list activation
        needs the same write lock."""
        if self._probe is None:
            return
        state = self._probe.list_state(s)
        if state == self._list_state:
            return
        with self._lock:
            if state != self._list_state:
                ctx = build_context(self.settings, lists=self.context.goods.lists)
                ctx.rules = self.context.rules
                ctx.profile = self.context.profile
                self.context = ctx
                self._list_state = state

    def _screen_with(self, history: History | None, decl: Declaration, amendment: Amendment | None = None,
                     profile: Profile | None = None) -> Decision:
        if history is not None:
            attach(self.context, history)
        else:
            self.context.extras.pop("history", None)
        if amendment is not None:
            self.context.extras["amendment"] = amendment
        try:
            decision = screen_declaration(decl, self.context, profile)
        finally:
            self.context.extras.pop("amendment", None)
        if history is not None:
            decision.history_upto = history.upto
        return decision

    def _amendment(self, s: Session, declaration_id: str, latest: Any) -> Amendment | None:
        """What a new version of `declaration_id` amends: the latest stored version (pk, version) and its status."""
        if latest is None:
            return None
        body = s.scalar(select(DeclarationRow.body).where(DeclarationRow.pk == latest.pk))
        decision = Store.latest_decision(s, declaration_id, latest.version)
        lane = decision.lane if decision is not None else "red"
        return Amendment(Declaration.model_validate(body), latest.version, previous_status(s, declaration_id, latest.version, lane))

    def _remember(self, stored: Stored, s: Session | None = None) -> None:
        if self._history is None or stored.repeat:
            return
        if stored.pk is not None and self._history.upto is not None and stored.pk > self._history.upto + 1:
            # Rows below ours that this process has not seen (another process wrote them): take them in
            # first, so the history always holds every row up to its reach — what `history_upto` promises replay.
            self._catch_up(before=stored.pk, s=s)
        self._history.add(stored.declaration, stored.pk)

    def live_context(self) -> ScreeningContext:
        """The screening context with the sanctions lists and allow-list active now (rebuilt if another process
        changed them): what EAEU document verification in the same server screens SNT rows and parties with."""
        self._live_lists()
        return self.context

    def screen(self, decl: Declaration, profile: str | None = None) -> Decision:
        """Screen without recording (with the store's history and live lists once a store is in use), under
        the settings' profile or the one named."""
        self._live_lists()
        chosen = self.profile(profile)
        with self._lock:
            amendment = None
            if self._store is not None:
                with self._store.session() as s:
                    latest = Store.latest_version(s, decl.id)
                    if latest is not None and latest.content_sha256 != content_hash(decl):
                        amendment = self._amendment(s, decl.id, latest)
            return self._screen_with(self._current_history(), decl, amendment, chosen)

    def screen_and_record(self, decl: Declaration, actor: str = "library") -> Stored:
        """Screen and store; a repeat of stored content returns the stored decision unchanged."""
        return self.record([(decl, actor, None)])[0]

    def screen_and_record_many(self, decls: list[Declaration], actor: str = "library",
                               profile: str | None = None) -> list[Stored]:
        """Screen and store a batch in one transaction, each declaration seeing the ones before it."""
        return self.record([(d, actor, profile) for d in decls])

    def record(self, items: list[tuple[Declaration, str, str | None]]) -> list[Stored]:
        """The one screening path of library, CLI and API: screen and store, in order, inside one writing
        transaction, each declaration with the history of every one stored before it (this batch's and
        other processes' included) and the lists active now; every new version is audited (actor, decision,
        and the hashes of its declaration and decision rows) in the same transaction. A repeat of stored
        content returns the stored decision."""
        store = self.store
        store.snapshot_lists(self.context.goods.lists)
        store.snapshot_rules(self.context.rules)
        rules_sha, settings = self.context.rules.sha256, stored_settings(self.settings)
        # Each item names its profile (None: the settings'); each profile used is stored once, for replay.
        from kordon.record.profiles import snapshot_profile

        chosen = {name: self.profile(name) for name in {p for _, _, p in items}}
        for found in {(p.id, p.version): p for p in chosen.values() if p is not None}.values():
            snapshot_profile(store, found)

        def write(s: Session) -> list[Stored]:
            try:
                # Holding the write lock: the lists active now (rebuilt if another process changed them),
                # and every row other processes committed, so this batch is screened against the complete
                # history (structuring, re-export chains across processes).
                self._live_lists(s)
                history = self._current_history(refresh=False)
                if history is not None:
                    self._catch_up(s=s)
                out = []
                known = store.latest_versions(s, list({d.id for d, _, _ in items}))
                for decl, actor, profile in items:
                    use = chosen[profile]
                    stored = store.put(s, decl, lambda d, latest, use=use: self._screen_with(  # type: ignore[misc]
                        history, d, self._amendment(s, d.id, latest), use), rules_sha, settings, known)
                    if not stored.repeat:
                        d = stored.decision
                        audit.append_in(s, actor, "screening", f"declaration:{decl.id}",
                                        {"version": stored.version, "lane": d.lane.value, "action": d.action.value,
                                         "score": d.score, "hits": [h.rule for h in d.hits], "list_versions": d.list_versions,
                                         "rules_version": d.rules_version, "profile": d.profile}, rows=stored.rows)
                        self._remember(stored, s)
                    out.append(stored)
                return out
            except BaseException:
                # The history took in declarations of a transaction that did not commit: start again from the store.
                self._history = None
                raise

        with self._lock:
            return store.transaction(write)

    def get(self, declaration_id: str, version: int | None = None) -> Record:
        record = self.store.get(declaration_id, version)
        if record is None:
            raise ReplayError(f"no stored declaration with id {declaration_id!r}" + (f" version {version}" if version else ""))
        return record

    def context_for(self, record: Record) -> ScreeningContext:
        """Rebuild the screening context a stored decision was made with: its settings, lists, rules and history."""
        settings = self._replay_settings(record.settings)
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
        if record.version > 1:
            previous = self.store.get(record.declaration.id, record.version - 1)
            if previous is not None:
                status = next((h.evidence.get("previous_status") for h in decision.hits if h.rule.startswith("amendment.")),
                              "released")
                ctx.extras["amendment"] = Amendment(previous.declaration, previous.version, str(status))
        ctx.profile = self._pinned_profile(decision)
        return ctx

    def _replay_settings(self, stored: dict[str, Any] | None) -> Settings:
        """The recorded settings, with the database and the seed of this process (never recorded; older
        records that kept a database URL are not trusted with it)."""
        if not stored:
            return self.settings
        data = {k: v for k, v in stored.items() if k != "database_url"}
        data["lanes"] = {**(data.get("lanes") or {}), "random_seed": self.settings.lanes.random_seed}
        data["database_url"] = self.settings.database_url
        return Settings.model_validate(data)

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

    def rescreen(self, since: dt.datetime | dt.date | None, record: bool = True, actor: str = "kordon") -> list[Rescreen]:
        """Re-screen the latest version of every declaration lodged since `since` (None: every stored one)
        against the lists active now.

        Selection is by the time the store received a declaration, not by its declared date. Only
        list-driven hits are recomputed (a list changed, nothing else did). A changed outcome is recorded
        as a further decision with an audit record — unless it is milder than before (a delisting, or a
        list missing from this run's settings): that is returned for an officer's review, never recorded.
        """
        return self.rescreen_all(since, record=record, actor=actor).changed

    def rescreen_all(self, since: dt.datetime | dt.date | None = None, record: bool = True, actor: str = "kordon",
                     engine: Engine | None = None, source: str | Path | None = None) -> RescreenRun:
        """`rescreen` over the whole history (or what was lodged since `since`), or over a Parquet export of it
        (`source`), on the local engine or Spark. The engine only decides where `rescreen_row` runs; every changed
        outcome is recorded here, through the same path, in the order of the history."""
        from kordon.engines.local import LocalEngine

        self._live_lists()
        engine = engine or LocalEngine()
        ctx = self.context
        outcomes = engine.rescreen_parquet(ctx, source) if source is not None else engine.rescreen_store(ctx, self.store, since)
        run = RescreenRun([], errors=[])
        escalated: list[Rescreen] = []
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
                escalated.append(result)
                if len(escalated) >= RESCREEN_PER_TRANSACTION:
                    self.record_rescreen(escalated, actor)
                    escalated = []
        if escalated:
            self.record_rescreen(escalated, actor)
        return run

    def record_rescreen(self, results: list[Rescreen], actor: str = "kordon") -> None:
        """Record escalated re-screen outcomes as further decisions, each with its audit record, in one
        transaction (a list activation can escalate thousands: one lock hand-over and disk sync each would
        keep a busy server waiting)."""
        def write(s: Session) -> None:
            for r in results:
                payload = {"version": r.version, "lane": r.after.lane.value, "action": r.after.action.value,
                           "was": [r.before.lane.value, r.before.action.value], "list_versions": r.after.list_versions,
                           "added": sorted(map(str, r.added)), "removed": sorted(map(str, r.removed))}
                row = self.store.add_decision(s, r.declaration_id, r.version, r.after, self.context.rules.sha256,
                                              stored_settings(self.settings))
                audit.append_in(s, actor, "rescreen", f"declaration:{r.declaration_id}", payload, rows=[row])

        self.store.transaction(write)

    def replay(self, declaration_id: str, version: int | None = None) -> Replay:
        record = self.get(declaration_id, version)
        ctx = self.context_for(record)
        decision = screen_declaration(record.declaration, ctx)
        history = ctx.extras.get("history")
        if isinstance(history, History):
            decision.history_upto = history.upto
        return Replay(record, decision)
