"""Group commit: one writer thread stores what concurrent requests screened, many per transaction.

Each request screens its declarations in its own thread, hands them to the writer and waits; the
writer takes everything queued (up to a transaction's worth), stores it with its audit records in
one transaction, and only then answers each request. An acknowledged declaration is therefore on
disk, and a disk sync is shared by every request that arrived while the previous one was running.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from kordon.models import Declaration, Decision
from kordon.record import audit
from kordon.record.keys import Principal
from kordon.record.store import Stored
from kordon.service import Kordon

MAX_PER_TRANSACTION = 200


@dataclass
class Job:
    who: Principal
    screened: list[tuple[Declaration, Decision]]
    future: Future = field(default_factory=Future)


def _audit(s, who: Principal, stored: Stored) -> None:  # noqa: ANN001
    d = stored.decision
    audit.append_in(s, who.actor, "screening", f"declaration:{stored.declaration.id}",
                    {"version": stored.version, "lane": d.lane.value, "action": d.action.value, "score": d.score,
                     "hits": [h.rule for h in d.hits], "list_versions": d.list_versions, "rules_version": d.rules_version})


class GroupWriter:
    def __init__(self, k: Kordon):
        self.k = k
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, who: Principal, screened: list[tuple[Declaration, Decision]]) -> Future:
        self._ensure_started()
        job = Job(who, screened)
        self.jobs.put(job)
        return job.future

    def _ensure_started(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="kordon-writer", daemon=True)
                self.thread.start()

    def stop(self) -> None:
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                self.jobs.put(None)
                self.thread.join(30)
            self.thread = None

    def _run(self) -> None:
        while True:
            first = self.jobs.get()
            if first is None:
                return
            batch, size = [first], len(first.screened)
            while size < MAX_PER_TRANSACTION:
                try:
                    nxt = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self.jobs.put(None)  # stop after this batch
                    break
                batch.append(nxt)
                size += len(nxt.screened)
            self._write(batch)

    def _store(self, jobs: list[Job]) -> list[Stored]:
        pairs = [p for j in jobs for p in j.screened]
        # The audit hook runs for new versions only (not repeats): find each one's caller by the
        # identity of the declaration object it was handed.
        owners = {id(d): j.who for j in jobs for d, _ in j.screened}

        def record(s, stored: Stored) -> None:  # noqa: ANN001
            _audit(s, owners[id(stored.declaration)], stored)

        for attempt in range(5):
            try:
                return self.k.record_many(pairs, also=record)
            except (IntegrityError, OperationalError):
                # Another process wrote one of these ids or audit numbers first (the transaction rolled
                # back whole): retry; a same-content declaration is then a repeat.
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _write(self, jobs: list[Job]) -> None:
        try:
            stored = self._store(jobs)
        except Exception as exc:  # noqa: BLE001 — handed to the waiting request, which answers 500
            if len(jobs) > 1:
                for job in jobs:  # one bad job must not fail the others: write each alone
                    self._write([job])
                return
            jobs[0].future.set_exception(exc)
            return
        i = 0
        for job in jobs:
            n = len(job.screened)
            job.future.set_result(stored[i:i + n])
            i += n


def as_result(stored: Stored) -> dict[str, Any]:
    return {"declaration_id": stored.declaration.id, "version": stored.version, "repeat": stored.repeat,
            "amendment": stored.version > 1 and not stored.repeat,
            "status": "released" if stored.decision.lane.value == "green" else "held",
            "decision": stored.decision.model_dump(mode="json")}
