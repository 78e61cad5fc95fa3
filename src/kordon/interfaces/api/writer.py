"""Group commit through the one screening path: one writer thread screens and stores, in order, what
concurrent requests sent, many declarations per transaction.

Each request hands its declarations to the writer and waits; the writer takes everything queued (up
to a transaction's worth) and passes it to ``Kordon.record`` — the path the library and the CLI take
— which screens each declaration with the history of every one before it (this group's and other
requests' included), stores it and its audit record, and commits once. Only then is each request
answered: an acknowledged declaration is on disk and on the audit trail, and a disk sync is shared
by every request that arrived while the previous transaction was running.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from kordon.models import Declaration
from kordon.record import cases
from kordon.record.keys import Principal
from kordon.record.store import Stored
from kordon.service import Kordon

MAX_PER_TRANSACTION = 200


@dataclass
class Job:
    who: Principal
    declarations: list[Declaration]
    profile: str | None = None
    future: Future = field(default_factory=Future)


class GroupWriter:
    def __init__(self, k: Kordon):
        self.k = k
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def submit(self, who: Principal, declarations: list[Declaration], profile: str | None = None) -> Future:
        self._ensure_started()
        job = Job(who, declarations, profile)
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
            batch, size = [first], len(first.declarations)
            while size < MAX_PER_TRANSACTION:
                try:
                    nxt = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self.jobs.put(None)  # stop after this batch
                    break
                batch.append(nxt)
                size += len(nxt.declarations)
            self._write(batch)

    def _write(self, jobs: list[Job]) -> None:
        try:
            stored = self.k.record([(d, j.who.actor, j.profile) for j in jobs for d in j.declarations])
        except Exception as exc:  # noqa: BLE001 — handed to the waiting request, which answers 500
            if len(jobs) > 1:
                for job in jobs:  # one bad job must not fail the others: write each alone
                    self._write([job])
                return
            jobs[0].future.set_exception(exc)
            return
        i = 0
        for job in jobs:
            n = len(job.declarations)
            job.future.set_result(stored[i:i + n])
            i += n


def public_decision(body: dict[str, Any]) -> dict[str, Any]:
    """A decision as the API shows it: decisions stored before the seed was kept private lose it here."""
    sel = body.get("random_selection")
    if isinstance(sel, dict) and ("seed" in sel or "draw" in sel):
        body = {**body, "random_selection": {k: v for k, v in sel.items() if k not in ("seed", "draw")}}
        body["hits"] = [{**h, "evidence": {k: v for k, v in (h.get("evidence") or {}).items() if k not in ("seed", "draw")},
                         "explanation": h["explanation"].split(", draw ")[0] + ("); no risk was found." if ", draw " in h["explanation"] else "")}
                        if h.get("rule") == "selection.random" else h for h in body.get("hits", [])]
    return body


def as_result(stored: Stored) -> dict[str, Any]:
    lane = stored.decision.lane.value
    return {"declaration_id": stored.declaration.id, "version": stored.version, "repeat": stored.repeat,
            "amendment": stored.version > 1 and not stored.repeat,
            # A new version has no review yet: green is released, anything else waits for an officer. A
            # repeat answers with the stored decision; its status may since have changed (see GET).
            "status": cases.clearance_status(lane, stored.version, []),
            "decision": public_decision(stored.decision.model_dump(mode="json"))}
