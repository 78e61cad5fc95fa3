"""Create or upgrade the database schema.

PostgreSQL (and any server database) is brought to the newest Alembic revision, so an existing
database is upgraded in place. SQLite, the embedded default, is created from the models directly;
a test checks that the migrations and the models agree, so both paths give the same schema.
"""

from __future__ import annotations

from pathlib import Path

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


def prepare(engine: Engine) -> None:
    from kordon.record.db import Base

    import time

    from sqlalchemy.exc import OperationalError

    _models()
    if engine.dialect.name != "sqlite":
        upgrade(engine)
        return
    for attempt in range(20):
        try:
            Base.metadata.create_all(engine)
            return
        except OperationalError as exc:
            # Two processes opening a new file at once: switching it to WAL, or creating a table the
            # other is creating, reports "locked" without waiting. The other one finishes in milliseconds.
            if "locked" not in str(exc) and "already exists" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
