"""Build kordon/synth/data/: the real statistics the synthetic generator is shaped on.

  kz_partners_2023.csv  Kazakhstan's exports and imports by partner country, 2023, thousand USD
                        (Bureau of National Statistics, via trade_statistics/)
  heading_weights.csv   how often each TN VED heading occurs among 9,999 real declaration goods lines
                        (tnved_labelled/; only the counts are kept, not the texts)

Usage: python scripts/build_synth_tables.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gzip
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "kordon" / "synth" / "data"
ISO2 = {
    "Россия": "RU", "Китай": "CN", "Италия": "IT", "Республика Корея": "KR", "Турция": "TR", "Нидерланды": "NL",
    "Узбекистан": "UZ", "Франция": "FR", "Соединенные Штаты Америки": "US", "Германия": "DE", "Румыния": "RO",
    "Греция": "GR", "Япония": "JP", "Испания": "ES", "Сингапур": "SG", "Кыргызстан": "KG", "Швейцария": "CH",
    "Польша": "PL", "Соединенное Королевство": "GB", "Таджикистан": "TJ", "Индия": "IN", "Вьетнам": "VN",
    "Беларусь": "BY", "Афганистан": "AF", "Чешская Республика": "CZ", "Туркменистан": "TM", "Азербайджан": "AZ",
    "Бельгия": "BE", "Армения": "AM", "Грузия": "GE", "Объединенные Арабские Эмираты": "AE", "Монголия": "MN",
    "Австрия": "AT", "Финляндия": "FI", "Малайзия": "MY", "Иран": "IR", "Израиль": "IL", "Таиланд": "TH",
}


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with open(shared / "trade_statistics" / "kazakhstan_bns_foreign_trade_by_country_2018_2023.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["year"] == "2023" and r["country_ru"] in ISO2:
                rows.append((ISO2[r["country_ru"]], r["country_ru"], float(r["export_kusd"] or 0), float(r["import_kusd"] or 0)))
    with open(OUT / "kz_partners_2023.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iso2", "country_ru", "export_kusd", "import_kusd"])
        for row in sorted(rows, key=lambda r: -(r[2] + r[3])):
            w.writerow([row[0], row[1], f"{row[2]:.1f}", f"{row[3]:.1f}"])
    counts: Counter = Counter()
    with gzip.open(shared / "tnved_labelled" / "fts_declaration_goods_descriptions_hs4_sample.csv.gz", "rt", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            counts[r["tnved4"].zfill(4)] += 1
    with open(OUT / "heading_weights.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["heading", "lines"])
        for h, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            w.writerow([h, n])
    print(f"{len(rows)} partners, {len(counts)} headings → {OUT}")


if __name__ == "__main__":
    main()
