"""`kordon lists load|update|diff|show|versions`: sanctions list versions in the store."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from kordon.ingest.sanctions import SOURCES
from kordon.ingest.sanctions import lifecycle
from kordon.interfaces.cli.common import CONFIG, DB, err, settings, store_url
from kordon.record import sanctions_lists as sl

app = typer.Typer(help="Every list kordon screens against; load, update and diff sanctions lists.")


@app.callback(invoke_without_command=True)
def overview(
    ctx: typer.Context,
    config: Optional[str] = CONFIG,
    database_url: Optional[str] = DB,
) -> None:
    """With no subcommand: each goods and sanctions list with its version, entries, date and hash."""
    if ctx.invoked_subcommand is not None:
        return
    from pathlib import Path

    from kordon.interfaces.cli.screening import goods_list_rows, print_lists

    rows = goods_list_rows(Path(config) if config else None)
    parties = sl.list_status(store_url(config, database_url))
    for r in parties:
        r.setdefault("licence", r.get("origin") or "")
    print_lists(rows + parties)
    for r in parties:
        if r["warning"]:
            err.print(f"[yellow]warning:[/yellow] {r['warning']}")


@app.command()
def load(
    path: str = typer.Argument(..., help="File or folder of an official publication"),
    source: str = typer.Option(..., help="|".join(SOURCES)),
    list_id: Optional[str] = typer.Option(None, "--list-id", help="Replace this list (default: the source's list; each EU regulation its own)"),
    version: Optional[str] = typer.Option(None, help="Version label (default: the publication date in the file)"),
    max_shrink: float = typer.Option(0.2, help="Refuse to activate a version with this share fewer entities"),
    force: bool = typer.Option(False, help="Activate even if the load removes more than --max-shrink of the entities or is an older publication"),
    rescreen_days: int = typer.Option(30, "--rescreen-days", help="Re-screen declarations lodged in the last N days after activation (0: don't)"),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
) -> None:
    """Import a list file as a new version; activate it unless it fails the guards; re-screen recent declarations."""
    try:
        result, outcomes = lifecycle.load_publication(store_url(config, database_url), path, source, list_id, version, max_shrink, force)
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for e in result.errors[:20]:
        err.print(f"[yellow]rejected:[/yellow] {e}")
    err.print(f"read {result.read}, accepted {result.accepted}, rejected {result.rejected}; sha256 {result.sha256[:16]}…")
    for outcome in outcomes:
        err.print(f"{outcome.list_id} {outcome.version}: {outcome.entries} entities; {outcome.reason}")
    if not all(o.activated for o in outcomes):
        raise typer.Exit(1)
    _rescreen(database_url, rescreen_days, config)


def _rescreen(database_url: Optional[str], days: int, config: Optional[str]) -> None:
    """A list changed: decisions of the last `days` days are checked against it (see `kordon rescreen`)."""
    if days <= 0:
        return
    from kordon.interfaces.cli.screening import print_rescreen, rescreen_start
    from kordon.service import Kordon

    # By lodgement time: every declaration the store received in the last `days` days, whatever its declared date.
    changed = Kordon(settings(config, database_url)).rescreen(rescreen_start(None, days), actor="kordon lists (re-screen)")
    print_rescreen(changed, err, recorded=True)


@app.command()
def update(
    lists: list[str] = typer.Argument(None, help="List ids (default: every list in sources.yaml)"),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Mirror serving BASE/LIST_ID/FILENAME instead of the publishers"),
    max_shrink: float = typer.Option(0.2),
    rescreen_days: int = typer.Option(30, "--rescreen-days", help="Re-screen declarations lodged in the last N days after an update (0: don't)"),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
) -> None:
    """Download the official files, load each as a new version, and re-screen recent declarations."""
    results = lifecycle.update_lists(store_url(config, database_url), lists or None, base_url, max_shrink=max_shrink)
    for r in results:
        err.print(f"{'[green]ok[/green]' if r.ok else '[red]failed[/red]'} {r.list_id}: {r.message}")
    if any(r.ok for r in results):
        _rescreen(database_url, rescreen_days, config)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def show(fmt: str = typer.Option("table", "--format", help="table|json"), database_url: Optional[str] = DB,
         config: Optional[str] = CONFIG) -> None:
    """The active sanctions list versions, with a warning when one is older than 30 days."""
    rows = sl.list_status(store_url(config, database_url))
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
    else:
        table = Table(title="Sanctions lists in use")
        for col in ("id", "version", "entries", "origin", "age (days)", "sha256"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["id"], r["version"] or "", str(r["entries"]), r["origin"], str(r["age_days"]), r["sha256"][:12])
        Console().print(table)
    for r in rows:
        if r["warning"]:
            err.print(f"[yellow]warning:[/yellow] {r['warning']}")


@app.command()
def versions(list_id: str, database_url: Optional[str] = DB, config: Optional[str] = CONFIG) -> None:
    """Every stored version of a list, with its status and why."""
    for v in sl.versions(store_url(config, database_url), list_id):
        sys.stdout.write(json.dumps(v) + "\n")


@app.command()
def diff(
    list_id: str,
    old: Optional[int] = typer.Option(None, "--from", help="Version pk (default: the one before --to)"),
    new: Optional[int] = typer.Option(None, "--to", help="Version pk (default: the latest)"),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
) -> None:
    """Entities added, removed and changed between two versions of a list."""
    store = store_url(config, database_url)
    vs = sl.versions(store, list_id)
    if new is None:
        new = vs[-1]["pk"] if vs else None
    if old is None:
        # The version screening used before: skip loads that were rejected and never active.
        before = [v["pk"] for v in vs if new is not None and v["pk"] < new and v["status"] != "rejected"]
        old = before[-1] if before else None
    if old is None or new is None:
        err.print(f"[red]error:[/red] {list_id} needs two stored versions to diff; it has {len(vs)}")
        raise typer.Exit(2)
    d = sl.diff(store, old, new)
    sys.stdout.write(json.dumps({"list": list_id, "from": old, "to": new, **{k: v for k, v in d.items()},
                                 "counts": {k: len(v) for k, v in d.items()}}, indent=1) + "\n")
