"""The local engine: the per-record functions in this process, or in a few forked worker processes.

With ``workers > 1`` the index (or screening context) is set once before the fork, so every worker
shares it copy-on-write instead of loading it; chunks of rows go out and results come back in order.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from kordon.ingest import party_rows

if TYPE_CHECKING:
    from kordon.index.parties import PartyIndex
    from kordon.record.history_export import HistoryRow
    from kordon.record.store import Store
    from kordon.screen.context import ScreeningContext
    from kordon.screen.party_search import ScreenRow
    from kordon.service import RowOutcome

T = TypeVar("T")
R = TypeVar("R")
CHUNK = 500

# What the forked workers share: set in the parent right before the pool starts.
_SHARED: dict[str, Any] = {}


def _run_chunk(args: tuple[Callable[[Any, list[Any]], list[Any]], list[Any]]) -> list[Any]:
    fn, chunk = args
    return fn(_SHARED["value"], chunk)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Module-level (not closures) so that they pickle to the worker processes.
def _screen_chunk(threshold: float, limit: int, allow: Any, index: "PartyIndex", rows: list[party_rows.PartyRow]) -> list["ScreenRow"]:
    from kordon.screen.party_search import screen_party_row

    return [screen_party_row(index, r, threshold, limit, allow) for r in rows]


def _rescreen_chunk(ctx: "ScreeningContext", rows: list["HistoryRow"]) -> list["RowOutcome"]:
    from kordon.service import rescreen_row

    return [rescreen_row(ctx, r) for r in rows]


def _verify_chunk(shared: tuple[Any, Any], rows: list[Any]) -> list[Any]:
    from kordon.eaeu import verify_row

    view, ctx = shared
    return [verify_row(view, ctx, r) for r in rows]


class LocalEngine:
    name = "local"

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers

    def map_ordered(self, fn: Callable[[Any, list[T]], list[R]], shared: Any, items: Iterable[T]) -> Iterator[R]:
        """fn(shared, chunk) over chunks of items, results in input order."""
        if self.workers == 1:
            for chunk in _chunks(items, CHUNK):
                yield from fn(shared, chunk)
            return
        _SHARED["value"] = shared
        try:
            with multiprocessing.get_context("fork").Pool(self.workers) as pool:
                for out in pool.imap(_run_chunk, ((fn, c) for c in _chunks(items, CHUNK))):
                    yield from out
        finally:
            _SHARED.clear()

    def screen_parties(self, index: "PartyIndex", path: str | Path, threshold: float, limit: int,
                       progress: Callable[[int], None] | None = None, allow: Any = None) -> Iterator["ScreenRow"]:
        for res in self.map_ordered(partial(_screen_chunk, threshold, limit, allow), index, party_rows.read(path)):
            yield res
            if progress:
                progress(res.row)

    def rescreen(self, ctx: "ScreeningContext", rows: Iterable["HistoryRow"]) -> Iterator["RowOutcome"]:
        yield from self.map_ordered(_rescreen_chunk, ctx, rows)

    def rescreen_store(self, ctx: "ScreeningContext", store: "Store", since: dt.datetime | dt.date | None = None) -> Iterator["RowOutcome"]:
        from kordon.record.history_export import iter_store

        return self.rescreen(ctx, iter_store(store, since))

    def rescreen_parquet(self, ctx: "ScreeningContext", path: str | Path) -> Iterator["RowOutcome"]:
        from kordon.record.history_export import read_parquet

        return self.rescreen(ctx, read_parquet(path))

    def verify_snts(self, view: Any, ctx: Any, rows: Iterable[Any]) -> Iterator[Any]:
        """`kordon.eaeu.verify_row` over SNT rows, in order (SntOutcome each)."""
        yield from self.map_ordered(_verify_chunk, (view, ctx), rows)

    def verify_snts_parquet(self, view: Any, ctx: Any, path: str | Path) -> Iterator[Any]:
        from kordon.record.documents_export import read_parquet

        return self.verify_snts(view, ctx, read_parquet(path))

    def verify_export(self, folder: str | Path, ctx: Any) -> Iterator[Any]:
        """Every SNT of a documents export (rows/, snts/) against the whole warehouse view."""
        from kordon.index.warehouse import WarehouseView

        view = WarehouseView.from_parquet(str(Path(folder) / "rows"))
        return self.verify_snts_parquet(view, ctx, Path(folder) / "snts")

    def verify_documents(self, documents: Any, ctx: Any, view: Any) -> Iterator[Any]:
        """Every current SNT of the store against the whole view (the driver's, kept while the store does not change)."""
        from kordon.record.documents_export import iter_store

        return self.verify_snts(view, ctx, iter_store(documents))

    def trace_export(self, folder: str | Path, number: str, ctx: Any) -> tuple[dict[str, Any] | None, str | None]:
        """`documents trace` over an export: the first SNT row of that number, traced over the whole view. (None, None): none."""
        from kordon.engines.goods_split import trace_row
        from kordon.index.warehouse import WarehouseView
        from kordon.record.documents_export import read_parquet

        row = next((r for r in read_parquet(Path(folder) / "snts") if r.number == number), None)
        if row is None:
            return None, None
        return trace_row(WarehouseView.from_parquet(str(Path(folder) / "rows")), ctx, row)

    def stop(self) -> None:
        pass
