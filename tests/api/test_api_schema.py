"""Migrations and models agree; the published OpenAPI document is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kordon.record.db import Base, make_engine
from kordon.record.schema import _models, upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_build_the_models_schema(db_url):
    engine = make_engine(db_url)
    upgrade(engine)  # from empty, through every migration
    _models()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], ("models and migrations differ; add a migration: alembic revision --autogenerate "
                        f"(see docs/reliability.md): {diff}")
    assert "alembic_version" in inspect(engine).get_table_names()
    upgrade(engine)  # idempotent: a second run is a no-op
    engine.dispose()


def test_store_on_a_migrated_database(db_url):
    from kordon.record.store import Store

    store = Store(db_url)
    assert store.count() == 0
    store.engine.dispose()


def test_openapi_document_is_current():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_openapi.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
