"""Declarations and helpers shared by the API tests and benchmarks."""

from __future__ import annotations

import copy

# A red-lane declaration: a CHPL tier-1 item (integrated circuits, HS 8542.31) of US origin, re-exported from KZ to RU.
RED = {
    "id": "KZ-API-RED-1", "type": "re-export", "date": "2026-11-20", "customs_office": "55201",
    "parties": [
        {"role": "consignor", "name": "Steppe Components LLP", "country": "KZ", "identifiers": {"bin": "210940012345"}},
        {"role": "consignee", "name": "OOO Vostok Elektronika", "country": "RU"},
    ],
    "route": {"dispatch": "KZ", "destination": "RU"},
    "items": [{"hs_code": "8542.31", "description": "Processors and controllers", "origin": "US",
               "quantity": 500, "unit": "pcs", "value": 120000, "currency": "USD"}],
}
# A green-lane declaration: apples from KZ to Germany.
GREEN = {
    "id": "KZ-API-GREEN-1", "type": "export", "date": "2026-11-20",
    "parties": [{"role": "consignor", "name": "Almaty Orchards LLP", "country": "KZ"},
                {"role": "consignee", "name": "Obst GmbH", "country": "DE"}],
    "route": {"dispatch": "KZ", "destination": "DE"},
    "items": [{"hs_code": "0808.10", "description": "Fresh apples", "origin": "KZ", "quantity": 20000, "unit": "kg"}],
}


def declaration(base: dict, **changes) -> dict:
    d = copy.deepcopy(base)
    d.update(changes)
    return d




def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
