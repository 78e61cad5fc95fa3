"""The data kordon passes between pipeline stages: declarations in, decisions out.

These pydantic models are the single source of truth for the declaration format;
the JSON Schema in ``schema/`` and the HTTP API's OpenAPI document are generated from them.
"""

from kordon.models.declaration import (
    Declaration,
    DeclarationType,
    Document,
    Item,
    Party,
    PartyRole,
    Payment,
    Route,
)
from kordon.models.decision import Action, Decision, Hit, Lane, LegalBasis, ListRef, Severity

__all__ = [
    "Action",
    "Declaration",
    "DeclarationType",
    "Decision",
    "Document",
    "Hit",
    "Item",
    "Lane",
    "LegalBasis",
    "ListRef",
    "Party",
    "PartyRole",
    "Payment",
    "Route",
    "Severity",
]
