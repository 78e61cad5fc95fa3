"""Read EAEU documents (DT, ESF, SNT) from JSON Lines, one document at a time, losing nothing.

Every line comes back either as a validated document with its line number and content hash, or as
RecordErrors naming file, line, field and why (``exportControlProducts[0].quantity``). A bad line
never stops the rest; counts of read / accepted / rejected are kept per kind.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kordon.ingest.errors import ReadCounts, RecordError
from kordon.ingest.limits import decode_line
from kordon.models.documents import DOCUMENT, DT, ESF, KINDS, SNT

AnyDocument = DT | ESF | SNT


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _decode_lines(data: bytes, source: str, start: int = 1) -> Iterator[tuple[int, str | None, RecordError | None]]:
    """Split bytes into lines, decoding each as UTF-8 so one badly encoded line costs only itself."""
    if start == 1 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for n, raw in enumerate(data.split(b"\n"), start=start):
        text, why = decode_line(raw)
        yield n, text, None if why is None else RecordError(source, n, None, why)


@dataclass
class DocResult:
    line: int
    document: AnyDocument | None = None
    sha256: str | None = None  # of the canonical JSON (sorted keys), so reformatting a file is not a change
    text: str | None = None  # the line as read, stored as the document body
    errors: list[RecordError] = field(default_factory=list)
    kind: str | None = None  # as the line says, even when the document is rejected

    @property
    def ok(self) -> bool:
        return self.document is not None


@dataclass
class DocumentCounts(ReadCounts):
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_kind(self, kind: str | None, accepted: bool) -> None:
        entry = self.by_kind.setdefault(kind or "unreadable", {"read": 0, "accepted": 0, "rejected": 0})
        entry["read"] += 1
        entry["accepted" if accepted else "rejected"] += 1


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cycle collector while a batch of documents is held: the documents hold no reference
    cycles, and with thousands of them alive each collection scans them all (measured: 4x the cost of reading)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def content_sha256(doc: AnyDocument) -> str:
    """Hash of the document as validated: the official fields in the model's order, so that reformatting a
    file (spacing, order of the fields) is not a change, while any changed value is. Fields at their default are
    left out: writing a default explicitly is no change, and a field the model gains later changes no old hash."""
    # The model's own serializer gives the same bytes as DOCUMENT.dump_json (the union picks it) at two thirds of
    # the cost; a test holds them equal, since a changed hash would make every stored document "changed".
    return hashlib.sha256(doc.__pydantic_serializer__.to_json(doc, exclude_defaults=True)).hexdigest()


def _number_of(raw: dict[str, Any]) -> str | None:
    value = raw.get("number") if raw.get("kind") == "dt" else raw.get("registrationNumber")
    return str(value) if value not in (None, "") else None


def validate_document(raw: Any, source: str, line: int, text: str | None = None) -> DocResult:
    if not isinstance(raw, dict):
        return DocResult(line, errors=[RecordError(source, line, None, f"expected a JSON object, got {type(raw).__name__}")])
    kind = raw.get("kind")
    if kind not in KINDS:
        reason = "required field is missing" if kind is None else f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}"
        return DocResult(line, errors=[RecordError(source, line, "kind", reason, _number_of(raw))])
    try:
        doc = DOCUMENT.validate_python(raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if loc and loc[0] == kind:  # the discriminated union puts the kind first
                loc = loc[1:]
            reason = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                reason = "required field is missing"
            elif "input" in err and err["type"] != "value_error":
                reason = f"{reason} (got {repr(err['input'])[:80]})"
            errors.append(RecordError(source, line, _field_path(loc) or None, reason, _number_of(raw)))
        return DocResult(line, errors=errors, kind=kind)
    return DocResult(line, doc, content_sha256(doc), text, kind=kind)


def _lines(data: bytes, source: str, start: int = 1) -> Iterator[tuple[int, str | None, RecordError | None]]:
    # Decode the whole file (or span) at once; only one with a bad byte is decoded line by line (so a bad line costs
    # only itself). `start`: the number of the first line; a byte-order mark is dropped only at the file's start.
    try:
        text = data.decode("utf-8-sig" if start == 1 else "utf-8")
    except UnicodeDecodeError:
        yield from _decode_lines(data, source, start)
        return
    for n, line in enumerate(text.split("\n"), start=start):
        yield n, line, None


def read_jsonl(data: bytes, source: str, start: int = 1) -> Iterator[DocResult]:
    """Documents of JSON Lines `data` read from `source`, whose first line is line `start` of the file."""
    for n, text, error in _lines(data, source, start):
        if error:
            yield DocResult(n, errors=[error])
            continue
        assert text is not None
        if not text.strip():
            continue
        try:
            # The fast path: a valid document is parsed and validated in one step.
            doc = DOCUMENT.validate_json(text)
            yield DocResult(n, doc, content_sha256(doc), text.strip(), kind=doc.kind)
            continue
        except ValidationError:
            pass  # read it again slowly, to say which field is wrong and why
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield DocResult(n, errors=[RecordError(source, n, None, f"broken JSON at column {exc.colno}: {exc.msg}")])
            continue
        yield validate_document(raw, source, n, text.strip())


def read_path(path: str | Path) -> Iterator[DocResult]:
    path = Path(path)
    _check_suffix(path)
    return read_jsonl(path.read_bytes(), str(path))


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the .jsonl files directly inside folders named (not their subfolders), in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() in (".jsonl", ".ndjson")))
        else:
            out.append(p)
    return out


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise ValueError(f"{path}: EAEU documents are read from JSON Lines (.jsonl), one document per line")


def _tally(counts: DocumentCounts, kind: str | None, ok: bool, errors: list[RecordError]) -> None:
    counts.read += 1
    if ok:
        counts.accepted += 1
    else:
        counts.rejected += 1
        counts.errors.extend(errors)
    counts.add_kind(kind, ok)


def read_all(paths: Iterable[str | Path], counts: DocumentCounts | None = None) -> Iterator[tuple[str, DocResult]]:
    """Read many files, keeping counts up to date as documents go by. A missing or unreadable file is
    one rejected entry with its reason, and the other files are still read."""
    counts = counts if counts is not None else DocumentCounts()
    for path in expand(paths):
        try:
            results = read_path(path)
            for result in results:
                _tally(counts, result.document.kind if result.document is not None else result.kind, result.ok, result.errors)
                yield str(path), result
        except (OSError, ValueError) as exc:
            # A file that cannot be read at all (missing, not JSON Lines): the rest are still read; exit 2.
            counts.tally(False, [RecordError(str(path), None, None, str(exc))], fatal=True)


# -- reading with worker processes -------------------------------------------------------------------------
# A load spends half its time validating; worker processes validate spans of the file while this one writes.
# Each worker turns a valid document into what the writer needs (`prepare`, plain tuples: a pydantic document
# would cost more to send than to validate again) and reports bad lines with their file line numbers.

SPAN = 1 << 20  # bytes a worker reads at a time, cut at a line end
AHEAD = 32  # spans read ahead of the writer at most (about 45,000 documents, 100 MB): a batch's write is overlapped whole
PARALLEL_FROM = 8 << 20  # smaller inputs are read in this process: starting workers would cost more


def _spans(data: bytes, step: int = SPAN) -> Iterator[tuple[int, int, int]]:
    """(start, end, number of the first line) of pieces of `data` of about `step` bytes, each ending at a line end."""
    lo, line = 0, 1
    while lo < len(data):
        cut = data.find(b"\n", lo + step)
        hi = len(data) if cut < 0 else cut + 1
        yield lo, hi, line
        line += data.count(b"\n", lo, hi)
        lo = hi


Prepare = Callable[[str, DocResult], Any]
Outcome = tuple[int, "str | None", "list[RecordError] | None", Any]  # line, kind, errors (if rejected), prepared (if accepted)


def _read_span(path: str, data: bytes, line: int, prepare: Prepare) -> list[Outcome]:
    """Read and prepare one span of a file (its bytes, and the number of its first line): in a worker or here."""
    out: list[Outcome] = []
    with paused_gc():
        for res in read_jsonl(data, path, line):
            if res.document is not None:
                out.append((res.line, res.document.kind, None, prepare(path, res)))
            else:
                out.append((res.line, res.kind, res.errors, None))
    return out


def _pool(workers: int) -> Any:
    """Forked worker processes, or None where forking is not safe (other threads running, as in a server: a fork
    copies their held locks) or not available; the caller then reads in its own process. A process pool executor,
    not a multiprocessing pool: a worker that dies (killed, out of memory) fails the load instead of hanging it."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    if workers < 1 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def default_workers() -> int:
    """Worker processes for a large load: every usable core but the one that writes, at most four (none on one core).
    Usable: the cores this process may run on (a container's CPU set), not all the machine's."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(4, cores - 1))


def read_prepared(paths: Iterable[str | Path], counts: DocumentCounts, prepare: Prepare,
                  workers: int | None = None) -> Iterator[Any]:
    """Like `read_all`, with each accepted document passed through `prepare(path, result)` and only those values
    yielded, in file order. Inputs of `PARALLEL_FROM` bytes or more are read by `workers` worker processes
    (default: `default_workers()`; 0: none, all in this process); the counts, errors and line numbers are the same
    either way. Workers get the bytes this process read, so a file rewritten during the load cannot mix versions."""
    workers = default_workers() if workers is None else workers
    pool = None
    try:
        for path in expand(paths):
            try:
                _check_suffix(path)
                data = path.read_bytes()
            except (OSError, ValueError) as exc:
                counts.tally(False, [RecordError(str(path), None, None, str(exc))], fatal=True)
                continue
            source = str(path)
            if pool is None and len(data) >= PARALLEL_FROM:
                pool = _pool(workers)
            tasks = ((source, data[lo:hi], line, prepare) for lo, hi, line in _spans(data))
            if pool is None or len(data) < PARALLEL_FROM:
                outcomes: Iterable[list[Outcome]] = (_read_span(*task) for task in tasks)
            else:
                outcomes = _in_workers(pool, tasks, AHEAD)
            for span in outcomes:
                for _line, kind, errors, value in span:
                    _tally(counts, kind, errors is None, errors or [])
                    if value is not None:
                        yield source, value
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _in_workers(pool: Any, tasks: Iterable[tuple[Any, ...]], ahead: int) -> Iterator[list[Outcome]]:
    """The tasks' results in order, with at most `ahead` spans read ahead of the writer (memory stays bounded)."""
    from collections import deque

    running: deque[Any] = deque()
    for task in tasks:
        running.append(pool.submit(_read_span, *task))
        if len(running) >= ahead:
            yield running.popleft().result()
    while running:
        yield running.popleft().result()
