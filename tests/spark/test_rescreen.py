"""`kordon rescreen` over the whole history on Spark: the same changed decisions as the local engine, recorded the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kordon.config import Settings
from kordon.engines.local import LocalEngine
from kordon.interfaces.cli import app
from kordon.record import history_export
from kordon.record.store import Store
from kordon.service import Kordon
from tests.core.helpers import decl, item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
RU = {"dispatch": "KZ", "destination": "RU"}


def _history(url: str) -> None:
    """A store screened with the lists of the day: generated trade plus declarations a list change will hit."""
    from kordon.synth.generator import generate

    k = Kordon(Settings(database_url=url))
    decls = [g.declaration for g in generate(120, seed=11)]
    decls += [
        decl(id="KAZ-1", route=RU, parties=[{"role": "consignor", "name": "Steppe Trade LLP", "country": "KZ"},
                                           {"role": "consignee", "name": "Kazstanex LLP", "country": "KZ"}]),
        decl(id="ZN-1", route=RU, items=[item("7901110000", "zinc, unwrought")]),
        decl(id="ZN-2", route={"dispatch": "KZ", "destination": "UZ"}, items=[item("7901120000", "zinc alloys")]),
    ]
    k.screen_and_record_many(decls)


@pytest.fixture(scope="module")
def changed_store(tmp_path_factory):
    """The history, then a list change: a new sanctions list (EU FSF) and a national goods list."""
    from kordon.ingest.sanctions.lifecycle import load_file

    base = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{base / 'k.db'}"
    _history(url)
    _, outcome = load_file(url, FIXTURES / "eu_fsf.xml", "eu_fsf", version="2026-12-01")
    assert outcome.activated
    own = base / "zinc.yaml"
    own.write_text("id: zinc\ntitle: Zinc watch list\nversion: '1'\napplies_to: all_destinations\n"
                   "entries:\n  - {code: '7901', category: metals}\n", encoding="utf-8")
    return base, own


def _copy(base: Path, tmp: Path, name: str) -> str:
    """A copy of the store (SQLite's backup: the write-ahead log included)."""
    src, dst = sqlite3.connect(base / "k.db"), sqlite3.connect(tmp / name)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{tmp / name}"


def _key(run) -> list:  # noqa: ANN001
    return [(r.declaration_id, r.version, r.before.model_dump(), r.after.model_dump(exclude={"screened_at"}), r.lowered)
            for r in run.changed]


def test_whole_history_same_changes_on_both_engines_and_recorded_the_same(changed_store, tmp_path, spark_engine):
    base, own = changed_store
    runs, urls = {}, {}
    for name, engine in (("local", LocalEngine()), ("spark", spark_engine)):
        urls[name] = _copy(base, tmp_path, f"{name}.db")
        runs[name] = Kordon(Settings(database_url=urls[name], lists=[str(own)])).rescreen_all(None, engine=engine)
    local, spark = runs["local"], runs["spark"]
    assert local.read == spark.read == 121 and local.rejected == spark.rejected == 0
    assert _key(spark) == _key(local)
    ids = {r.declaration_id for r in local.changed}
    assert {"KAZ-1", "ZN-1", "ZN-2"} <= ids
    kaz = next(r for r in local.changed if r.declaration_id == "KAZ-1")
    assert kaz.after.action.value == "deny" and any(a[2] == "eu_fsf" for a in kaz.added)
    # Recorded through the same path: the decisions in force and the audit chain agree, row for row.
    stored = {}
    for name, url in urls.items():
        k = Kordon(Settings(database_url=url))
        stored[name] = [(i, k.get(i).decision_now.model_dump(exclude={"screened_at"})) for i in sorted(ids)]
        from kordon.record import audit

        assert audit.verify(k.store).ok
        assert [e.action for e in audit.entries(k.store, "declaration:KAZ-1")].count("rescreen") == 1
    assert stored["local"] == stored["spark"]
    # Recorded once: a second run finds nothing new to record.
    again = Kordon(Settings(database_url=urls["spark"], lists=[str(own)])).rescreen_all(None, engine=spark_engine)
    assert again.changed == [] and again.read == 121


def test_parquet_export_with_damaged_rows_reported_identically(changed_store, tmp_path, spark_engine):
    base, own = changed_store
    url = _copy(base, tmp_path, "k.db")
    export = tmp_path / "export"
    assert history_export.export(Store(url), export, rows_per_file=50) == 121
    assert sorted(p.name for p in export.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    # Damage three rows of the second part file: broken JSON, an id that disagrees, a missing decision.
    f = export / "part-00001.parquet"
    t = pq.read_table(f).to_pylist()
    t[3]["declaration"] = t[3]["declaration"][:40]
    t[7]["declaration_id"] = "SOMEONE-ELSE"
    t[9]["decision"] = None
    pq.write_table(pa.Table.from_pylist(t, schema=history_export.schema()), f)
    k = Kordon(Settings(database_url=url, lists=[str(own)]))
    local = k.rescreen_all(record=False, source=export, engine=LocalEngine())
    spark = k.rescreen_all(record=False, source=export, engine=spark_engine)
    assert local.read == spark.read == 121 and local.rejected == spark.rejected == 3
    assert spark.errors == local.errors
    assert local.errors[0].startswith(f"{export}/part-00001.parquet: row 4: field 'declaration':")
    assert "row 8: field 'declaration_id' is 'SOMEONE-ELSE'" in local.errors[1]
    assert local.errors[2].endswith("row 10: field 'decision' is empty")
    assert _key(spark) == _key(local) and len(local.changed) >= 3
    # Local workers (forked processes) give the same again.
    assert _key(k.rescreen_all(record=False, source=export, engine=LocalEngine(workers=2))) == _key(local)


def test_cli_rescreen_all_on_spark_prints_what_local_prints(changed_store, tmp_path, spark_engine):
    base, own = changed_store
    runner = CliRunner()
    outs = []
    for engine in ("local", "spark"):
        url = _copy(base, tmp_path, f"{engine}.db")
        res = runner.invoke(app, ["rescreen", "--all", "--lists", str(own), "--engine", engine, "--db", url])
        assert res.exit_code == 0, res.output
        assert "re-screened every stored declaration: read 121, re-screened 121, rejected 0" in res.stderr
        outs.append(res.stdout)
    assert outs[0] == outs[1] and "KAZ-1 v1:" in outs[0]
    url = _copy(base, tmp_path, "export.db")
    assert runner.invoke(app, ["history", "export", str(tmp_path / "exp"), "--db", url]).exit_code == 0
    res = runner.invoke(app, ["rescreen", "--input", str(tmp_path / "exp"), "--lists", str(own), "--engine", "spark",
                              "--dry-run", "--db", url])
    assert res.exit_code == 0 and res.stdout == outs[0]
    res = runner.invoke(app, ["rescreen", "--input", str(tmp_path / "missing"), "--engine", "spark", "--db", url])
    assert res.exit_code == 2 and "missing" in res.stderr
