"""kordon's command line. Each command group lives in its own module and is registered here.

Exit status: 0 when every record was processed, 1 when some were rejected, 2 on usage errors.
"""

from __future__ import annotations

import typer

from kordon.interfaces.cli import documents, parties, redflags, sanctions_lists, screening, service, trade

app = typer.Typer(
    name="kordon",
    help="Screen cross-border trade for export-control and sanctions-circumvention risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
screening.register(app)

# Command groups of other stages are added below, one line each.
app.add_typer(trade.app, name="trade")
redflags.register(app)
app.add_typer(parties.app, name="parties")
app.add_typer(sanctions_lists.app, name="lists")
service.register(app)
app.add_typer(documents.app, name="documents")


def main() -> None:
    app()
