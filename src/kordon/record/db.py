"""Database plumbing shared by every table: one declarative base, one engine factory.

SQLite is the embedded default; any SQLAlchemy URL (PostgreSQL in production) works.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase

# Execution option marking a connection that will write: on SQLite its transaction starts with
# BEGIN IMMEDIATE, taking the write lock before it reads, so a read-check-write sequence (is this
# id stored? which audit number is next?) cannot be overtaken by another process.
WRITE = "kordon_write"


class Base(DeclarativeBase):
    pass


def _sqlite_sync() -> str:
    value = os.environ.get("KORDON_SQLITE_SYNC", "NORMAL").upper()
    return value if value in ("OFF", "NORMAL", "FULL", "EXTRA") else "NORMAL"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sync = _sqlite_sync()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver's own transaction handling is switched off: `_begin` below says BEGIN itself.
            dbapi_conn.isolation_level = None
            # WAL keeps readers off writers' backs. In WAL mode synchronous=NORMAL keeps every committed
            # transaction through a crash or kill of the process (the WAL is written before commit returns);
            # only an operating-system crash or power cut may roll back the last commits. `kordon serve`
            # sets KORDON_SQLITE_SYNC=FULL (fsync on every commit) unless it is set otherwise.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sync}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)
