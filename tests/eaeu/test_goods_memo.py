"""The goods and party findings of SNTs remembered per row and per party (ScreeningMemo) against the same findings
screened afresh, byte for byte, on the bundled lists, under each bundled profile. A row's key leaves out what no goods
rule reads (the quantity, and of the shipping day all but the HS editions it decides), so rows that differ only there
must get the findings a fresh screening gives them; rows that differ in anything a finding names must not share them."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kordon.index.warehouse import WarehouseView
from kordon.models.documents import DOCUMENT, SNT
from kordon.screen.documents import build_document_context, verify_snt
from kordon.screen.documents.context import PROFILES
from kordon.screen.documents.goods import ScreeningMemo, goods_and_parties
from tests.eaeu.helpers import snt, valid_bin

SELLER = valid_bin("1601", 22)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "eaeu"


@pytest.fixture(scope="module")
def screening():  # noqa: ANN201
    from kordon.screen import build_context

    return build_context()


def _row(s: dict[str, Any]) -> dict[str, Any]:
    return next(r for key in ("exportControlProducts", "products") for r in s.get(key) or [])


def _variants() -> list[dict[str, Any]]:
    """SNTs of the bundled examples, and SNTs that differ from one another in one thing each."""
    raw = [json.loads(line) for line in (EXAMPLES / "snts.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [r for r in raw if r["shippingInfo"]["destinationCountry"] != "KZ"]
    n = 0

    def add(base: dict[str, Any], **change: Any) -> dict[str, Any]:
        nonlocal n
        n += 1
        s = copy.deepcopy(base)
        s["registrationNumber"] = f"KZ-SNT-MEMO-{n}"
        row = _row(s)
        for key, value in change.items():
            if key in ("quantity", "productName", "codeTNVED", "unit", "rowNumber", "licence"):
                row[key] = value
            elif key == "dest":
                s["shippingInfo"]["destinationCountry"] = value
                s["customer"]["countryCode"] = value
            else:
                s[key] = value
        out.append(s)
        return s

    # CHPL microcontrollers (an exact hit), a drone code, a code of the older edition, a 10-digit code no TN VED has.
    for code in ("8542319090", "8806100000", "8525800000", "8542319999", "8807300000", "1902191000"):
        base = snt("S", "2023-03-01", SELLER, code, 10, "50508/010123/0000001")
        for day in ("2023-03-01", "2023-03-02", "2023-11-30", "2021-12-30", "2021-12-31", "2022-01-01"):
            for qty in (10, 0, 12345.5):
                add(base, date=day, quantity=qty)
        add(base, dest="KG")
        add(base, dest="AM", date="2023-03-02")
        add(base, productName="Беспилотные летательные аппараты, квадрокоптеры")
        add(base, productName="Беспилотные летательные аппараты, квадрокоптеры", quantity=3)
        add(base, productName="")
        add(base, unit="kg")
        add(base, rowNumber=4)
        add(base, licence="KZ-LIC-2023-0042")
        add(base, licence="KZ-LIC-2023-0043")
        # The same row in the ordinary section instead of G10, at the same place on the SNT.
        moved = copy.deepcopy(base)
        moved["products"] = moved.pop("exportControlProducts")
        add(moved)
        add(moved, quantity=99)
        # A number that a declaration id may not hold; a sanctioned customer with goods seen before.
        add(base, registrationNumber="KZ/SNT 2023/0001")
        add(base, customer={"name": "Joint Stock Company Kalashnikov Concern", "countryCode": "RU"})
        add(base, customer={"name": "Joint Stock Company Kalashnikov Concern", "countryCode": "RU"}, quantity=7, date="2023-04-01")
    # Two rows, the second seen alone before.
    two = snt("S", "2023-03-01", SELLER, "8542319090", 10)
    two["exportControlProducts"].append({**two["exportControlProducts"][0], "rowNumber": 2, "codeTNVED": "8806100000"})
    add(two)
    add(two, quantity=1)
    return out


def _parse(raw: list[dict[str, Any]]) -> list[SNT]:
    docs = [DOCUMENT.validate_python(r) for r in raw]
    return [d for d in docs if isinstance(d, SNT) and not d.inbound]


def _json(reasons: list) -> list[str]:  # noqa: ANN001
    return [r.model_dump_json() for r in reasons]


@pytest.mark.parametrize("profile", PROFILES)
def test_remembered_findings_are_byte_identical_to_fresh_ones(screening, profile):
    stream = _parse(_variants())
    memo = ScreeningMemo()
    for s in stream + stream[::-1]:
        remembered = goods_and_parties(s, screening, profile, memo)
        assert _json(remembered) == _json(goods_and_parties(s, screening, profile)), s.registrationNumber
        assert all(r.code != "verification.error" for r in remembered)
    # Rows that differ only in quantity or in a shipping day of the same editions were answered from memory.
    assert memo.hits >= len(stream), (memo.hits, memo.misses)
    assert memo.misses <= len(stream) // 2, (memo.hits, memo.misses)
    # New parties with rows seen before (the listed customer) ran the party rules alone, and the reverse the goods rules.
    assert memo.rows_reused >= 1 and memo.parties_reused >= 1, (memo.rows_reused, memo.parties_reused)


def test_the_findings_differ_where_the_key_says_they_do(screening):
    """What the key keeps apart: the day a code of the older edition was shipped (its finding names the day), the HS
    edition (evidence `edition`), the row's section; and the quantity changes nothing."""
    memo = ScreeningMemo()

    def one(**change: Any) -> list[dict[str, Any]]:
        base = snt("S", "2023-03-01", SELLER, change.pop("code", "8542319090"), 10)
        row = base["exportControlProducts"][0]
        row.update({k: v for k, v in change.items() if k in ("quantity",)})
        base.update({k: v for k, v in change.items() if k in ("date",)})
        if change.get("section"):
            base["products"] = base.pop("exportControlProducts")
        s = _parse([base])[0]
        got = goods_and_parties(s, screening, "kz_customs", memo)
        assert _json(got) == _json(goods_and_parties(s, screening, "kz_customs"))
        return [r.model_dump() for r in got]

    older = [r for r in one(code="8525800000", date="2023-03-01") if r["code"] == "goods.code_valid"]
    older_next = [r for r in one(code="8525800000", date="2023-03-02") if r["code"] == "goods.code_valid"]
    assert older and older_next and older[0]["evidence"]["declaration_date"] == "2023-03-01"
    assert older_next[0]["evidence"]["declaration_date"] == "2023-03-02"
    editions = {r["evidence"].get("edition") for day in ("2021-12-31", "2022-01-01") for r in one(date=day)
                if r["code"] == "goods.chpl"}
    assert editions == {"HS2017", "HS2022"}
    assert {r["section"] for r in one(section=True)} == {"products"}
    assert one(quantity=1) == one(quantity=5000)


