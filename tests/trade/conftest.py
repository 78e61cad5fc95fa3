from __future__ import annotations

import pytest

from kordon.ingest.trade import connect, ingest_file

from trade_testdata import BNS, COMTRADE_AM, EUROSTAT


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    """One DuckDB file with the three real files loaded, shared by read-only tests."""
    path = tmp_path_factory.mktemp("trade") / "real.duckdb"
    con = connect(path)
    for kind, f in (("eurostat", EUROSTAT), ("bns", BNS), ("comtrade", COMTRADE_AM)):
        ingest_file(con, kind, f)
    yield con
    con.close()


@pytest.fixture
def db(tmp_path):
    con = connect(tmp_path / "t.duckdb")
    yield con
    con.close()
