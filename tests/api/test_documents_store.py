"""EAEU documents in the store (SQLite and PostgreSQL): idempotent loads, versions, verdicts on the audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

pytest.importorskip("pyarrow")

from kordon.config import Settings
from kordon.eaeu import Documents
from kordon.record import audit
from kordon.record.documents import DocumentStore, VerdictRow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "eaeu"


def test_load_is_idempotent_and_a_change_is_a_new_version(store, tmp_path):
    docs = DocumentStore(store)
    first = docs.load([str(EXAMPLES)])
    assert (first.counts.read, first.counts.accepted, first.counts.rejected, first.new) == (24, 24, 0, 24)
    assert first.rows == 26
    again = docs.load([str(EXAMPLES)])
    assert (again.new, again.changed, again.repeats, again.rows) == (0, 0, 24, 0)
    assert docs.count() == {"dt": 6, "esf": 7, "snt": 11}

    # The ESF of the balance case is corrected: 300 sold instead of 800.
    line = next(ln for ln in (EXAMPLES / "esfs.jsonl").read_text(encoding="utf-8").splitlines() if "ESF-2023-0620-000451" in ln)
    raw = json.loads(line)
    raw["products"][0]["quantity"] = 300
    changed = tmp_path / "correction.jsonl"
    changed.write_text(json.dumps(raw, ensure_ascii=False) + "\n", encoding="utf-8")
    result = docs.load([str(changed)])
    assert (result.new, result.changed) == (0, 1)
    assert docs.versions("esf", "ESF-2023-0620-000451") == [1, 2]
    current = docs.get("esf", "ESF-2023-0620-000451")
    assert current is not None and current[1] == 2 and current[0].products[0].quantity == 300
    assert docs.get("esf", "ESF-2023-0620-000451", version=1)[0].products[0].quantity == 800
    table = docs.rows_table()
    assert table.num_rows == 26  # the old version's row is no longer current
    assert audit.verify(store).ok


def test_verdicts_are_recorded_on_the_audit_chain(store, db_url):
    d = Documents(Settings(database_url=db_url), store, goods_and_parties=False)
    d.load([str(EXAMPLES)])
    verdicts, missing = d.verify(["KZ-SNT-2023-0000106", "KZ-SNT-0"])
    assert missing == ["KZ-SNT-0"] and verdicts[0].verdict == "refused"
    stored = d.documents.verdicts("KZ-SNT-2023-0000106")
    assert stored[0]["verdict"] == "refused" and stored[0]["reasons"][0]["code"] == "balance.insufficient"
    records = [r for r in audit.entries(store) if r.action == "documents.verify"]
    assert records[-1].subject == "snt:KZ-SNT-2023-0000106" and records[-1].payload["reasons"] == ["balance.insufficient"]
    assert audit.verify(store).ok
    # The verdict row is bound by its record: turning a refusal into "verified" in the database is noticed.
    with store.session.begin() as s:
        s.execute(update(VerdictRow).where(VerdictRow.snt_number == "KZ-SNT-2023-0000106").values(verdict="verified"))
    result = audit.verify(store)
    assert not result.ok and any("eaeu_verdicts row" in p and "changed" in p for p in result.problems), result.problems
    with store.session.begin() as s:
        s.execute(update(VerdictRow).where(VerdictRow.snt_number == "KZ-SNT-2023-0000106").values(verdict="refused"))
    assert audit.verify(store).ok

    # A corrected ESF (fewer sold inside Kazakhstan) is a new version; the next verification sees it.
    line = next(ln for ln in (EXAMPLES / "esfs.jsonl").read_text(encoding="utf-8").splitlines() if "ESF-2023-0620-000451" in ln)
    raw = json.loads(line)
    raw["products"][0]["quantity"] = 300
    d.load_documents([d.documents.get("esf", "ESF-2023-0620-000451")[0].model_validate(raw)], source="test")
    verdicts, _ = d.verify(["KZ-SNT-2023-0000106"])
    assert verdicts[0].verdict == "verified"


def test_a_load_by_another_process_is_seen_by_the_next_verification(store, db_url):
    """A long-lived service (the API) must not verify against a warehouse another process has changed since."""
    server = Documents(Settings(database_url=db_url), store, goods_and_parties=False)
    server.load([str(EXAMPLES)])
    assert server.verify(["KZ-SNT-2023-0000106"], record=False)[0][0].verdict == "refused"
    # Another process (a CLI load) stores the corrected ESF: 300 routers sold inside Kazakhstan, not 800.
    line = next(ln for ln in (EXAMPLES / "esfs.jsonl").read_text(encoding="utf-8").splitlines() if "ESF-2023-0620-000451" in ln)
    raw = json.loads(line)
    raw["products"][0]["quantity"] = 300
    other = DocumentStore(store)
    other.load_documents([other.get("esf", "ESF-2023-0620-000451")[0].model_validate(raw)], source="cli")
    assert server.verify(["KZ-SNT-2023-0000106"], record=False)[0][0].verdict == "verified"


def _problems_after(store, *sql: str) -> list[str]:
    from sqlalchemy import text

    with store.session.begin() as s:
        for q in sql:
            s.execute(text(q))
    return audit.verify(store).problems


@pytest.mark.parametrize("tamper, expected", [
    # A document's body edited (the refused SNT's quantity cut to a tenth): its load batch no longer matches.
    ("UPDATE eaeu_documents SET body = replace(body, '\"quantity\": 500', '\"quantity\": 50') "
     "WHERE number = 'KZ-SNT-2023-0000106'", "eaeu_documents rows 1-24 (load record"),
    # A warehouse row edited: the seller's balance would look larger.
    ("UPDATE eaeu_rows SET quantity = quantity + 1000 WHERE kind = 'dt' AND row_no = 1 AND number = "
     "(SELECT min(number) FROM eaeu_rows WHERE kind = 'dt')", "eaeu_rows rows 1-26 (load record"),
    # An ESF row deleted (a sale that would show an oversold seller disappears).
    ("DELETE FROM eaeu_rows WHERE pk = (SELECT max(pk) FROM eaeu_rows WHERE kind = 'esf')", "1 row(s) deleted"),
    # A whole document deleted (the DT behind a refusal), its rows left in place.
    ("DELETE FROM eaeu_documents WHERE kind = 'dt' AND pk = (SELECT min(pk) FROM eaeu_documents WHERE kind = 'dt')",
     "eaeu_documents rows 1-24 (load record"),
    # A purchase inserted behind kordon's back, to cover a shipment.
    ("INSERT INTO eaeu_rows (kind, number, version, current, section, row_no, date, seller_tin, buyer_tin, code, quantity, unit) "
     "SELECT kind, 'ESF-FORGED', 1, current, section, row_no, date, seller_tin, buyer_tin, code, 5000, unit FROM eaeu_rows "
     "WHERE kind = 'esf' AND pk = (SELECT min(pk) FROM eaeu_rows WHERE kind = 'esf')", "on no load record"),
    # An old version made current again (the flag is outside the digests; verify derives it).
    ("UPDATE eaeu_documents SET current = false WHERE number = 'KZ-SNT-2023-0000106'", "current-version flag is wrong"),
])
def test_audit_verify_detects_document_rows_edited_deleted_or_inserted(store, tamper, expected):
    docs = DocumentStore(store)
    docs.load([str(EXAMPLES)])
    docs.load([str(EXAMPLES)])  # repeats write nothing and bind nothing
    assert audit.verify(store).ok, audit.verify(store).problems
    problems = _problems_after(store, tamper)
    assert any(expected in p for p in problems), problems


def test_audit_verify_accepts_new_versions_and_checks_every_batch(store, tmp_path):
    docs = DocumentStore(store)
    docs.load([str(EXAMPLES)], batch=5)  # five load records
    line = next(ln for ln in (EXAMPLES / "esfs.jsonl").read_text(encoding="utf-8").splitlines() if "ESF-2023-0620-000451" in ln)
    raw = json.loads(line)
    raw["products"][0]["quantity"] = 300
    (tmp_path / "c.jsonl").write_text(json.dumps(raw, ensure_ascii=False) + "\n", encoding="utf-8")
    docs.load([str(tmp_path / "c.jsonl")])  # a new version clears `current` on the old rows: still verified
    result = audit.verify(store)
    assert result.ok, result.problems
    loads = [r for r in audit.entries(store) if r.action == "documents.load"]
    assert len(loads) == 6 and all(set(r.payload["bound_batch"]) == {"eaeu_documents", "eaeu_rows"} for r in loads)
    # The third batch's first document is changed: exactly that batch is named.
    third = loads[2].payload["bound_batch"]["eaeu_documents"]
    problems = _problems_after(store, f"UPDATE eaeu_documents SET seller_tin = '000000000000' WHERE pk = {third[0] + 1}")
    assert problems == [f"eaeu_documents rows {third[0] + 1}-{third[1]} (load record {loads[2].seq}): changed after the load record bound them"]


def test_a_corrected_esf_replaces_its_original_in_the_warehouse_whatever_the_order(store, tmp_path):
    from tests.eaeu.helpers import dt, esf, valid_bin

    imp, mid = valid_bin("1501", 11), valid_bin("1601", 22)
    fixed = esf("ESF-FIX", "2023-01-12", imp, mid, "8542319090", 200, "50508/1")
    fixed.update(invoiceType="FIXED_INVOICE", relatedInvoice={"registrationNumber": "ESF-ORIG"})
    lines = [fixed, dt("50508/1", "2023-01-01", imp, [("8542319090", "CN", 1000)]), esf("ESF-ORIG", "2023-01-10", imp, mid, "8542319090", 300, "50508/1")]
    docs = DocumentStore(store)
    for n, raw in enumerate(lines):  # the correction first, in a load of its own
        (tmp_path / f"{n}.jsonl").write_text(json.dumps(raw, ensure_ascii=False) + "\n", encoding="utf-8")
        docs.load([str(tmp_path / f"{n}.jsonl")])
    esf_rows = [(r["number"], r["quantity"]) for r in docs.rows_table().to_pylist() if r["kind"] == "esf"]
    assert esf_rows == [("ESF-FIX", 200.0)]
    assert audit.verify(store).ok
