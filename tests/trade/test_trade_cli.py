from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from typer.testing import CliRunner

from kordon.interfaces.cli.trade import app
from trade_testdata import BNS, COMTRADE_AM, EUROSTAT, REPO

runner = CliRunner()


def invoke(*args):
    res = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return res


def test_cli_end_to_end(tmp_path):
    db = tmp_path / "cli.duckdb"
    res = invoke("ingest", "eurostat", EUROSTAT, "--db", db)
    assert res.exit_code == 0, res.output
    assert "read 14063, accepted 14063, rejected 0" in res.output
    assert invoke("ingest", "bns", BNS, "--db", db).exit_code == 0
    assert invoke("ingest", "comtrade", COMTRADE_AM, "--db", db).exit_code == 0
    again = invoke("ingest", "bns", BNS, "--db", db)
    assert "already loaded" in again.output

    out = tmp_path / "kg.csv"
    png, html = tmp_path / "kg.png", tmp_path / "kg.html"
    res = invoke("change", "-r", "EU27", "-p", "KG", "--period", "2023-01:2023-05", "--base", "2022-01:2022-05",
                 "--db", db, "--out", out, "--png", png, "--html", html)
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(tmp_path / "kg.summary.csv")
    assert summary.value_period[0] > 7 * summary.value_base[0]
    assert png.read_bytes()[:4] == b"\x89PNG"
    page = html.read_text()
    assert "vegaEmbed" in page and '"$schema": "https://vega.github.io/schema/vega-lite/v5.json"' in page

    pq = tmp_path / "mirror.parquet"
    res = invoke("mirror", "--a", "EU", "--b", "KZ", "--currency", "USD", "--source-a", "eurostat",
                 "--years", "2021:2023", "--cif-fob", "1.05", "--db", db, "--out", pq, "--png", tmp_path / "m.png")
    assert res.exit_code == 0, res.output
    m = pd.read_parquet(pq)
    assert list(m.year) == [2021, 2022, 2023] and (m.gap > 0).all()

    res = invoke("diversion", "--bloc", "EU27", "--transit", "KZ", "--destination", "RU", "--db", db,
                 "--png", tmp_path / "d.png")
    assert res.exit_code == 0, res.output
    assert "bloc->transit" in res.output

    res = invoke("anomalies", "-r", "AM", "-p", "RU", "-g", "hs:8703", "--min-value", "1000000", "--since", "2022",
                 "--db", db, "--png", tmp_path / "a.png", "--out", tmp_path / "a.csv")
    assert res.exit_code == 0, res.output
    flags = pd.read_csv(tmp_path / "a.flags.csv")
    assert (flags.year >= 2022).all() and len(flags) > 0

    res = invoke("sources", "--db", db)
    assert "kazakhstan_bns" in res.output


def test_cli_errors_are_messages_not_tracebacks(tmp_path):
    db = tmp_path / "e.duckdb"
    invoke("ingest", "bns", BNS, "--db", db)
    res = invoke("change", "-r", "KZ", "-p", "Narnia", "--period", "2023", "--base", "2022", "--db", db)
    assert res.exit_code == 2 and "unknown partner 'Narnia'" in res.output
    res = invoke("change", "-r", "KZ", "-p", "RU", "--period", "2023-13", "--base", "2022", "--db", db)
    assert res.exit_code == 2 and "bad period" in res.output
    res = invoke("ingest", "eurostat", BNS, "--db", db)
    assert res.exit_code == 1 and "missing column" in res.output


def test_groups_command_lists_builtins():
    res = invoke("groups")
    assert res.exit_code == 0 and "chpl:3A" in res.output and "eu_sanctioned:dual_use" in res.output


def test_benchmark_smoke(tmp_path):
    spec = importlib.util.spec_from_file_location("trade_scale", REPO / "benchmarks" / "trade_scale.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    import sys
    argv = sys.argv
    sys.argv = ["trade_scale", "--rows", "0", "--pandas-rows", "400000", "--db", str(tmp_path / "b.duckdb"),
                "--json", str(tmp_path / "b.json")]
    try:
        bench.main()  # asserts DuckDB and pandas results agree
    finally:
        sys.argv = argv
    import json
    res = json.loads((tmp_path / "b.json").read_text())["results"]
    assert {(r["engine"], r["query"]) for r in res} >= {("duckdb", "change"), ("pandas", "diversion")}


def test_html_report_works_offline(real_db, tmp_path):
    import shutil
    import subprocess

    from kordon.monitor.change import change
    from kordon.monitor.charts import html_report

    r = change(real_db, reporter="EU27", partner="KG", period="2023-01:2023-05", base="2022-01:2022-05")
    page = html_report([r], tmp_path / "r.html").read_text()
    assert "<script src=" not in page and "window.vegaEmbed=" in page
    assert "it needs no network" in page
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed (apt-get install chromium) to check the page renders")
    # Every host name fails to resolve, as on a closed customs network.
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--virtual-time-budget=5000", "--dump-dom", (tmp_path / "r.html").as_uri()],
        capture_output=True, text=True, timeout=120).stdout
    assert 'class="marks"' in dom  # vega drew the chart
    assert "2023-05" in dom.split('class="marks"', 1)[1]
