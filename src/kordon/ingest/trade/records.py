"""The one row shape every trade source is turned into before loading."""
from __future__ import annotations

import math
from typing import Literal, NamedTuple, overload

from kordon.ingest.trade.report import RowError

FLOWS = {
    "x": "export", "export": "export", "exports": "export",
    "m": "import", "import": "import", "imports": "import",
    "rx": "re-export", "re-export": "re-export", "reexport": "re-export",
    "rm": "re-import", "re-import": "re-import", "reimport": "re-import",
    "transit": "transit",
}


class TradeRecord(NamedTuple):
    reporter: str
    partner: str
    flow: str
    year: int
    month: int | None  # None = annual figure
    hs_code: str  # "TOTAL" for all goods
    hs_edition: str | None
    value: float
    currency: str
    quantity: float | None
    quantity_unit: str | None
    net_mass_kg: float | None
    valuation: str | None  # FOB / CIF when the source says so
    line: int


COLUMNS = list(TradeRecord._fields)


def parse_flow(raw: str) -> str:
    f = FLOWS.get((raw or "").strip().lower())
    if f is None:
        raise RowError("flow", "unknown trade flow", raw)
    return f


@overload
def parse_number(raw: object, name: str, *, required: Literal[True]) -> float: ...
@overload
def parse_number(raw: object, name: str, *, required: bool) -> float | None: ...
def parse_number(raw: object, name: str, *, required: bool) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "NA", "N/A", "..", "-")):
        if required:
            raise RowError(name, "missing", raw)
        return None
    try:
        v = float(str(raw).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        raise RowError(name, "not a number", raw) from None
    if math.isnan(v) or math.isinf(v):
        raise RowError(name, "not a finite number", raw)
    if v < 0:
        raise RowError(name, "negative", raw)
    return v


def parse_year_month(raw: str, name: str = "period") -> tuple[int, int | None]:
    """'2023', '2023-05', '202305', '2023-05-01' -> (2023, 5)."""
    s = (raw or "").strip()
    digits = s.replace("-", "")[:6]
    if not digits.isdigit() or len(digits) not in (4, 6):
        raise RowError(name, "expected YYYY, YYYY-MM or YYYYMM", raw)
    year = int(digits[:4])
    month = int(digits[4:6]) if len(digits) == 6 else None
    if not 1900 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise RowError(name, "year or month out of range", raw)
    return year, month


def infer_hs_edition(year: int) -> str:
    # Comtrade legacy extracts do not say which HS edition they use; reporters
    # switch with the WCO calendar, so the year is the best available guess.
    if year >= 2022:
        return "HS2022"
    if year >= 2017:
        return "HS2017"
    return "HS2012"


def clean_hs(raw: str) -> str:
    s = (raw or "").strip().upper()
    if s in ("TOTAL", "ALL"):
        return "TOTAL"
    s = s.replace(".", "").replace(" ", "")
    if not s.isdigit() or len(s) not in (2, 4, 6, 8, 10):
        raise RowError("hs_code", "expected 2, 4, 6, 8 or 10 digits or TOTAL", raw)
    return s
