"""Normalisation of the codes a declaration carries: HS / TN VED codes and country codes."""

from __future__ import annotations

import re
from functools import lru_cache

_HS_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_hs(value: str | int) -> str:
    """Return the digits of an HS / TN VED code, accepting "8542.31.000" and "8542 31".

    Raises ValueError with a reason an officer can read when the code is malformed.
    """
    text = _HS_SEPARATORS.sub("", str(value).strip())
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"HS code {value!r} must contain only digits, dots and spaces")
    if not 4 <= len(text) <= 10:
        raise ValueError(f"HS code {value!r} has {len(text)} digits; 4 to 10 are allowed")
    return text


@lru_cache(maxsize=None)
def _known_countries() -> frozenset[str]:
    from rigour.territories import get_territories

    codes = {
        t.code.upper()
        for t in get_territories()
        if len(t.code) == 2 and t.code.isalpha() and (t.is_country or t.is_jurisdiction)
    }
    # ISO 3166-1 user-assigned codes (AA, QM-QZ, XA-XZ, ZZ) are placeholders, except Kosovo's XK
    # which customs and sanctions lists use.
    user_assigned = {"AA", "ZZ"} | {f"Q{c}" for c in "MNOPQRSTUVWXYZ"} | {f"X{c}" for c in "ABCDEFGHIJLMNOPQRSTUVWXYZ"}
    return frozenset(codes - user_assigned)


def normalise_country(value: str) -> str:
    """Return an upper-case ISO 3166-1 alpha-2 code or raise ValueError."""
    code = str(value).strip().upper()
    if len(code) != 2 or code not in _known_countries():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code
