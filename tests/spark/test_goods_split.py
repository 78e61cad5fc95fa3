"""SNTs on Spark with the warehouse split by goods: the same verdicts and traces as the whole view on the local engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kordon.engines.local import LocalEngine
from kordon.record import documents_export
from kordon.screen.documents import build_document_context

ROOT = Path(__file__).resolve().parents[2]


def _strip(outcomes) -> list:  # noqa: ANN001
    return [(o.seq, o.verdict.model_dump(mode="json", exclude={"verified_at"}) if o.verdict else None, o.error) for o in outcomes]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The EAEU benchmark's generator, small: 400 SNTs over 2,000 DT items and 20,000 ESF rows of 150 firms, with
    chains of resales, shared lots, missing and wrong references — plus three damaged SNT rows."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from documents_speed import generate  # type: ignore[import-not-found]

    table, snts, _ = generate(2000, 20_000, 150, 400, seed=5)
    # Goods that cross: every 23rd ESF row carries another subheading than the DT item it names (a resale declared
    # under other goods), so lots join subheadings and the split must follow them.
    codes = table["code"].to_pylist()
    kinds = table["kind"].to_pylist()
    others = sorted({c for c in codes if c})
    for i in range(0, len(codes), 23):
        if kinds[i] == "esf" and codes[i]:
            codes[i] = others[min(others.index(codes[i]) ^ 1, len(others) - 1)]  # its partner subheading: pairs join
    import pyarrow as pa

    table = table.set_column(table.schema.get_field_index("code"), "code", pa.array(codes, table.schema.field("code").type))
    folder = tmp_path_factory.mktemp("gen")
    (folder / "rows").mkdir()
    (folder / "snts").mkdir()
    pq.write_table(table.slice(0, 9000), folder / "rows" / "part-00000.parquet")
    pq.write_table(table.slice(9000), folder / "rows" / "part-00001.parquet")
    rows = [documents_export.SntRow(i + 1, "", s["registrationNumber"], 1, json.dumps(s, ensure_ascii=False)) for i, s in enumerate(snts)]
    rows[7] = documents_export.SntRow(8, "", rows[7].number, 1, rows[7].document[:40])
    rows[30] = documents_export.SntRow(31, "", "KZ-SNT-ELSEWHERE", 1, rows[30].document)
    rows[200] = documents_export.SntRow(201, "", rows[200].number, 1, None)
    pq.write_table(pa_table(rows), folder / "snts" / "part-00000.parquet")
    return folder


def pa_table(rows):  # noqa: ANN001, ANN201
    import pyarrow as pa

    return pa.Table.from_batches([documents_export.to_arrow(rows)])


@pytest.fixture(scope="module")
def ctx():
    return build_document_context("kz_customs")


def test_verdicts_split_by_goods_equal_the_whole_view(generated, ctx, spark_engine):
    local = _strip(LocalEngine().verify_export(generated, ctx))
    spark = _strip(spark_engine.verify_export(generated, ctx))
    assert len(local) == 400 and spark == local
    split = spark_engine.split  # a real split: several goods groups, no task holding the whole warehouse
    assert split["groups"] > 3 and split["bins"] > 1 and split["largest_bin_rows"] < 0.6 * split["rows"]
    errors = [e for _, _, e in local if e]
    assert len(errors) == 3 and "snts/part-00000.parquet: row 8: field 'document'" in errors[0]
    verdicts = {v["verdict"] for _, v, _ in local if v}
    assert len(verdicts) >= 2  # the generator makes verified and flagged SNTs alike
    assert sum(1 for _, v, _ in local if v and any(r["code"].startswith("chain.") for r in v["reasons"])) > 10


def test_trace_over_an_export_is_the_same_on_both_engines(generated, ctx, spark_engine):
    snts = pq.read_table(generated / "snts").to_pylist()
    for row in (snts[0], snts[57], snts[399]):
        local = LocalEngine().trace_export(generated, row["number"], ctx)
        spark = spark_engine.trace_export(generated, row["number"], ctx)
        assert local[0] is not None and local[1] is None
        assert spark == local
        assert any(r["trace"] for r in local[0]["rows"]) or local[0]["flags"] is not None
    assert LocalEngine().trace_export(generated, "KZ-SNT-NONE", ctx) == (None, None)
    assert spark_engine.trace_export(generated, "KZ-SNT-NONE", ctx) == (None, None)
    broken = snts[200]["number"]
    local, spark = LocalEngine().trace_export(generated, broken, ctx), spark_engine.trace_export(generated, broken, ctx)
    assert local == spark and local[0] is None and "row 201: field 'document'" in str(local[1])


def test_cli_trace_over_an_export_prints_the_same_on_both_engines(generated, spark_engine, tmp_path):
    from typer.testing import CliRunner

    from kordon.interfaces.cli import app

    number = pq.read_table(generated / "snts").to_pylist()[57]["number"]
    db = f"sqlite:///{tmp_path / 'k.db'}"
    runner = CliRunner()
    out = {}
    for engine in ("local", "spark"):
        res = runner.invoke(app, ["documents", "trace", number, "--input", str(generated), "--engine", engine, "--format", "json", "--db", db])
        assert res.exit_code == 0, res.output
        out[engine] = res.stdout
    assert out["local"] == out["spark"] and json.loads(out["local"])["registrationNumber"] == number
    res = runner.invoke(app, ["documents", "trace", "KZ-SNT-NONE", "--input", str(generated), "--engine", "spark", "--db", db])
    assert res.exit_code == 1
    res = runner.invoke(app, ["documents", "trace", number, "--engine", "spark", "--db", db])
    assert res.exit_code == 2 and "--input" in res.output
