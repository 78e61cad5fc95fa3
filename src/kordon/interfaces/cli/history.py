"""`kordon history export`: the stored history as Parquet, for `kordon rescreen --input` on Spark or elsewhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from kordon.interfaces.cli.common import CONFIG, DB, err, store_url

app = typer.Typer(help="The stored history of declarations and decisions.", no_args_is_help=True)


@app.command()
def export(
    folder: Path = typer.Argument(..., help="An empty or new folder; part files part-00000.parquet, ... are written into it"),
    since: Optional[str] = typer.Option(None, "--since", help="Only declarations lodged on or after this ISO date (UTC)"),
    rows_per_file: int = typer.Option(250_000, "--rows-per-file", min=1, help="Rows per Parquet part file"),
    db: Optional[str] = DB,
    config: Optional[Path] = CONFIG,
) -> None:
    """Write the latest version of every declaration with its latest decision (JSON as stored) to Parquet."""
    from kordon.record.history_export import export as export_rows
    from kordon.record.store import Store

    try:
        start = dt.date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise typer.BadParameter(f"{since!r} is not an ISO date", param_hint="--since") from exc
    try:
        n = export_rows(Store(store_url(config, db)), folder, start, rows_per_file=rows_per_file)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    err.print(f"exported {n} declaration(s) to {folder}", highlight=False)
