"""Period-on-period change: 'exports of X to Russia fell 88% in Jan-May 2023
against Jan-May 2022', with the codes that drove it."""
from __future__ import annotations

import pandas as pd

from kordon.monitor.periods import label, parse_period
from kordon.monitor.result import Result, pct
from kordon.monitor.selection import Slice, SelectionError, plan


def change(
    con,
    *,
    reporter,
    partner=None,
    flow: str = "export",
    group: str | None = None,
    period: str,
    base: str,
    source: str | None = None,
    currency: str | None = None,
    level: int | None = None,
    top: int = 10,
) -> Result:
    p, b = parse_period(period), parse_period(base)
    want = plan(reporter=reporter, partner=partner, flow=flow, group=group,
                source=source, level=level, currency=currency)
    years = (min(b.start, p.start) // 12, max(b.end, p.end) // 12)
    with Slice(con, [want], years) as sl:
        return _analyse(con, sl.resolve(want), p, b, flow, top)


def _analyse(con, sel, p, b, flow, top) -> Result:
    for per in (p, b):
        if not per.whole_years:
            annual = sel.query(con, "SELECT count(*) n FROM sel WHERE month IS NULL")["n"][0]
            if annual:
                raise SelectionError(f"the data are annual here; {per.text!r} is not a whole number of years")
    # An annual row spans its whole year; it belongs to a period it lies inside.
    def within(per):
        return (f"(CASE WHEN month IS NULL THEN year * 12 >= {per.start} AND year * 12 + 11 <= {per.end} "
                f"ELSE year * 12 + month - 1 BETWEEN {per.start} AND {per.end} END)")

    by_code = sel.query(con, f"""
        SELECT hs_code,
               sum(value) FILTER (WHERE {within(b)}) AS value_base,
               sum(value) FILTER (WHERE {within(p)}) AS value_period,
               sum(quantity) FILTER (WHERE {within(b)}) AS qty_base,
               sum(quantity) FILTER (WHERE {within(p)}) AS qty_period,
               string_agg(DISTINCT quantity_unit, ',') AS qty_unit
        FROM sel WHERE {within(b)} OR {within(p)} GROUP BY hs_code""")
    if by_code.empty:
        raise SelectionError(f"no rows in {b.text} or {p.text}")
    by_code = by_code.fillna({"value_base": 0.0, "value_period": 0.0})
    vb, vp = float(by_code.value_base.sum()), float(by_code.value_period.sum())
    units = {u for us in by_code.qty_unit.dropna() for u in us.split(",")}
    qty_ok = len(units) == 1  # adding kilograms to pieces means nothing
    summary = pd.DataFrame([{
        "reporter": ",".join(sel.reporters), "partner": ",".join(sel.partners or ["any"]),
        "flow": flow, "group": sel.group.id, "base": b.text, "period": p.text,
        "value_base": vb, "value_period": vp, "change": vp - vb, "change_pct": pct(vp, vb),
        "qty_unit": units.pop() if qty_ok else None,
        "qty_base": by_code.qty_base.sum() if qty_ok else None,
        "qty_period": by_code.qty_period.sum() if qty_ok else None,
        "currency": sel.currency,
    }])
    by_code["change"] = by_code.value_period - by_code.value_base
    by_code["change_pct"] = [pct(n, o) for n, o in zip(by_code.value_period, by_code.value_base)]
    total_change = vp - vb
    by_code["share_of_change_pct"] = by_code.change / total_change * 100 if total_change else None
    top_codes = (by_code.reindex(by_code.change.abs().sort_values(ascending=False).index)
                 .head(top).drop(columns=["qty_unit"]).reset_index(drop=True))

    lo, hi = min(b.start, p.start), max(b.end, p.end)
    series = sel.query(con, f"""
        SELECT year, month, sum(value) AS value FROM sel
        WHERE (CASE WHEN month IS NULL THEN year * 12 + 11 >= {lo} AND year * 12 <= {hi}
               ELSE year * 12 + month - 1 BETWEEN {lo} AND {hi} END)
        GROUP BY year, month ORDER BY year, month""")
    series["period"] = [str(y) if pd.isna(mo) else label(int(y) * 12 + int(mo) - 1)
                        for y, mo in zip(series.year, series.month)]
    series["in"] = ["period" if _in(y, mo, p) else "base" if _in(y, mo, b) else ""
                    for y, mo in zip(series.year, series.month)]
    title = (f"{flow.title()} {','.join(sel.reporters)} -> {','.join(sel.partners or ['any'])}, "
             f"{sel.group.label}: {p.text} vs {b.text}")
    warnings = _unlike_periods(p, b, series)
    return Result("change", title, {"summary": summary, "top_codes": top_codes, "series": series},
                  {"period": p.text, "base": b.text, "currency": sel.currency, "level": sel.level}, warnings + sel.notes)


def _unlike_periods(p, b, series: pd.DataFrame) -> list[str]:
    """Warnings when the two periods do not compare like with like: different lengths, or months
    (or the whole period) without data, so a change would partly measure missing data."""
    out = []
    if p.months != b.months:
        out.append(f"warning: {p.text} covers {p.months} month(s) and {b.text} {b.months}; "
                   "the change compares periods of different length")
    for per in (b, p):
        rows = series[series["in"] == ("period" if per is p else "base")]
        covered = sum(12 if pd.isna(mo) else 1 for mo in rows.month)
        if rows.empty or rows.value.sum() == 0:
            out.append(f"warning: no data in {per.text}; the change is measured against nothing")
        elif covered < per.months:
            out.append(f"warning: {per.text} has data for {covered} of its {per.months} months")
    return out


def _in(year, month, per) -> bool:
    if pd.isna(month):
        return year * 12 >= per.start and year * 12 + 11 <= per.end
    return per.start <= year * 12 + int(month) - 1 <= per.end
