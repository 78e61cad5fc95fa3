from __future__ import annotations

import csv
import hashlib

import pytest

from kordon.monitor.countries import countries
from kordon.monitor.groups import codes_in_edition, resolve_group
from trade_testdata import BNS, COMTRADE_AM, DATA, shared_data


@pytest.mark.parametrize("value,code", [
    ("KZ", "KZ"), ("kaz", "KZ"), ("398", "KZ"), ("Казахстан", "KZ"), ("Kazakhstan", "KZ"),
    ("Россия", "RU"), ("Russian Federation (Russia)", "RU"), ("643", "RU"), ("Russia", "RU"),
    ("842", "US"), ("757", "CH"), ("Кыргызстан", "KG"), ("European Union - 27 countries (AT, BE)", "EU27"),
    ("Страны ЕС", "EU"), ("Всего", "WORLD"),
])
def test_country_spellings_unify(value, code):
    assert countries().resolve(value) == code


def test_unknown_country_is_none():
    assert countries().resolve("Атлантида") is None
    assert countries().resolve("999") is None


def test_every_bns_partner_name_is_known():
    with open(BNS, encoding="utf-8") as fh:
        names = {r["country_ru"] for r in csv.DictReader(fh)}
    assert [n for n in names if countries().from_name(n) is None] == []


def test_country_table_has_all_names():
    t = countries()
    kz = t.by_code["KZ"]
    assert (kz.alpha3, kz.m49, kz.name_en, kz.name_ru) == ("KAZ", "398", "Kazakhstan", "Казахстан")
    assert sum(1 for c in t.rows if c.kind == "country") == 249


def test_chpl_tiers_and_edition_mapping():
    chpl = resolve_group("chpl")
    assert len(chpl.prefixes) == 50 and chpl.edition == "HS2022"
    assert len(resolve_group("chpl:1").prefixes) == 4
    hs17 = codes_in_edition(chpl, "HS2017")
    # CHPL provenance: 854800->854890, 852589->852580, 854149->854140, 880730->880330 in HS2017
    assert {"854890", "852580", "854140", "880330"} <= hs17
    assert not {"854800", "880730"} & hs17
    with pytest.raises(ValueError, match="tiers"):
        resolve_group("chpl:9")


def test_drones_heading_8806_maps_back_to_hs2017():
    from kordon.monitor.groups import ProductGroup
    g = ProductGroup("drones", "drones", "HS2022", frozenset({"8806"}))
    assert codes_in_edition(g, "HS2017") & {"880211", "880212", "852580"}


def test_eu_sanctioned_list_and_complement():
    s, n = resolve_group("eu_sanctioned"), resolve_group("eu_not_sanctioned")
    assert len(s.prefixes) == 2304 and not s.prefixes & n.prefixes
    assert len(s.prefixes) + len(n.prefixes) == 5369
    assert len(resolve_group("eu_sanctioned:dual_use").prefixes) == 865
    # All CHPL codes that exist in HS2017 are EU-sanctioned (source provenance note).
    assert codes_in_edition(resolve_group("chpl"), "HS2017") - {"851712"} <= s.prefixes


def test_user_groups_from_yaml_and_csv(tmp_path):
    y = tmp_path / "mine.yaml"
    y.write_text("groups:\n  cars:\n    label: Cars\n    codes: ['8703']\n  chips:\n    edition: HS2022\n    codes: ['854231']\n")
    assert resolve_group(f"{y}#cars").prefixes == {"8703"}
    assert resolve_group(f"{y}#chips").edition == "HS2022"
    c = tmp_path / "mine.csv"
    c.write_text("group,hs_code,edition\nx,8542.31,HS2022\nx,854232,HS2022\n")
    assert resolve_group(f"{c}#x").prefixes == {"854231", "854232"}
    y.write_text("groups:\n  bad:\n    codes: ['85423']\n")
    with pytest.raises(ValueError, match="not 2/4/6 digits"):
        resolve_group(f"{y}#bad")
    with pytest.raises(ValueError, match="unknown product group"):
        resolve_group("nonsense")


def test_sections_and_chapters():
    assert resolve_group("section:XVI").prefixes == {"84", "85"}
    assert resolve_group("chapter:85").prefixes == {"85"}


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_test_copies_match_shared_data():
    src = shared_data() / "trade_statistics"
    if not src.is_dir():
        pytest.skip(f"shared data not found at {src} (set KORDON_SHARED_DATA)")
    import gzip
    assert _sha(BNS) == _sha(src / BNS.name)
    assert _sha(COMTRADE_AM) == _sha(src / "armenia_tvyal" / COMTRADE_AM.name)
    es = DATA / "eurostat_comext_eu_member_trade_with_RU_KZ_KG_AM_UZ_GE_monthly_total.csv.gz"
    assert hashlib.sha256(gzip.decompress(es.read_bytes())).hexdigest() == _sha(src / es.name[:-3])
