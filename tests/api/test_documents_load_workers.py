"""`documents load` with worker processes (SQLite and PostgreSQL): the same documents, rows, counts and errors (file,
line, field) as reading in one process, bad lines anywhere in a span or at its edges, and every batch on the chain.

The loads run in a fresh interpreter, as the CLI does: kordon forks workers only from a process with no other threads
(a fork copies locks other threads hold), and a test session has threads, so here it would read in this process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

from kordon.index.warehouse import ROW_COLUMNS, row_tuples
from kordon.ingest.documents import DocumentCounts, read_all
from kordon.record import audit
from kordon.record.documents import DocumentStore
from tests.eaeu.helpers import dt as make_dt
from tests.eaeu.helpers import esf, snt, valid_bin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "eaeu"


def _input(tmp_path: Path) -> tuple[Path, dict[int, str]]:
    """The examples, 300 generated documents, three bad lines among them and five repeats; returns the file and the bad lines."""
    lines = [ln for f in sorted(EXAMPLES.glob("*.jsonl")) for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    a, b = valid_bin("1501", 11), valid_bin("1601", 22)
    for i in range(100):
        lines.append(json.dumps(make_dt(f"50508/W/{i}", "2023-01-02", a, [("8542319090", "DE", 100 + i), ("0402211800", "KZ", 5)]),
                                ensure_ascii=False))
        lines.append(json.dumps(esf(f"ESF-W-{i}", "2023-02-01", a, b, "8542319090", 10, f"50508/W/{i}"), ensure_ascii=False))
        lines.append(json.dumps(snt(f"KZ-SNT-W-{i}", "2023-03-01", b, "8542319090", 5, f"50508/W/{i}"), ensure_ascii=False))
    bad = json.loads(lines[30])
    bad["items"][0]["quantity"] = -1
    out = lines[:30] + [json.dumps(bad, ensure_ascii=False)] + lines[30:150] + ['{"kind": "snt", "registrationNumber": '] + lines[150:]
    data = "\n".join(out).encode("utf-8")
    data += b"\n" + b'{"kind": "esf", "registrationNumber": "\xff\xfe"}' + b"\n\n" + "\n".join(lines[:5]).encode("utf-8")
    path = tmp_path / "docs.jsonl"
    path.write_bytes(data)
    return path, {31: "items[0].quantity", 152: "", len(out) + 1: ""}


# Loads `path` into `url` with `workers` processes and spans of `span` bytes; prints what the load reported.
CHILD = """
import json, sys
import kordon.ingest.documents as ingest
from kordon.record.documents import DocumentStore
from kordon.record.store import Store

url, path, workers, span = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ingest.PARALLEL_FROM, ingest.SPAN = 0, span
made = []
make_pool = ingest._pool
ingest._pool = lambda n: made.append(make_pool(n)) or made[-1]
store = Store(url)
r = DocumentStore(store).load([path], workers=workers, batch=50)
c = r.counts
print(json.dumps({"pool": bool(made) and made[0] is not None, "counts": [c.read, c.accepted, c.rejected],
                  "errors": [str(e) for e in c.errors], "by_kind": c.by_kind, "new": r.new, "changed": r.changed,
                  "repeats": r.repeats, "rows": r.rows}))
