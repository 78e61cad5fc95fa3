"""kordon screen / validate / explain / replay / lists."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def version() -> None:
        """Print kordon's version."""
        from kordon import __version__

        typer.echo(__version__)
