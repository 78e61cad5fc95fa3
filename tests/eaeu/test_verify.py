"""The SRC's export verification, one reason code at a time, on documents built for each case."""

from __future__ import annotations

import pytest

from kordon.index.warehouse import WarehouseView
from kordon.models.documents import SNT
from kordon.screen.documents import UnknownProfile, build_document_context, verify_snt
from tests.eaeu.helpers import dt as make_dt
from tests.eaeu.helpers import esf, parse, snt, valid_bin

IMP, MID, SELLER = valid_bin("1501", 11), valid_bin("1601", 22), valid_bin("1701", 33)
DT1 = "50508/010123/0000001"


@pytest.fixture(scope="module")
def ctx():
    return build_document_context("kz_customs")  # goods and party rules off: these tests are about the documents


def run(ctx, s: dict, *docs: dict):
    v = WarehouseView.from_documents([parse(d) for d in (*docs, s)])
    snt_doc = parse(s)
    assert isinstance(snt_doc, SNT)
    return verify_snt(snt_doc, v, ctx)


def codes(verdict) -> set[str]:
    return {r.code for r in verdict.reasons}


def test_clean_chain_is_verified(ctx):
    v = run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 100, DT1),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]), esf("E1", "2023-02-01", IMP, MID, "8542319090", 300, DT1))
    assert v.verdict == "verified" and v.reasons == []


@pytest.mark.parametrize("row_doc,item,code,qty,problem", [
    ("50508/999999/0000000", "1", "8542319090", 10, "not_on_record"),
    (DT1, "7", "8542319090", 10, "item_not_in_document"),
    (DT1, "1", "8541100000", 10, "differs"),
    (DT1, "1", "8542319090", 5000, "differs"),
])
def test_documents_mismatch_refuses(ctx, row_doc, item, code, qty, problem):
    v = run(ctx, snt("S1", "2023-03-01", IMP, code, qty, row_doc, item), make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]))
    assert v.verdict == "refused"
    found = [r for r in v.reasons if r.code == "documents.mismatch"]
    assert found and found[0].evidence["problem"] == problem and found[0].effect == "refuse"


def test_esf_named_must_be_issued_to_the_seller(ctx):
    v = run(ctx, snt("S1", "2023-03-01", SELLER, "8542319090", 10, "E1", "1"),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]), esf("E1", "2023-02-01", IMP, MID, "8542319090", 300, DT1))
    assert v.verdict == "refused"
    assert any(r.evidence.get("problem") == "not_the_sellers" for r in v.reasons)


def test_balance_insufficient_refuses(ctx):
    v = run(ctx, snt("S1", "2023-03-01", IMP, "8542319090", 500, DT1),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]), esf("E1", "2023-02-01", IMP, MID, "8542319090", 800, DT1))
    assert v.verdict == "refused" and codes(v) == {"balance.insufficient"}
    r = v.reasons[0]
    assert (r.evidence["received"], r.evidence["sent"], r.evidence["balance"], r.evidence["shipped"]) == (1000, 800, 200, 500)


def test_two_rows_on_one_lot_are_covered_together(ctx):
    s = snt("S1", "2023-03-01", IMP, "8542319090", 600, DT1)
    s["exportControlProducts"].append(dict(s["exportControlProducts"][0], rowNumber=2, quantity=600))
    v = run(ctx, s, make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]))
    assert "balance.insufficient" in codes(v)


@pytest.mark.parametrize("origin,dest,verdict", [("DE", "RU", "refused"), ("US", "BY", "refused"), ("DE", "AM", "verified"),
                                                 ("CN", "RU", "verified"), ("KR", "RU", "refused")])
def test_origin_prohibiting_state(ctx, origin, dest, verdict):
    v = run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 10, DT1, dest=dest),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", origin, 1000)]), esf("E1", "2023-02-01", IMP, MID, "8542319090", 300, DT1))
    assert v.verdict == verdict
    assert ("origin.prohibiting_state" in codes(v)) == (verdict == "refused")


