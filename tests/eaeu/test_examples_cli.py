"""End to end through the installed `kordon` command: the example documents get the expected verdicts."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "eaeu"


def kordon(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("kordon") or str(Path(sys.executable).with_name("kordon"))
    env = dict(os.environ, KORDON_DATABASE_URL=f"sqlite:///{db}")
    env.pop("KORDON_CONFIG", None)
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("eaeu") / "kordon.db"
    r = kordon(db, "documents", "load", str(EXAMPLES))
    assert r.returncode == 0, r.stderr
    assert "read 24, accepted 24, rejected 0" in r.stderr
    return db


def test_expected_verdicts(loaded):
    r = kordon(loaded, "documents", "verify", "--all", "--format", "jsonl")
    assert r.returncode == 1, r.stderr  # some SNTs are refused: a script can stop on it
    got = {v["registrationNumber"]: v for v in map(json.loads, r.stdout.splitlines())}
    with (EXAMPLES / "expected.csv").open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert set(got) == {e["registrationNumber"] for e in expected}  # the inbound SNT of the drone case is not an export
    for e in expected:
        v = got[e["registrationNumber"]]
        assert v["verdict"] == e["verdict"], (e, v["reasons"])
        want = {c for c in e["reasons"].split(";") if c}
        assert want <= {x["code"] for x in v["reasons"]}, (e, v["reasons"])
        assert all({"code", "explanation", "evidence"} <= set(x) for x in v["reasons"])
        assert v["profile"] == "kz_customs" and "goods" in v["checks"]
    # every reason code of the issue is covered by the examples
    seen = {x["code"] for v in got.values() for x in v["reasons"]}
    assert {"documents.mismatch", "balance.insufficient", "origin.prohibiting_state", "chain.origin_traced",
            "chain.one_day_firm", "chain.origin_sign_changed", "chain.oversold", "goods.national"} <= seen


def test_verify_named_snts_and_missing_ones(loaded):
    r = kordon(loaded, "documents", "verify", "KZ-SNT-2024-0000101", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["verdict"] == "verified"
    r = kordon(loaded, "documents", "verify", "KZ-SNT-NONE")
    assert r.returncode == 1 and "no SNT 'KZ-SNT-NONE' on record" in r.stderr
    r = kordon(loaded, "documents", "verify", "--all", "--profile", "nobody")
    assert r.returncode == 2 and "unknown profile" in r.stderr


def test_trace_of_the_drone_case(loaded):
    r = kordon(loaded, "documents", "trace", "KZ-SNT-2023-0000111", "--format", "json")
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout)
    row = t["rows"][0]
    assert row["link"] == "dt" and row["balance"]["balance"] == 14
    assert row["trace"][0]["kind"] == "snt_in" and "Импульс-Инвест" in row["trace"][0]["seller_name"]
    assert [f["code"] for f in t["flags"]] == ["chain.one_day_firm"]
    table = kordon(loaded, "documents", "trace", "KZ-SNT-2023-0000108")
    assert table.returncode == 0 and "DT 50508/100822/0031020" in table.stdout and "origin JP" in table.stdout


def test_bad_documents_are_reported_and_the_rest_loaded(tmp_path):
    r = kordon(tmp_path / "k.db", "documents", "load", str(EXAMPLES / "bad" / "documents.jsonl"))
    assert r.returncode == 1
    assert "read 6, accepted 1, rejected 5" in r.stderr
    assert "documents.jsonl:2" in r.stderr and "items[0].originCountry" in r.stderr


def test_schema_is_generated_from_the_models(tmp_path):
    r = kordon(tmp_path / "k.db", "documents", "schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert {"DT", "ESF", "SNT", "SNTProduct"} <= set(schema["$defs"])
    assert "manufactureOrImportDocNumber" in schema["$defs"]["SNTProduct"]["properties"]
