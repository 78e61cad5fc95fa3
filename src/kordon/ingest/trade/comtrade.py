"""UN Comtrade records: the current API / bulk columns and the older
comtradr-style columns (trade_flow, partner_iso, trade_value_us ...)."""
from __future__ import annotations

from pathlib import Path

from kordon.ingest.trade.csvfile import dict_rows, display_name
from kordon.ingest.trade.records import (
    TradeRecord, clean_hs, infer_hs_edition, parse_flow, parse_number, parse_year_month,
)
from kordon.ingest.trade.report import IngestReport, RowError
from kordon.monitor.countries import CountryTable, countries

# kordon field -> accepted column names, first found wins.
COLUMNS = {
    "year": ("refYear", "year"),
    "month": ("refMonth", "month"),
    "period": ("period",),
    "flow": ("flowCode", "trade_code", "trade_flow", "flowDesc"),
    "reporter_code": ("reporterCode", "reporter_code"),
    "reporter_iso": ("reporterISO", "reporter_iso"),
    "partner_code": ("partnerCode", "partner_code"),
    "partner_iso": ("partnerISO", "partner_iso"),
    "hs_code": ("cmdCode", "commodity_code"),
    "classification": ("classificationCode",),
    "value": ("primaryValue", "trade_value_us", "TradeValue"),
    "cif": ("cifvalue",),
    "fob": ("fobvalue",),
    "qty": ("qty", "Qty"),
    "qty_unit": ("qtyUnitAbbr", "QtyUnitAbbr"),
    "net_mass": ("netWgt", "netweight_kg"),
    "mot": ("motCode", "mot_code"),
    "partner2": ("partner2Code",),
    "customs": ("customsCode",),
}
# A breakdown column and the value meaning "all of it"; see _drop_breakdowns.
TOTAL_OF = {"mot": "0", "partner2": "0", "customs": "C00"}
EDITIONS = {"H4": "HS2012", "H5": "HS2017", "H6": "HS2022", "H3": "HS2007"}


def _pick(row: dict[str, str], header: set[str], key: str) -> str | None:
    for name in COLUMNS[key]:
        if name in header:
            return row.get(name)
    return None


def _country(table: CountryTable, iso: str | None, code: str | None, field: str) -> str:
    hit = (table.from_alpha3(iso) if iso else None) or (table.from_m49(code) if code else None)
    if hit is None:
        raise RowError(field, "unknown country", iso or code)
    return hit


def _parse(row, header, table, line) -> TradeRecord:
    period = _pick(row, header, "period")
    if period and len(period.replace("-", "")) >= 6:
        year, month = parse_year_month(period.replace("-", "")[:6])
    else:
        y, m = _pick(row, header, "year"), _pick(row, header, "month")
        year, month = parse_year_month(f"{y}{int(m):02d}" if m and m.strip().isdigit() and int(m) else str(y))
    hs = clean_hs(_pick(row, header, "hs_code") or "")
    cls = _pick(row, header, "classification")
    edition = EDITIONS.get((cls or "").strip()) or (None if hs == "TOTAL" else infer_hs_edition(year))
    flow = parse_flow(_pick(row, header, "flow") or "")
    value = parse_number(_pick(row, header, "value"), "value", required=True)
    # Comtrade fills cifvalue for imports and fobvalue for exports.
    valuation = None
    if parse_number(_pick(row, header, "cif"), "cifvalue", required=False):
        valuation = "CIF"
    elif parse_number(_pick(row, header, "fob"), "fobvalue", required=False):
        valuation = "FOB"
    unit = (_pick(row, header, "qty_unit") or "").strip() or None
    qty = parse_number(_pick(row, header, "qty"), "qty", required=False)
    if unit in ("N/A", "-1"):
        unit, qty = None, None
    return TradeRecord(
        reporter=_country(table, _pick(row, header, "reporter_iso"), _pick(row, header, "reporter_code"), "reporter"),
        partner=_country(table, _pick(row, header, "partner_iso"), _pick(row, header, "partner_code"), "partner"),
        flow=flow, year=year, month=month, hs_code=hs, hs_edition=edition, value=value,
        currency="USD", quantity=qty, quantity_unit=unit,
        net_mass_kg=parse_number(_pick(row, header, "net_mass"), "net_mass", required=False),
        valuation=valuation, line=line,
    )


def _drop_breakdowns(rows, header):
    """Comtrade repeats a record per mode of transport / second partner /
    customs procedure, sometimes next to the total. Summing both would count
    twice, so when a file carries the total for a breakdown we keep only it."""
    keep_only = {}
    for key, total in TOTAL_OF.items():
        cols = [c for c in COLUMNS[key] if c in header]
        if cols and any((r.get(cols[0]) or "").strip() == total for _, r in rows):
            keep_only[cols[0]] = total
    out, dropped = [], 0
    for line, r in rows:
        if all((r.get(c) or "").strip() == t for c, t in keep_only.items()):
            out.append((line, r))
        else:
            dropped += 1
    return out, dropped


def read_comtrade(path: str | Path, table: CountryTable | None = None) -> tuple[list[TradeRecord], IngestReport]:
    path = Path(path)
    table = table or countries()
    report = IngestReport("comtrade", display_name(path))
    rows = list(dict_rows(path))
    report.read = len(rows)
    header = set(rows[0][1]) if rows else set()
    missing = [k for k in ("flow", "hs_code", "value") if not any(c in header for c in COLUMNS[k])]
    if rows and missing:
        raise ValueError(f"{report.file}: not a Comtrade table, no column for {', '.join(missing)}")
    rows, report.skipped = _drop_breakdowns(rows, header)
    out = []
    for line, row in rows:
        try:
            out.append(_parse(row, header, table, line))
        except RowError as err:
            report.reject(line, err)
    report.accepted = report.records = len(out)
    return out, report
