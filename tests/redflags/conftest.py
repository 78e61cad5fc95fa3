from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kordon.index.history import History
from kordon.models import Declaration
from kordon.screen import build_context
from kordon.screen.registry import RULES


def decl(id: str = "D1", *, type: str = "export", date: str = "2025-06-01", items: list[dict] | None = None,
         parties: list[dict] | None = None, route: dict | None = None, **extra: Any) -> Declaration:
    return Declaration.model_validate({
        "id": id,
        "type": type,
        "date": date,
        "route": route or {"dispatch": "KZ", "destination": "KG"},
        "parties": parties if parties is not None else [
            {"role": "consignor", "name": "Astana Furniture LLP", "country": "KZ", "address": "Abai 10, Astana"},
            {"role": "consignee", "name": "Bishkek Mebel OsOO", "country": "KG"},
        ],
        "items": items or [{"hs_code": "9403609001", "description": "Столы деревянные офисные", "quantity": 10, "unit": "pcs",
                            "net_mass_kg": 200, "value": 2000, "currency": "USD"}],
        **extra,
    })


@pytest.fixture(scope="session")
def ctx():
    return build_context()


@pytest.fixture
def run(ctx):
    """Run one rule of the bundled pack on a declaration, with an optional history."""

    def _run(rule_id: str, d: Declaration, history: History | None = None, **extras: Any):
        saved = dict(ctx.extras)
        ctx.extras.clear()
        if history is not None:
            ctx.extras["history"] = history
        ctx.extras.update(extras)
        try:
            return list(RULES[rule_id](d, ctx, ctx.rules.rules[rule_id]))
        finally:
            ctx.extras.clear()
            ctx.extras.update(saved)

    return _run


def day(n: int) -> str:
    return (dt.date(2025, 1, 1) + dt.timedelta(days=n)).isoformat()
