"""What every command group shares: the `--config` and `--db` options, loading settings, old option spellings.

`--config FILE` (settings YAML, or $KORDON_CONFIG) and `--db URL` (the store's SQLAlchemy URL, or
$KORDON_DATABASE_URL) mean the same in every command and may also be given before the command:
`kordon --config site.yaml screen decl.jsonl`. A value given after the command wins over one given
before it, which wins over the environment. The trade commands' DuckDB file is `--trade-db`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn, Optional

import typer
import typer.core
from rich.console import Console

from kordon.config import Settings

err = Console(stderr=True)


def _from_root(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A command's `--config`/`--db` not given on its own command line takes the one given before the command."""
    root = ctx.find_root()
    if root is ctx or not param.opts:
        return value
    before = next((p.name for p in root.command.params if param.opts[0] in p.opts), None)
    if before is None:
        return value
    own = ctx.get_parameter_source(param.name or "")
    given = root.get_parameter_source(before)
    if given is not None and given.name == "COMMANDLINE" and (own is None or own.name != "COMMANDLINE"):
        return root.params[before]
    return value


CONFIG_HELP = "Settings file (YAML); also accepted before the command (kordon --config FILE COMMAND)"
DB_HELP = "Store: SQLAlchemy URL (default: database_url of the settings, sqlite:///kordon.db)"

CONFIG: Any = typer.Option(None, "--config", envvar="KORDON_CONFIG", help=CONFIG_HELP, callback=_from_root)
DB: Any = typer.Option(None, "--db", envvar="KORDON_DATABASE_URL", help=DB_HELP, callback=_from_root)
TRADE_DB: Any = typer.Option(None, "--trade-db", envvar="KORDON_TRADE_DB",
                             help="DuckDB file of trade statistics (default: $KORDON_TRADE_DB or ./kordon-trade.duckdb)")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: message` on stderr and stop with `code` (2: the input or settings are unusable)."""
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings(config: Optional[Path | str], db: Optional[str] = None) -> Settings:
    """The settings as the options say; a file that cannot be read or validated is a usage error (exit 2)."""
    from kordon.config import SettingsError, load_settings

    try:
        return load_settings(config, database_url=db)
    except (SettingsError, OSError) as exc:
        fail(str(exc))


def store_url(config: Optional[Path | str], db: Optional[str]) -> str:
    """The store's URL: `--db` if given, else the settings' database_url."""
    return db or settings(config).database_url


# Spellings of options before every group took --db (kept so scripts keep working).
_OLD_STORE_OPTIONS = {"--database-url": "--db", "--database": "--db"}
_OLD_TRADE_OPTIONS = {"--db": "--trade-db"}


def _respell(args: list[str], old: dict[str, str]) -> tuple[list[str], list[str]]:
    out: list[str] = []
    used: list[str] = []
    for i, a in enumerate(args):
        if a == "--":
            return out + args[i:], used
        name, eq, value = a.partition("=")
        if name in old:
            used.append(name)
            a = old[name] + eq + value
        out.append(a)
    return out, used


class RootGroup(typer.core.TyperGroup):
    """Accepts the old `--database-url` / `--database` spellings of `--db` (not in `kordon trade`, whose --db was DuckDB)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if name != "trade":
            rest, _ = _respell(rest, _OLD_STORE_OPTIONS)
        return name, cmd, rest


class TradeGroup(typer.core.TyperGroup):
    """`kordon trade` once called its DuckDB file `--db`; it is `--trade-db` now, and `--db` still works with a note."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        rest, used = _respell(rest, _OLD_TRADE_OPTIONS)
        if used:
            err.print("note: the DuckDB file of `kordon trade` is --trade-db; --db names the screening store elsewhere",
                      highlight=False, markup=False)
        return name, cmd, rest
