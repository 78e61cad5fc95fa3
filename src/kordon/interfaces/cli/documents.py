"""`kordon documents load|verify|trace`: EAEU documents (DT, ESF, SNT) and the SRC's export verification of SNTs.

Exit status: 0 when everything was read and every SNT verified; 1 when documents were rejected, an SNT
was not on record, or any SNT was refused or held for review (so a script can stop on it); 2 on usage errors
and when a file could not be read at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from kordon.interfaces.cli import common
from kordon.interfaces.cli.engine_option import engine_option, resolve, workers_option

app = typer.Typer(help="EAEU documents (DT, ESF, SNT): load them, verify SNTs for export, trace goods back to their imports.",
                  no_args_is_help=True)
err = Console(stderr=True)
out = Console()

VERDICT_STYLE = {"verified": "bold green", "review": "bold yellow", "refused": "bold red"}
VERIFY_FORMATS = ("table", "json", "jsonl")
TRACE_FORMATS = ("table", "json")


def _documents(config: Path | None, db: str | None, goods_and_parties: bool = True):
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from kordon.interfaces.cli import common

    settings = common.settings(config, db)  # a settings file that cannot be read is a usage error (exit 2)
    try:
        from kordon.eaeu import Documents

        docs = Documents(settings, goods_and_parties=goods_and_parties)
        docs.store  # noqa: B018 - open the database now: a bad URL is a usage error, not a crash mid-run
        return docs
    except ImportError as exc:
        err.print(f"kordon documents needs numpy and pyarrow: pip install 'kordon[trade]' ({exc})", style="red", markup=False)
        raise typer.Exit(2) from exc
    except (OSError, ValueError, ValidationError, SQLAlchemyError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc


# The shared --config/--db of every group: also accepted before the command (kordon --db URL documents ...).
CONFIG = common.CONFIG
DB = common.DB


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="JSON Lines files of DTs, ESFs and SNTs, or folders of them"),
    config: Path | None = CONFIG,
    db: str | None = DB,
    actor: str = typer.Option("kordon-cli", help="Who loads (written to the audit trail)"),
    workers: int | None = typer.Option(None, min=0, help="Worker processes validating files of 8 MB or more while this one "
                                       "writes (default: the usable cores but one, at most 4; 0: none)"),
) -> None:
    """Store documents: the same content again changes nothing; changed content becomes the next version."""
    docs = _documents(config, db, goods_and_parties=False)
    result = docs.load([str(p) for p in paths], actor=actor, workers=workers)
    c = result.counts
    for e in c.errors:
        err.print(f"[red]rejected[/red] {e}", highlight=False, soft_wrap=True)
    kinds = ", ".join(f"{k} {v['accepted']}/{v['read']}" for k, v in sorted(c.by_kind.items()))
    err.print(f"read {c.read}, accepted {c.accepted}, rejected {c.rejected} ({kinds}); new {result.new}, new versions "
              f"{result.changed}, unchanged {result.repeats}; {result.rows} rows", highlight=False)
    raise typer.Exit(c.exit_code)  # 2 when a file could not be read at all, 1 when documents were rejected


def _verdict_table(verdicts: list[Any]) -> Table:
    table = Table(title="SNT export verification")
    for col in ("SNT", "verdict", "reasons"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        lines = [escape(f"• [{r.effect}] {r.code}: {r.explanation}") for r in v.reasons[:4]] or ["no findings"]
        if len(v.reasons) > 4:
            lines.append(f"  (+{len(v.reasons) - 4} more: --format json)")
        table.add_row(v.registrationNumber, f"[{VERDICT_STYLE[v.verdict]}]{v.verdict}[/]", "\n".join(lines))
    return table


def verdict_row(v: Any) -> dict[str, Any]:
    """The JSON one verdict is printed as: the SRC answer first, then what it was made with."""
    body = v.model_dump(mode="json", exclude_none=True)
    head = {"registrationNumber": body.pop("registrationNumber"), "verdict": body.pop("verdict"), "reasons": body.pop("reasons")}
    return {**head, **body}


@app.command()
def verify(
    numbers: list[str] | None = typer.Argument(None, help="SNT registration numbers"),
    all_: bool = typer.Option(False, "--all", help="Verify every current SNT on record"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | jsonl"),
    profile: str = typer.Option("kz_customs", "--profile", help="Whose law decides the verdict"),
    record: bool = typer.Option(True, "--record/--no-record", help="Store each verdict with an audit record"),
    config: Path | None = CONFIG,
    db: str | None = DB,
    actor: str = typer.Option("kordon-cli", help="Who verifies (written to the audit trail)"),
    engine_name: str | None = engine_option(),
    workers: int = workers_option(),
    source: str | None = typer.Option(None, "--input", help="With --all: a Parquet export (kordon documents export) instead of the store"),
) -> None:
    """The SRC's export verification: documents, balance, origin and chain, plus goods and party rules on every row."""
    from kordon.screen.documents import UnknownProfile

    if fmt not in VERIFY_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(VERIFY_FORMATS)}", param_hint="--format")
    if bool(numbers) == all_:
        raise typer.BadParameter("name SNT registration numbers or give --all (not both)")
    docs = _documents(config, db)
    missing: list[str] = []
    counts = {"verified": 0, "review": 0, "refused": 0}
    try:
        docs.context(profile)
    except UnknownProfile as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    errors: list[str] = []
    verdicts = _verdicts(docs, numbers, all_, profile, record, actor, missing, (engine_name, workers, source), errors)
    if fmt == "jsonl":
        # Streamed: `--all` over a national day's SNTs never holds them all.
        for v in verdicts:
            counts[v.verdict] += 1
            sys.stdout.write(json.dumps(verdict_row(v), ensure_ascii=False) + "\n")
    else:
        collected = list(verdicts)
        for v in collected:
            counts[v.verdict] += 1
        if fmt == "json":
            sys.stdout.write(json.dumps([verdict_row(v) for v in collected], ensure_ascii=False, indent=2) + "\n")
        else:
            out.print(_verdict_table(collected))
    for number in missing:
        err.print(f"[red]not found[/red] no SNT {number!r} on record (load it with kordon documents load)", highlight=False)
    err.print(f"verified {counts['verified']}, review {counts['review']}, refused {counts['refused']}, not found {len(missing)}",
              highlight=False)
    raise typer.Exit(1 if missing or errors or counts["review"] or counts["refused"] else 0)


