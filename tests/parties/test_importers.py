from kordon.index.parties import ListedEntity
from kordon.ingest.sanctions import ftm, importer

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def test_ofac_csv_trio():
    r = importer("ofac")(FIXTURES / "ofac_sdn")
    assert r.read == 8 and r.accepted == 7 and r.rejected == 1
    assert "SDN.CSV:8" in r.errors[0]
    by_id = {e["id"]: e for e in r.entities}
    volga = ListedEntity.from_ftm("ofac_sdn", by_id["ofac-16806"])
    assert ("ru_inn", "7718989383") in volga.identifiers and ("ru_ogrn", "1147746803049") in volga.identifiers
    person = by_id["ofac-15892"]
    assert person["schema"] == "Person" and "1973-09-28" in person["properties"]["birthDate"]
    assert "ch" in by_id["ofac-306"]["properties"]["country"]  # Zurich branch, from add.csv
    assert len(r.sha256) == 64


def test_un_xml():
    r = importer("un")(FIXTURES / "un_sc" / "consolidated.xml")
    assert r.published == "2026-02-27"
    assert r.accepted == 7 and r.rejected == 0
    schemas = {e["schema"] for e in r.entities}
    assert schemas == {"Person", "Organization"}
    assert all(e["id"].startswith("un-") for e in r.entities)


def test_uk_tables():
    r = importer("uk")(FIXTURES / "uk")
    ids = {e["id"] for e in r.entities}
    assert {"uk-RUS2271", "uk-RUS0270", "uk-RUS0251", "uk-AFG0001"} == ids
    kaz = next(e for e in r.entities if e["id"] == "uk-RUS2271")
    assert "kz" in kaz["properties"].get("country", [])


def test_ftm_entities_and_delta():
    base = importer("ftm")(FIXTURES / "sample_entities.ftm.json")
    assert base.accepted == base.read > 0
    delta = importer("ftm")(FIXTURES / "sample_entities.delta.json")
    merged = ftm.apply_delta(base.entities, delta)
    ids = {e["id"] for e in merged}
    assert {e["id"] for e in delta.entities} <= ids
    assert not set(delta.deleted) & ids


def test_bad_input_is_reported_not_fatal(tmp_path):
    p = tmp_path / "bad.ftm.json"
    p.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}\nnot json\n{"schema": "Person"}\n', encoding="utf-8")
    r = importer("ftm")(p)
    assert (r.read, r.accepted, r.rejected) == (3, 1, 2)
    assert r.errors[0].startswith(f"{p}:2:")


def test_bis_denied_persons():
    r = importer("bis_dpl")(FIXTURES / "bis_dpl.txt")
    assert r.read == 8 and r.accepted == 8
    assert r.entities[0]["properties"]["name"] == ["I. ASH"]
    assert r.published and r.published <= "2026-11-26"


def test_meti_text():
    r = importer("meti")(FIXTURES / "meti_250912_list_russia_tokutei.txt")
    assert r.published == "2025-09-12"
    names = {e["properties"]["name"][0] for e in r.entities}
    assert "Admiralty Shipyard JSC" in names and len(r.entities) == 20
    fsb = next(e for e in r.entities if e["properties"]["name"][0].startswith("Federal Security Service"))
    assert "Federalnaya Sluzhba Bezopasnosti" in fsb["properties"]["alias"]


def test_ofac_xml_layout():
    r = importer("ofac_xml")(FIXTURES / "ofac_sdn.xml")
    assert r.published == "2026-08-20" and (r.read, r.accepted, r.rejected) == (4, 3, 1)
    by_id = {e["id"]: e for e in r.entities}
    volga = ListedEntity.from_ftm("ofac_sdn", by_id["ofac-16806"])
    assert ("ru_inn", "7718989383") in volga.identifiers and ("ru_ogrn", "1147746803049") in volga.identifiers
    person = by_id["ofac-15892"]["properties"]
    assert person["birthDate"] == ["1973-09-28"] and person["nationality"] == ["ru"]
    assert by_id["ofac-50934"]["properties"]["country"] == ["kz"]


def test_eu_fsf_xml_layout():
    r = importer("eu_fsf")(FIXTURES / "eu_fsf.xml")
    assert r.published == "2026-11-20" and (r.read, r.accepted, r.rejected) == (3, 2, 1)
    kaz = ListedEntity.from_ftm("eu_fsf", next(e for e in r.entities if "KAZSTANEX" in e["properties"]["name"][0]))
    assert ("kz_bin", "110340017087") in kaz.identifiers and kaz.countries == ["kz"]
    person = next(e for e in r.entities if e["schema"] == "Person")["properties"]
    assert "Владимир Андреевич КОНСТАНТИНОВ" in person["alias"] and person["birthDate"] == ["1956-11-19"]
