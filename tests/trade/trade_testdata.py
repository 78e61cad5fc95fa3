"""Paths and small helpers for the trade tests (a uniquely named module, so
it never collides with other test folders' helpers on sys.path)."""
from __future__ import annotations

import csv
import os
from importlib import resources
from pathlib import Path

DATA = Path(__file__).parent / "data"
EUROSTAT = DATA / "eurostat_comext_eu_member_trade_with_RU_KZ_KG_AM_UZ_GE_monthly_total.csv.gz"
BNS = DATA / "kazakhstan_bns_foreign_trade_by_country_2018_2023.csv"
COMTRADE_AM = DATA / "comtrade_armenia_hs8703_monthly_2017_2023.csv.gz"
REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    env = os.environ.get("KORDON_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def annual_ecb(currency: str) -> dict[str, float]:
    with (resources.files("kordon.data") / "trade" / "ecb_eur_rates.csv").open() as fh:
        return {r["period"]: float(r["rate"]) for r in csv.DictReader(fh)
                if r["currency_to"] == currency and len(r["period"]) == 4}
