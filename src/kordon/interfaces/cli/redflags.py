"""`kordon generate|backtest|lanes report`: synthetic streams, backtests and lane shares."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from kordon.interfaces.cli.common import CONFIG, DB, fail, settings

if TYPE_CHECKING:
    from kordon.decide.backtest import BacktestResult
    from kordon.ingest.errors import ReadCounts

app = typer.Typer()
lanes_app = typer.Typer(help="Lane selection: shares over a period.", no_args_is_help=True)
app.add_typer(lanes_app, name="lanes")


@app.command()
def generate(
    out: Path = typer.Argument(..., help="JSON Lines file to write, one declaration a line"),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Also write a labels CSV (id,label,scenario)"),
    n: int = typer.Option(10000, "--n", help="Number of declarations"),
    seed: int = typer.Option(1, "--seed"),
    start: str = typer.Option("2025-01-01", "--start", help="First date (YYYY-MM-DD)"),
    days: int = typer.Option(365, "--days"),
    scenario_rate: float = typer.Option(0.02, "--scenario-rate", help="Share of records that are injected violations"),
) -> None:
    """Write a synthetic declaration stream (for tests and backtests only — never for claims about real trade)."""
    from kordon.synth import generate as gen

    counts = {"declarations": 0, "violations": 0}
    with open(out, "w", encoding="utf-8") as fh, (open(labels, "w", encoding="utf-8", newline="") if labels else contextlib.nullcontext()) as lf:
        writer = csv.writer(lf) if lf else None
        if writer:
            writer.writerow(["id", "label", "scenario"])
        for g in gen(n, seed=seed, start=dt.date.fromisoformat(start), days=days, scenario_rate=scenario_rate):
            fh.write(g.declaration.model_dump_json(exclude_none=True) + "\n")
            counts["declarations"] += 1
            if g.label:
                counts["violations"] += 1
                if writer:
                    writer.writerow([g.declaration.id, 1, g.label])
    typer.echo(f"wrote {counts['declarations']} declarations ({counts['violations']} labelled violations) to {out}")


@app.command()
def backtest(
    file: Path = typer.Argument(..., help="Declarations, JSON Lines, oldest first"),
    labels: Path = typer.Option(..., "--labels", help="CSV with columns id,label (1 = violation)"),
    chart: Optional[Path] = typer.Option(None, "--chart", help="Write the catch curve as a PNG"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
    config: Optional[Path] = CONFIG,
) -> None:
    """Per rule hits, precision and lift; share of labelled violations caught by inspection rate."""
    from kordon.decide.backtest import backtest as run, read_labels
    from kordon.ingest.declarations import read_all
    from kordon.ingest.errors import ListFileError, ReadCounts
    from kordon.screen import build_context

    ctx = build_context(settings(config))
    try:
        truth = read_labels(labels)
    except ListFileError as exc:
        fail(str(exc))
    counts = ReadCounts()
    result = run((r.declaration for _, r in read_all([file], counts) if r.declaration is not None), truth, ctx)
    for e in counts.errors[:20]:
        typer.echo(f"rejected: {e}", err=True)
    if as_json:
        typer.echo(json.dumps(_as_json(result, counts), indent=2))
    else:
        for line in result.lines():
            typer.echo(line)
        typer.echo(f"read {counts.read}, accepted {counts.accepted}, rejected {counts.rejected}")
    if chart:
        typer.echo(f"chart: {result.chart(chart)}")
    raise typer.Exit(counts.exit_code)


def _as_json(result: BacktestResult, counts: ReadCounts) -> dict:
    return {
        "declarations": result.declarations, "violations": result.violations, "rejected": counts.rejected,
        "rules": {r: {"hits": s.hits, "true_hits": s.true_hits, "precision": s.precision(), "lift": result.lift(r)} for r, s in result.rules.items()},
        "curve": result.curve, "lanes": dict(result.lanes),
    }


@lanes_app.command("report")
def lanes_report(
    start: Optional[str] = typer.Option(None, "--from", help="First declaration date (YYYY-MM-DD)"),
    end: Optional[str] = typer.Option(None, "--to", help="Last declaration date (YYYY-MM-DD)"),
    target: str = typer.Option("0.785,0.201,0.010", "--target", help="Target green,yellow,red shares (default: ASTANA-1 post, 2025)"),
    config: Optional[Path] = CONFIG,
    db: Optional[str] = DB,
) -> None:
    """Expected and actual lane shares over a period, from the store."""
    from kordon.decide.report import lane_report
    from kordon.record.store import Store

    s = settings(config, db)
    try:
        g, y, r = (float(x) for x in target.split(","))
    except ValueError:
        raise typer.BadParameter("--target takes three shares: green,yellow,red") from None
    report = lane_report(Store(s.database_url), dt.date.fromisoformat(start) if start else None,
                         dt.date.fromisoformat(end) if end else None, s.lanes, {"green": g, "yellow": y, "red": r})
    for line in report.lines():
        typer.echo(line)
