"""The lists page: what each list's last load changed (goods lists and sanctions lists), and refused loads."""

from __future__ import annotations

import dataclasses
import re

from kordon.interfaces.web import i18n
from kordon.interfaces.web.lists import (
    goods_last_change,
    lists_overview,
    sanctions_last_change,
)
from kordon.record import sanctions_lists


def _entity(eid: str, name: str, country: str = "ru") -> dict:
    return {"id": eid, "schema": "Company", "caption": name, "properties": {"name": [name], "country": [country]}}


def test_sanctions_load_shows_added_removed_modified_and_refusals(app_client):
    _client, store, _ = app_client
    url = store.url
    v1 = [_entity("t-1", "Alpha Trading"), _entity("t-2", "Beta Logistics"), _entity("t-3", "Gamma Parts"),
          _entity("t-4", "Delta Chips"), _entity("t-5", "Epsilon Radio")]
    v2 = [_entity("t-1", "Alpha Trading"), _entity("t-2", "Beta Logistics LLC"), _entity("t-3", "Gamma Parts"),
          _entity("t-4", "Delta Chips"), _entity("t-6", "Zeta Optics")]
    assert sanctions_lists.load_version(url, "test_list", "2026-11-01", "ftm", "a" * 64, v1).activated
    assert sanctions_lists.load_version(url, "test_list", "2026-12-01", "ftm", "b" * 64, v2).activated
    change = sanctions_last_change(url, "test_list")
    assert change["from_version"] == "2026-11-01"
    assert change["added"] == ["t-6"] and change["removed"] == ["t-5"] and change["modified"] == ["t-2"]
    # A load that would shrink the list by more than the guard allows is refused and shown with the reason.
    out = sanctions_lists.load_version(url, "test_list", "2026-12-02", "ftm", "c" * 64, v2[:1])
    assert not out.activated
    change = sanctions_last_change(url, "test_list")
    assert change["last"]["status"] == "rejected" and "shrink" in change["last"]["reason"]
    assert change["added"] == ["t-6"]  # the active version's change still stands


def test_goods_list_new_version_shows_the_codes_that_changed(app_client):
    client, store, _ = app_client
    k = client.app.state.kordon
    chpl = next(gl for gl in k.context.goods.lists if gl.id == "chpl")
    assert goods_last_change(store, chpl) is None  # only one version on record
    meta, entries = chpl.raw
    lines = entries.splitlines()
    dropped = lines[1].split(",")[0]
    changed = lines[2].split(",")[0]
    new_entries = "\n".join([lines[0], lines[2].replace("tier 1", "tier 2", 1), *lines[3:], "999999,tier 9,high,Test goods"]) + "\n"
    from kordon.ingest.goods_lists import load_goods_list_texts

    newer = load_goods_list_texts(meta.replace('version: "2024-02-23"', 'version: "2026-12-01"'), new_entries, "test", "chpl")
    store.snapshot_lists([newer])
    change = goods_last_change(store, newer)

    def fmt(code: str) -> str:
        return f"{code[:4]}.{code[4:6]}"

    assert change["from_version"] == "2024-02-23"
    assert change["added"] == ["9999.99"] and change["removed"] == [fmt(dropped)] and change["modified"] == [fmt(changed)]


def test_overview_names_title_source_version_date_count_hash_age(app_client):
    client, _, _ = app_client
    i18n.activate("ru")
    info = lists_overview(client.app.state.kordon)
    rows = {r["id"]: r for r in info["goods"] + info["parties"]}
    assert {"chpl", "eu_russia_hs6", "kz_national", "ofac_sdn", "un_sc", "uk_fcdo"} <= set(rows)
    ofac = rows["ofac_sdn"]
    assert ofac["title"].startswith("Список") and ofac["entries"] == 19249 and re.fullmatch(r"[0-9a-f]{64}", ofac["sha256"])
    assert ofac["age_days"] > 30 and ofac["origin"] == "shipped"
    chpl = rows["chpl"]
    assert chpl["published"].isoformat() == "2024-02-23" and chpl["entries"] == 50 and chpl["source_url"].startswith("https://")
    assert dataclasses.is_dataclass(chpl) is False
    i18n.activate("en")


def test_lists_page_shows_the_last_load(app_client):
    from test_web_sessions import _sign_in

    client, store, secrets = app_client
    url = store.url
    if not sanctions_lists.versions(url, "test_list"):
        test_sanctions_load_shows_added_removed_modified_and_refusals(app_client)
    _sign_in(client, secrets["officer"])
    html = client.get("/lists", headers={"Accept-Language": "en"}).text
    row = re.search(r'<tr class="list-row" data-id="test_list".*?</tr>', html, flags=re.DOTALL).group(0)
    assert "refused" in row and "shrink" in row
    assert re.search(r'<span class="added">\+1</span>', row) and re.search(r'<span class="removed">−1</span>', row)
    assert re.search(r'<span class="modified">1</span>', row)