def _verdicts(docs: Any, numbers: list[str] | None, all_: bool, profile: str, record: bool, actor: str, missing: list[str],
              engine: tuple[str | None, int, str | None], errors: list[str]) -> Iterator[Any]:
    engine_name, workers, source = engine
    if source is not None and not all_:
        raise typer.BadParameter("--input goes with --all", param_hint="--input")
    if all_ and (engine_name is not None or workers > 1 or source is not None):
        return _on_engine(docs, resolve(engine_name, docs.settings, workers), profile, record, actor, source, errors)
    return docs.verify_iter(None if all_ else list(numbers or []), profile=profile, record=record, actor=actor, missing=missing)


def _on_engine(docs: Any, engine: Any, profile: str, record: bool, actor: str, source: str | None, errors: list[str]) -> Iterator[Any]:
    """`verify --all` through an engine: the same verify function per SNT, run in worker processes or on Spark executors."""
    try:
        yield from docs.verify_all(engine, profile=profile, record=record, actor=actor, source=source, errors=errors)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        engine.stop()
    for e in errors:
        err.print(f"[red]rejected[/red] {e}", highlight=False, soft_wrap=True)
    if errors:
        err.print(f"rejected {len(errors)} SNT row(s) that could not be read", highlight=False)


@app.command("export")
def export_cmd(
    folder: Path = typer.Argument(..., help="An empty or new folder: rows/ (the warehouse rows) and snts/ (current SNTs) are written into it"),
    config: Path | None = CONFIG,
    db: str | None = DB,
) -> None:
    """The stored documents as Parquet tables, for `documents verify --all --input` on Spark or elsewhere."""
    from kordon.record.documents_export import export

    docs = _documents(config, db, goods_and_parties=False)
    try:
        rows, snts = export(docs.documents, folder)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    err.print(f"exported {rows} document row(s) and {snts} SNT(s) to {folder}", highlight=False)


