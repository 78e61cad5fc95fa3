"""Circumvention red flags: description, value, party and chain rules over the trade history.

Each module registers small pure rules; their weights, rationale and sources are in
kordon/data/rules/redflags.yaml. Rules that need the trade history stay silent without it.
"""

from kordon.screen.redflags import chains, description, parties, value  # noqa: F401  (registration)
