"""Value rule: a unit value far from the reference for its HS6 (unusual prices, FinCEN/BIS joint alert FIN-2023-ALERT004)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kordon.index.history import history_of, log_unit_value
from kordon.index.hs import format_code
from kordon.ingest.errors import ListFileError
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Declaration, Hit, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import make_hit
from kordon.screen.redflags.common import high_priority
from kordon.screen.registry import rule

MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data


@dataclass(frozen=True)
class ReferencePrice:
    low: float
    high: float
    source: str


def load_price_table(path: str | Path) -> dict[tuple[str, str, str], ReferencePrice]:
    """A reference price table: CSV with hs6, basis (kg or unit:<unit>), currency, low, high, source.

    Put the result in ``ctx.extras["reference_prices"]``; it takes precedence over the history.
    """
    table: dict[tuple[str, str, str], ReferencePrice] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                hs6 = row["hs6"].strip()
                low, high = float(row["low"]), float(row["high"])
                if not (len(hs6) == 6 and hs6.isdigit()) or not 0 < low <= high:
                    raise ValueError("hs6 must be 6 digits and 0 < low <= high")
                table[(hs6, row["basis"].strip(), row["currency"].strip().upper())] = ReferencePrice(low, high, row.get("source") or str(path))
            except (KeyError, ValueError, TypeError) as exc:
                raise ListFileError(f"{path}:{line}: bad reference price row: {exc}") from exc
    return table


@rule("value.unit_value")
def unit_value(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    history = history_of(ctx)
    table = ctx.extras.get("reference_prices") or {}
    min_n = int(spec.params.get("min_observations", 30))
    z_limit = float(spec.params.get("robust_z", 4.0))
    for i, item in enumerate(decl.items):
        luv = log_unit_value(item)
        if luv is None:
            continue
        key, x = luv
        uv = math.exp(x)
        unit = key[1].removeprefix("unit:") or "unit"
        ref = table.get(key)
        if ref is not None:
            if ref.low <= uv <= ref.high:
                continue
            direction = "above" if uv > ref.high else "below"
            evidence = {"unit_value": round(uv, 4), "reference_low": ref.low, "reference_high": ref.high, "reference": ref.source}
            reference_text = f"the reference range {ref.low:g}–{ref.high:g} {key[2]}/{unit} ({ref.source})"
        else:
            stats = history.price_stats(key) if history else None
            if stats is None or stats.n < min_n:
                continue
            spread = max(stats.mad * MAD_TO_SD, 0.05)  # identical prices must not make every cent an outlier
            z = (x - stats.median) / spread
            if abs(z) < z_limit:
                continue
            direction = "above" if z > 0 else "below"
            median = math.exp(stats.median)
            evidence = {"unit_value": round(uv, 4), "median": round(median, 4), "robust_z": round(z, 2), "observations": stats.n}
            reference_text = f"the median {median:.4g} {key[2]}/{unit} of {stats.n} past declarations (robust z {z:+.1f})"
        over_listed = direction == "above" and high_priority(decl, ctx, item)
        yield make_hit(
            spec,
            severity=Severity.high if over_listed else Severity.medium,
            subject=f"items[{i}]",
            explanation=(
                f"Item {i + 1} ({format_code(item.hs_code)}) costs {uv:.4g} {key[2]}/{unit}, far {direction} {reference_text}; "
                + ("overpaying for listed goods is a diversion red flag." if over_listed else "check the invoice against the goods.")
            ),
            evidence={"hs6": key[0], "basis": key[1], "currency": key[2], "direction": direction, **evidence},
        )
