"""`kordon trade` at 100 columns: every table fits; `change` warns when the periods are not alike."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kordon.interfaces.cli.trade import app
from trade_testdata import BNS, COMTRADE_AM, EUROSTAT

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("narrow") / "t.duckdb"
    for kind, f in (("eurostat", EUROSTAT), ("bns", BNS), ("comtrade", COMTRADE_AM)):
        assert runner.invoke(app, ["ingest", kind, str(f), "--trade-db", str(path)]).exit_code == 0
    return str(path)


def invoke(*args, width=100):
    res = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("args", [
    ("change", "-r", "AM", "-p", "RU", "-g", "hs:8703", "--period", "2023", "--base", "2022"),
    ("mirror", "--a", "EU", "--b", "KZ", "--currency", "USD", "--source-a", "eurostat", "--years", "2021:2023"),
    ("diversion", "--bloc", "EU27", "--transit", "KZ", "--destination", "RU"),
])
@pytest.mark.parametrize("width", [80, 100])
def test_tables_fit_the_terminal_and_lose_no_digits(db, args, width):
    out = invoke(*args, "--trade-db", db, width=width)
    table_lines = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert table_lines and all(len(line) <= width for line in table_lines)
    assert all(line.rstrip().endswith(("┓", "┃", "┩", "│", "┘")) for line in table_lines), "a table was cut at the edge"
    assert "…" not in out  # no figure or header shortened to an ellipsis


def test_change_warns_about_unlike_periods(db):
    out = invoke("change", "-r", "AM", "-p", "RU", "-g", "hs:8703", "--period", "2023", "--base", "2021:2022", "--trade-db", db)
    assert "warning: 2023 covers 12 month(s) and 2021:2022 24" in out
    assert "has data for 10 of its 12 months" in out  # the Comtrade file misses two months of 2023
    alike = invoke("change", "-r", "EU27", "-p", "KZ", "--period", "2023", "--base", "2022", "--trade-db", db)
    assert "warning" not in alike


def test_change_warns_when_a_period_has_no_data(db):
    out = invoke("change", "-r", "KZ", "-p", "RU", "--period", "2023", "--base", "2017", "--trade-db", db)
    assert "warning: no data in 2017" in out
