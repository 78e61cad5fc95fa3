"""Eurostat Comext extracts: one row per reporter, partner, flow and period
(columns reporter, partner, partner_iso2, flow, period, value_eur[, product])."""
from __future__ import annotations

from pathlib import Path

from kordon.ingest.trade.csvfile import dict_rows, display_name
from kordon.ingest.trade.records import TradeRecord, clean_hs, parse_flow, parse_number, parse_year_month
from kordon.ingest.trade.report import IngestReport, RowError
from kordon.monitor.countries import CountryTable, countries

REQUIRED = ("reporter", "flow", "period")


def _value_column(header: list[str]) -> tuple[str, str]:
    for col in header:
        low = col.lower()
        if low.startswith("value_"):
            return col, low.split("_", 1)[1].upper()
    if "value" in header:
        return "value", "EUR"  # Comext publishes euro values
    raise ValueError("no value column (value or value_<currency>)")


def read_eurostat(path: str | Path, table: CountryTable | None = None) -> tuple[list[TradeRecord], IngestReport]:
    path = Path(path)
    table = table or countries()
    report = IngestReport("eurostat", display_name(path))
    out: list[TradeRecord] = []
    value_col: str | None = None
    currency = ""
    for line, row in dict_rows(path):
        if value_col is None:
            header = list(row)
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ValueError(f"{report.file}: missing column(s) {', '.join(missing)}")
            value_col, currency = _value_column(header)
        report.read += 1
        try:
            reporter = table.from_name(row["reporter"] or "")
            if reporter is None:
                raise RowError("reporter", "unknown reporter", row["reporter"])
            iso2 = (row.get("partner_iso2") or "").strip().upper()
            partner = iso2 if iso2 in table.by_code else table.from_name(row.get("partner") or "")
            if partner is None:
                raise RowError("partner", "unknown partner", iso2 or row.get("partner"))
            year, month = parse_year_month(row["period"])
            out.append(TradeRecord(
                reporter=reporter, partner=partner, flow=parse_flow(row["flow"]), year=year, month=month,
                hs_code=clean_hs(row.get("product") or "TOTAL"), hs_edition=None,
                value=parse_number(row[value_col or ""], value_col or "", required=True), currency=currency,
                quantity=None, quantity_unit=None, net_mass_kg=None,
                # Comext values exports FOB and imports CIF at the EU border.
                valuation="FOB" if row["flow"].strip().upper() == "EXPORT" else "CIF",
                line=line,
            ))
        except RowError as err:
            report.reject(line, err)
    report.accepted = report.records = len(out)
    return out, report
