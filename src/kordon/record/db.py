"""Database plumbing shared by every table: one declarative base, one engine factory.

SQLite is the embedded default; any SQLAlchemy URL (PostgreSQL in production) works.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def _sqlite_sync() -> str:
    value = os.environ.get("KORDON_SQLITE_SYNC", "NORMAL").upper()
    return value if value in ("OFF", "NORMAL", "FULL", "EXTRA") else "NORMAL"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # WAL keeps readers off writers' backs. In WAL mode synchronous=NORMAL keeps every committed
            # transaction through a crash or kill of the process (the WAL is written before commit returns);
            # only an operating-system crash or power cut may roll back the last commits. Set
            # KORDON_SQLITE_SYNC=FULL to fsync on every commit (about 5 ms each on this kind of disk).
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={_sqlite_sync()}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)
