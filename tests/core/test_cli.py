"""End to end: the installed `kordon` command on the bundled examples, as a user runs it."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT


def run(*args, cwd, check_rc=None):
    exe = shutil.which("kordon") or None
    cmd = [exe] if exe else [sys.executable, "-m", "kordon"]
    env = dict(os.environ, COLUMNS="200")
    proc = subprocess.run(cmd + list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stderr
    return proc


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    out = work / "decisions.jsonl"
    proc = run("screen", str(EXAMPLES / "declarations.jsonl"), str(EXAMPLES / "declarations.csv"),
               "--format", "jsonl", "--out", str(out), cwd=work, check_rc=0)
    return work, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], proc


def test_examples_give_the_documented_decisions(screened):
    _, decisions, proc = screened
    expected = {r["declaration_id"]: (r["lane"], r["action"]) for r in csv.DictReader((EXAMPLES / "expected.csv").open(encoding="utf-8"))}
    got = {d["declaration_id"]: (d["lane"], d["action"]) for d in decisions}
    assert got == expected
    assert "read 27, screened 27, rejected 0" in proc.stderr


def test_jsonl_decisions_have_the_documented_fields(screened):
    _, decisions, _ = screened
    for d in decisions:
        assert {"declaration_id", "lane", "action", "score", "hits", "list_versions"} <= set(d)
        for h in d["hits"]:
            assert {"rule", "severity", "subject", "explanation"} <= set(h)
    drone = next(d for d in decisions if d["declaration_id"] == "KZ-2023-ZHA-0014")
    assert any(h["rule"] == "goods.national" and h["list"]["id"] == "kz_national" for h in drone["hits"])


def test_explain_and_replay_read_the_store(screened):
    work, _, _ = screened
    text = run("explain", "KZ-2023-ZHA-0014", cwd=work, check_rc=0).stdout
    assert "goods.national" in text and "source:" in text and "inspect" in text
    assert "under profile kz_customs" in text and "legal basis (binding): Law of the Republic of Kazakhstan No. 172-VII" in text
    assert "goods.national" in text and "source:" in text and "may fall under" in text
    replay = run("replay", "KZ-2023-TRN-0102", cwd=work, check_rc=0).stdout
    assert "identical decision" in replay
    assert run("explain", "NO-SUCH-ID", cwd=work).returncode == 2


def test_bad_records_are_reported_and_exit_1(tmp_path):
    proc = run("screen", str(EXAMPLES / "bad" / "mixed.jsonl"), "--format", "jsonl", "--no-store", cwd=tmp_path, check_rc=1)
    ids = [json.loads(line)["declaration_id"] for line in proc.stdout.splitlines()]
    assert ids == ["BAD-001", "BAD-009"]
    assert "read 9, screened 2, rejected 7" in proc.stderr
    assert "mixed.jsonl:5 [BAD-005] items[0].quantity" in proc.stderr


def test_validate_and_usage_errors(tmp_path):
    assert run("validate", str(EXAMPLES / "declarations.jsonl"), cwd=tmp_path).returncode == 0
    assert run("screen", str(EXAMPLES / "declarations.jsonl"), "--format", "xml", cwd=tmp_path).returncode == 2
    assert run("screen", str(tmp_path / "missing.jsonl"), cwd=tmp_path).returncode == 2


def test_table_and_csv_output(tmp_path):
    table = run("screen", str(EXAMPLES / "declarations.csv"), "--no-store", cwd=tmp_path, check_rc=0).stdout
    assert "KZ-2024-CSV-0001" in table and "inspect" in table
    out = tmp_path / "d.csv"
    run("screen", str(EXAMPLES / "declarations.csv"), "--no-store", "-f", "csv", "-o", str(out), cwd=tmp_path, check_rc=0)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["lane"] for r in rows] == ["red", "green", "yellow"]


def test_lists_command_shows_versions(tmp_path):
    text = run("lists", cwd=tmp_path, check_rc=0).stdout
    assert "chpl" in text and "2024-02-23" in text and "eu_russia_hs6" in text


def test_committed_json_schema_is_current():
    from kordon.models.schema import declaration_schema

    committed = json.loads((ROOT / "schema" / "declaration-v1.schema.json").read_text(encoding="utf-8"))
    assert committed == declaration_schema(), "regenerate with: kordon schema > schema/declaration-v1.schema.json"


def test_rescreen_with_a_new_list_reports_the_changed_decisions(screened, tmp_path):
    work, _, _ = screened
    own = tmp_path / "zinc.yaml"
    own.write_text("id: zinc\ntitle: Zinc watch list\nversion: '1'\napplies_to: all_destinations\n"
                   "entries:\n  - {code: '7901', category: metals}\n", encoding="utf-8")
    dry = run("rescreen", "--since", "2023-01-01", "--lists", str(own), "--dry-run", cwd=work, check_rc=0)
    assert "KZ-2024-CSV-0002 v1: green/release → red/deny" in dry.stdout and "1 decision(s) would change" in dry.stderr
    done = run("rescreen", "--since", "2023-01-01", "--lists", str(own), cwd=work, check_rc=0)
    assert "1 decision(s) changed and recorded" in done.stderr
    again = run("rescreen", "--since", "2023-01-01", "--lists", str(own), cwd=work, check_rc=0)
    assert "0 decision(s) changed and recorded" in again.stderr
    # Without the list the same re-screen would be milder: reported for review, never recorded.
    milder = run("rescreen", "--since", "2023-01-01", cwd=work, check_rc=0)
    assert "(milder: not recorded, for an officer to review)" in milder.stdout and "0 decision(s) changed and recorded; 1 milder" in milder.stderr


def test_bad_settings_lists_and_databases_are_usage_errors(tmp_path):
    decls = str(EXAMPLES / "declarations.csv")
    broken = tmp_path / "broken.csv"
    broken.write_text("code,category\n85A1,x\n", encoding="utf-8")
    for args, message in [
        (["--lists", str(tmp_path / "missing.csv")], "missing.csv"),
        (["--lists", str(broken)], "broken.csv:2: field 'code'"),
        (["--config", str(tmp_path / "nope.yaml")], "nope.yaml"),
        (["--db", "sqlite:////nonexistent-dir/x.db"], "error"),
    ]:
        proc = run("screen", decls, *args, cwd=tmp_path)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
    assert run("explain", "X", "-f", "bogus", cwd=tmp_path).returncode == 2
