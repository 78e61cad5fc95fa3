"""Fixtures for the API tests: a real database (SQLite file, and PostgreSQL when one is given), keys per role."""

from __future__ import annotations

import os
import uuid

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from kordon.config import Settings  # noqa: E402
from kordon.record import keys  # noqa: E402
from kordon.record.store import Store  # noqa: E402

PG_ENV = "KORDON_TEST_POSTGRES_URL"


def _pg_database(base_url: str):
    """A fresh database on the PostgreSQL server for one test; dropped afterwards."""
    name = f"kordon_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = base_url.rsplit("/", 1)[0] + "/" + name

    def drop(store: Store | None) -> None:
        if store is not None:
            store.engine.dispose()
        import time

        from sqlalchemy.exc import DBAPIError

        for attempt in range(10):
            try:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                # An autovacuum worker (not ours to terminate) may still be on the database: wait for it.
                if attempt == 9:
                    raise
                time.sleep(0.5)
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kordon.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (run: eval \"$(bash scripts/ci_postgres.sh)\")")
    url, drop = _pg_database(base)
    request.node._pg_drop = drop
    yield url
    drop(getattr(request.node, "_pg_store", None))


@pytest.fixture
def store(db_url, request):
    s = Store(db_url)
    request.node._pg_store = s
    yield s
    s.engine.dispose()


@pytest.fixture
def settings(db_url):
    return Settings(database_url=db_url)


@pytest.fixture
def role_keys(store):
    return {role: keys.create_key(store, f"test {role}", role, created_by="test")[0] for role in keys.ROLES}


@pytest.fixture
def client(settings, store):
    from kordon.interfaces.api import create_app

    app = create_app(settings, store, max_body=256 * 1024)
    with TestClient(app) as c:
        c.fastapi = app
        yield c