def _step_label(s: dict[str, Any]) -> str:
    qty = f"{s['quantity']:g} {s['unit']}"
    if s["kind"] == "dt":
        return (f"[bold]DT {s['document']}[/] item {s['row']} · {s['date']} · {qty} of {s['code']} imported by "
                f"{s['buyer_name'] or s['buyer_tin']} from {s['seller_name'] or 'abroad'} · origin [bold]{s['origin_country']}[/]")
    if s["kind"] == "snt_in":
        return (f"[bold]SNT {s['document']}[/] row {s['row']} · {s['date']} · {qty} of {s['code']} brought in from the EAEU by "
                f"{s['buyer_name'] or s['buyer_tin']} from {s['seller_name'] or 'abroad'} · origin not fixed by a DT")
    return (f"ESF {s['document']} row {s['row']} · {s['date']} · {s['seller_name'] or s['seller_tin']} → "
            f"{s['buyer_name'] or s['buyer_tin']} · {qty} of {s['code']} · sign {s['origin_sign'] or '-'}"
            + (f" · lot {s['lot']}" if s["lot"] else ""))


def _add(node: Tree, steps: list[dict[str, Any]]) -> None:
    for s in steps:
        _add(node.add(_step_label(s)), s["from"])


@app.command()
def trace(
    number: str = typer.Argument(..., help="SNT registration number"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
    profile: str = typer.Option("kz_customs", "--profile", help="Profile of the chain flags"),
    config: Path | None = CONFIG,
    db: str | None = DB,
    source: str | None = typer.Option(None, "--input", help="A Parquet export (kordon documents export) instead of the store"),
    engine_name: str | None = engine_option(),
) -> None:
    """Each SNT row back to its imports: who sold what to whom, when, how much; with the chain flags."""
    if fmt not in TRACE_FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(TRACE_FORMATS)}", param_hint="--format")
    docs = _documents(config, db, goods_and_parties=False)
    found = _trace_export(docs, source, number, profile, engine_name) if source is not None else _trace_store(docs, number, profile, engine_name)
    if found is None:
        err.print(f"[red]not found[/red] no SNT {number!r} on record", highlight=False)
        raise typer.Exit(1)
    if fmt == "json":
        sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
        return
    seller, customer = found["seller"], found["customer"]
    root = Tree(f"[bold]SNT {found['registrationNumber']}[/] · {found['date']} · {seller['name']} ({seller['tin']}) → "
                f"{customer['name']} ({found['destination']})")
    for row in found["rows"]:
        doc = f" · names {row['document']} item {row['item']}" if row["document"] else " · names no document"
        bal = row.get("balance")
        balance = f" · balance {bal['balance']:g} of {bal['in']:g} in, {bal['out']:g} out" if bal else ""
        node = root.add(escape(f"row {row['row']} ({row['section']}) · {row['code']} {row['name']} · {row['quantity']:g} {row['unit']} · "
                               f"sign {row['origin_sign'] or '-'}{doc}{balance}"))
        if not row["trace"]:
            node.add("[dim]no import or purchase of these goods on record[/]")
        _add(node, row["trace"])
        if row["truncated"]:
            node.add("[yellow]trace cut short (too many steps)[/]")
    out.print(root)
    if found["flags"]:
        flags = Table(title="chain flags")
        flags.add_column("flag")
        flags.add_column("row")
        flags.add_column("explanation", overflow="fold")
        for f in found["flags"]:
            flags.add_row(f["code"], str(f.get("row") or ""), escape(f["explanation"]))
        out.print(flags)
    else:
        out.print("no chain flags")


def _trace_store(docs: Any, number: str, profile: str, engine_name: str | None) -> dict[str, Any] | None:
    if engine_name is not None and engine_name != "local":
        raise typer.BadParameter("a trace on Spark reads an export: give --input (kordon documents export)", param_hint="--engine")
    return docs.trace(number, profile=profile)


def _trace_export(docs: Any, source: str, number: str, profile: str, engine_name: str | None) -> dict[str, Any] | None:
    """The trace over an export, on the engine asked for (Spark: only the SNT's goods group is read into a view)."""
    engine = resolve(engine_name, docs.settings)
    try:
        found, error = engine.trace_export(source, number, docs.context(profile))
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        engine.stop()
    if error is not None:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(1)
    return found


@app.command()
def schema() -> None:
    """The JSON Schema of the documents kordon reads (DT, ESF, SNT), generated from its models."""
    from kordon.models.documents import DOCUMENT

    body = DOCUMENT.json_schema()
    body["title"] = "EAEU document (DT, ESF or SNT), one per line of a JSON Lines file"
    sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
