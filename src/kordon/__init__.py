"""kordon: screen cross-border trade for export-control and sanctions-circumvention risk.

The library face::

    from kordon import Kordon, Declaration, load_settings

    k = Kordon(load_settings("site.yaml"))
    decision = k.screen(Declaration.model_validate(record))      # lane, action, score, hits
    stored = k.screen_and_record(declaration)                     # the same, kept for explain and replay

    for path, result in read_declarations(["batch.jsonl"]):      # JSON, JSON Lines or CSV, never raises
        ...

Names are imported on first use, so `import kordon` stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module it lives in
_EXPORTS = {
    "Kordon": "kordon.service",
    "Replay": "kordon.service",
    "ReplayError": "kordon.service",
    "Rescreen": "kordon.service",
    "Settings": "kordon.config",
    "SettingsError": "kordon.config",
    "load_settings": "kordon.config",
    "Declaration": "kordon.models",
    "DeclarationType": "kordon.models",
    "Document": "kordon.models",
    "Item": "kordon.models",
    "Party": "kordon.models",
    "PartyRole": "kordon.models",
    "Payment": "kordon.models",
    "Route": "kordon.models",
    "Decision": "kordon.models",
    "Hit": "kordon.models",
    "Lane": "kordon.models",
    "Action": "kordon.models",
    "Severity": "kordon.models",
    "ListRef": "kordon.models",
    "ReadCounts": "kordon.ingest.errors",
    "RecordError": "kordon.ingest.errors",
    "ReadResult": "kordon.ingest.declarations",
    "read_declarations": "kordon.ingest.declarations",
}
_RENAMED = {"read_declarations": "read_all"}

__all__ = [
    "Action", "Decision", "Declaration", "DeclarationType", "Document", "Hit", "Item", "Kordon", "Lane", "ListRef",
    "Party", "PartyRole", "Payment", "ReadCounts", "ReadResult", "RecordError", "Replay", "ReplayError", "Rescreen",
    "Route", "Settings", "SettingsError", "Severity", "__version__", "load_settings", "read_declarations",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kordon' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from kordon.config import Settings, SettingsError, load_settings
    from kordon.ingest.declarations import ReadResult
    from kordon.ingest.declarations import read_all as read_declarations
    from kordon.ingest.errors import ReadCounts, RecordError
    from kordon.models import (
        Action, Declaration, DeclarationType, Decision, Document, Hit, Item, Lane, ListRef, Party, PartyRole,
        Payment, Route, Severity,
    )
    from kordon.service import Kordon, Replay, ReplayError, Rescreen
