"""Small builders for test declarations."""

from __future__ import annotations

from typing import Any

from kordon.models import Declaration


def decl(**overrides: Any) -> Declaration:
    base: dict[str, Any] = {
        "id": "T-1",
        "type": "export",
        "date": "2024-05-01",
        "parties": [
            {"role": "consignor", "name": "Steppe Trade LLP", "country": "KZ"},
            {"role": "consignee", "name": "Buyer LLC", "country": "UZ"},
        ],
        "route": {"dispatch": "KZ", "destination": "UZ"},
        "items": [{"hs_code": "1001990000", "description": "wheat"}],
    }
    base.update(overrides)
    return Declaration.model_validate(base)


def item(code: str, description: str = "goods", **extra: Any) -> dict[str, Any]:
    return {"hs_code": code, "description": description, **extra}
