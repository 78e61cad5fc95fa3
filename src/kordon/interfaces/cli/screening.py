"""`kordon screen|validate|explain|replay|rescreen|rules|schema|version`: the declaration screening commands."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kordon.ingest.errors import ReadCounts
from kordon.interfaces.cli.common import CONFIG, DB, err, settings
from kordon.interfaces.cli.engine_option import engine_option, resolve, workers_option
from kordon.models import Decision

if TYPE_CHECKING:
    from kordon.models import Declaration
    from kordon.service import Kordon

app = typer.Typer()
out = Console()

LANE_STYLE = {"green": "bold green", "yellow": "bold yellow", "red": "bold red"}
FORMATS = ("table", "json", "jsonl", "csv")
PROGRESS_FROM_BYTES = 1_000_000
BATCH = 500  # declarations stored per transaction


def _kordon(config: Optional[Path], db: Optional[str], lists: list[Path] | None = None, store: bool = True,
            profile: Optional[str] = None) -> Kordon:
    """Settings, lists and store as the options say; anything wrong with them is a usage error (exit 2)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kordon.ingest.errors import ListFileError
    from kordon.service import Kordon

    s = settings(config, db)
    if lists:
        s.lists = s.lists + [str(p) for p in lists]
    if profile:
        s.profile = profile
    try:
        k = Kordon(s)
        if store:
            # Open the database and record the list versions now: a bad URL or a changed list that kept
            # its version label is a usage error, not a crash mid-run.
            k.store.snapshot_lists(k.context.goods.lists)
        return k
    except (ListFileError, OSError, ValueError, SQLAlchemyError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc


def decision_row(decision: Decision) -> dict:
    """The flat JSON a decision is printed as (jsonl and json formats)."""
    body = decision.model_dump(mode="json", exclude_none=True)
    return {"declaration_id": body.pop("declaration_id"), **body}


def _print_counts(counts: ReadCounts, verb: str = "screened") -> None:
    for e in counts.errors:
        err.print(f"[red]rejected[/red] {escape(str(e))}", highlight=False, markup=True, soft_wrap=True)
    unusable = f"; {counts.unusable} file(s) could not be read" if counts.unusable else ""
    err.print(f"read {counts.read}, {verb} {counts.accepted}, rejected {counts.rejected}{unusable}", highlight=False)


def _results(paths: list[Path], counts: ReadCounts) -> Iterator:
    from kordon.ingest.declarations import read_all

    total = sum(p.stat().st_size for p in paths if p.exists())
    if total < PROGRESS_FROM_BYTES or not err.is_terminal:
        yield from read_all(paths, counts)
        return
    with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("screen", total=None)
        for pair in read_all(paths, counts):
            bar.advance(task)
            yield pair


def _table(decisions: list[Decision]) -> Table:
    table = Table(title="kordon decisions", show_lines=False)
    for col in ("declaration", "lane", "action", "score", "main findings"):
        table.add_column(col, overflow="fold")
    for d in decisions:
        findings = "\n".join(f"• {h.explanation}" for h in d.hits[:2]) or "no findings"
        if len(d.hits) > 2:
            findings += f"\n  (+{len(d.hits) - 2} more: kordon explain {d.declaration_id})"
        table.add_row(d.declaration_id, f"[{LANE_STYLE[d.lane.value]}]{d.lane.value}[/]", d.action.value, f"{d.score:.0f}", findings)
    return table


def _write(decisions: list[Decision], fmt: str, target) -> None:
    if fmt == "json":
        json.dump([decision_row(d) for d in decisions], target, ensure_ascii=False, indent=2)
        target.write("\n")
    elif fmt == "csv":
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(["declaration_id", "lane", "action", "score", "rules", "explanations"])
        for d in decisions:
            writer.writerow([d.declaration_id, d.lane.value, d.action.value, d.score,
                             ";".join(h.rule for h in d.hits), " | ".join(h.explanation for h in d.hits)])


@app.command()
def screen(
    paths: list[Path] = typer.Argument(..., help="Declaration files (.json, .jsonl, .csv)", exists=True, dir_okay=False),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json | jsonl | csv"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write decisions to this file instead of the terminal"),
    lists: Optional[list[Path]] = typer.Option(None, "--lists", help="Extra goods list file or folder (CSV or YAML); repeatable"),
    config: Optional[Path] = CONFIG,
    db: Optional[str] = DB,
    store: bool = typer.Option(True, "--store/--no-store", help="Record every screening (needed for explain and replay)"),
    profile: Optional[str] = typer.Option(
        None, "--profile", help="Whose law decides the actions: kz_customs, eu_exporter, us_person, bank_kz, uk_exporter, "
        "or a profile file (default: 'profile' in the settings, else kz_customs)"),
) -> None:
    """Screen declarations: goods, parties and routes; print a lane, an action and the reasons for each."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}", param_hint="--format")
    k = _kordon(config, db, lists, store=store, profile=profile)
    counts = ReadCounts()
    target = out_file.open("w", encoding="utf-8", newline="") if out_file else sys.stdout
    try:
        decisions: list[Decision] = []
        for decision in _screened(k, _results(paths, counts), store):
            if fmt == "jsonl":
                target.write(json.dumps(decision_row(decision), ensure_ascii=False) + "\n")
            else:
                decisions.append(decision)
        if fmt == "table":
            (Console(file=target, width=160) if out_file else out).print(_table(decisions))
        elif fmt != "jsonl":
            _write(decisions, fmt, target)
    finally:
        if out_file:
            target.close()
    _print_counts(counts)
    raise typer.Exit(counts.exit_code)


def _screened(k: Kordon, results: Iterable[tuple[Any, Any]], store: bool) -> Iterator[Decision]:
    """Decisions for the good records, in order; stored in batches of BATCH per transaction when `store`."""
    batch: list[Declaration] = []
    for _, result in results:
        if result.ok:
            batch.append(result.declaration)
        if len(batch) >= BATCH:
            yield from _screen_batch(k, batch, store)
            batch = []
    yield from _screen_batch(k, batch, store)


def _screen_batch(k: Kordon, batch: list[Declaration], store: bool) -> list[Decision]:
    if not batch:
        return []
    if store:
        return [s.decision for s in k.screen_and_record_many(batch, actor="kordon screen (cli)")]
    return [k.screen(d) for d in batch]


@app.command()
def validate(
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Declaration files to check"),
) -> None:
    """Check declaration files against the format without screening them."""
    from kordon.ingest.declarations import read_all

    counts = ReadCounts()
    for _ in read_all(paths, counts):
        pass
    _print_counts(counts, verb="valid")
    raise typer.Exit(counts.exit_code)

@app.command()
def explain(
    declaration_id: str = typer.Argument(..., help="Declaration id"),
    version: Optional[int] = typer.Option(None, help="Declaration version (default: latest)"),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
    config: Optional[Path] = CONFIG,
    db: Optional[str] = DB,
) -> None:
    """Show a stored decision: every hit with its rule, evidence, explanation and source."""
    from kordon.service import ReplayError

    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json", param_hint="--format")
    k = _kordon(config, db)
    try:
        record = k.get(declaration_id, version)
    except ReplayError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    d = record.decision
    if fmt == "json":
        out.print_json(json.dumps({"version": record.version, **decision_row(d)}, ensure_ascii=False))
        return
    out.print(f"[bold]{d.declaration_id}[/bold] version {record.version}: lane [{LANE_STYLE[d.lane.value]}]{d.lane.value}[/], "
              f"action [bold]{d.action.value}[/bold], score {d.score:.0f}")
    out.print(f"screened {d.screened_at:%Y-%m-%d %H:%M:%S %Z} with rules {d.rules_version}"
              + (f", under profile {d.profile} version {d.profile_version}" if d.profile else ", under no jurisdiction profile")
              + " and lists " + ", ".join(f"{k_}@{v}" for k_, v in d.list_versions.items()), highlight=False)
    for i, h in enumerate(d.hits, 1):
        out.print(f"\n{i}. [bold]{h.rule}[/bold] ({h.severity.value}, +{h.score:.0f}) on {h.subject}"
                  + (f", requires {h.action.value}" if h.action else ""), highlight=False)
        out.print(f"   {h.explanation}", highlight=False, soft_wrap=True)
        if h.list:
            out.print(f"   list: {h.list.id} version {h.list.version}" + (f", entry {h.list.entry}" if h.list.entry else ""), highlight=False)
        if h.evidence:
            shown = {k_: v for k_, v in h.evidence.items() if v not in (None, [], "", False)}
            out.print(f"   evidence: {json.dumps(shown, ensure_ascii=False, default=str)}", highlight=False, soft_wrap=True)
        if h.legal_basis:
            out.print(f"   legal basis ({h.legal_basis.kind.replace('_', ' ')}): {h.legal_basis.citation}", highlight=False, soft_wrap=True)
        if h.source:
            out.print(f"   rule source: {h.source}", highlight=False, soft_wrap=True)
    if not d.hits:
        out.print("\nNo rule fired: nothing on the lists, nothing unusual in the route.")

@app.command()
def replay(
    declaration_id: str = typer.Argument(..., help="Declaration id"),
    version: Optional[int] = typer.Option(None, help="Declaration version (default: latest)"),
    config: Optional[Path] = CONFIG,
    db: Optional[str] = DB,
) -> None:
    """Re-screen a stored declaration with the list versions and rules it was screened with."""
    from kordon.service import ReplayError

    k = _kordon(config, db)
    try:
        result = k.replay(declaration_id, version)
    except ReplayError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    d = result.decision
    out.print(f"{declaration_id} version {result.record.version}: stored {result.record.decision.lane.value}/"
              f"{result.record.decision.action.value} score {result.record.decision.score:.2f}; "
              f"replayed {d.lane.value}/{d.action.value} score {d.score:.2f} under profile "
              + (f"{d.profile}@{d.profile_version}" if d.profile else "none") + " with "
              + ", ".join(f"{k_}@{v}" for k_, v in d.list_versions.items()), highlight=False)
    if result.identical:
        out.print("[green]identical decision[/green]")
        return
    out.print("[red]the replayed decision differs from the stored one[/red]")
    raise typer.Exit(1)

@app.command()
def rescreen(
    since: Optional[str] = typer.Option(None, "--since", help="Re-screen declarations lodged at or after this ISO date or date-time (UTC)"),
    days: int = typer.Option(30, "--days", help="…or lodged within this many days before now"),
    all_: bool = typer.Option(False, "--all", help="Re-screen every stored declaration"),
    source: Optional[str] = typer.Option(None, "--input", help="A Parquet export of the history (kordon history export) instead of the store"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change without recording it"),
    lists: Optional[list[Path]] = typer.Option(None, "--lists", help="Extra goods list file or folder; repeatable"),
    config: Optional[Path] = CONFIG,
    db: Optional[str] = DB,
    engine_name: Optional[str] = engine_option(),
    workers: int = workers_option(),
) -> None:
    """After a list changed: re-screen stored declarations (by the time they were lodged, not their
    declared date) against the lists active now, and record what changed."""
    start = rescreen_start(since, days, all_ or source is not None)
    k = _kordon(config, db, lists)
    engine = resolve(engine_name, k.settings, workers)
    try:
        run = k.rescreen_all(start, record=not dry_run, actor="kordon rescreen (cli)", engine=engine, source=source)
    except (ValueError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        engine.stop()
    print_rescreen(run.changed, out, recorded=not dry_run)
    for e in run.errors or []:
        err.print(f"[red]rejected[/red] {e}", highlight=False, soft_wrap=True)
    what = source if source else "every stored declaration" if start is None else f"declarations lodged since {start:%Y-%m-%d %H:%M} UTC"
    err.print(f"re-screened {what}: read {run.read}, re-screened {run.read - run.rejected}, rejected {run.rejected}", highlight=False)
    raise typer.Exit(1 if run.rejected else 0)


@app.command("rules")
def rules_cmd(
    config: Optional[Path] = CONFIG,
    profile: Optional[str] = typer.Option(None, "--profile", help="Show this profile instead of the settings' one"),
) -> None:
    """List the rules of the active rule pack with their weights and sources, and the jurisdiction profile
    that turns their findings into actions."""
    from kordon.ingest.errors import ListFileError
    from kordon.screen.context import load_rules, load_settings_profile

    s = settings(config)
    if profile:
        s.profile = profile
    try:
        pack = load_rules(s)
        chosen = load_settings_profile(s)
    except (ListFileError, OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    table = Table(title=f"rule pack {pack.version}")
    for col in ("rule", "weight", "title", "source"):
        table.add_column(col, overflow="fold")
    for r in pack.rules.values():
        table.add_row(r.id if r.enabled else f"{r.id} (disabled)", f"{r.weight:g}", r.title, r.source)
    out.print(table)
    print_profile(chosen)

@app.command()
def schema() -> None:
    """Print the JSON Schema of the declaration format."""
    from kordon.models.schema import declaration_schema

    out.print_json(json.dumps(declaration_schema(), ensure_ascii=False))

@app.command()
def version() -> None:
    """Print kordon's version."""
    from kordon import __version__

    typer.echo(__version__)


