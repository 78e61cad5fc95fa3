"""Where the bulk jobs run: in this process (``local``) or on Apache Spark (``spark``).

An engine decides *where* a function runs, never *what* it computes. Both engines call the same
per-record functions — `kordon.screen.party_search.screen_party_row` for `parties screen`,
`kordon.service.rescreen_row` for `rescreen` — with the same index and rule pack, so the same
input gives the same output on either. See docs/scale.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from kordon.config import Settings
    from kordon.engines.local import LocalEngine
    from kordon.engines.spark import SparkEngine

    Engine = Union[LocalEngine, SparkEngine]

ENGINES = ("local", "spark")


def get_engine(name: str | None = None, settings: "Settings | None" = None, workers: int | None = None) -> "Engine":
    """The engine named (else the settings' `engine`); a Spark engine takes its master and conf from the settings."""
    from kordon.config import Settings

    settings = settings or Settings()
    name = name or settings.engine
    if name == "local":
        from kordon.engines.local import LocalEngine

        return LocalEngine(workers=workers or 1)
    if name == "spark":
        from kordon.engines.spark import SparkEngine

        return SparkEngine(master=settings.spark_master, conf=settings.spark_conf)
    raise ValueError(f"engine {name!r} is not one of {', '.join(ENGINES)}")
