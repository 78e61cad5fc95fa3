"""`kordon parties match|screen`: search the active sanctions lists for a name or a CSV of names."""

from __future__ import annotations

import csv
import json
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kordon.ingest import party_rows
from kordon.interfaces.cli.common import CONFIG, DB, err, settings, store_url
from kordon.interfaces.cli.engine_option import engine_option, resolve, workers_option
from kordon.screen import party_search

app = typer.Typer(help="Screen party names against the active sanctions lists.", no_args_is_help=True)


@app.command()
def match(
    name: str = typer.Argument(..., help="The name to search, in any script"),
    schema: Optional[str] = typer.Option(None, help="Person|Company|Organization|Vessel"),
    country: Optional[str] = typer.Option(None, help="ISO country code of the party"),
    birth_date: Optional[str] = typer.Option(None, "--birth-date", help="YYYY or YYYY-MM-DD"),
    ids: list[str] = typer.Option([], "--id", help="TYPE:VALUE, e.g. bin:120540008532, inn:7707083893, imo:9074729 (repeatable)"),
    fmt: str = typer.Option("table", "--format", help="table|json"),
    threshold: float = typer.Option(party_search.DEFAULT_THRESHOLD, help="Score from which a candidate is a match"),
    limit: int = typer.Option(10, help="Candidates to show"),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
) -> None:
    """Print the ranked candidates for NAME with list, entity id, score and explanation."""
    try:
        store = store_url(config, database_url)
        index = party_search.party_index(store)
        found, warnings = party_search.match_name(index, name, schema, country, birth_date, ids, threshold, limit,
                                                  allow=party_search.allow_list(store))
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    if fmt == "json":
        sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(title=f"Candidates for {name!r}")
    for col in ("list", "entity id", "name", "score", "match", "explanation"):
        table.add_column(col, overflow="fold")
    for c in found:
        allowed = c.get("allow_listed")
        mark = f"allow-listed by {allowed['reviewer']} until {allowed['expires']}: {allowed['reason']}" if allowed else ("MATCH" if c["match"] else "")
        table.add_row(f"{c['list']} {c['list_version']}", c["entity_id"], c["name"], f"{c['score']:.2f}", mark, c["explanation"])
    Console().print(table)


@app.command()
def screen(
    file: str = typer.Argument(..., help="CSV with columns name, schema, country, birth_date, identifiers (type:value;...), "
                               "or a Parquet file or folder with the same columns"),
    fmt: str = typer.Option("csv", "--format", help="csv|jsonl"),
    threshold: float = typer.Option(party_search.DEFAULT_THRESHOLD),
    limit: int = typer.Option(5),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
    engine_name: Optional[str] = engine_option(),
    workers: int = workers_option(),
    out_file: Optional[str] = typer.Option(None, "--out", "-o", help="Write the results to this file instead of stdout "
                                           "(under spark-submit, stdout also carries the messages)"),
) -> None:
    """One result per input row on stdout; errors and counts on stderr; exit 1 if some rows were rejected."""
    engine = resolve(engine_name, settings(config), workers)
    store = store_url(config, database_url)
    index = party_search.party_index(store)
    allow = party_search.allow_list(store)
    parquet = party_rows.is_parquet(file)
    try:
        if parquet:
            total = None
        else:
            with open(file, "rb") as fh:
                total = max(0, sum(1 for _ in fh) - 1)
    except OSError as exc:
        err.print(f"[red]error:[/red] {file}: {exc.strerror}")
        raise typer.Exit(2) from exc
    target = open(out_file, "w", encoding="utf-8", newline="") if out_file else sys.stdout
    writer = csv.writer(target) if fmt == "csv" else None
    if writer:
        writer.writerow(["row", "name", "match", "entity_id", "list", "listed_name", "score", "explanation"])
    read = rejected = matched = 0
    with Progress(console=err, transient=True, disable=engine.name != "local") as bar:
        task = bar.add_task("screening", total=total)
        try:
            for res in engine.screen_parties(index, file, threshold, limit, progress=lambda n: bar.update(task, completed=n),
                                             allow=allow):
                read += 1
                if res.error:
                    rejected += 1
                    err.print(f"[red]rejected:[/red] {res.error}")
                top = res.matches[0] if res.matches else None
                matched += bool(top and top["match"])
                if writer:
                    writer.writerow([res.row, res.name, bool(top and top["match"]), top["entity_id"] if top else "", top["list"] if top else "",
                                     top["name"] if top else "", top["score"] if top else "", top["explanation"] if top else (res.error or "")])
                else:
                    target.write(json.dumps({"row": res.row, "name": res.name, "matches": res.matches, "warnings": res.warnings,
                                                 "error": res.error}, ensure_ascii=False) + "\n")
        except (ValueError, OSError) as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        finally:
            engine.stop()
            if out_file:
                target.close()
    err.print(f"read {read}, accepted {read - rejected}, rejected {rejected}, matched {matched}")
    if rejected:
        raise typer.Exit(1)


@app.command()
def allow(
    name: str = typer.Argument(..., help="The party name as declared"),
    list_id: str = typer.Option(..., "--list", help="List id, e.g. ofac_sdn"),
    entity_id: str = typer.Option(..., "--entity", help="Listed entity id, e.g. ofac-47923"),
    reviewer: str = typer.Option(..., help="Who reviewed the match"),
    reason: str = typer.Option(..., help="Why it is not the listed entity"),
    expires: str = typer.Option(..., help="YYYY-MM-DD; the entry stops suppressing after this date"),
    country: Optional[str] = typer.Option(None),
    ids: list[str] = typer.Option([], "--id", help="TYPE:VALUE identifiers of the party (repeatable)"),
    database_url: Optional[str] = DB,
    config: Optional[str] = CONFIG,
) -> None:
    """Allow-list a reviewed false positive: this party is not this list entity (until the entity changes or the date passes)."""
    store = store_url(config, database_url)
    try:
        entry = party_search.allow(store, party_search.party_index(store), list_id=list_id, entity_id=entity_id, party_name=name,
                                   country=country, identifiers=ids, reviewer=reviewer, reason=reason, expires=expires)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    err.print(f"allow-listed {name!r} against {entry.list_id}/{entry.entity_id} until {entry.expires} (reviewer {entry.reviewer})")
