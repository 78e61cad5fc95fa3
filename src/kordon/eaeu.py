"""The library face of the EAEU-documents check: load, verify and trace — what the CLI and the API call.

    from kordon.eaeu import Documents
    docs = Documents()                                   # settings' store (SQLite kordon.db by default)
    docs.load(["examples/eaeu"])                         # DTs, ESFs, SNTs; a repeat changes nothing
    verdicts, missing = docs.verify(["KZ-SNT-..."])      # recorded with an audit record each
    trace = docs.trace("KZ-SNT-...")                     # each row back to its imports, with the chain flags

The core is pure: `kordon.screen.documents.verify_snt(snt, view, ctx)` over a `WarehouseView`; this class
only builds the view from the store, keeps it while the store does not change, and records verdicts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kordon.config import Settings
from kordon.index.warehouse import WarehouseView
from kordon.ingest.documents import paused_gc
from kordon.models.documents import SNT, Verdict
from kordon.record.documents import DocumentStore, LoadResult
from kordon.record.store import Store
from kordon.screen.context import ScreeningContext, build_context
from kordon.screen.documents import (
    DocumentContext,
    build_document_context,
    run_document_rules,
    verify_snt,
)
from kordon.screen.documents.checks import describe_step
from kordon.screen.documents.facts import snt_facts

if TYPE_CHECKING:
    from kordon.engines import Engine
    from kordon.record.documents_export import SntRow

DEFAULT_PROFILE = "kz_customs"


class Documents:
    def __init__(self, settings: Settings | None = None, store: Store | None = None,
                 screening: ScreeningContext | Callable[[], ScreeningContext] | None = None, goods_and_parties: bool = True):
        """`screening`: the context for the goods and party rules, or a function giving the one current now (a
        server's `Kordon.live_context`, rebuilt when a list is activated); None builds one from the settings."""
        self.settings = settings or Settings()
        self._store = store
        self._screening = screening
        self.goods_and_parties = goods_and_parties
        self._view: WarehouseView | None = None
        self._view_mark: int | None = None
        self._contexts: dict[str, DocumentContext] = {}
        self._lock = threading.RLock()

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    @property
    def documents(self) -> DocumentStore:
        return DocumentStore(self.store)

    # -- loading --------------------------------------------------------------------------------------
    def load(self, paths: Iterable[str], actor: str = "kordon", workers: int | None = None) -> LoadResult:
        result = self.documents.load([str(p) for p in paths], actor=actor, workers=workers)
        if result.new or result.changed:
            self.invalidate()
        return result

    def load_documents(self, docs: list[Any], source: str, actor: str = "kordon") -> LoadResult:
        result = self.documents.load_documents(docs, source=source, actor=actor)
        if result.new or result.changed:
            self.invalidate()
        return result

    def invalidate(self) -> None:
        with self._lock:
            self._view = None

    def view(self) -> WarehouseView:
        """The warehouse as the store holds it now: rebuilt when any process has stored a document since
        (a stale view could verify an SNT against a balance that a later ESF has spent)."""
        with self._lock:
            mark = self.documents.last_key()
            if self._view is None or mark != self._view_mark:
                self._view = WarehouseView(self.documents.rows_table())
                self._view_mark = mark
            return self._view

    def context(self, profile: str = DEFAULT_PROFILE) -> DocumentContext:
        """The document context for `profile`, screening with the current screening context: a new one (a list
        activated under a running server) makes a new document context, and with it a fresh memo of findings."""
        with self._lock:
            screening = None
            if self.goods_and_parties:
                if self._screening is None:
                    self._screening = build_context(self.settings)
                screening = self._screening() if callable(self._screening) else self._screening
            ctx = self._contexts.get(profile)
            if ctx is None or ctx.screening is not screening:
                ctx = build_document_context(profile, screening, self.settings.restricted_destinations)
                self._contexts[profile] = ctx
            return ctx

    # -- verification ---------------------------------------------------------------------------------
    def verify(self, numbers: list[str] | None = None, profile: str = DEFAULT_PROFILE, record: bool = True,
               actor: str = "kordon") -> tuple[list[Verdict], list[str]]:
        """Verify the named SNTs (all current SNTs when `numbers` is None). Returns (verdicts, numbers not on record)."""
        missing: list[str] = []
        verdicts = list(self.verify_iter(numbers, profile, record, actor, missing))
        return verdicts, missing

    def verify_iter(self, numbers: list[str] | None = None, profile: str = DEFAULT_PROFILE, record: bool = True,
                    actor: str = "kordon", missing: list[str] | None = None, batch: int = 2000) -> Iterator[Verdict]:
        """Verdicts one by one, recorded a batch at a time, so that `--all` over 100,000 SNTs holds one batch in memory.
        Numbers not on record are appended to `missing`."""
        ctx = self.context(profile)
        view = self.view()
        store = self.documents
        targets: Iterable[tuple[Any, int]]
        if numbers is None:
            targets = store.iter_snts()
        else:
            targets = self._named(numbers, missing if missing is not None else [])
        pending: list[Verdict] = []
        for snt, version in targets:
            if not isinstance(snt, SNT) or (numbers is None and snt.inbound):
                continue  # goods coming in are not an export
            with paused_gc():
                verdict = verify_snt(snt, view, ctx, version)
            pending.append(verdict)
            if len(pending) >= batch:
                if record:
                    with paused_gc():
                        store.save_verdicts([(v.model_dump(mode="json"), v.version or 0) for v in pending], actor=actor)
                yield from pending
                pending = []
        if pending and record:
            store.save_verdicts([(v.model_dump(mode="json"), v.version or 0) for v in pending], actor=actor)
        yield from pending

    def verify_all(self, engine: Engine, profile: str = DEFAULT_PROFILE, record: bool = True, actor: str = "kordon",
                   source: str | Path | None = None, errors: list[str] | None = None, batch: int = 2000) -> Iterator[Verdict]:
        """`verify --all` on an engine (local worker processes or Spark executors): every current SNT of the store, or of
        a Parquet export (`source`, see kordon.record.documents_export), verified by `verify_row` where the engine runs
        it; verdicts come back in order and are recorded here, a batch at a time, as `verify_iter` records them.
        Rows that cannot be read are appended to `errors` (file, row, field)."""
        ctx = self.context(profile)
        if source is not None:
            outcomes = engine.verify_export(Path(source), ctx)
        else:
            # Spark splits the warehouse by goods and needs no view here; the local engine uses the one kept above.
            outcomes = engine.verify_documents(self.documents, ctx, view=self.view() if engine.name == "local" else None)
        pending: list[Verdict] = []
        for outcome in outcomes:
            if outcome.error is not None:
                if errors is not None:
                    errors.append(outcome.error)
                continue
            if outcome.verdict is None:
                continue  # an SNT bringing goods in: not an export
            pending.append(outcome.verdict)
            if len(pending) >= batch:
                if record:
                    self._save(pending, actor)
                yield from pending
                pending = []
        if pending and record:
            self._save(pending, actor)
        yield from pending

    def _save(self, verdicts: list[Verdict], actor: str) -> None:
        with paused_gc():
            self.documents.save_verdicts([(v.model_dump(mode="json"), v.version or 0) for v in verdicts], actor=actor)

    def _named(self, numbers: list[str], missing: list[str]) -> Iterator[tuple[Any, int]]:
        for number in numbers:
            found = self.documents.get("snt", number)
            if found is None:
                missing.append(number)
            else:
                yield found

    def verify_document(self, snt: SNT, profile: str = DEFAULT_PROFILE) -> Verdict:
        """Verify an SNT that is not (yet) on record against the stored warehouse; nothing is recorded."""
        return verify_snt(snt, self.view(), self.context(profile))

    # -- tracing --------------------------------------------------------------------------------------
    def trace(self, number: str, profile: str = DEFAULT_PROFILE) -> dict[str, Any] | None:
        found = self.documents.get("snt", number)
        if found is None or not isinstance(found[0], SNT):
            return None
        snt, version = found
        assert isinstance(snt, SNT)
        return trace_snt(snt, self.view(), self.context(profile), version)


@dataclass
class SntOutcome:
    """One SNT row verified: the verdict (None for an SNT bringing goods in), or why the row could not be read."""

    seq: int
    verdict: Verdict | None = None
    error: str | None = None


def verify_row(view: WarehouseView, ctx: DocumentContext, row: SntRow) -> SntOutcome:
    """Read one SNT row (store or Parquet export) and verify it: what every engine runs per SNT. Never raises."""
    from pydantic import ValidationError

    try:
        if not row.document:
            raise ValueError("field 'document' is empty")
        try:
            snt = SNT.model_validate_json(row.document)
        except ValidationError as exc:
            e = exc.errors()[0]
            raise ValueError(f"field 'document': {'.'.join(str(x) for x in e.get('loc', ())) or '(document)'}: {e.get('msg')}") from exc
        if row.number and snt.registrationNumber != row.number:
            raise ValueError(f"field 'number' is {row.number!r} but the SNT's registrationNumber is {snt.registrationNumber!r}")
    except ValueError as exc:
        return SntOutcome(row.seq, error=f"{row.where}: {exc}")
    if snt.inbound:
        return SntOutcome(row.seq)
    with paused_gc():
        return SntOutcome(row.seq, verdict=verify_snt(snt, view, ctx, row.version))


def trace_snt(snt: SNT, view: WarehouseView, ctx: DocumentContext, version: int | None = None) -> dict[str, Any]:
    """Each SNT row back to its imports (who sold what to whom, when, how much), with the chain flags."""
    rows = []
    for f in snt_facts(snt, view, ctx.signs, ctx.controlled):
        entry: dict[str, Any] = {
            "row": f.number, "section": f.section, "code": f.row.codeTNVED, "name": f.row.productName, "quantity": f.quantity,
            "unit": f.unit, "origin_sign": f.row.truOriginCode, "document": f.ref, "item": f.ref_item, "link": f.link,
            "traced_by": f.traced_by if f.trace else None, "truncated": f.truncated,
            "trace": [s.as_dict() for s in f.trace],
            "imports": [{"document": s.document, "item": s.row, "kind": s.kind, "origin_country": s.origin, "date": s.date.isoformat(),
                         "path": [describe_step(p) for p in path]} for s, path in f.imports()],
        }
        if f.balance is not None:
            got, gone, left = f.balance
            entry["balance"] = {"lot": view.lot_label(f.lot), "in": got, "out": gone, "balance": left, "shipped": f.shipped_on_lot}
        rows.append(entry)
    flags = [r.model_dump(mode="json") for r in run_document_rules(snt, view, ctx) if r.code.startswith("chain.")]
    return {"registrationNumber": snt.registrationNumber, "version": version, "date": snt.shipped.isoformat(),
            "seller": {"tin": snt.seller.tin, "name": snt.seller.name},
            "customer": {"tin": snt.customer.tin, "name": snt.customer.name, "country": snt.customer.country_code},
            "destination": snt.shippingInfo.destinationCountry, "rows": rows, "flags": flags}
