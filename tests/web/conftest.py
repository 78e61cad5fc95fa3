"""Fixtures for the workspace tests: a store with the example and synthetic declarations (SQLite, and PostgreSQL
when one is given), keys per role, and — for the browser tests — a real `kordon serve` and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("babel")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests" / "api"))

import screenshots  # noqa: E402 - scripts/screenshots.py: the demo store the docs' pictures show

PG_ENV = "KORDON_TEST_POSTGRES_URL"
CHROMIUM = screenshots.CHROMIUM
CHROMIUM_ARGS = screenshots.CHROMIUM_ARGS


def _pg_url(base: str) -> tuple[str, object]:
    from sqlalchemy import create_engine, text

    name = f"kordon_w_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.rsplit("/", 1)[0] + "/" + name, drop


def _build(folder: Path, url: str | None = None):
    return screenshots.build_store(folder, synthetic=200, url=url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    """(store, keys by role) over the demo declarations, once per module and database."""
    from kordon.record.store import Store

    folder = tmp_path_factory.mktemp("web")
    drop = None
    url = None
    if request.param == "postgresql":
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"PostgreSQL tests need {PG_ENV} (run: eval \"$(bash scripts/ci_postgres.sh)\")")
        url, drop = _pg_url(base)
    url, secrets = _build(folder, url)
    store = Store(url)
    yield store, secrets
    store.engine.dispose()
    if drop:
        drop()


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    """A TestClient over HTTPS on a fresh SQLite demo store, and the keys."""
    from fastapi.testclient import TestClient

    from kordon.config import Settings
    from kordon.interfaces.api import create_app
    from kordon.record.store import Store

    folder = tmp_path_factory.mktemp("webapp")
    url, secrets = _build(folder)
    store = Store(url)
    app = create_app(Settings(database_url=url), store)
    with TestClient(app, base_url="https://testserver") as c:
        yield c, store, secrets
    store.engine.dispose()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A real `kordon serve` on loopback over the demo store, and Chromium; (base url, keys, browser, store url)."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")
    from api_server import Server

    folder = tmp_path_factory.mktemp("served")
    url, secrets = _build(folder)
    server = Server(url, folder / "server.log").start()
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield server.url, secrets, browser, url
            browser.close()
    finally:
        server.stop()
