"""Trade statistics ingest: readers per source, one DuckDB store."""
from __future__ import annotations

from pathlib import Path

from kordon.ingest.trade.bns import read_bns
from kordon.ingest.trade.comtrade import read_comtrade
from kordon.ingest.trade.declarations import read_declarations
from kordon.ingest.trade.eurostat import read_eurostat
from kordon.ingest.trade.report import IngestReport, Problem
from kordon.ingest.trade.store import already_loaded, cluster, connect, load_rates, remove_source, sha256_of, store

READERS = {"comtrade": read_comtrade, "eurostat": read_eurostat, "bns": read_bns}

__all__ = [
    "READERS", "IngestReport", "Problem", "cluster", "connect", "ingest_file", "ingest_declarations",
    "load_rates", "read_bns", "read_comtrade", "read_declarations", "read_eurostat",
]


def ingest_file(con, kind: str, path: str | Path, *, replace: bool = False) -> IngestReport:
    """Read one file of the given kind and load it; a file already loaded
    (same sha256) is skipped unless replace=True, so sums never double."""
    if kind not in READERS:
        raise ValueError(f"unknown source kind {kind!r}; choose from {', '.join(READERS)}")
    path = Path(path)
    sha = sha256_of(path)
    previous = already_loaded(con, sha, kind)
    if previous is not None and not replace:
        report = IngestReport(kind, path.name)
        report.skipped = -1  # marker: whole file already present
        return report
    records, report = READERS[kind](path)
    con.execute("BEGIN")
    try:
        if previous is not None:
            remove_source(con, previous)
        store(con, records, report, sha256=sha)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return report


def ingest_declarations(con, items, *, name: str = "declarations") -> IngestReport:
    records, report = read_declarations(items, name=name)
    store(con, records, report)
    return report
