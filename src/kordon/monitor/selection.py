"""Turn 'reporter, partner, flow, product group, source, currency' into one
filtered, currency-converted DuckDB relation that every analysis starts from."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

import duckdb

from kordon.monitor.countries import countries
from kordon.monitor.groups import EDITIONS, ProductGroup, group_table, resolve_group

_ids = count()

# Identity, inverse and cross rates through EUR, so one ECB table (EUR->X)
# converts any pair it covers. User rates override the ECB ones at load.
FX_VIEW = """
CREATE OR REPLACE TEMP VIEW fx AS
WITH direct AS (SELECT currency_from f, currency_to t, period, rate FROM fx_rates),
both_ways AS (
    SELECT * FROM direct
    UNION ALL SELECT t, f, period, 1 / rate FROM direct
),
cross_eur AS (
    SELECT a.t f, b.t t, a.period, b.rate / a.rate rate
    FROM both_ways a JOIN both_ways b USING (period)
    WHERE a.f = 'EUR' AND b.f = 'EUR' AND a.t <> b.t
)
SELECT f, t, period, first(rate) rate FROM (
    SELECT *, 0 pref FROM both_ways UNION ALL SELECT *, 1 FROM cross_eur
) GROUP BY f, t, period
"""


class SelectionError(ValueError):
    pass


def codes(values: str | list[str] | tuple[str, ...], what: str) -> list[str]:
    """Accept 'KZ,KG', ['Kazakhstan'], 'Россия' ... and return kordon codes."""
    items = values.split(",") if isinstance(values, str) else list(values)
    out = []
    for v in items:
        c = countries().resolve(v)
        if c is None:
            raise SelectionError(f"unknown {what} {v.strip()!r}")
        out.append(c)
    return out


@dataclass
class Selection:
    reporters: list[str]
    partners: list[str] | None
    flow: str
    group: ProductGroup
    source: str | None = None
    level: int | None = None  # HS digits to use; None = finest present
    currency: str | None = None
    notes: list[str] = field(default_factory=list)
    sql: str = ""  # rows of the selection, values in `currency`
    params: dict = field(default_factory=dict)

    def query(self, con: duckdb.DuckDBPyConnection, body: str, extra: dict | None = None):
        """Run `body` with the selection available as the CTE `sel`."""
        return con.execute(f"WITH sel AS ({self.sql}) {body}", {**self.params, **(extra or {})}).fetchdf()


def select(
    con: duckdb.DuckDBPyConnection,
    *,
    reporter,
    partner=None,
    flow: str = "export",
    group: str | ProductGroup | None = None,
    source: str | None = None,
    level: int | None = None,
    currency: str | None = None,
) -> Selection:
    grp = group if isinstance(group, ProductGroup) else resolve_group(group)
    sel = Selection(codes(reporter, "reporter"), codes(partner, "partner") if partner else None,
                    flow, grp, source, level, currency.upper() if currency else None)
    where = ["reporter IN (SELECT unnest($reporters))", "flow = $flow"]
    params: dict = {"reporters": sel.reporters, "flow": flow}
    if sel.partners is not None:
        where.append("partner IN (SELECT unnest($partners))")
        params["partners"] = sel.partners
    if source:
        where.append("source = $source")
        params["source"] = source
    if grp.is_total:
        where.append("hs_code = 'TOTAL'")
    else:
        gname = f"_grp{next(_ids)}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {gname} (key VARCHAR, len INTEGER)")
        rows = group_table(grp)
        # Edition-free prefixes apply to every edition; spelling each key as
        # 'edition:prefix' turns the match into hash semi-joins, one per prefix
        # length, instead of a prefix scan of every row against every code.
        keys = {(f"{ed}:{p}", len(p)) for e, p in rows for ed in ([e] if e else EDITIONS)}
        ks = sorted(keys)
        con.execute(f"INSERT INTO {gname} SELECT unnest($k), unnest($n)",
                    {"k": [k for k, _ in ks], "n": [n for _, n in ks]})
        lengths = sorted({n for _, n in keys})
        where.append("(" + " OR ".join(
            f"(hs_edition || ':' || left(hs_code, {n})) IN (SELECT key FROM {gname} WHERE len = {n})"
            for n in lengths) + ")")
        if level is None:
            lengths = con.execute(
                f"SELECT DISTINCT length(hs_code) FROM trade t WHERE {' AND '.join(where)}", params
            ).fetchall()
            found = sorted(n for (n,) in lengths)
            # Sources repeat a code at 4 and 6 digits; summing both would double.
            level = 6 if 6 in found else (found[-1] if found else 6)
            sel.level = level
        where.append(f"length(hs_code) = {int(level)}")
    filt = " AND ".join(where)
    srcs = con.execute(
        f"SELECT source, list(DISTINCT currency), list(DISTINCT reporter), list(DISTINCT partner) "
        f"FROM trade t WHERE {filt} GROUP BY source", params
    ).fetchall()
    if not srcs:
        raise SelectionError(
            f"no rows for reporter {','.join(sel.reporters)}, partner "
            f"{','.join(sel.partners) if sel.partners else 'any'}, flow {flow}, group {grp.id}"
            + (f", source {source}" if source else "")
        )
    if len(srcs) > 1 and source is None:
        raise SelectionError(
            f"rows come from several sources ({', '.join(s for s, *_ in srcs)}); choose one with source="
        )
    seen_r = {r for *_, rs, _ in srcs for r in rs}
    seen_p = {p for *_, ps in srcs for p in ps}
    for what, wanted, seen in (("reporter", sel.reporters, seen_r), ("partner", sel.partners or [], seen_p)):
        absent = [c for c in wanted if c not in seen]
        if absent:
            # Summing a country set silently short of members misleads more than an error.
            sel.notes.append(f"no rows for {what} {', '.join(absent)}: sums cover {', '.join(sorted(seen))}")
    currencies = sorted({c for _, cs, *_ in srcs for c in cs})
    if sel.currency is None:
        if len(currencies) > 1:
            raise SelectionError(f"values are in {', '.join(currencies)}; pass a target currency")
        sel.currency = currencies[0]
    base = f"SELECT * FROM trade t WHERE {filt}"
    if currencies == [sel.currency]:
        sql = f"SELECT reporter, partner, flow, year, month, hs_code, value, quantity, quantity_unit, source FROM ({base})"
    else:
        con.execute(FX_VIEW)
        per = "CASE WHEN month IS NULL THEN CAST(year AS VARCHAR) ELSE printf('%04d-%02d', year, month) END"
        conv = (f"SELECT x.*, {per} AS fx_period, fx.rate FROM ({base}) x "
                f"LEFT JOIN fx ON fx.f = x.currency AND fx.t = $target AND fx.period = {per}")
        params["target"] = sel.currency
        missing = con.execute(
            f"SELECT DISTINCT currency, fx_period FROM ({conv}) WHERE currency <> $target AND rate IS NULL ORDER BY 2",
            params,
        ).fetchall()
        if missing:
            shown = ", ".join(f"{c} {p}" for c, p in missing[:8])
            raise SelectionError(f"no exchange rate to {sel.currency} for {shown}; load a rate table")
        sql = (f"SELECT reporter, partner, flow, year, month, hs_code, "
               f"CASE WHEN currency = $target THEN value ELSE value * rate END AS value, "
               f"quantity, quantity_unit, source FROM ({conv})")
        if any(c != sel.currency for c in currencies):
            sel.notes.append(f"converted {', '.join(c for c in currencies if c != sel.currency)} to "
                             f"{sel.currency} at ECB/loaded period-average rates")
    sel.sql, sel.params = sql, params
    return sel
