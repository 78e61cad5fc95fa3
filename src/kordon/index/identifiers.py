"""Registry identifiers: validate and normalise, so that an identifier match can decide on its own.

Russian INN/OGRN, IMO and LEI checks come from python-stdnum; the Kazakh BIN/IIN check digit is
ours (stdnum has none): check = sum(d_i × i, i=1..11) mod 11; if 10, weights 3..11,1,2; if 10 again
the number is invalid (see DOMAIN.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Aliases a declaration or a list may use for a scheme.
SCHEME_ALIASES = {
    "bin": "kz_bin", "iin": "kz_iin", "bin_iin": "kz_bin", "kz_bin": "kz_bin", "kz_iin": "kz_iin",
    "inn": "ru_inn", "ru_inn": "ru_inn", "tax_id": "tax", "tax": "tax", "ogrn": "ru_ogrn", "ogrnip": "ru_ogrn", "ru_ogrn": "ru_ogrn",
    "imo": "imo", "lei": "lei", "swift": "swift", "bic": "swift", "registration": "reg", "reg": "reg",
    "passport": "passport", "national_id": "national_id",
}
STRONG = {"kz_bin", "kz_iin", "ru_inn", "ru_ogrn", "imo", "lei", "swift"}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def kz_check_digit(first11: str) -> int | None:
    """The check digit of a Kazakh BIN/IIN from its first 11 digits (weights 1..11, then 3..11, 1, 2);
    None where both passes give 10: no number is issued with such a body."""
    nums = [int(c) for c in first11]
    check = sum(n * w for n, w in zip(nums, range(1, 12))) % 11
    if check == 10:
        check = sum(n * w for n, w in zip(nums, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return None if check == 10 else check


def kz_bin_iin_valid(value: str) -> bool:
    d = _digits(value)
    return len(d) == 12 and kz_check_digit(d[:11]) == int(d[11])


def _stdnum_valid(scheme: str, value: str) -> bool:
    if scheme == "ru_inn":
        from stdnum.ru import inn

        return inn.is_valid(value)
    if scheme == "ru_ogrn":
        from stdnum.ru import ogrn

        return ogrn.is_valid(value)
    if scheme == "imo":
        from stdnum import imo

        return imo.is_valid(value)
    if scheme == "lei":
        from stdnum import lei

        return lei.is_valid(value)
    return True


@dataclass(frozen=True)
class Identifier:
    scheme: str
    value: str
    valid: bool

    @property
    def key(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def strong(self) -> bool:
        return self.valid and self.scheme in STRONG


def normalise(scheme: str, value: str) -> Identifier:
    """Canonical scheme and value; `valid` is False when a checksum or format fails."""
    scheme = SCHEME_ALIASES.get(scheme.strip().lower(), scheme.strip().lower())
    raw = value.strip()
    if scheme in ("kz_bin", "kz_iin"):
        v = _digits(raw)
        return Identifier(scheme if scheme == "kz_iin" else "kz_bin", v, kz_bin_iin_valid(v))
    if scheme in ("ru_inn", "ru_ogrn"):
        v = _digits(raw)
        return Identifier(scheme, v, _stdnum_valid(scheme, v))
    if scheme == "imo":
        v = _digits(raw)
        return Identifier(scheme, v, len(v) == 7 and _stdnum_valid("imo", "IMO " + v))
    if scheme in ("lei", "swift"):
        v = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
        ok = _stdnum_valid("lei", v) if scheme == "lei" else bool(re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", v))
        # A BIC's branch part does not change the institution.
        return Identifier(scheme, v[:8] if scheme == "swift" else v, ok)
    v = re.sub(r"[\s\-./]", "", raw).upper()
    return Identifier(scheme, v, bool(v))


def equivalent_keys(ident: Identifier) -> list[str]:
    """Index keys: a 12-digit Kazakh number is both a BIN and an IIN slot; 'tax' numbers also try INN."""
    keys = [ident.key]
    if ident.scheme in ("kz_bin", "kz_iin"):
        keys = [f"kz_bin:{ident.value}"]
    if ident.scheme == "tax" and ident.value.isdigit() and len(ident.value) in (10, 12):
        keys.append(f"ru_inn:{ident.value}")
    return keys


# Identifiers written into list remarks, e.g. OFAC "Tax ID No. 7701234567 (Russia)".
_REMARK_PATTERNS = [
    ("ru_inn", re.compile(r"(?:Tax ID No\.|INN)\s*:?\s*(\d{10}|\d{12})\b")),
    ("ru_ogrn", re.compile(r"(?:Registration (?:ID|Number)|OGRN)\s*:?\s*(\d{13}|\d{15})\b")),
    ("kz_bin", re.compile(r"(?:Business Identification Number|BIN|Registration (?:ID|Number))\s*:?\s*(\d{12})\b")),
    ("imo", re.compile(r"IMO\s*(\d{7})\b")),
    ("lei", re.compile(r"Legal Entity Number\s*([0-9A-Z]{20})\b")),
    ("swift", re.compile(r"SWIFT/BIC\s*([A-Z0-9]{8,11})\b")),
]


def from_text(text: str) -> list[Identifier]:
    found = []
    for scheme, pattern in _REMARK_PATTERNS:
        for m in pattern.finditer(text or ""):
            ident = normalise(scheme, m.group(1))
            if ident.valid:
                found.append(ident)
    return found
