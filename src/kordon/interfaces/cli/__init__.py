"""kordon's command line. Each command group lives in its own module and is registered here.

Exit status: 0 when every record was processed, 1 when some were rejected, 2 on usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kordon.interfaces.cli import redflags, screening, trade

app = typer.Typer(
    name="kordon",
    help="Screen cross-border trade for export-control and sanctions-circumvention risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
screening.register(app)


@app.command("lists")
def lists_status(
    config: Optional[Path] = typer.Option(None, "--config", envvar="KORDON_CONFIG"),
    extra: Optional[list[Path]] = typer.Option(None, "--lists", help="Extra goods list file or folder"),
) -> None:
    """Show every list kordon screens against: id, kind, version, entries, date, hash."""
    screening.print_lists(screening.goods_list_rows(config, extra))

# Command groups of other stages are added below, one line each.
app.add_typer(trade.app, name="trade")
redflags.register(app)


def main() -> None:
    app()
