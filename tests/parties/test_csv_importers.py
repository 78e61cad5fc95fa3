"""The official CSV forms of the EU Financial Sanctions Files and the UK Sanctions List (FCDO)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kordon.index.parties import ListedEntity
from kordon.ingest.sanctions import importer
from kordon.interfaces.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
runner = CliRunner()


def _by_id(result):
    return {e["id"]: e for e in result.entities}


def test_eu_fsf_csv_groups_rows_by_logical_id():
    r = importer("eu_fsf_csv")(FIXTURES / "eu_fsf.csv")
    assert r.published == "2026-07-17"  # fileGenerationDate, DD/MM/YYYY
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)
    assert r.errors == ["eu_fsf.csv:21: 5 fields, header has 118; row skipped"]
    ents = _by_id(r)
    grinex = ents["eu-fsf-900650"]
    assert grinex["schema"] == "Organization"
    assert grinex["properties"]["name"] == ["Grinex"] and grinex["properties"]["alias"] == ["Гринекс"]
    assert grinex["properties"]["country"] == ["kg"] and grinex["properties"]["program"] == ["UKR"]
    assert grinex["properties"]["taxNumber"] == ["02312202410120"]
    utg = ListedEntity.from_ftm("eu_fsf", ents["eu-fsf-900699"])
    assert ("kz_bin", "220340023728") in utg.identifiers and utg.countries == ["kz"]
    khud = ents["eu-fsf-901173"]["properties"]
    assert ents["eu-fsf-901173"]["schema"] == "Person"
    assert khud["birthDate"] == ["1960-09-11"] and khud["nationality"] == ["ru"] and khud["passportNumber"] == ["753296761"]
    assert "Эдуард Юрьевич ХУДАЙНАТОВ" in khud["alias"]


def test_eu_fsf_csv_rejects_a_file_in_another_layout(tmp_path):
    p = tmp_path / "not_fsf.csv"
    p.write_text("celex,recordId,name\n32014R0833,1,SBERBANK\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Entity_LogicalId"):
        importer("eu_fsf_csv")(p)


def test_eu_fsf_csv_entity_without_names_is_reported(tmp_path):
    head = (FIXTURES / "eu_fsf.csv").read_text(encoding="utf-8").splitlines()[0]
    cols = head.split(";")
    row = ["" for _ in cols]
    row[cols.index("Entity_LogicalId")] = "42"
    row[cols.index("Address_CountryIso2Code")] = "KZ"
    p = tmp_path / "x.csv"
    p.write_text(head + "\n" + ";".join(row) + "\n", encoding="utf-8")
    r = importer("eu_fsf_csv")(p)
    assert (r.read, r.accepted, r.rejected) == (1, 0, 1)
    assert r.errors[0].startswith("x.csv:2: entity 42:")


def test_uk_csv_groups_lines_by_unique_id():
    r = importer("uk_csv")(FIXTURES / "uk_sanctions_list.csv")
    assert r.published == "2026-04-29"  # the "Report Date:" line
    assert (r.read, r.accepted, r.rejected) == (8, 7, 1)
    # The broken line is line 18 of the file although it is the 16th record: a quoted field spans two lines.
    assert r.errors == ["uk_sanctions_list.csv:18: 5 fields, header has 58; line skipped"]
    ents = _by_id(r)
    kaz = ents["uk-RUS2271"]
    assert kaz["schema"] == "Organization" and kaz["properties"]["name"] == ["KAZSTANEX LIMITED LIABILITY PARTNERSHIP"]
    assert set(kaz["properties"]["alias"]) == {"KAZSTANEX LLP", "TOO KAZSTANEX"}
    assert kaz["properties"]["country"] == ["kz"]
    assert ("kz_bin", "110340017087") in ListedEntity.from_ftm("uk_fcdo", kaz).identifiers
    grinex = ents["uk-RUS2983"]["properties"]
    assert grinex["registrationNumber"] == ["311748-3301-OOO"] and grinex["taxNumber"] == ["02312202410120"]
    gutseriev = ents["uk-BEL0110"]["properties"]
    assert ents["uk-BEL0110"]["schema"] == "Person"
    assert set(gutseriev["birthDate"]) == {"1961-08", "1960", "1959"}  # dd/08/1961, dd/mm/1960, dd/mm/1959
    assert set(gutseriev["nationality"]) == {"cy", "ru"}
    assert set(ents["uk-RUS2415"]["properties"]["nationality"]) == {"kz", "ru"}
    assert ents["uk-CYB0071"]["properties"]["birthDate"] == ["1971-01-30"]
    ship = ents["uk-RUS2176"]
    assert ship["schema"] == "Vessel" and ("imo", "9826902") in ListedEntity.from_ftm("uk_fcdo", ship).identifiers


def test_uk_csv_ids_match_the_table_importer():
    tables = {e["id"] for e in importer("uk")(FIXTURES / "uk").entities}
    csv_ids = {e["id"] for e in importer("uk_csv")(FIXTURES / "uk_sanctions_list.csv").entities}
    assert "uk-RUS2271" in tables & csv_ids  # same id for the same designation from either form


def test_uk_csv_rejects_a_file_in_another_layout(tmp_path):
    p = tmp_path / "ConList.csv"
    p.write_text("Last Updated,03/06/2026\nName 6,Name 1,Group ID\nPUTIN,Vladimir,14196\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: missing column.*Unique ID"):  # the retired OFSI ConList layout
        importer("uk_csv")(p)


@pytest.mark.parametrize("source,fixture,list_id,count", [
    ("eu_fsf_csv", "eu_fsf.csv", "eu_fsf", 4),
    ("uk_csv", "uk_sanctions_list.csv", "uk_fcdo", 7),
])
def test_cli_lists_load(tmp_path, source, fixture, list_id, count):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    res = runner.invoke(app, ["lists", "load", str(FIXTURES / fixture), "--source", source, "--db", db, "--rescreen-days", "0",
                              "--force"])  # a small fixture replaces the shipped snapshot
    assert res.exit_code == 0, res.output
    assert f"accepted {count}, rejected 1" in res.output and f"{fixture}:" in res.output
    shown = json.loads(runner.invoke(app, ["lists", "show", "--format", "json", "--db", db]).stdout)
    row = next(r for r in shown if r["id"] == list_id)
    assert row["origin"] == "store" and row["entries"] == count
