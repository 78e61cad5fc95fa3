"""`documents verify --all` on Spark: the same verdicts as the local engine, from the store or a Parquet export."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kordon.config import Settings
from kordon.engines.local import LocalEngine
from kordon.record import documents_export

EAEU = Path(__file__).resolve().parents[2] / "examples" / "eaeu"


def _strip(verdicts) -> list:  # noqa: ANN001
    return [v.model_dump(mode="json", exclude={"verified_at"}) for v in verdicts]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    from kordon.eaeu import Documents

    url = f"sqlite:///{tmp_path_factory.mktemp('eaeu') / 'k.db'}"
    docs = Documents(Settings(database_url=url))
    result = docs.load([str(EAEU / f) for f in ("dts.jsonl", "esfs.jsonl", "snts.jsonl")])
    assert result.counts.rejected == 0 and result.new == 24
    return docs


def test_verdicts_identical_on_both_engines_and_recorded(documents, spark_engine):
    local = list(documents.verify_iter(None, record=False))
    assert {v.verdict for v in local} == {"verified", "review", "refused"}
    spark = list(documents.verify_all(spark_engine, record=False))
    assert _strip(spark) == _strip(local)
    workers = list(documents.verify_all(LocalEngine(workers=2), record=False))
    assert _strip(workers) == _strip(local)
    recorded = list(documents.verify_all(spark_engine, record=True, actor="spark-test"))
    assert len(recorded) == len(local)
    from sqlalchemy import func, select

    from kordon.record.documents import VerdictRow

    with documents.store.session() as s:
        assert s.scalar(select(func.count()).select_from(VerdictRow)) == len(local)


def test_parquet_export_with_damaged_rows(documents, spark_engine, tmp_path):
    folder = tmp_path / "exp"
    rows, snts = documents_export.export(documents.documents, folder)
    assert rows > 0 and snts == 11
    f = folder / "snts" / "part-00000.parquet"
    t = pq.read_table(f).to_pylist()
    t[2]["document"] = t[2]["document"][:30]
    t[5]["number"] = "KZ-SNT-NOT-THIS-ONE"
    pq.write_table(pa.Table.from_pylist(t, schema=documents_export.schema()), f)
    out = {}
    for name, engine in (("local", LocalEngine()), ("spark", spark_engine)):
        errors: list[str] = []
        out[name] = (_strip(documents.verify_all(engine, record=False, source=folder, errors=errors)), errors)
    assert out["local"] == out["spark"]
    verdicts, errors = out["local"]
    assert len(errors) == 2 and errors[0].startswith(f"{folder}/snts/part-00000.parquet: row 3: field 'document':")
    assert "row 6: field 'number' is 'KZ-SNT-NOT-THIS-ONE'" in errors[1]
    assert len(verdicts) == len(list(documents.verify_iter(None, record=False))) - 2
