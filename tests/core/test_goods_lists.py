import datetime as dt

import pytest

from kordon.index.goods import GoodsIndex
from kordon.ingest.errors import ListFileError
from kordon.ingest.goods_lists import bundled_goods_lists, load_goods_list

ON = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def index():
    return GoodsIndex(bundled_goods_lists())


def ids(matches):
    return sorted((m.list.id, m.entry.code, m.partial) for m in matches)


def test_bundled_lists_carry_provenance():
    lists = {gl.id: gl for gl in bundled_goods_lists()}
    assert len(lists["chpl"].entries) == 50
    assert len(lists["eu_russia_hs6"].entries) == 2304
    for gl in lists.values():
        assert gl.version and gl.licence and gl.source_url and len(gl.sha256) == 64
    assert any(e.illustrative for e in lists["kz_national"].entries)
    tiers = {e.category for e in lists["chpl"].entries}
    assert tiers == {"tier 1", "tier 2", "tier 3A", "tier 3B", "tier 4A", "tier 4B"}


@pytest.mark.parametrize("code", ["854231", "85423100", "8542319090", "854231000"])
def test_prefix_match_at_any_declared_length(index, code):
    assert ("chpl", "854231", False) in ids(index.lookup(code, "HS2022", ON))


def test_chapter_entry_matches_any_code_below_it(index):
    assert ("kz_national", "93", False) in ids(index.lookup("9306210000", "HS2022", ON))


def test_declared_heading_broader_than_listed_code_is_partial(index):
    found = ids(index.lookup("8542", "HS2022", ON))
    assert ("chpl", "854231", True) in found


def test_hs2017_code_is_checked_against_hs2022_list(index):
    # Drones were under 8802 in HS2017; the national list names HS2022 heading 8806.
    found = index.lookup("8802110009", "HS2017", ON)
    national = [m for m in found if m.list.id == "kz_national"]
    assert national and national[0].entry.code == "8806" and national[0].relationship


def test_hs2022_code_is_checked_against_hs2017_list(index):
    # CHPL 8548.00 (HS2022) was 8548.90 in HS2017, where the EU list keeps it.
    found = {m.list.id: m for m in index.lookup("854800", "HS2022", ON)}
    assert found["eu_russia_hs6"].entry.code == "854890"


def test_effective_dates_are_honoured(index):
    # 8542.31 entered the EU list on 2022-02-25.
    assert "eu_russia_hs6" in {m.list.id for m in index.lookup("854231", "HS2022", dt.date(2022, 3, 1))}
    assert "eu_russia_hs6" not in {m.list.id for m in index.lookup("854231", "HS2017", dt.date(2021, 3, 1))}


def test_unlisted_code_has_no_match(index):
    assert index.lookup("1001990000", "HS2022", ON) == []


def test_user_csv_list_with_sidecar(tmp_path):
    (tmp_path / "mine.csv").write_text("code,category,effective_from\n7601,aluminium,2024-01-01\n", encoding="utf-8")
    (tmp_path / "mine.yaml").write_text("id: mine\ntitle: My list\nversion: '3'\nedition: HS2022\n", encoding="utf-8")
    gl = load_goods_list(tmp_path / "mine.csv")
    assert (gl.id, gl.version, gl.entries[0].code) == ("mine", "3", "7601")
    idx = GoodsIndex([gl])
    assert idx.lookup("7601100000", "HS2022", ON) and not idx.lookup("7601100000", "HS2022", dt.date(2023, 1, 1))


def test_user_yaml_list(tmp_path):
    path = tmp_path / "l.yaml"
    path.write_text("id: l\ntitle: L\nentries:\n  - {code: '8471.50', category: servers}\n", encoding="utf-8")
    gl = load_goods_list(path)
    assert gl.entries[0].code == "847150" and gl.version == gl.sha256[:12]


@pytest.mark.parametrize("body, message", [
    ("code,category\n85A1,x\n", "mine.csv:2: field 'code'"),
    ("category\nx\n", "mine.csv:1: the header must have a 'code' column"),
    ("code,effective_from\n8471,2024-31-01\n", "mine.csv:2: field 'effective_from'"),
    ("code,severity\n8471,urgent\n", "mine.csv:2: field 'severity'"),
])
def test_bad_list_file_names_file_line_and_field(tmp_path, body, message):
    (tmp_path / "mine.csv").write_text(body, encoding="utf-8")
    with pytest.raises(ListFileError) as exc:
        load_goods_list(tmp_path / "mine.csv")
    assert message in str(exc.value)