def rescreen_start(since: Optional[str], days: int, all_: bool = False):  # noqa: ANN201 - datetime | None
    """The lodgement time from which to re-screen: --all (None), --since DATE[THH:MM], or --days before now."""
    import datetime as dt

    if all_:
        return None
    if since:
        try:
            start = dt.datetime.fromisoformat(since)
        except ValueError:
            raise typer.BadParameter(f"{since!r} is not an ISO date or date-time", param_hint="--since") from None
        return start if start.tzinfo else start.replace(tzinfo=dt.timezone.utc)
    if days < 0:
        raise typer.BadParameter("--days must be 0 or more", param_hint="--days")
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)


def print_profile(profile) -> None:  # noqa: ANN001 - kordon.ingest.profiles.Profile | None
    """The jurisdiction profile: whose law decides, and what each finding leads to under it."""
    if profile is None:
        out.print("profile: none (the rules' own actions; no legal basis is stated)")
        return
    out.print(f"profile: [bold]{profile.id}[/bold] version {profile.version} — {profile.title} ({profile.jurisdiction})",
              highlight=False)
    out.print(f"for: {profile.user}", highlight=False, soft_wrap=True)
    if profile.foreign_lists:
        out.print("risk indicators only (foreign lists): " + ", ".join(profile.foreign_lists), highlight=False, soft_wrap=True)
    table = Table(title=f"profile {profile.id} {profile.version}: findings → action and legal basis")
    for col in ("rule", "when", "action", "basis", "legal basis"):
        table.add_column(col, overflow="fold")
    for p in profile.provisions:
        when = ", ".join(f"{k}={'|'.join(v) if isinstance(v, tuple) else v}"
                         for k, v in p.when.model_dump(exclude_none=True).items()) or "always"
        action = p.action.value if hasattr(p.action, "value") else str(p.action or "—")
        table.add_row(", ".join(p.rule), when, action, p.kind.replace("_", " "), profile.citation(p.act, p.article, p.verify))
    d = profile.default
    table.add_row("any other", "always", d.action.value if hasattr(d.action, "value") else str(d.action or "—"),
                  d.kind.replace("_", " "), profile.citation(d.act, d.article, d.verify))
    out.print(table)


