"""Create or upgrade the database schema.

PostgreSQL (and any server database) is brought to the newest Alembic revision, so an existing
database is upgraded in place. SQLite, the embedded default, is created from the models directly;
a test checks that the migrations and the models agree, so both paths give the same schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _models() -> None:
    # Every table must be on Base.metadata before it is created or compared.
    from kordon.record import documents, tables, web_sessions  # noqa: F401


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def create_tables(engine: Engine) -> None:
    """Create the tables that are missing (SQLite, and the lists' own helpers), waiting out another
    process that is creating them or holding the write lock on a new file."""
    import time

    from sqlalchemy.exc import OperationalError

    from kordon.record.db import Base

    _models()
    for attempt in range(40):
        try:
            Base.metadata.create_all(engine)
            add_missing_columns(engine)
            return
        except OperationalError as exc:
            # Two processes opening a new file at once: switching it to WAL, or creating a table after
            # reading that it was missing, reports "locked" without waiting for the lock.
            if ("locked" not in str(exc) and "already exists" not in str(exc)) or attempt == 39:
                raise
            time.sleep(min(0.05 * (attempt + 1), 1.0))


def add_missing_columns(engine: Engine) -> None:
    """A SQLite store made by an older kordon lacks the columns later migrations added (create_all makes
    missing tables, never missing columns): add each, as its migration does. A column that is neither
    nullable nor has a server default cannot be added to existing rows: that is refused, naming it."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import OperationalError

    from kordon.record.db import Base

    if engine.dialect.name != "sqlite":  # server databases follow the Alembic migrations
        return
    found = inspect(engine)
    tables = set(found.get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        have = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            default = column.server_default
            if not column.nullable and default is None:
                raise RuntimeError(f"the store's table {table.name} lacks column {column.name}, which cannot be added "
                                   "to existing rows; migrate the store (docs/api.md, Schema)")
            ddl = f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column.type.compile(engine.dialect)}'
            if default is not None:
                arg: Any = getattr(default, "arg", None)
                value = arg.compile(dialect=engine.dialect) if hasattr(arg, "compile") else f"'{arg}'"
                ddl += f" NOT NULL DEFAULT {value}" if not column.nullable else f" DEFAULT {value}"
            try:
                with engine.begin() as conn:
                    conn.execute(text(ddl))
            except OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it a moment ago
                    raise


def prepare(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        _models()
        upgrade(engine)
        return
    create_tables(engine)
