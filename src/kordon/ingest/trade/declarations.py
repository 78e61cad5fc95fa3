"""kordon's own screened declarations, summed by code, partner and month so
they can sit next to official statistics."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kordon.ingest.trade.records import TradeRecord, clean_hs, infer_hs_edition, parse_flow, parse_number, parse_year_month
from kordon.ingest.trade.report import IngestReport, RowError
from kordon.monitor.countries import CountryTable, countries


def read_declarations(
    items: Iterable[Mapping[str, object]],
    *,
    name: str = "declarations",
    code_digits: int = 6,
    table: CountryTable | None = None,
) -> tuple[list[TradeRecord], IngestReport]:
    """Keys: date (ISO), type (export/import/transit/re-export), reporter and
    partner (ISO2), hs_code, value, currency, net_mass_kg.

    Codes are cut to `code_digits` (HS6 by default) because national 10-digit
    TN VED lines do not exist in the statistics they are compared with.
    """
    table = table or countries()
    report = IngestReport("declarations", name)
    sums: dict[tuple, list[Any]] = {}  # key -> [value, net mass or None]
    first_line: dict[tuple, int] = {}
    for i, item in enumerate(items, start=1):
        report.read += 1
        try:
            year, month = parse_year_month(str(item.get("date") or "")[:7], "date")
            if month is None:
                raise RowError("date", "needs at least year and month", item.get("date"))
            flow = parse_flow(str(item.get("type") or ""))
            codes = []
            for side in ("reporter", "partner"):
                c = str(item.get(side) or "").strip().upper()
                if c not in table.by_code:
                    raise RowError(side, "not an ISO 3166 alpha-2 code", item.get(side))
                codes.append(c)
            hs = clean_hs(str(item.get("hs_code") or ""))
            if hs != "TOTAL":
                hs = hs[:code_digits]
            currency = str(item.get("currency") or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise RowError("currency", "expected a 3-letter ISO 4217 code", item.get("currency"))
            value = parse_number(item.get("value"), "value", required=True)
            mass = parse_number(item.get("net_mass_kg"), "net_mass_kg", required=False)
        except RowError as err:
            report.reject(i, err)
            continue
        key = (codes[0], codes[1], flow, year, month, hs, currency)
        acc = sums.setdefault(key, [0.0, None])
        acc[0] += value
        if mass is not None:
            acc[1] = (acc[1] or 0.0) + mass
        first_line.setdefault(key, i)
    out = [
        TradeRecord(r, p, f, y, m, hs, None if hs == "TOTAL" else infer_hs_edition(y), v, cur, None, None, mass, None, first_line[k])
        for k, (v, mass) in sums.items()
        for (r, p, f, y, m, hs, cur) in [k]
    ]
    report.accepted = report.read - report.rejected
    report.records = len(out)
    return out, report
