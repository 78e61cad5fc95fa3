"""Kazakhstan Bureau of National Statistics: annual trade by partner country,
in THOUSAND US dollars (columns year, country_ru, export_kusd, import_kusd)."""
from __future__ import annotations

from pathlib import Path

from kordon.ingest.trade.csvfile import dict_rows, display_name
from kordon.ingest.trade.records import TradeRecord, parse_number, parse_year_month
from kordon.ingest.trade.report import IngestReport, RowError
from kordon.monitor.countries import CountryTable, countries

REQUIRED = ("year", "country_ru", "export_kusd", "import_kusd")


def read_bns(path: str | Path, table: CountryTable | None = None, reporter: str = "KZ") -> tuple[list[TradeRecord], IngestReport]:
    path = Path(path)
    table = table or countries()
    report = IngestReport("bns", display_name(path))
    out: list[TradeRecord] = []
    checked = False
    for line, row in dict_rows(path):
        if not checked:
            missing = [c for c in REQUIRED if c not in row]
            if missing:
                raise ValueError(f"{report.file}: missing column(s) {', '.join(missing)}")
            checked = True
        report.read += 1
        try:
            partner = table.from_name(row["country_ru"] or "")
            if partner is None:
                raise RowError("country_ru", "unknown country name", row["country_ru"])
            year, month = parse_year_month(row["year"], "year")
            for flow, col in (("export", "export_kusd"), ("import", "import_kusd")):
                v = parse_number(row[col], col, required=False)
                if v is None:  # BNS leaves the cell empty when there was no trade
                    continue
                out.append(TradeRecord(
                    reporter=reporter, partner=partner, flow=flow, year=year, month=month,
                    hs_code="TOTAL", hs_edition=None, value=v * 1000.0, currency="USD",
                    quantity=None, quantity_unit=None, net_mass_kg=None,
                    valuation="FOB" if flow == "export" else "CIF", line=line,
                ))
        except RowError as err:
            report.reject(line, err)
    report.accepted = report.read - report.rejected
    report.records = len(out)
    return out, report
