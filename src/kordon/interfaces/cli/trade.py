"""`kordon trade ...`: check a trade-statistics claim in one command.

Every command prints its tables, and can write CSV/Parquet (--out), a PNG
chart (--png) and an HTML report with a Vega-Lite chart (--html).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from kordon.interfaces.cli.common import TRADE_DB, TradeGroup

app = typer.Typer(help="Trade monitoring: period changes, mirror gaps, diversion indicators, anomalies.",
                  no_args_is_help=True, cls=TradeGroup)


@app.callback()
def _needs_trade_extra() -> None:
    # The trade commands need DuckDB, pandas and matplotlib, which the screening install leaves out.
    import importlib.util

    missing = [m for m in ("duckdb", "pandas", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        Console(stderr=True).print(f"kordon trade needs {', '.join(missing)}: pip install 'kordon[trade]'", style="red", markup=False)
        raise typer.Exit(2)
console = Console()

DB = TRADE_DB
OUT = typer.Option(None, "--out", help="write tables to .csv or .parquet")
PNG = typer.Option(None, "--png", help="write a PNG chart")
HTML = typer.Option(None, "--html", help="write an HTML report with a Vega-Lite chart")
SOURCE = typer.Option(None, "--source", help="comtrade, eurostat, bns or declarations")
CURRENCY = typer.Option(None, "--currency", help="convert values to this currency (ECB or loaded rates)")
GROUP = typer.Option(None, "--group", "-g", help="TOTAL, chpl[:tier], eu_sanctioned[:cat], hs:8703, chapter:85, file.yaml#name")
LEVEL = typer.Option(None, "--level", help="HS digits to sum over (default: finest present)")


def _connect(db, read_only=False):
    from kordon.ingest.trade import connect
    return connect(db, read_only=read_only)


def _fmt(v) -> str:
    import pandas as pd
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return ""
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _show(result, out, png, html) -> None:
    console.print(f"[bold]{result.title}[/bold]")
    for name, df in result.tables.items():
        if name == "series" and len(result.tables) > 1:
            continue
        _print_table(name, df)
    for n in result.notes:
        if n.startswith("warning: "):
            console.print(f"[bold yellow]warning:[/bold yellow] {n.removeprefix('warning: ')}")
        else:
            console.print(f"[yellow]note:[/yellow] {n}")
    _write_outputs(result, out, png, html)


def _print_table(name: str, df, rows: int = 40) -> None:
    """A result table that stays readable in a narrow terminal: a one-row table is printed as field/value
    pairs; a wider table is split into column groups that fit, each repeating the key columns."""
    shown = df.head(rows)
    cells = {str(c): [_fmt(v) for v in shown[c]] for c in shown.columns}
    if len(shown) == 1:
        t = Table("field", "value", title=name, show_lines=False)
        for col, values in cells.items():
            t.add_row(col, values[0])
        console.print(t)
        return
    keys = [str(c) for c in shown.columns[:2] if shown[c].dtype == object or str(shown[c].dtype) in ("string", "str", "category")]
    keys = keys if keys == [str(c) for c in shown.columns[:len(keys)]] else []
    for i, cols in enumerate(parts := _column_groups(cells, keys, console.width)):
        t = Table(title=name if len(parts) == 1 else f"{name} ({i + 1}/{len(parts)})", show_lines=False)
        for col in cols:
            width = max([len(v) for v in cells[col]] + [max(len(w) for w in col.split("_"))])
            t.add_column(col.replace("_", " "), justify="right", overflow="fold", width=width)
        for r in range(len(shown)):
            t.add_row(*[cells[col][r] for col in cols])
        console.print(t)
    if len(df) > rows:
        console.print(f"... {len(df) - rows} more rows (use --out)")


def _column_groups(cells: dict[str, list[str]], keys: list[str], width: int) -> list[list[str]]:
    """Columns packed into groups no wider than `width`; the key columns start every group."""
    def need(col: str) -> int:  # cell text, one space of padding each side, one border
        return max([len(v) for v in cells[col]] + [max(len(w) for w in col.split("_"))]) + 3

    rest = [c for c in cells if c not in keys]
    base = sum(need(c) for c in keys) + 1
    groups: list[list[str]] = []
    current: list[str] = []
    used = base
    for col in rest:
        if current and used + need(col) > width:
            groups.append(keys + current)
            current, used = [], base
        current.append(col)
        used += need(col)
    if current or not groups:
        groups.append(keys + current)
    return groups


def _write_outputs(result, out, png, html) -> None:
    from kordon.monitor import charts

    if out:
        for p in result.export(out):
            console.print(f"wrote {p}")
    if png:
        console.print(f"wrote {charts.png(result, png)}")
    if html:
        console.print(f"wrote {charts.html_report([result], html)}")


def _run(fn):
    from kordon.monitor.selection import SelectionError
    try:
        return fn()
    except (SelectionError, ValueError) as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from None


@app.command()
def ingest(
    kind: str = typer.Argument(..., help="comtrade, eurostat or bns"),
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False),
    db: Optional[str] = DB,
    replace: bool = typer.Option(False, help="reload a file already loaded (same sha256)"),
    rates: Optional[Path] = typer.Option(None, help="CSV currency_from,currency_to,period,rate to load too"),
    show_rejects: int = typer.Option(20, help="how many rejected rows to print per file"),
) -> None:
    """Load trade statistics files into the DuckDB store."""
    from kordon.ingest.trade import ingest_file, load_rates
    con = _connect(db)
    if rates:
        console.print(f"loaded {_run(lambda: load_rates(con, rates))} rates from {rates.name}")
    failed = False
    for f in files:
        try:
            rep = ingest_file(con, kind, f, replace=replace)
        except ValueError as err:
            console.print(f"[red]error:[/red] {err}")
            failed = True
            continue
        if rep.skipped == -1:
            console.print(f"{f.name}: already loaded (same sha256); use --replace to reload")
            continue
        console.print(rep.summary())
        for p in rep.problems[:show_rejects]:
            console.print(f"  [yellow]rejected[/yellow] {p}")
        if rep.rejected > show_rejects:
            console.print(f"  ... {rep.rejected - show_rejects} more in table 'rejects'")
    if failed:
        raise typer.Exit(1)


@app.command()
def change(
    reporter: str = typer.Option(..., "--reporter", "-r", help="e.g. KZ, EU27, 'Kazakhstan', 'Казахстан'"),
    partner: Optional[str] = typer.Option(None, "--partner", "-p", help="one or more, comma-separated"),
    flow: str = typer.Option("export", "--flow"),
    group: Optional[str] = GROUP,
    period: str = typer.Option(..., "--period", help="e.g. 2023 or 2023-01:2023-05"),
    base: str = typer.Option(..., "--base", help="comparison period, e.g. 2022-01:2022-05"),
    top: int = typer.Option(10, "--top"),
    source: Optional[str] = SOURCE, currency: Optional[str] = CURRENCY, level: Optional[int] = LEVEL,
    db: Optional[str] = DB, out: Optional[Path] = OUT, png: Optional[Path] = PNG, html: Optional[Path] = HTML,
) -> None:
    """Value (and quantity) in a period against a comparison period, with top contributing codes."""
    from kordon.monitor.change import change as run
    con = _connect(db)
    _show(_run(lambda: run(con, reporter=reporter, partner=partner, flow=flow, group=group, period=period,
                           base=base, source=source, currency=currency, level=level, top=top)), out, png, html)


@app.command()
def mirror(
    a: str = typer.Option(..., "--a", help="exporter reporting exports to B"),
    b: str = typer.Option(..., "--b", help="importer reporting imports from A"),
    by: str = typer.Option("year", "--by", help="year or month"),
    by_code: bool = typer.Option(False, "--by-code", help="one row per HS code"),
    cif_fob: float = typer.Option(1.0, "--cif-fob", help="divide B's CIF imports by this (e.g. 1.05)"),
    years: Optional[str] = typer.Option(None, "--years", help="e.g. 2019:2023"),
    group: Optional[str] = GROUP,
    source_a: Optional[str] = typer.Option(None, "--source-a"),
    source_b: Optional[str] = typer.Option(None, "--source-b"),
    currency: Optional[str] = CURRENCY, level: Optional[int] = LEVEL,
    db: Optional[str] = DB, out: Optional[Path] = OUT, png: Optional[Path] = PNG, html: Optional[Path] = HTML,
) -> None:
    """A's reported exports to B against B's reported imports from A."""
    from kordon.monitor.mirror import mirror as run
    con = _connect(db)
    _show(_run(lambda: run(con, a=a, b=b, by=by, group=group, by_code=by_code, cif_fob=cif_fob,
                           source_a=source_a, source_b=source_b, currency=currency, level=level,
                           years=years)), out, png, html)


@app.command()
def diversion(
    bloc: str = typer.Option("EU27", "--bloc"),
    transit: str = typer.Option("KZ,KG,AM", "--transit"),
    destination: str = typer.Option("RU", "--destination"),
    group: list[str] = typer.Option([], "--group", "-g", help="product group(s) to index; default TOTAL"),
    treated: Optional[str] = typer.Option(None, "--treated", help="e.g. eu_sanctioned"),
    control: Optional[str] = typer.Option(None, "--control", help="e.g. eu_not_sanctioned"),
    baseline: str = typer.Option("2019:2021", "--baseline"),
    by: str = typer.Option("year", "--by", help="year or month"),
    source_bloc: Optional[str] = typer.Option(None, "--source-bloc"),
    source_transit: Optional[str] = typer.Option(None, "--source-transit"),
    currency: Optional[str] = CURRENCY, level: Optional[int] = LEVEL,
    db: Optional[str] = DB, out: Optional[Path] = OUT, png: Optional[Path] = PNG, html: Optional[Path] = HTML,
) -> None:
    """Growth of bloc->transit exports against transit->destination exports, and treated-vs-control DiD."""
    from kordon.monitor.diversion import diversion as run
    con = _connect(db)
    _show(_run(lambda: run(con, bloc=bloc, transit=transit, destination=destination,
                           groups=tuple(group) or (None,), treated=treated, control=control, baseline=baseline,
                           by=by, source_bloc=source_bloc, source_transit=source_transit, currency=currency,
                           level=level)), out, png, html)


@app.command()
def anomalies(
    reporter: str = typer.Option(..., "--reporter", "-r"),
    partner: Optional[str] = typer.Option(None, "--partner", "-p"),
    flow: str = typer.Option("export", "--flow"),
    group: Optional[str] = GROUP,
    window: int = typer.Option(12, "--window", help="months of history per comparison"),
    threshold: float = typer.Option(3.5, "--threshold", help="robust z-score to flag"),
    min_value: float = typer.Option(0.0, "--min-value", help="ignore months below this value"),
    since: Optional[str] = typer.Option(None, "--since", help="only report from YYYY or YYYY-MM"),
    source: Optional[str] = SOURCE, currency: Optional[str] = CURRENCY, level: Optional[int] = LEVEL,
    db: Optional[str] = DB, out: Optional[Path] = OUT, png: Optional[Path] = PNG, html: Optional[Path] = HTML,
) -> None:
    """Flag months where a code-and-partner series jumps against its own history."""
    from kordon.monitor.anomalies import anomalies as run
    con = _connect(db)
    _show(_run(lambda: run(con, reporter=reporter, partner=partner, flow=flow, group=group, window=window,
                           threshold=threshold, min_value=min_value, since=since, source=source,
                           currency=currency, level=level)), out, png, html)


@app.command()
def groups() -> None:
    """List the built-in product groups."""
    from kordon.monitor.groups import builtin_groups
    t = Table("group", "label", "codes", "HS edition")
    for row in builtin_groups():
        t.add_row(*map(str, row))
    console.print(t)
    console.print("also: hs:CODES, chapter:NN, section:ROMAN, TOTAL, file.yaml#name, file.csv#name")


@app.command()
def cluster(db: Optional[str] = DB) -> None:
    """Reorder the loaded rows by reporter, flow and partner so analyses skip the rest (run after loading)."""
    from kordon.ingest.trade.store import cluster as cluster_table
    import time
    con = _connect(db)
    t = time.perf_counter()
    n = cluster_table(con)
    console.print(f"trade table ordered by reporter, flow, partner: {n:,} rows in {time.perf_counter() - t:.1f} s")


@app.command()
def sources(db: Optional[str] = DB) -> None:
    """What is loaded, from where, with read/accepted/rejected counts."""
    con = _connect(db)
    df = con.execute("SELECT source_id, kind, file, left(sha256, 12) AS sha256, rows_read, rows_accepted, "
                     "rows_rejected, rows_skipped, publisher, licence FROM sources ORDER BY source_id").fetchdf()
    t = Table(*df.columns)
    for row in df.itertuples(index=False):
        t.add_row(*[_fmt(v) for v in row])
    console.print(t)


if __name__ == "__main__":  # usable before it is registered as `kordon trade`
    app()
