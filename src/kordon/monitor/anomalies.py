"""Monthly spikes: a code-and-partner series against its own recent past.

Each month is compared with the median of the previous `window` months
(missing months count as zero once the series has started). The spread is
the median absolute deviation, scaled to be comparable with a standard
deviation; a month whose robust z-score passes `threshold` is flagged.
Series that jump from a zero median cannot be scored this way and are
flagged as 'from zero' when the value passes `min_value`.
"""
from __future__ import annotations

from kordon.monitor.result import Result
from kordon.monitor.selection import Slice, plan


def anomalies(
    con,
    *,
    reporter,
    partner=None,
    flow: str = "export",
    group: str | None = None,
    source: str | None = None,
    currency: str | None = None,
    level: int | None = None,
    window: int = 12,
    min_history: int = 6,
    threshold: float = 3.5,
    min_value: float = 0.0,
    since: str | None = None,
) -> Result:
    if window < 3:
        raise ValueError("window must be at least 3 months")
    want = plan(reporter=reporter, partner=partner, flow=flow, group=group, source=source,
                currency=currency, level=level)
    with Slice(con, [want]) as sl:
        return _score(con, sl.resolve(want), window, min_history, threshold, min_value, since)


def _score(con, sel, window, min_history, threshold, min_value, since) -> Result:
    since_m = 0
    if since:
        y, _, mo = since.partition("-")
        since_m = int(y) * 12 + (int(mo) - 1 if mo else 0)
    body = f"""
    , s AS (
        SELECT partner, hs_code, year * 12 + month - 1 AS m, sum(value) AS v
        FROM sel WHERE month IS NOT NULL GROUP BY ALL
    ), span AS (
        SELECT partner, hs_code, min(m) AS lo FROM s GROUP BY ALL
    ), cal AS (
        SELECT span.partner, span.hs_code, unnest(range(span.lo, (SELECT max(m) FROM s) + 1)) AS m FROM span
    ), filled AS (
        SELECT cal.partner, cal.hs_code, cal.m, coalesce(s.v, 0) AS v
        FROM cal LEFT JOIN s USING (partner, hs_code, m)
    ), scored AS (
        SELECT *,
            median(v) OVER w AS med,
            mad(v) OVER w AS mad,
            count(*) OVER w AS n
        FROM filled
        WINDOW w AS (PARTITION BY partner, hs_code ORDER BY m ROWS BETWEEN {int(window)} PRECEDING AND 1 PRECEDING)
    )
    SELECT partner, hs_code, m // 12 AS year, m % 12 + 1 AS month, v AS value, med AS median, mad,
        CASE WHEN mad > 0 THEN (v - med) / (1.4826 * mad) END AS robust_z,
        CASE WHEN med > 0 THEN v / med END AS ratio,
        CASE WHEN mad > 0 AND (v - med) / (1.4826 * mad) >= $threshold AND v >= $min_value THEN 'spike'
             WHEN mad > 0 AND (v - med) / (1.4826 * mad) <= -$threshold AND med >= $min_value THEN 'drop'
             WHEN coalesce(mad, 0) = 0 AND med = 0 AND v > 0 AND v >= $min_value THEN 'from zero'
             WHEN coalesce(mad, 0) = 0 AND med > 0 AND v >= $min_value AND v > 2 * med THEN 'spike'
        END AS flag
    FROM scored WHERE n >= $min_history AND m >= $since_m
    """
    df = con.execute(
        f"WITH sel AS ({sel.sql}){body}",
        {**sel.params, "threshold": threshold, "min_value": min_value,
         "min_history": min_history, "since_m": since_m},
    ).fetchdf()
    flags = df[df.flag.notna()].sort_values(["year", "month", "partner", "hs_code"]).reset_index(drop=True)
    title = (f"Anomalies: {sel.flow} {','.join(sel.reporters)} -> {','.join(sel.partners or ['any'])}, "
             f"{sel.group.label}, window {window} months, |z| >= {threshold:g}")
    return Result("anomalies", title, {"flags": flags, "series": df},
                  {"window": window, "threshold": threshold, "currency": sel.currency}, sel.notes)
