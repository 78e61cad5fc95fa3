"""`kordon serve|audit verify|keys create|list|revoke`: the HTTP service and what it needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kordon.interfaces.cli.common import CONFIG, DB, settings

if TYPE_CHECKING:
    from kordon.config import Settings
    from kordon.record.store import Store

app = typer.Typer()
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys and their roles (officer, supervisor, analyst, admin).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


def _store(database_url: str | None, config: str | None = None) -> tuple[Settings, Store]:
    from kordon.record.store import Store

    s = settings(config, database_url)
    return s, Store(s.database_url)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Address to listen on"), port: int = typer.Option(8000),
          database_url: str | None = DB, config: str | None = CONFIG,
          max_body: int = typer.Option(2 * 1024 * 1024, help="Largest request body accepted, in bytes")) -> None:
    """Run the HTTP API and the officers' workspace."""
    import importlib.util

    missing = [m for m in ("uvicorn", "fastapi", "jinja2", "multipart") if importlib.util.find_spec(m) is None]
    if missing:
        typer.echo(f"kordon serve needs {', '.join(missing)}: pip install 'kordon[api]'", err=True)
        raise typer.Exit(2)
    import os

    import uvicorn

    from kordon.interfaces.api import create_app

    # Acknowledged means on disk: every commit is synced (group commit shares the sync between requests).
    os.environ.setdefault("KORDON_SQLITE_SYNC", "FULL")
    s, store = _store(database_url, config)
    if s.lanes.random_rate > 0 and s.lanes.random_seed == "kordon":
        typer.echo("warning: random selection uses the public default seed; set lanes.random_seed to a secret "
                   "in the settings file, or traders can compute which declaration ids are never drawn", err=True)
    uvicorn.run(create_app(s, store, max_body=max_body), host=host, port=port, log_level="warning", access_log=False)


@audit_app.command("verify")
def audit_verify(database_url: str | None = DB,
                 anchor: str | None = typer.Option(None, "--anchor", help="A head exported earlier (file, or - for standard input)"),
                 chain_only: bool = typer.Option(False, "--chain-only", help="Check the chain only, not the rows it binds"),
                 config: str | None = CONFIG) -> None:
    """Check the audit chain (hashes, links, signatures) and every row it binds; name every changed,
    deleted, inserted or unsigned record or row. Exit 1 if any."""
    import json
    import sys

    from kordon.record import audit

    head = None
    if anchor:
        try:
            from pathlib import Path

            head = json.loads(sys.stdin.read() if anchor == "-" else Path(anchor).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            typer.echo(f"error: cannot read the anchor {anchor}: {exc}", err=True)
            raise typer.Exit(2) from None
    _, store = _store(database_url, config)
    try:
        result = audit.verify(store, anchor=head, rows=not chain_only)
    except audit.AuditKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for problem in result.problems:
        typer.echo(problem, err=True)
    for note in result.notes:
        typer.echo(note, err=True)
    typer.echo(f"checked {result.checked} records and {result.rows_checked} rows: "
               + ("chain intact" if result.ok else f"{len(result.problems)} problem(s)"))
    raise typer.Exit(0 if result.ok else 1)


@audit_app.command("export-head")
def audit_export_head(database_url: str | None = DB,
                      out: str | None = typer.Option(None, "--out", "-o", help="Write to this file (default: standard output)"),
                      config: str | None = CONFIG) -> None:
    """Print the signed end of the chain (seq, sha256, HMAC) as JSON. Keep it outside the database —
    a ticket, a second system, a notary — and check against it with `kordon audit verify --anchor`."""
    import json

    from kordon.record import audit

    _, store = _store(database_url, config)
    text = json.dumps(audit.export_head(store), indent=1)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        typer.echo(f"head written to {out}", err=True)
    else:
        typer.echo(text)


@keys_app.command("create")
def keys_create(name: str = typer.Argument(..., help="Who or what uses the key"),
                role: str = typer.Option(..., "--role", help="officer, supervisor, analyst or admin"),
                profile: str | None = typer.Option(None, "--profile", help="Jurisdiction profile the key's requests are "
                                                   "decided under (default: the server's settings)"),
                allow_override: bool = typer.Option(False, "--allow-override", help="Let a request name another profile "
                                                    "(without it, a key with --profile is pinned to that profile)"),
                database_url: str | None = DB, config: str | None = CONFIG) -> None:
    """Make a key; the secret is printed once, on standard output."""
    from kordon.record import keys

    try:
        keys.check_key_profile(profile)  # before the store is opened: a typo creates nothing
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _, store = _store(database_url, config)
    try:
        secret, info = keys.create_key(store, name, role, created_by="cli", profile=profile, profile_override=allow_override)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    law = f", profile {info.profile}" + (" (pinned)" if info.pinned else " (requests may name another)") if info.profile else ""
    typer.echo(f"key {info.id} for {info.name} ({info.role}{law}) created; store it now, it is not shown again:", err=True)
    typer.echo(secret)


@keys_app.command("list")
def keys_list(database_url: str | None = DB, config: str | None = CONFIG) -> None:
    """Every key, without secrets."""
    from kordon.record import keys

    _, store = _store(database_url, config)
    for k in keys.list_keys(store):
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        law = (f"{k.profile} (pinned)" if k.pinned else f"{k.profile} (overridable)") if k.profile else "settings' profile"
        typer.echo(f"{k.id}\t{k.name}\t{k.role}\t{law}\t{k.hint}…\t{state}")


@keys_app.command("revoke")
def keys_revoke(key_id: int, database_url: str | None = DB, config: str | None = CONFIG) -> None:
    """Revoke a key by its id."""
    from kordon.record import keys

    _, store = _store(database_url, config)
    try:
        info = keys.revoke_key(store, key_id, revoked_by="cli")
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"key {info.id} ({info.name}) revoked")
