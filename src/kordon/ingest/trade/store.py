"""The DuckDB file that holds every loaded trade table, with provenance.

One table, `trade`, in one currency-aware shape; `sources` says where each
load came from (file name, sha256, counts) and `rejects` keeps every refused
row with its line, field and reason, so nothing is lost silently.
"""
from __future__ import annotations

import csv
import hashlib
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kordon.ingest.trade.records import COLUMNS, TradeRecord
from kordon.ingest.trade.report import IngestReport

DEFAULT_DB = "kordon-trade.duckdb"

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS source_ids START 1;
CREATE TABLE IF NOT EXISTS sources (
    source_id INTEGER PRIMARY KEY, kind VARCHAR, file VARCHAR, sha256 VARCHAR,
    publisher VARCHAR, licence VARCHAR, loaded_at TIMESTAMP,
    rows_read INTEGER, rows_accepted INTEGER, rows_rejected INTEGER, rows_skipped INTEGER
);
CREATE TABLE IF NOT EXISTS trade (
    source_id INTEGER, source VARCHAR, reporter VARCHAR, partner VARCHAR, flow VARCHAR,
    year SMALLINT, month TINYINT, hs_code VARCHAR, hs_edition VARCHAR,
    value DOUBLE, currency VARCHAR, quantity DOUBLE, quantity_unit VARCHAR,
    net_mass_kg DOUBLE, valuation VARCHAR, line INTEGER
);
CREATE TABLE IF NOT EXISTS rejects (
    source_id INTEGER, file VARCHAR, line INTEGER, field VARCHAR, reason VARCHAR, value VARCHAR
);
CREATE TABLE IF NOT EXISTS fx_rates (
    currency_from VARCHAR, currency_to VARCHAR, period VARCHAR, rate DOUBLE, origin VARCHAR
);
"""

PUBLISHERS = {
    "comtrade": ("UN Statistics Division (UN Comtrade)", "UN Comtrade terms of use"),
    "eurostat": ("Eurostat (Comext)", "CC BY 4.0 (Eurostat reuse policy)"),
    "bns": ("Bureau of National Statistics of Kazakhstan", "BNS terms of use"),
    "declarations": ("kordon screened declarations", "own data"),
}


def default_db_path() -> str:
    return os.environ.get("KORDON_TRADE_DB", DEFAULT_DB)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The single value of a query that always returns one row (count, nextval)."""
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path or default_db_path()), read_only=read_only)
    if not read_only:
        con.execute(SCHEMA)
        if _one(con, "SELECT count(*) FROM fx_rates WHERE origin = 'ECB'") == 0:
            _load_ecb_rates(con)
    return con


def _load_ecb_rates(con: duckdb.DuckDBPyConnection) -> None:
    with (resources.files("kordon.data") / "trade" / "ecb_eur_rates.csv").open(encoding="utf-8") as fh:
        rows = [(r["currency_from"], r["currency_to"], r["period"], float(r["rate"]), "ECB") for r in csv.DictReader(fh)]
    con.executemany("INSERT INTO fx_rates VALUES (?, ?, ?, ?, ?)", rows)


def load_rates(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """User rate table: currency_from, currency_to, period (YYYY or YYYY-MM), rate.
    User rates take precedence over the shipped ECB averages for the same pair."""
    path = Path(path)
    rows, bad = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            try:
                rate = float(row["rate"])
                if rate <= 0:
                    raise ValueError
                rows.append((row["currency_from"].upper(), row["currency_to"].upper(), row["period"].strip(), rate, path.name))
            except (KeyError, ValueError, AttributeError):
                bad.append(reader.line_num)
    if bad:
        raise ValueError(f"{path.name}: unusable rate on line(s) {', '.join(map(str, bad[:10]))}")
    con.executemany("DELETE FROM fx_rates WHERE currency_from=? AND currency_to=? AND period=?", [r[:3] for r in rows])
    con.executemany("INSERT INTO fx_rates VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


CLUSTER_ORDER = "reporter, flow, partner, year, month, hs_code"


def cluster(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite `trade` ordered by reporter, flow and partner.

    Every analysis filters on those three; DuckDB keeps min/max per row group,
    so on an ordered table it skips the row groups of other country pairs
    instead of reading them all (ten times faster on the 20M-row benchmark).
    Loads append in file order, so run this after a batch of loads.
    Returns the number of rows."""
    con.execute("BEGIN TRANSACTION")
    try:
        # A new table in the same file, not a temporary one: at 100M rows it would not fit in memory.
        con.execute(f"CREATE OR REPLACE TABLE trade_sorted AS SELECT * FROM trade ORDER BY {CLUSTER_ORDER}")
        con.execute("DROP TABLE trade")
        con.execute("ALTER TABLE trade_sorted RENAME TO trade")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return int(_one(con, "SELECT count(*) FROM trade"))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def already_loaded(con: duckdb.DuckDBPyConnection, sha: str, kind: str) -> int | None:
    row = con.execute("SELECT source_id FROM sources WHERE sha256 = ? AND kind = ?", [sha, kind]).fetchone()
    return row[0] if row else None


def remove_source(con: duckdb.DuckDBPyConnection, source_id: int) -> None:
    for table in ("trade", "rejects", "sources"):
        con.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])


def store(
    con: duckdb.DuckDBPyConnection,
    records: list[TradeRecord],
    report: IngestReport,
    *,
    sha256: str | None = None,
) -> int:
    publisher, licence = PUBLISHERS.get(report.source, ("", ""))
    source_id = _one(con, "SELECT nextval('source_ids')")
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source_id, report.source, report.file, sha256, publisher, licence,
         datetime.now(timezone.utc).replace(tzinfo=None), report.read, report.accepted,
         report.rejected, report.skipped],
    )
    if records:
        df = pd.DataFrame.from_records(records, columns=COLUMNS)
        df["month"] = df["month"].astype("Int8")
        con.register("_incoming", df)
        con.execute(
            f"INSERT INTO trade SELECT {source_id}, '{report.source}', "
            "reporter, partner, flow, year, month, hs_code, hs_edition, value, currency, quantity, "
            "quantity_unit, net_mass_kg, valuation, line FROM _incoming"
        )
        con.unregister("_incoming")
    if report.problems:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?)",
            [(source_id, p.file, p.line, p.field, p.reason, p.value) for p in report.problems],
        )
    return source_id