def test_own_production_claim_traced_to_an_import(ctx):
    v = run(ctx, snt("S1", "2023-03-01", SELLER, "8482109008", 100, sign="3"),
            make_dt(DT1, "2023-01-01", IMP, [("8482109008", "JP", 1000)]),
            esf("E1", "2023-01-10", IMP, MID, "8482109008", 500, DT1, sign="1"),
            esf("E2", "2023-01-20", MID, SELLER, "8482109008", 400, sign="3"))
    assert v.verdict == "review"
    assert {"chain.origin_traced", "chain.origin_sign_changed", "origin.prohibiting_state"} <= codes(v)
    traced = next(r for r in v.reasons if r.code == "chain.origin_traced")
    assert traced.evidence["imports"] == [f"{DT1} / 1 (JP)"]
    assert [s["document"] for s in traced.evidence["path"]] == ["E2", "E1", DT1]
    inferred = next(r for r in v.reasons if r.code == "origin.prohibiting_state")
    assert inferred.evidence["inferred"] is True and inferred.effect == "review"


def test_true_own_production_is_verified(ctx):
    v = run(ctx, snt("S1", "2023-03-01", SELLER, "7202419000", 500, "АКТ-1/2023", sign="3", unit="t"))
    assert v.verdict == "verified"


def test_g10_row_with_no_document_and_no_stock_is_a_mismatch(ctx):
    v = run(ctx, snt("S1", "2023-03-01", SELLER, "8542319090", 5, sign="1"))
    assert v.verdict == "refused" and next(iter(v.reasons)).evidence["problem"] == "no_document"


def test_one_day_firm_and_oversold_are_flagged_for_review(ctx):
    new = valid_bin("2302", 44)
    v = run(ctx, snt("S1", "2023-03-05", new, "8542319090", 100, DT1, dest="AM"),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 100)]),
            esf("E1", "2023-02-01", IMP, MID, "8542319090", 100, DT1),
            esf("E2", "2023-03-02", MID, new, "8542319090", 150, DT1))
    assert v.verdict == "review"
    assert {"chain.one_day_firm", "chain.oversold"} <= codes(v)
    firm = next(r for r in v.reasons if r.code == "chain.one_day_firm")
    assert firm.evidence["party"] == new and firm.evidence["held_days"] == 3


def test_an_error_is_never_verified(ctx):
    class Broken(WarehouseView):
        def __init__(self) -> None:  # no table at all
            pass

    v = verify_snt(parse(snt("S1", "2023-03-01", IMP, "8542319090", 1, DT1)), Broken(), ctx)
    assert v.verdict == "review" and v.reasons[0].code == "verification.error"


def test_unknown_profile_is_refused():
    with pytest.raises(UnknownProfile):
        build_document_context("eu_exporter_typo")


@pytest.fixture(scope="module")
def full_ctx():  # noqa: ANN201
    from kordon.screen import build_context

    return build_document_context("kz_customs", build_context())


def test_ordinary_goods_sold_on_are_not_an_origin_question(full_ctx):
    # Imported New Zealand milk powder resold by a dairy: no control list, so the product section is not traced.
    v = run(full_ctx, snt("S1", "2023-03-01", MID, "0402211800", 5, sign="3", section="products", unit="t"),
            make_dt(DT1, "2023-01-01", IMP, [("0402211800", "NZ", 20)], unit="t"),
            esf("E1", "2023-02-01", IMP, MID, "0402211800", 10, DT1, unit="t"))
    assert v.verdict == "verified", v.reasons
    assert "goods" in v.checks and "parties" in v.checks


def test_listed_goods_in_the_product_section_are_traced(full_ctx):
    # CHPL microcontrollers put in the ordinary section instead of G10, claimed as own production, to Russia.
    v = run(full_ctx, snt("S1", "2023-03-01", MID, "8542319090", 50, sign="3", section="products"),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", "DE", 100)]),
            esf("E1", "2023-02-01", IMP, MID, "8542319090", 100, DT1))
    assert v.verdict == "review"
    assert {"chain.origin_traced", "origin.prohibiting_state", "goods.chpl"} <= codes(v)
    chpl = next(r for r in v.reasons if r.code == "goods.chpl")
    assert chpl.row == 1 and chpl.section == "products" and chpl.effect == "review"


