"""Alembic environment: run against the engine kordon hands over (or the URL in the config)."""

from alembic import context
from sqlalchemy import create_engine

from kordon.record.db import Base
from kordon.record.schema import _models

_models()
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Two servers starting at once must not both run the same migration.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7310420)")
            context.run_migrations()
        connection.commit()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