store.engine.dispose()
"""


def _load_in_child(url: str, path: Path, workers: int, span: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, url, str(path), str(workers), str(span)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["pool"], "the load did not use worker processes"
    return out


def test_a_load_in_worker_processes_equals_one_in_this_process(store, db_url, tmp_path):
    path, bad_lines = _input(tmp_path)
    # Spans of 2 kB: dozens of them, so bad lines fall inside spans and documents next to every span edge.
    result = _load_in_child(db_url, path, 2, 2000)

    expected = DocumentCounts()
    docs = [r.document for _, r in read_all([path], expected) if r.document is not None]
    assert result["counts"] == [expected.read, expected.accepted, expected.rejected] == [332, 329, 3]
    assert result["errors"] == [str(e) for e in expected.errors]
    assert {e.line for e in expected.errors} == set(bad_lines)
    assert any(e.line == 31 and e.field == "items[0].quantity" for e in expected.errors)
    assert all(text.startswith(f"{path}:") for text in result["errors"])
    assert result["by_kind"] == expected.by_kind
    # The five examples repeated at the end are repeats: nothing written for them.
    assert (result["new"], result["changed"], result["repeats"]) == (324, 0, 5)

    # The store holds each document's rows as the one-process reader makes them, in file order.
    seen: set[tuple[str, str]] = set()
    want = []
    for d in docs:
        if (d.kind, d.id) not in seen:
            seen.add((d.kind, d.id))
            want.extend(row_tuples(d, 1, None))
    got = DocumentStore(store).rows_table().to_pylist()
    assert result["rows"] == len(want) == len(got)
    keys = ("kind", "number", "row_no", "seller_tin", "buyer_tin", "code", "quantity", "ref_doc", "ref_item")
    for row, tup in zip(got, want):
        assert [row[k] for k in keys] == [tup[ROW_COLUMNS.index(k)] for k in keys]
    # Unknown fields are kept in the stored body.
    assert DocumentStore(store).get("dt", docs[0].id)[0].model_extra == docs[0].model_extra

    # Loading it again (in this process) writes nothing; every batch is on the chain and an edited row is caught.
    again = DocumentStore(store).load([str(path)], workers=0)
    assert (again.new, again.changed, again.repeats, again.counts.rejected) == (0, 0, 329, 3)
    assert audit.verify(store).ok
    from sqlalchemy import text

    with store.session.begin() as s:
        s.execute(text("UPDATE eaeu_rows SET quantity = quantity * 10 WHERE number = '50508/W/7'"))
    problems = audit.verify(store).problems
    assert any("eaeu_rows rows" in p and "changed after the load record bound them" in p for p in problems), problems


def test_a_changed_document_in_a_later_span_is_a_new_version(store, db_url, tmp_path):
    a, b = valid_bin("1501", 11), valid_bin("1601", 22)
    first = esf("ESF-V-1", "2023-02-01", a, b, "8542319090", 10)
    second = dict(first, products=[dict(first["products"][0], quantity=7)])
    filler = [json.dumps(esf(f"ESF-F-{i}", "2023-02-01", a, b, "8542319090", 1), ensure_ascii=False) for i in range(20)]
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join([json.dumps(first), *filler, json.dumps(second), json.dumps(second)]) + "\n", encoding="utf-8")
    result = _load_in_child(db_url, path, 1, 500)
    assert (result["new"], result["changed"], result["repeats"]) == (21, 1, 1)
    docs = DocumentStore(store)
    assert docs.versions("esf", "ESF-V-1") == [1, 2]
    assert docs.get("esf", "ESF-V-1")[0].products[0].quantity == 7
    rows = [r for r in docs.rows_table().to_pylist() if r["number"] == "ESF-V-1"]
    assert [(r["version"], r["quantity"]) for r in rows] == [(2, 7.0)]
    assert audit.verify(store).ok


DIES = """
import os, sys
import kordon.ingest.documents as ingest

ingest.PARALLEL_FROM, ingest.SPAN = 0, 1000


def die(path, res):
    if res.line == 40 and os.getpid() != parent:
        os._exit(3)  # a worker killed mid-load (out of memory, say)
    return res.line


parent = os.getpid()
try:
    list(ingest.read_prepared([sys.argv[1]], ingest.DocumentCounts(), die, workers=1))
    print("no error")
except Exception as exc:
    print(type(exc).__name__)
print(len(list(ingest.read_prepared([sys.argv[1]], ingest.DocumentCounts(), die, workers=0))))
"""


def test_a_worker_that_dies_fails_the_load_instead_of_hanging_it(tmp_path):
    a, b = valid_bin("1501", 11), valid_bin("1601", 22)
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(esf(f"ESF-D-{i}", "2023-02-01", a, b, "8542319090", 1)) for i in range(80)), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", DIES, str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    # Killed in a worker: the load fails; in this process the same reader reads all 80.
    assert done.stdout.split() == ["BrokenProcessPool", "80"], (done.stdout, done.stderr)
