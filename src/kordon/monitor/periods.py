"""Period arithmetic on month indices (year*12 + month-1).

'2023' is Jan-Dec 2023, '2023-01:2023-05' is Jan-May, '2019:2021' three
whole years. Annual rows only count when the period covers whole years: an
annual figure cannot be split into months honestly.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: int  # month index, inclusive
    end: int  # month index, inclusive
    text: str

    @property
    def months(self) -> int:
        return self.end - self.start + 1

    @property
    def whole_years(self) -> bool:
        return self.start % 12 == 0 and self.end % 12 == 11


def _point(s: str, is_end: bool) -> int:
    s = s.strip()
    if len(s) == 4 and s.isdigit():
        return int(s) * 12 + (11 if is_end else 0)
    parts = s.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4 and 1 <= int(parts[1]) <= 12:
        return int(parts[0]) * 12 + int(parts[1]) - 1
    raise ValueError(f"bad period {s!r}: use YYYY, YYYY-MM or a range like 2023-01:2023-05")


def parse_period(text: str) -> Period:
    lo, sep, hi = text.partition(":")
    start, end = _point(lo, False), _point(hi if sep else lo, True)
    if end < start:
        raise ValueError(f"period {text!r} ends before it starts")
    return Period(start, end, text)


def label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"
