"""Shared by the API benchmarks: declarations to send, and a server to start on loopback."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "api"))

from api_server import Server, free_port  # noqa: E402,F401

# Real HS codes and routes from the bundled lists' domain: CHPL items, dual-use electronics, plain goods.
GOODS = [("854231", "Processors and controllers", "US"), ("854232", "Memory chips", "KR"), ("852691", "GNSS receivers", "JP"),
         ("847150", "Server processing units", "CN"), ("080810", "Fresh apples", "KZ"), ("720851", "Hot-rolled steel plate", "KZ"),
         ("300490", "Medicaments, packaged", "DE"), ("870323", "Passenger cars", "DE")]
DESTINATIONS = ["RU", "RU", "BY", "DE", "CN", "KG", "UZ", "TR"]


def make_declaration(i: int, rng: random.Random, prefix: str = "BENCH") -> dict:
    hs, desc, origin = rng.choice(GOODS)
    dest = rng.choice(DESTINATIONS)
    return {
        "id": f"{prefix}-{i:08d}", "type": rng.choice(["export", "re-export"]), "date": "2026-11-20",
        "parties": [{"role": "consignor", "name": f"Trader {rng.randint(1, 500)} LLP", "country": "KZ"},
                    {"role": "consignee", "name": f"Buyer {rng.randint(1, 500)}", "country": dest}],
        "route": {"dispatch": "KZ", "destination": dest},
        "items": [{"hs_code": hs, "description": desc, "origin": origin, "quantity": rng.randint(1, 1000), "unit": "pcs",
                   "value": rng.randint(100, 100000), "currency": "USD"}],
    }