def test_memoised_goods_and_party_screening_gives_the_same_verdicts(full_ctx):
    """Parties and rows seen before are answered from memory: every verdict must equal the unmemoised one, reason by
    reason and in order, also for SNTs that mix parties and rows seen before with new ones."""
    import copy
    import dataclasses
    import json
    from pathlib import Path

    from kordon.models.documents import DOCUMENT
    from kordon.screen.documents.goods import ScreeningMemo, goods_and_parties

    folder = Path(__file__).resolve().parents[2] / "examples" / "eaeu"
    raw = [json.loads(line) for name in ("dts.jsonl", "esfs.jsonl", "snts.jsonl")
           for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    view = WarehouseView.from_documents([DOCUMENT.validate_python(r) for r in raw])
    snts = [r for r in raw if r["kind"] == "snt" and r["shippingInfo"]["destinationCountry"] != "KZ"]
    # Recombined SNTs: one SNT's seller with another's customer and rows (some never seen together), and a
    # sanctioned customer (a party hit) shipping goods seen before.
    mixed = []
    for n, (a, b) in enumerate(zip(snts, snts[1:] + snts[:1])):
        s = copy.deepcopy(a)
        s["registrationNumber"] = f"KZ-SNT-MIX-{n}"
        s["customer"] = b["customer"]
        s["shippingInfo"] = b["shippingInfo"]
        mixed.append(s)
    listed = copy.deepcopy(snts[6])
    listed.update(registrationNumber="KZ-SNT-MIX-LISTED", customer={"name": "Joint Stock Company Kalashnikov Concern", "countryCode": "RU"})
    stream = [DOCUMENT.validate_python(s) for s in [*snts, *mixed, listed, *snts, *mixed, listed]]
    stream = [s for s in stream if isinstance(s, SNT) and not s.inbound]

    plain = dataclasses.replace(full_ctx, memo=None)
    memo = ScreeningMemo()
    remembered = dataclasses.replace(full_ctx, memo=memo)

    def body(v):  # noqa: ANN001, ANN202
        return v.model_dump(mode="json", exclude={"verified_at"})

    for s in stream:
        assert body(verify_snt(s, view, remembered)) == body(verify_snt(s, view, plain)), s.registrationNumber
        # The findings before the verdict sorts them: the same, in the same order.
        assert [r.model_dump() for r in goods_and_parties(s, full_ctx.screening, "kz_customs", memo)] == \
            [r.model_dump() for r in goods_and_parties(s, full_ctx.screening, "kz_customs")], s.registrationNumber
    assert memo.hits >= len(stream) // 2 and memo.misses >= 1
    listed_verdict = verify_snt(stream[-1], view, remembered)
    assert any(r.code == "parties.sanctions" for r in listed_verdict.reasons), listed_verdict.reasons


@pytest.mark.parametrize("profile, origin, verdict, basis", [
    # A US person: US-origin items re-exported to Russia need a BIS licence (binding); other origins, a question of the EAR.
    ("us_person", "US", "refused", "15 CFR § 746.8"),
    ("us_person", "DE", "review", "15 CFR § 734.9"),
    # An EU exporter: its own goods going on to Russia engage the no-Russia clause (Art. 12g); others are red flags.
    ("eu_exporter", "DE", "review", "Art. 12g"),
    ("eu_exporter", "JP", "review", "guidance"),
    ("uk_exporter", "GB", "review", "SI 2019/855"),
    ("uk_exporter", "US", "review", "OTSI"),
    # A Kazakh bank: an exposure (secondary sanctions) to escalate, not a refusal under its law.
    ("bank_kz", "DE", "review", "Executive Order 14114"),
    ("kz_customs", "DE", "refused", "Re-export controls"),
])
def test_each_profile_reads_the_origin_finding_under_its_own_law(profile, origin, verdict, basis):
    ctx = build_document_context(profile)
    v = run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 10, DT1, dest="RU"),
            make_dt(DT1, "2023-01-01", IMP, [("8542319090", origin, 1000)]), esf("E1", "2023-02-01", IMP, MID, "8542319090", 300, DT1))
    found = next(r for r in v.reasons if r.code == "origin.prohibiting_state")
    assert v.verdict == verdict and v.profile == profile
    assert basis in (found.basis or ""), found.basis