def test_the_day_of_screening_is_in_the_key(screening):
    """The lists in force are those of the day of screening (`lists_in_force_on`): a memo that outlives a day must
    not answer with the day before's."""
    import dataclasses

    ctx = dataclasses.replace(screening, as_of=dt.datetime(2025, 6, 1, 23, 0, tzinfo=dt.UTC))
    memo = ScreeningMemo()
    s = _parse([snt("S", "2023-03-01", SELLER, "8542319090", 10)])[0]
    first = goods_and_parties(s, ctx, "kz_customs", memo)
    ctx.as_of = dt.datetime(2025, 6, 2, 0, 30, tzinfo=dt.UTC)
    second = goods_and_parties(s, ctx, "kz_customs", memo)
    assert {r.evidence["lists_in_force_on"] for r in first if r.code.startswith("goods.")} == {"2025-06-01"}
    assert {r.evidence["lists_in_force_on"] for r in second if r.code.startswith("goods.")} == {"2025-06-02"}
    assert _json(second) == _json(goods_and_parties(s, ctx, "kz_customs"))


def test_one_memo_handed_another_profile_or_context_forgets(screening):
    import dataclasses

    memo = ScreeningMemo()
    stream = _parse(_variants())[:40]
    other = dataclasses.replace(screening)
    for ctx, profile in ((screening, "kz_customs"), (screening, "eu_exporter"), (other, "eu_exporter"), (screening, "kz_customs")):
        for s in stream:
            assert _json(goods_and_parties(s, ctx, profile, memo)) == _json(goods_and_parties(s, ctx, profile)), (profile, s.id)


def test_verdicts_with_the_memo_equal_verdicts_without(screening):
    import dataclasses

    raw = [json.loads(line) for name in ("dts.jsonl", "esfs.jsonl")
           for line in (EXAMPLES / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    view = WarehouseView.from_documents([DOCUMENT.validate_python(r) for r in raw])
    ctx = build_document_context("kz_customs", screening)
    plain = dataclasses.replace(ctx, memo=None)
    for s in _parse(_variants()):
        assert verify_snt(s, view, ctx).model_dump_json(exclude={"verified_at"}) == \
            verify_snt(s, view, plain).model_dump_json(exclude={"verified_at"}), s.registrationNumber


def test_an_snt_number_a_declaration_id_may_not_hold_is_still_screened(screening):
    s = _parse([{**snt("S", "2023-03-01", SELLER, "8542319090", 10), "registrationNumber": "KZ/SNT 2023/0001"}])[0]
    found = goods_and_parties(s, screening, "kz_customs")
    assert any(r.code == "goods.chpl" for r in found), found


@pytest.mark.parametrize("kind, quantity", [("snt", "1e999"), ("snt", "-Infinity"), ("dt", "Infinity"), ("esf", "NaN")])
def test_a_quantity_that_is_not_a_finite_number_is_refused_with_its_field(kind, quantity):
    from kordon.ingest.documents import read_jsonl
    from tests.eaeu.helpers import dt as make_dt
    from tests.eaeu.helpers import esf

    doc = {"snt": snt("S", "2023-03-01", SELLER, "8542319090", 10), "dt": make_dt("50508/1", "2023-01-01", SELLER, [("8542319090", "DE", 5)]),
           "esf": esf("E1", "2023-02-01", SELLER, valid_bin("1701", 33), "8542319090", 5)}[kind]
    text = json.dumps(doc).replace(": 10,", f": {quantity},").replace(": 5,", f": {quantity},").replace(": 5}", f": {quantity}}}")
    assert quantity in text
    [result] = list(read_jsonl(text.encode() + b"\n", "docs.jsonl"))
    assert result.document is None and result.errors, result
    assert any("quantity" in (e.field or "") for e in result.errors), result.errors
