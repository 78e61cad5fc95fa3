"""List lifecycle: each EU regulation its own list; replacements guarded by the entities they remove,
counted from the version in use and from the last reviewed one; older publications refused; --force."""

import csv
import gzip
import json

from kordon.ingest.sanctions import lifecycle
from kordon.record import sanctions_lists as sl


def ftm_file(path, ids, published="2026-11-01"):
    with path.open("w", encoding="utf-8") as fh:
        for i in ids:
            fh.write(json.dumps({"id": f"t-{i}", "schema": "Company", "last_change": f"{published}T00:00:00",
                                 "properties": {"name": [f"Test Trading Company {i}"]}}) + "\n")
    return path


def load(url, tmp_path, ids, published="2026-11-01", force=False, name="list.jsonl"):
    return lifecycle.load_file(url, ftm_file(tmp_path / name, ids, published), "ftm", list_id="test_list", force=force)[1]


def test_shrinking_in_steps_is_refused_once_the_total_passes_the_limit(store_url, tmp_path):
    assert load(store_url, tmp_path, range(100)).activated
    assert load(store_url, tmp_path, range(15, 100)).activated  # 15 % of 100 removed: allowed
    third = load(store_url, tmp_path, range(30, 100))  # 15 of 85 in use, but 30 of the reviewed 100
    assert not third.activated and "last reviewed version" in third.reason and "30 of the 100" in third.reason
    forced = load(store_url, tmp_path, range(30, 100), force=True)
    assert forced.activated and forced.reason.startswith("activated with --force")
    # The forced version is the new baseline: 10 of its 70 removed is within the limit.
    assert load(store_url, tmp_path, range(40, 100)).activated
    assert [v["status"] for v in sl.versions(store_url, "test_list")] == ["superseded", "superseded", "rejected", "superseded", "active"]


def test_a_replacement_removing_most_entities_is_refused_even_at_the_same_count(store_url, tmp_path):
    assert load(store_url, tmp_path, range(100)).activated
    other = load(store_url, tmp_path, range(1000, 1100))  # 100 entities again, none of them the same
    assert not other.activated and "removes 100 of the 100" in other.reason
    assert {a.id: a for a in sl.active_lists(store_url)}["test_list"].entries == 100


def test_an_older_publication_does_not_replace_a_newer_one(store_url, tmp_path):
    assert load(store_url, tmp_path, range(100), published="2026-11-01").activated
    old = load(store_url, tmp_path, range(100), published="2026-10-01", name="old.jsonl")
    assert not old.activated and "older" in old.reason and "--force" in old.reason
    assert load(store_url, tmp_path, range(100), published="2026-10-01", name="old.jsonl", force=True).activated


def test_the_shipped_snapshot_is_guarded_by_removals_too(store_url, tmp_path):
    ents = sl.shipped_entities("un_sc")
    swapped = [{**e, "id": e["id"] + "-x"} for e in ents]  # same count, every entity different
    path = tmp_path / "un.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in swapped), encoding="utf-8")
    _, outcome = lifecycle.load_file(store_url, path, "ftm", list_id="un_sc")
    assert not outcome.activated and f"removes {len(ents)} of the {len(ents)}" in outcome.reason


def eu_csv(path, celex, rows):
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["celex", "recordId", "programKey", "annex", "startDate", "schema", "name"])
        for rec, name, start in rows:
            w.writerow([celex, rec, "EU-RUS", "IV", start, "LegalEntity", name])
    return path


def test_each_eu_regulation_is_its_own_list(store_url, tmp_path):
    a = eu_csv(tmp_path / "32014R0833.csv.gz", "32014R0833", [("736", "MetallStan LLP", "25.2.2025"), ("737", "Other LLP", "25.2.2025")])
    b = eu_csv(tmp_path / "32014R0269.csv.gz", "32014R0269", [("1", "Someone Else", "17.7.2026")])
    _, first = lifecycle.load_file(store_url, a, "eu")
    _, second = lifecycle.load_file(store_url, b, "eu")
    assert first.list_id == "eu_oj_32014R0833" and second.list_id == "eu_oj_32014R0269"
    active = {x.id: x for x in sl.active_lists(store_url)}
    assert active["eu_oj_32014R0833"].entries == 2 and active["eu_oj_32014R0269"].entries == 1
    # A folder of both loads each regulation as its own list, with its own publication date.
    folder = tmp_path / "oj"
    folder.mkdir()
    for p in (a, b):
        (folder / p.name).write_bytes(p.read_bytes())
    _, outcomes = lifecycle.load_publication(store_url, folder, "eu")
    assert sorted(o.list_id for o in outcomes) == ["eu_oj_32014R0269", "eu_oj_32014R0833"]
    assert all(o.activated for o in outcomes), [o.reason for o in outcomes]
    # Asking to replace is explicit: under one list id, a file replaces that list (and its guard applies).
    _, replaced = lifecycle.load_file(store_url, b, "eu", list_id="eu_oj_32014R0833")
    assert not replaced.activated and "active version stays" in replaced.reason


def test_real_annex_iv_survives_loading_the_asset_freeze_regulation(shared_data, store_url):
    folder = shared_data / "sanctions_lists" / "eu_official_journal"
    _, a = lifecycle.load_file(store_url, folder / "32014R0833.csv.gz", "eu")
    _, b = lifecycle.load_file(store_url, folder / "32014R0269.csv.gz", "eu")
    assert a.activated and b.activated and a.list_id != b.list_id
    active = {x.id for x in sl.active_lists(store_url)}
    assert {"eu_oj_32014R0833", "eu_oj_32014R0269"} <= active
    assert "eu-32014R0833-IV-736" in {e["id"] for e in sl.entities_of(store_url, a.version_pk)}


def test_each_annex_row_of_the_official_journal_is_its_own_party(shared_data):
    """The annexes number their rows from 1 each: record 1 of Reg. 833/2014 is SBERBANK (Annex III), JSC Sirius
    (Annex IV) and the vessel Angara (Annex XLII) — three parties, never one entity with all their names."""
    from kordon.ingest.sanctions import eu

    path = shared_data / "sanctions_lists" / "eu_official_journal" / "32014R0833.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    result = eu.load(path)
    by_id = {e["id"]: e for e in result.entities}
    numbered = {(r["annex"], r["recordId"]) for r in rows if r["recordId"]}
    assert len([i for i in by_id if not i.split("-")[-1].startswith("n")]) == len(numbered)
    sber, sirius, angara = by_id["eu-32014R0833-III-1"], by_id["eu-32014R0833-IV-1"], by_id["eu-32014R0833-XLII-1"]
    assert sber["properties"]["name"] == ["SBERBANK"] and sirius["properties"]["name"] == ["JSC Sirius"]
    assert angara["schema"] == "Vessel" and angara["properties"]["name"] == ["Angara"]
    assert not any("SBERBANK" in n for e in by_id.values() if e is not sber for n in e["properties"].get("name", []))
