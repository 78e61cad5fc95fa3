"""kordon's command line. Each command group is a module-level Typer app in its own module, added here.

Exit status: 0 when every record was processed, 1 when some were rejected, 2 on usage errors.
`--config` and `--db` (see `common.py`) mean the same in every group and may come before the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kordon.interfaces.cli import documents, history, parties, redflags, sanctions_lists, screening, service, trade
from kordon.interfaces.cli.common import CONFIG_HELP, DB_HELP, RootGroup

app = typer.Typer(
    name="kordon",
    help="Screen cross-border trade for export-control and sanctions-circumvention risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=RootGroup,
)


@app.callback()
def _root(
    config: Optional[Path] = typer.Option(None, "--config", envvar="KORDON_CONFIG", help=CONFIG_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="KORDON_DATABASE_URL", help=DB_HELP),
) -> None:
    # The values are read by each command's own --config/--db (common._from_root).
    pass


app.add_typer(screening.app)
app.add_typer(redflags.app)
app.add_typer(service.app)
# Command groups of other stages are added below, one line each.
app.add_typer(trade.app, name="trade")
app.add_typer(parties.app, name="parties")
app.add_typer(sanctions_lists.app, name="lists")
app.add_typer(history.app, name="history")
app.add_typer(documents.app, name="documents")


def main() -> None:
    app()
