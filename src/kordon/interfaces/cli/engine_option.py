"""The `--engine local|spark` option, shared by the bulk commands (`parties screen`, `rescreen`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kordon.config import Settings
    from kordon.engines import Engine

err = Console(stderr=True)


def engine_option() -> Any:
    return typer.Option(None, "--engine", help="Where the job runs: local | spark (default: settings 'engine', KORDON_ENGINE, else local)")


def workers_option() -> Any:
    return typer.Option(1, "--workers", min=1, help="Local engine: worker processes (the Spark engine uses its executors' cores)")


def resolve(name: Optional[str], settings: "Settings | None" = None, workers: int = 1) -> "Engine":
    """The engine to run on; an unknown name or a Spark engine that cannot start here is a usage error (exit 2)."""
    from kordon.engines import get_engine

    try:
        engine = get_engine(name, settings, workers=workers)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--engine") from exc
    if engine.name == "spark":
        from kordon.engines.spark import available

        why = available()
        if why:
            err.print(f"[red]error:[/red] {why}", highlight=False)
            raise typer.Exit(2)
    return engine
