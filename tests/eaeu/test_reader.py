"""The JSONL reader: every bad document named by file, line and field; the good ones kept whole."""

from __future__ import annotations

from pathlib import Path

from kordon.ingest.documents import DocumentCounts, read_all, read_jsonl
from kordon.models.documents import DT, ESF, SNT

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "examples" / "eaeu" / "bad" / "documents.jsonl"


def test_examples_read_clean():
    counts = DocumentCounts()
    results = list(read_all([ROOT / "examples" / "eaeu"], counts))
    assert counts.rejected == 0 and counts.accepted == counts.read == 24
    assert counts.by_kind["dt"]["accepted"] == 6 and counts.by_kind["esf"]["accepted"] == 7 and counts.by_kind["snt"]["accepted"] == 11
    kinds = {type(r.document) for _, r in results}
    assert kinds == {DT, ESF, SNT}


def test_bad_documents_by_line_and_field():
    counts = DocumentCounts()
    results = [r for _, r in read_all([BAD], counts)]
    assert (counts.read, counts.accepted, counts.rejected) == (6, 1, 5)
    errors = {(e.line, e.field) for e in counts.errors}
    assert (2, "items[0].originCountry") in errors
    assert any(e.line == 3 and "check digit" in e.reason for e in counts.errors)
    assert (4, "exportControlProducts[0].quantity") in errors
    assert (4, "exportControlProducts[0].codeTNVED") in errors
    assert any(e.line == 5 and "broken JSON" in e.reason for e in counts.errors)
    assert (6, "kind") in errors
    # each message names the file and line
    assert all(str(e).startswith(f"{BAD}:{e.line}") for e in counts.errors)
    good = results[0].document
    assert isinstance(good, DT) and good.model_extra == {"customsPost": "Хоргос"}


def test_unknown_fields_are_kept_and_hash_ignores_formatting():
    a = b'{"kind": "snt", "registrationNumber": "S1", "date": "2024-01-01", "seller": {"tin": "120240099095", "name": "A"}, ' \
        b'"customer": {"name": "B", "countryCode": "RU"}, "shippingInfo": {"destinationCountry": "RU"}, ' \
        b'"products": [{"rowNumber": 1, "codeTNVED": "0402211800", "quantity": 1, "unit": "kg", "brand": "X"}], "carrierPlate": "777"}'
    b = b'{"carrierPlate":"777","kind":"snt","registrationNumber":"S1","date":"2024-01-01","seller":{"name":"A","tin":"120240099095"},' \
        b'"customer":{"countryCode":"RU","name":"B"},"shippingInfo":{"destinationCountry":"RU"},' \
        b'"products":[{"brand":"X","rowNumber":1,"codeTNVED":"0402211800","quantity":1,"unit":"kg"}]}'
    ra, rb = next(read_jsonl(a, "a")), next(read_jsonl(b, "b"))
    assert ra.ok and rb.ok and ra.sha256 == rb.sha256
    assert ra.document.model_extra["carrierPlate"] == "777"
    assert ra.document.products[0].model_extra["brand"] == "X"


def test_foreign_party_numbers_are_kept_kazakh_ones_checked():
    line = (b'{"kind": "snt", "registrationNumber": "S2", "date": "2023-03-01", "seller": {"tin": "01234567890123", "name": "KG firm", '
            b'"countryCode": "KG"}, "customer": {"tin": "120240099095", "name": "KZ firm", "countryCode": "KZ"}, '
            b'"shippingInfo": {"departureCountry": "KG", "destinationCountry": "KZ"}, '
            b'"exportControlProducts": [{"rowNumber": 1, "codeTNVED": "8806230001", "quantity": 14, "unit": "pcs"}]}')
    r = next(read_jsonl(line, "x"))
    assert r.ok and r.document.inbound
    bad = line.replace(b'"tin": "120240099095"', b'"tin": "12024009909"')
    r = next(read_jsonl(bad, "x"))
    assert not r.ok and any("12 digits" in e.reason for e in r.errors)


def test_an_snt_without_rows_or_seller_bin_is_rejected():
    line = (b'{"kind": "snt", "registrationNumber": "S3", "date": "2023-03-01", "seller": {"name": "no bin"}, '
            b'"customer": {"name": "B", "countryCode": "RU"}, "shippingInfo": {"destinationCountry": "RU"}}')
    r = next(read_jsonl(line, "x"))
    assert not r.ok and any("at least one product row" in e.reason for e in r.errors)


def test_example_codes_are_real_tnved_codes(shared_data):
    """Every code of the examples is a 10-digit code of the TN VED EAEU (the shared nomenclature file)."""
    import csv
    import gzip
    import json

    with gzip.open(shared_data / "tnved_eaeu" / "tnved_eaeu_10digit.csv.gz", "rt", encoding="utf-8") as fh:
        codes = {r["code"] for r in csv.DictReader(fh)}
    used = set()
    for path in (ROOT / "examples" / "eaeu").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            for section in ("items", "products", "exportControlProducts"):
                used.update(r.get("codeTNVED") or r.get("unitCode") for r in doc.get(section, []))
    assert used and used <= codes, sorted(used - codes)


def test_content_hash_ignores_defaults_written_out_and_sees_every_change():
    import json

    from tests.eaeu.helpers import esf, valid_bin

    base = esf("E1", "2023-01-10", valid_bin("1501", 11), valid_bin("1601", 22), "8542319090", 300, "50508/1")
    explicit = dict(base, invoiceType="ORDINARY_INVOICE")
    changed = dict(base, invoiceType="ADDITIONAL_INVOICE", relatedInvoice={"registrationNumber": "E0"})
    data = "\n".join(json.dumps(d, ensure_ascii=False) for d in (base, explicit, changed)).encode()
    hashes = [r.sha256 for r in read_jsonl(data, "x.jsonl")]
    assert hashes[0] == hashes[1] != hashes[2] and None not in hashes


def test_content_hash_is_the_definition_stores_were_written_with():
    """The hash is taken with the model's own serializer for speed; it must stay sha256 of DOCUMENT.dump_json(doc,
    exclude_defaults=True), or every document already stored would look changed on its next load."""
    import hashlib

    from kordon.ingest.documents import content_sha256
    from kordon.models.documents import DOCUMENT

    docs = [r.document for _, r in read_all([ROOT / "examples" / "eaeu", BAD]) if r.document is not None]
    assert len(docs) == 25 and any(d.model_extra for d in docs)
    for d in docs:
        assert content_sha256(d) == hashlib.sha256(DOCUMENT.dump_json(d, exclude_defaults=True)).hexdigest()
