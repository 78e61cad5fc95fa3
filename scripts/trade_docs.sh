#!/usr/bin/env bash
# Rebuild the tables and charts in docs/trade.md from the shared real data.
# Usage: bash scripts/trade_docs.sh   (needs pip install -e '.[trade]')
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${KORDON_SHARED_DATA:-../shared/data}/trade_statistics"
export KORDON_TRADE_DB="${KORDON_TRADE_DB:-$(mktemp -d)/trade.duckdb}"
export COLUMNS=160
K="python -m kordon.interfaces.cli.trade"   # = `kordon trade` once registered
IMG=docs/img/trade
mkdir -p "$IMG"

$K ingest eurostat "$DATA/eurostat_comext_eu_member_trade_with_RU_KZ_KG_AM_UZ_GE_monthly_total.csv"
$K ingest bns "$DATA/kazakhstan_bns_foreign_trade_by_country_2018_2023.csv"
$K ingest comtrade "$DATA"/armenia_tvyal/comtrade_*.csv*

for p in RU KZ KG AM; do
  $K change -r EU27 -p $p --period 2023 --base 2021
done
$K change -r EU27 -p KG --period 2023-01:2023-05 --base 2022-01:2022-05 --png $IMG/change_eu27_kg.png
$K change -r KZ -p RU --period 2023 --base 2022
$K change -r AM -p RU -g hs:8703 --period 2023 --base 2021 --top 5 --png $IMG/change_am_ru_cars.png
$K mirror --a EU --b KZ --currency USD --source-a eurostat --years 2019:2023 --png $IMG/mirror_eu_kz.png
$K mirror --a EU --b KZ --currency USD --source-a eurostat --years 2019:2023 --cif-fob 1.05
$K diversion --bloc EU27 --transit KZ --destination RU --baseline 2019:2021 --png $IMG/diversion_eu_kz_ru.png
$K anomalies -r AM -p RU -g hs:8703 --min-value 1000000 --since 2022 --png $IMG/anomalies_am_ru_cars.png
$K change -r EU27 -p KG --period 2023-01:2023-05 --base 2022-01:2022-05 --html $IMG/report_eu27_kg.html