def print_rescreen(changed: list, console: Console, recorded: bool) -> None:
    """What a re-screen found: escalations (recorded) and milder outcomes (left for an officer)."""
    for r in changed:
        was, now = r.before, r.after
        note = " (milder: not recorded, for an officer to review)" if r.lowered else ""
        console.print(f"{r.declaration_id} v{r.version}: {was.lane.value}/{was.action.value} → "
                      f"[{LANE_STYLE[now.lane.value]}]{now.lane.value}[/]/{now.action.value}{note}", highlight=False)
        for rule, subject, _list_id, _entry in sorted(r.added, key=str):
            hit = next(h for h in now.hits if h.rule == rule and h.subject == subject)
            console.print(f"   + {hit.explanation}", highlight=False, soft_wrap=True)
        for rule, subject, list_id, entry in sorted(r.removed, key=str):
            console.print(f"   − {rule} on {subject} ({list_id} {entry}) no longer matches", highlight=False)
    escalated = sum(not r.lowered for r in changed)
    lowered = len(changed) - escalated
    verb = "changed and recorded" if recorded else "would change"
    err.print(f"{escalated} decision(s) {verb}; {lowered} milder outcome(s) left for review")


def goods_list_rows(config: Optional[Path] = None, lists: list[Path] | None = None) -> list[dict]:
    from kordon.screen.context import load_lists

    s = settings(config)
    if lists:
        s.lists = s.lists + [str(p) for p in lists]
    return [gl.summary() for gl in load_lists(s)]


def print_lists(rows: list[dict]) -> None:
    table = Table(title="kordon lists")
    for col in ("list", "kind", "version", "entries", "published", "sha256"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["id"], r.get("kind", ""), str(r["version"]), str(r["entries"]), str(r.get("published") or ""),
                      (r.get("sha256") or "")[:12])
    out.print(table)
