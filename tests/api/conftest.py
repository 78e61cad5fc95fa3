"""Fixtures for the API tests: a real database (SQLite file, and PostgreSQL when one is given), keys per role."""

from __future__ import annotations

import copy
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

# A red-lane declaration: a CHPL tier-1 item (integrated circuits, HS 8542.31) of US origin, re-exported from KZ to RU.
RED = {
    "id": "KZ-API-RED-1", "type": "re-export", "date": "2026-11-20", "customs_office": "55201",
    "parties": [
        {"role": "consignor", "name": "Steppe Components LLP", "country": "KZ", "identifiers": {"bin": "210940012345"}},
        {"role": "consignee", "name": "OOO Vostok Elektronika", "country": "RU"},
    ],
    "route": {"dispatch": "KZ", "destination": "RU"},
    "items": [{"hs_code": "8542.31", "description": "Processors and controllers", "origin": "US",
               "quantity": 500, "unit": "pcs", "value": 120000, "currency": "USD"}],
}
# A green-lane declaration: apples from KZ to Germany.
GREEN = {
    "id": "KZ-API-GREEN-1", "type": "export", "date": "2026-11-20",
    "parties": [{"role": "consignor", "name": "Almaty Orchards LLP", "country": "KZ"},
                {"role": "consignee", "name": "Obst GmbH", "country": "DE"}],
    "route": {"dispatch": "KZ", "destination": "DE"},
    "items": [{"hs_code": "0808.10", "description": "Fresh apples", "origin": "KZ", "quantity": 20000, "unit": "kg"}],
}


def declaration(base: dict, **changes) -> dict:
    d = copy.deepcopy(base)
    d.update(changes)
    return d


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
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
