import json

from typer.testing import CliRunner

from kordon.interfaces.cli import app

runner = CliRunner()


def test_match_json(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    res = runner.invoke(app, ["parties", "match", "Qulybaev Asqar", "--format", "json", "--db", db])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["parties", "match", "Путин Владимир", "--schema", "Person", "--format", "json", "--db", db])
    rows = json.loads(res.stdout)
    assert {"entity_id", "list", "name", "score", "match", "explanation"} <= set(rows[0])
    assert rows[0]["match"] and "putin" in rows[0]["name"].lower()


def test_screen_jsonl_with_bad_row(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    f = tmp_path / "names.csv"
    f.write_text("name,schema,country,birth_date,identifiers\nSber Vostok,Company,KZ,,\n,Person,,,\nMatraimov Raimbek,Person,KG,,\n", encoding="utf-8")
    res = runner.invoke(app, ["parties", "screen", str(f), "--format", "jsonl", "--db", db])
    assert res.exit_code == 1  # one row rejected
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["row"] for x in lines] == [1, 2, 3]
    assert lines[0]["matches"][0]["match"] and lines[2]["matches"][0]["entity_id"] == "ofac-30607"
    assert "names.csv:3" in lines[1]["error"]


def test_lists_show_json(tmp_path):
    res = runner.invoke(app, ["lists", "show", "--format", "json", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert res.exit_code == 0
    ids = {r["id"] for r in json.loads(res.stdout)}
    assert {"ofac_sdn", "un_sc", "uk_fcdo"} <= ids


def test_lists_load_refuses_shrink_and_diff_skips_rejected(tmp_path):
    from pathlib import Path

    fx = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert runner.invoke(app, ["lists", "load", str(fx / "ofac_sdn"), "--source", "ofac", "--version", "v1", "--force", "--db", db]).exit_code == 0
    shrunk = runner.invoke(app, ["lists", "load", str(fx / "ofac_sdn.xml"), "--source", "ofac_xml", "--version", "v2", "--db", db])
    assert shrunk.exit_code == 1 and "active version stays" in shrunk.output
    assert runner.invoke(app, ["lists", "load", str(fx / "ofac_sdn.xml"), "--source", "ofac_xml", "--version", "v3", "--force", "--db", db]).exit_code == 0
    d = json.loads(runner.invoke(app, ["lists", "diff", "ofac_sdn", "--db", db]).stdout)
    assert d["from"] == 1 and d["to"] == 3 and d["added"] == ["ofac-50934"] and "ofac-16806" in d["changed"]


def test_match_marks_allow_listed_candidates(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    args = ["parties", "match", "Путин Владимир", "--schema", "Person", "--country", "RU", "--format", "json", "--db", db]
    before = json.loads(runner.invoke(app, args).stdout)
    top = before[0]
    assert top["match"] and top["allow_listed"] is None
    res = runner.invoke(app, ["parties", "allow", "Путин Владимир", "--list", top["list"], "--entity", top["entity_id"], "--country", "RU",
                              "--reviewer", "a.analyst", "--reason", "test review", "--expires", "2099-01-01", "--db", db])
    assert res.exit_code == 0, res.output
    after = {r["entity_id"]: r for r in json.loads(runner.invoke(app, args).stdout)}
    marked = after[top["entity_id"]]
    assert marked["allow_listed"] == {"reviewer": "a.analyst", "reason": "test review", "expires": "2099-01-01"}
    assert marked["match"] is False
    # The same review does not cover another party name.
    other = json.loads(runner.invoke(app, ["parties", "match", "Vladimir Putin", "--schema", "Person", "--format", "json", "--db", db]).stdout)
    assert all(r["allow_listed"] is None for r in other)
    table = runner.invoke(app, args[:-4] + ["--db", db], env={"COLUMNS": "400"})
    assert "allow-listed by a.analyst until 2099-01-01" in table.stdout


def test_screen_reads_yente_style_person_files(tmp_path):
    db = f"sqlite:///{tmp_path / 'none.db'}"
    f = tmp_path / "people.csv"
    f.write_text("full_name,first_name,middle_name,last_name,gender,date_of_birth,place_of_birth,nationality\n"
                 "KANG CHOL SU,,,,,,,kp\nIngeborg Abrahamsen,Ingeborg,,Abrahamsen,female,1972-11-21,Birmingham,France\n", encoding="utf-8")
    res = runner.invoke(app, ["parties", "screen", str(f), "--format", "jsonl", "--db", db])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    assert rows[0]["matches"][0]["match"] and rows[0]["matches"][0]["matched_name"].upper() == "KANG CHOL SU"
    assert "un-KPi.059" in {m["entity_id"] for m in rows[0]["matches"] if m["match"]}  # the UN entry (the UK lists him too)
    assert not any(m["match"] for m in rows[1]["matches"])
