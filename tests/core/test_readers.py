import json

from hypothesis import given, settings, strategies as st

from kordon.ingest.declarations import read_bytes, read_path
from tests.conftest import EXAMPLES

GOOD = {"id": "R-1", "type": "export", "date": "2024-01-10", "route": {"dispatch": "KZ", "destination": "RU"},
        "items": [{"hs_code": "1001990000", "description": "wheat"}]}


def test_jsonl_bad_lines_are_reported_and_the_rest_read():
    results = list(read_path(EXAMPLES / "bad" / "mixed.jsonl"))
    ok = [r.declaration.id for r in results if r.ok]
    assert ok == ["BAD-001", "BAD-009"]
    errors = {r.line: r.errors[0] for r in results if not r.ok}
    assert errors[2].field == "items" and "missing" in errors[2].reason
    assert errors[3].field == "id"
    assert errors[4].field == "route.destination" and "RUS" in errors[4].reason
    assert errors[5].field == "items[0].quantity"
    assert errors[6].field == "items[0].hs_code"
    assert "broken JSON" in errors[7].reason
    assert errors[8].field == "date"


def test_json_array_reports_the_line_of_each_record():
    second = dict(GOOD, id="R-2", route={"dispatch": "KZ", "destination": "ZZ"})
    text = "[\n" + json.dumps(GOOD) + ",\n\n" + json.dumps(second) + "\n]"
    results = list(read_bytes(text.encode(), "a.json", "json"))
    assert [r.ok for r in results] == [True, False]
    assert results[1].line == 4 and results[1].errors[0].field == "route.destination"


def test_json_single_object_and_empty_array():
    assert [r.ok for r in read_bytes(json.dumps(GOOD).encode(), "a.json", "json")] == [True]
    assert list(read_bytes(b"[]", "a.json", "json")) == []


def test_csv_groups_items_by_id_and_names_the_row_of_a_bad_item():
    text = (
        "id,type,date,route.dispatch,route.destination,route.transit,hs_code,description,quantity\n"
        "C1,export,2024-01-05,KZ,MN,RU;CN,8542.31,chips,10\n"
        "C1,export,2024-01-05,KZ,MN,RU;CN,1001,wheat,5\n"
        "C2,export,2024-01-05,KZ,RU,,1001,wheat,abc\n"
        "C2,export,2024-01-05,KZ,RU,,1001,wheat,1\n"
    )
    results = list(read_bytes(text.encode(), "d.csv", "csv"))
    c1, c2 = results
    assert c1.ok and len(c1.declaration.items) == 2 and c1.declaration.route.transit == ["RU", "CN"]
    assert not c2.ok and c2.errors[0].line == 4 and c2.errors[0].field == "items[0].quantity"


def test_csv_conflicting_declaration_fields_are_reported():
    text = ("id,type,date,route.dispatch,route.destination,hs_code,description\n"
            "C1,export,2024-01-05,KZ,RU,1001,wheat\nC1,export,2024-01-05,KZ,CN,1001,wheat\n")
    (result,) = read_bytes(text.encode(), "d.csv", "csv")
    assert not result.ok and result.errors[0].line == 3 and result.errors[0].field == "route.destination"


def test_csv_in_the_wrong_encoding_loses_only_the_bad_rows():
    header = "id,type,date,route.dispatch,route.destination,hs_code,description\n".encode()
    good = "C1,export,2024-01-05,KZ,RU,1001,wheat\n".encode()
    bad = "C2,export,2024-01-05,KZ,RU,1001,пшеница\n".encode("cp1251")
    results = list(read_bytes(header + good + bad, "d.csv", "csv"))
    assert [r.ok for r in results] == [False, True]
    assert results[0].line == 3 and "Windows-1251" in results[0].errors[0].reason


def test_csv_quoted_field_may_span_lines():
    text = 'id,type,date,route.dispatch,route.destination,hs_code,description\nC1,export,2024-01-05,KZ,RU,1001,"wheat\nsoft"\n'
    (result,) = read_bytes(text.encode(), "d.csv", "csv")
    assert result.ok and result.declaration.items[0].description == "wheat\nsoft"


def test_csv_example_file_reads():
    results = list(read_path(EXAMPLES / "declarations.csv"))
    assert all(r.ok for r in results) and len(results) == 3
    assert results[0].declaration.parties[0].identifiers == {"bin": "180340021234"}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["json", "jsonl", "csv"]))
def test_random_bytes_never_crash_the_readers(data, fmt):
    for result in read_bytes(data, "fuzz", fmt):
        assert result.ok or result.errors


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "type", "date", "route", "items", "parties", "payment", "x"]), json_values, max_size=8))
def test_random_records_never_crash_validation(record):
    line = json.dumps(record).encode()
    for result in read_bytes(line, "fuzz.jsonl", "jsonl"):
        assert result.ok or all(e.reason for e in result.errors)