@pytest.mark.parametrize("profile", ["eu_exporter", "us_person", "uk_exporter", "bank_kz"])
def test_document_findings_are_evidence_not_refusals_for_foreign_users(profile):
    # A DT that is not on record and a shipment larger than the stock: the SRC refuses; for these users they are
    # evidence to act on (documents asked for, shipment held), each with its basis under the profile.
    ctx = build_document_context(profile)
    v = run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 5000, DT1), make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]),
            esf("E1", "2023-02-01", IMP, MID, "8542319090", 300, DT1))
    assert v.verdict == "review" and "balance.insufficient" in codes(v)
    assert all(r.effect == "review" and r.basis and "not in the profile" not in r.basis for r in v.reasons), v.reasons
    missing = run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 5, "50508/NOPE"))
    assert missing.verdict == "review" and codes(missing) == {"documents.mismatch"}


@pytest.mark.parametrize("how", ["own_dt", "inbound_snt", "joint_esf"])
def test_own_production_claim_checked_against_imports_and_every_purchase(ctx, how):
    # The seller claims own production (sign 3, no document) of goods it imported itself (its own DT, or an SNT from
    # another EAEU state), or bought as the second customer of a joint-activity ESF: each is traced.
    docs: list[dict] = []
    if how == "own_dt":
        docs.append(make_dt(DT1, "2023-01-01", SELLER, [("8482109008", "JP", 1000)]))
    elif how == "inbound_snt":
        docs.append({"kind": "snt", "registrationNumber": "KZ-SNT-IN-1", "date": "2023-01-05",
                     "seller": {"name": "ОсОО «Бишкек Подшипник»", "countryCode": "KG"},
                     "customer": {"tin": SELLER, "name": "ТОО «Продавец»"},
                     "shippingInfo": {"departureCountry": "KG", "destinationCountry": "KZ"},
                     "products": [{"rowNumber": 1, "codeTNVED": "8482109008", "quantity": 1000, "unit": "pcs"}]})
    else:
        docs.append(make_dt(DT1, "2023-01-01", IMP, [("8482109008", "JP", 1000)]))
        joint = esf("E1", "2023-01-10", IMP, MID, "8482109008", 600, DT1)
        joint["customers"] = [{"tin": MID, "name": "ТОО «Первый»", "shareParticipation": 50},
                              {"tin": SELLER, "name": "ТОО «Продавец»", "shareParticipation": 50}]
        docs.append(joint)
    v = run(ctx, snt("S1", "2023-03-01", SELLER, "8482109008", 100, sign="3"), *docs)
    assert v.verdict == "review" and "chain.origin_traced" in codes(v), v.reasons
    traced = next(r for r in v.reasons if r.code == "chain.origin_traced")
    assert traced.evidence["claim"] == "claims own production"
    assert traced.evidence["path"][-1]["kind"] in ("dt", "snt_in")


def test_joint_activity_esf_moves_every_participants_stock(ctx):
    # 600 pieces sold to two customers with shares 1:2: the second customer holds 400 and may ship 400, not 401.
    joint = esf("E1", "2023-01-10", IMP, MID, "8542319090", 600, DT1)
    joint["customers"] = [{"tin": MID, "name": "ТОО «Первый»", "shareParticipation": "1"},
                          {"tin": SELLER, "name": "ТОО «Продавец»", "shareParticipation": "2"}]
    base = [make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)]), joint]
    assert run(ctx, snt("S1", "2023-03-01", SELLER, "8542319090", 400, DT1), *base).verdict == "verified"
    short = run(ctx, snt("S1", "2023-03-01", SELLER, "8542319090", 401, DT1), *base)
    assert codes(short) == {"balance.insufficient"}
    # It may also name the joint ESF itself: the row it bought is the one compared.
    via_esf = run(ctx, snt("S1", "2023-03-01", SELLER, "8542319090", 400, "E1"), *base)
    assert via_esf.verdict == "verified", via_esf.reasons


def test_corrective_esfs_move_the_warehouse(ctx):
    dt_doc = make_dt(DT1, "2023-01-01", IMP, [("8542319090", "CN", 1000)])
    sale = esf("E1", "2023-01-10", IMP, MID, "8542319090", 300, DT1)
    # An additional invoice: 100 of the 300 returned (a negative change against E1).
    returned = esf("E2", "2023-01-20", IMP, MID, "8542319090", -100, DT1)
    returned.update(invoiceType="ADDITIONAL_INVOICE", relatedInvoice={"registrationNumber": "E1"})
    ship = snt("S1", "2023-03-01", MID, "8542319090", 250, DT1)
    assert run(ctx, ship, dt_doc, sale).verdict == "verified"
    assert codes(run(ctx, ship, dt_doc, sale, returned)) == {"balance.insufficient"}  # 200 left, 250 shipped
    # A corrected invoice replaces E1 whole: 200 sold, not 300.
    fixed = esf("E3", "2023-01-12", IMP, MID, "8542319090", 200, DT1)
    fixed.update(invoiceType="FIXED_INVOICE", relatedInvoice={"registrationNumber": "E1", "date": "2023-01-10"})
    assert codes(run(ctx, ship, dt_doc, fixed, sale)) == {"balance.insufficient"}  # the order does not matter
    assert run(ctx, snt("S1", "2023-03-01", MID, "8542319090", 200, DT1), dt_doc, sale, fixed).verdict == "verified"


