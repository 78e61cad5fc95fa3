"""Hostile and sloppy files: every reader rejects the bad record with file, line and field, and reads on.

The property tests mix good records with mutated ones (deep nesting, huge numbers and fields, duplicate
keys and columns, other encodings, random bytes) and check for each reader: no exception escapes, every
good record is accepted, and read = accepted + rejected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from kordon.config import SettingsError, load_settings
from kordon.decide.backtest import read_labels
from kordon.ingest.declarations import read_all, read_bytes
from kordon.ingest.errors import ListFileError, ReadCounts
from kordon.interfaces.cli import app

GOOD = {"type": "export", "date": "2024-01-10", "route": {"dispatch": "KZ", "destination": "CN"},
        "items": [{"hs_code": "1001990000", "description": "wheat"}]}
CSV_HEADER = "id,type,date,route.dispatch,route.destination,hs_code,description\n"

runner = CliRunner()


def good_json(i: int) -> str:
    return json.dumps({"id": f"G-{i}", **GOOD}, ensure_ascii=False)


def good_csv(i: int) -> str:
    return f"G-{i},export,2024-01-10,KZ,CN,1001990000,wheat\n"


# Hostile JSON records, one line each.
BAD_JSON = [
    '{"id": "B", "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"id": "B", "x": ' + "[" * 40 + "]" * 40 + "}",
    '{"id": "B", "n": ' + "7" * 5000 + "}",
    '{"id": "B", "n": -1' + "0" * 400 + ".5e3}",
    '{"id": "B", "n": NaN}',
    '{"id": "B", "n": 1e999}',
    json.dumps({"id": "B", **GOOD}).replace('"id": "B"', '"id": "B", "id": "C"'),
    json.dumps({"id": "B", **GOOD, "items": [{"hs_code": "1001", "description": "x" * 200_000}]}),
    json.dumps({"id": "B", **GOOD, "items": [{"hs_code": "1001", "description": "w", "quantity": "9" * 5000}]}),
    json.dumps({"id": "B", **GOOD, "items": [{"hs_code": "1001", "description": "w"}] * 1000}),
    '{"id": "B", "type": "export"',
    "[1, 2, 3]",
    '"just a string"',
    "null",
]

BAD_CSV = [
    "B1,export,2024-01-10,KZ,CN,1001," + "x" * 200_000 + "\n",
    'B2,export,2024-01-10,KZ,CN,1001,"' + "y" * 150_000 + '"\n',
    "B3,export,2024-01-10,KZ,CN,1001,x,extra,columns\n",
    "B4,export,2024-01-10,KZ,CN,1001,пшеница\n",  # written as Windows-1251 below
    'B5,export,2024-01-10,KZ,CN,1001,"stray quote\n',
    "B6,export,2024-13-45,KZ,CN,1001,bad date\n",
    ",export,2024-01-10,KZ,CN,1001,no id\n",
    "B7,export,2024-01-10,KZ,CN,1001," + "\x00" * 10 + "\n",
]


def _counts_add_up(counts: ReadCounts, results: int) -> None:
    assert counts.read == counts.accepted + counts.rejected
    assert counts.read + counts.unusable == results


def _check(path: Path, goods: set[str]) -> ReadCounts:
    counts = ReadCounts()
    results = list(read_all([path], counts))  # must not raise
    accepted = {r.declaration.id for _, r in results if r.ok}
    assert goods <= accepted, goods - accepted
    assert not any(i.startswith("B") for i in accepted)
    _counts_add_up(counts, len(results))
    for _, r in results:
        for e in r.errors:
            assert e.source == str(path) and e.reason
    return counts


layout = st.lists(st.one_of(st.integers(0, 5).map(lambda k: ("good", k)),
                            st.sampled_from(range(len(BAD_JSON))).map(lambda k: ("bad", k)),
                            st.binary(max_size=40).map(lambda b: ("bytes", b))), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=layout)
def test_jsonl_reader_property(tmp_path, parts):
    lines, goods = [], set()
    for n, (kind, v) in enumerate(parts):
        if kind == "good":
            lines.append(good_json(n).encode())
            goods.add(f"G-{n}")
        elif kind == "bad":
            lines.append(BAD_JSON[v].encode())
        else:
            lines.append(v.replace(b"\n", b" ").replace(b"\r", b" "))
    path = tmp_path / "p.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    _check(path, goods)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.integers(0, 5).map(lambda k: ("good", k)),
                                st.sampled_from(range(len(BAD_JSON) - 1)).map(lambda k: ("bad", k))), min_size=1, max_size=10))
def test_json_array_reader_property(tmp_path, parts):
    records, goods = [], set()
    for n, (kind, v) in enumerate(parts):
        if kind == "good":
            records.append(good_json(n))
            goods.add(f"G-{n}")
        elif BAD_JSON[v].count("{") == BAD_JSON[v].count("}") and BAD_JSON[v].count("[") == BAD_JSON[v].count("]"):
            records.append(BAD_JSON[v])  # a syntactically broken record ends the array: tested separately
    path = tmp_path / "p.json"
    path.write_text("[\n" + ",\n".join(records) + "\n]\n", encoding="utf-8")
    counts = _check(path, goods)
    assert counts.read == len(records) and counts.unusable == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.integers(0, 5).map(lambda k: ("good", k)),
                                st.sampled_from(range(len(BAD_CSV))).map(lambda k: ("bad", k)),
                                st.binary(max_size=30).map(lambda b: ("bytes", b))), min_size=1, max_size=12))
def test_csv_reader_property(tmp_path, parts):
    rows, goods = [CSV_HEADER.encode()], set()
    for n, (kind, v) in enumerate(parts):
        if kind == "good":
            rows.append(good_csv(n).encode())
            goods.add(f"G-{n}")
        elif kind == "bad":
            rows.append(BAD_CSV[v].encode("cp1251" if "пшеница" in BAD_CSV[v] else "utf-8"))
        else:
            junk = v.replace(b"\n", b" ").replace(b"\r", b" ").replace(b'"', b"'").replace(b",", b";")
            rows.append(b"B-junk" + junk + b"\n")
    path = tmp_path / "p.csv"
    path.write_bytes(b"".join(rows))
    _check(path, goods)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=200))
def test_settings_reader_never_crashes(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("s") / "s.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_settings(path)
    except SettingsError as exc:
        assert str(path) in str(exc)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", "", "C" * 3]), st.sampled_from(["1", "0", "", "smuggling"])), max_size=6),
       junk=st.binary(max_size=30))
def test_labels_reader_never_crashes(tmp_path_factory, rows, junk):
    path = tmp_path_factory.mktemp("l") / "l.csv"
    path.write_bytes(b"id,label\n" + "".join(f"{i},{label}\n" for i, label in rows).encode() + junk)
    try:
        read_labels(path)
    except ListFileError as exc:
        assert str(path) in str(exc)


@pytest.fixture(scope="module")
def party_db(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('parties') / 'none.db'}"


PARTY_BAD = [
    b"x" * 200_000 + b",Person,,,\n",
    "Иванов Иван,Person,RU,,\n".encode("cp1251"),
    b",Person,,,\n",
    b"Somebody,Alien,,,\n",
    b"Somebody,Person,,,bin\n",
    b'"stray quote,Person,,,\n',
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.integers(0, 3).map(lambda k: ("good", k)),
                                st.sampled_from(range(len(PARTY_BAD))).map(lambda k: ("bad", k))), min_size=1, max_size=8))
def test_parties_screen_property(tmp_path, party_db, parts):
    rows = [b"name,schema,country,birth_date,identifiers\n"]
    goods = 0
    for kind, v in parts:
        if kind == "good":
            rows.append(f"Good Trading {v} LLP,Company,KZ,,\n".encode())
            goods += 1
        else:
            rows.append(PARTY_BAD[v])
    path = tmp_path / "names.csv"
    path.write_bytes(b"".join(rows))
    res = runner.invoke(app, ["parties", "screen", str(path), "--format", "jsonl", "--db", party_db])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    out = [json.loads(x) for x in res.stdout.splitlines()]
    ok = [r for r in out if not r["error"]]
    assert sum(r["name"].startswith("Good Trading") for r in ok) == goods
    assert len(out) == len(parts)
    assert res.exit_code == (1 if len(ok) < len(out) else 0)


# The cases of the issue, one by one, through the command line.

def _screen(tmp_path, name: str, data: bytes, *extra: str):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(app, ["screen", str(path), "--no-store", "--format", "jsonl", *extra])


def test_a_5000_digit_integer_costs_only_its_line(tmp_path):
    data = "\n".join([good_json(1), '{"id": "B", "n": ' + "1" * 5000 + "}", good_json(2)]).encode()
    res = _screen(tmp_path, "d.jsonl", data)
    assert res.exit_code == 1
    assert [json.loads(x)["declaration_id"] for x in res.stdout.splitlines()] == ["G-1", "G-2"]
    assert "d.jsonl:2 [B] n: a number of 5000 characters" in res.output


def test_csv_header_errors_are_clear_and_exit_2(tmp_path):
    for header, message in [("id,id.x", "'id' also writes"), ("id,parties.0,parties.0.name", "also writes 'parties.0'"),
                            ("id,parties.1000000000.name", "list position 1000000000"), ("id,type,type", "repeats column 2")]:
        res = _screen(tmp_path, "h.csv", f"{header}\nA,b,c\n".encode())
        assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output, (header, res.output)
        assert "h.csv:1" in res.output


def test_empty_files_are_reported_and_exit_2(tmp_path):
    for name, data in [("e.jsonl", b""), ("e.json", b"  \n"), ("e.csv", CSV_HEADER.encode())]:
        res = _screen(tmp_path, name, data)
        assert res.exit_code == 2 and ("empty" in res.output or "no rows" in res.output), res.output


def test_a_good_file_next_to_an_empty_one_is_still_screened(tmp_path):
    (tmp_path / "e.jsonl").write_bytes(b"")
    (tmp_path / "g.jsonl").write_text(good_json(1) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["screen", str(tmp_path / "e.jsonl"), str(tmp_path / "g.jsonl"), "--no-store", "--format", "jsonl"])
    assert res.exit_code == 2 and "G-1" in res.stdout and "1 file(s) could not be read" in res.output


def test_duplicate_keys_are_not_last_wins():
    data = '{"id": "A", "id": "B", "type": "export"}'.encode()
    (r,) = read_bytes(data, "d.jsonl", "jsonl")
    assert not r.ok and r.errors[0].field == "id" and "more than once" in r.errors[0].reason


def test_parties_screen_in_windows_1251(tmp_path, party_db):
    path = tmp_path / "names.csv"
    path.write_bytes("name,country\nИванов Иван,RU\n".encode("cp1251") + b"Good Trading LLP,KZ\n")
    res = runner.invoke(app, ["parties", "screen", str(path), "--format", "jsonl", "--db", party_db])
    assert res.exit_code == 1 and "Traceback" not in res.output
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    assert "names.csv:2" in rows[0]["error"] and "Windows-1251" in rows[0]["error"] and rows[1]["error"] is None


def test_backtest_with_a_wrong_labels_header_is_exit_2(tmp_path):
    decls = tmp_path / "d.jsonl"
    decls.write_text(good_json(1) + "\n", encoding="utf-8")
    labels = tmp_path / "l.csv"
    labels.write_text("declaration,is_bad\nG-1,1\n", encoding="utf-8")
    res = runner.invoke(app, ["backtest", str(decls), "--labels", str(labels)])
    assert res.exit_code == 2 and "l.csv:1" in res.output and "'id' and 'label'" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