@pytest.mark.parametrize("change, problem", [
    ({"products": [{"rowNumber": 1, "unitCode": "8542319090", "quantity": -5, "unit": "pcs"}]}, "only an ADDITIONAL_INVOICE"),
    ({"invoiceType": "FIXED_INVOICE"}, "relatedInvoice: a FIXED_INVOICE names"),
    ({"invoiceType": "CORRECTED"}, "invoiceType"),
])
def test_bad_corrective_esfs_are_rejected_with_the_reason(change, problem):
    from kordon.ingest.documents import validate_document

    raw = esf("E1", "2023-01-10", IMP, MID, "8542319090", 300, DT1)
    raw.update(change)
    result = validate_document(raw, "esfs.jsonl", 7)
    assert not result.ok and any(problem in f"{e.field} {e.reason}" for e in result.errors), result.errors
    assert all(e.line == 7 for e in result.errors)


def test_known_parties_with_new_rows_give_the_same_verdicts(full_ctx):
    """Every party seen before but the rows new (other quantities, days, goods): only the goods rules run and the
    party findings come from memory. The verdict must equal the unmemoised one, reason by reason, in order, for
    clean parties and for a sanctioned customer, and for SNTs whose goods bring no finding at all."""
    import copy
    import dataclasses
    import json
    from pathlib import Path

    from kordon.models.documents import DOCUMENT
    from kordon.screen.documents.goods import ScreeningMemo

    folder = Path(__file__).resolve().parents[2] / "examples" / "eaeu"
    raw = [json.loads(line) for name in ("dts.jsonl", "esfs.jsonl", "snts.jsonl")
           for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    view = WarehouseView.from_documents([DOCUMENT.validate_python(r) for r in raw])
    snts = [r for r in raw if r["kind"] == "snt" and r["shippingInfo"]["destinationCountry"] != "KZ"]
    listed = copy.deepcopy(snts[0])
    listed.update(registrationNumber="KZ-SNT-LISTED", customer={"name": "Joint Stock Company Kalashnikov Concern", "countryCode": "RU"})
    first = [*snts, listed]
    again = []
    for n, s in enumerate(first * 2):
        s = copy.deepcopy(s)
        s["registrationNumber"] = f"{s['registrationNumber']}-AGAIN-{n}"
        for row in (r for key in ("exportControlProducts", "products") for r in s.get(key) or []):
            row["quantity"] = round(float(row["quantity"]) * (0.5 + n / 10), 3)
            if n % 2:  # a row never seen (its name is in the row's key); the others differ only in what the key leaves out
                row["productName"] = f"{row.get('productName') or 'товар'}, партия {n}"
        if n % 3 == 0:
            s["date"] = s["date"][:8] + "27"
            s.pop("shippingDate", None)
        again.append(s)
    stream = [d for d in (DOCUMENT.validate_python(s) for s in [*first, *again]) if isinstance(d, SNT) and not d.inbound]

    memo = ScreeningMemo()
    remembered = dataclasses.replace(full_ctx, memo=memo)
    plain = dataclasses.replace(full_ctx, memo=None)
    for s in stream:
        assert verify_snt(s, view, remembered).model_dump(mode="json", exclude={"verified_at"}) == \
            verify_snt(s, view, plain).model_dump(mode="json", exclude={"verified_at"}), s.registrationNumber
    assert memo.parties_reused >= len(again) // 3 and memo.hits >= len(again) // 3, (memo.parties_reused, memo.hits)
    hit = verify_snt(stream[-1], view, remembered)
    assert any(r.code == "parties.sanctions" for r in hit.reasons), hit.reasons
