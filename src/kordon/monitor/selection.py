"""Turn 'reporter, partner, flow, product group, source, currency' into one
filtered, currency-converted DuckDB relation that every analysis starts from."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Any

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

    def where(self) -> list[str]:
        """Conditions on reporter, partner, flow and source, as literals so that DuckDB
        pushes them into the table scan (a parameter list becomes a join instead)."""
        out = [f"reporter IN ({_lit(self.reporters)})", f"flow = {_lit([self.flow])}"]
        if self.partners is not None:
            out.append(f"partner IN ({_lit(self.partners)})")
        if self.source:
            out.append(f"source = {_lit([self.source])}")
        return out

    def group_keys(self) -> dict[int, list[str]]:
        """'edition:prefix' keys by prefix length; edition-free prefixes apply to every edition."""
        keys: dict[int, set[str]] = {}
        for e, p in group_table(self.group):
            for ed in [e] if e else EDITIONS:
                keys.setdefault(len(p), set()).add(f"{ed}:{p}")
        return {n: sorted(k) for n, k in sorted(keys.items())}


def _lit(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _group_filter(keys: dict[int, list[str]], prefix: str) -> str:
    # One hash lookup per prefix length instead of comparing every row with every prefix.
    return "(" + " OR ".join(
        f"(hs_edition || ':' || left(hs_code, {n})) IN (SELECT unnest(${prefix}{n}))" for n in keys) + ")"


def plan(
    *,
    reporter,
    partner=None,
    flow: str = "export",
    group: str | ProductGroup | None = None,
    source: str | None = None,
    level: int | None = None,
    currency: str | None = None,
) -> Selection:
    """What to select, checked (country names, group) but not yet read."""
    grp = group if isinstance(group, ProductGroup) else resolve_group(group)
    return Selection(codes(reporter, "reporter"), codes(partner, "partner") if partner else None,
                     flow, grp, source, level, currency.upper() if currency else None)


class Slice:
    """The rows of several selections, read from `trade` in one scan.

    Every analysis used to scan the table once per selection to check sources,
    currencies and HS levels, and again for its figures; diversion has six
    selections. Here the union of the selections is read once, summed over
    duplicate keys into a small temporary table, and each selection is checked
    and answered from that. Use as a context manager so the table is dropped.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, plans: list[Selection],
                 years: tuple[int, int] | None = None):
        self.con = con
        self.name = f"_slice{next(_ids)}"
        self.params: dict = {}
        any_of: list[str] = []
        group_keys: dict[int, set[str]] = {}
        for p in plans:
            cond = p.where()
            if p.group.is_total:
                cond.append("hs_code = 'TOTAL'")
            else:
                for n, ks in p.group_keys().items():
                    group_keys.setdefault(n, set()).update(ks)
            any_of.append("(" + " AND ".join(cond) + ")")
        # Conditions every selection shares, spelled as plain IN lists, so the scan
        # skips most rows before the per-selection OR is evaluated.
        common = [f"reporter IN ({_lit(sorted({r for p in plans for r in p.reporters}))})",
                  f"flow IN ({_lit(sorted({p.flow for p in plans}))})"]
        if all(p.partners is not None for p in plans):
            common.append(f"partner IN ({_lit(sorted({c for p in plans for c in p.partners or []}))})")
        if years is not None:
            # Only the years an analysis looks at; checks (HS level, rates) then concern those.
            common.append(f"year BETWEEN {int(years[0])} AND {int(years[1])}")
        if all(p.source for p in plans):
            common.append(f"source IN ({_lit(sorted({p.source for p in plans}))})")
        if not any(p.group.is_total for p in plans):
            keys = {n: sorted(k) for n, k in group_keys.items()}
            self.params.update({f"scan{n}": k for n, k in keys.items()})
            common.append(_group_filter(keys, "scan"))
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {self.name} AS
            SELECT source, currency, reporter, partner, flow, year, month, hs_code, hs_edition, quantity_unit,
                   sum(value) AS value, sum(quantity) AS quantity
            FROM trade
            WHERE {' AND '.join(common)} AND ({' OR '.join(any_of)})
            GROUP BY ALL""", self.params)

    def __enter__(self) -> "Slice":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.name}")

    def resolve(self, p: Selection) -> Selection:
        """Check one planned selection against the slice: HS level, one source, one
        currency (converting when a target is given) and countries without rows."""
        sel = Selection(p.reporters, p.partners, p.flow, p.group, p.source, p.level, p.currency)
        params: dict[str, Any] = {}
        filt = " AND ".join(self._where(sel, params))
        srcs = self.con.execute(
            f"SELECT source, list(DISTINCT currency), list(DISTINCT reporter), list(DISTINCT partner) "
            f"FROM {self.name} WHERE {filt} GROUP BY source", params
        ).fetchall()
        _check_sources(sel, srcs)
        currencies = sorted({c for _, cs, *_ in srcs for c in cs})
        if sel.currency is None:
            if len(currencies) > 1:
                raise SelectionError(f"values are in {', '.join(currencies)}; pass a target currency")
            sel.currency = currencies[0]
        sql = self._converted(sel, f"SELECT * FROM {self.name} WHERE {filt}", currencies, params)
        sel.sql, sel.params = sql, params
        return sel

    def _where(self, sel: Selection, params: dict[str, Any]) -> list[str]:
        """Conditions of one selection; picks the HS level when none was asked for."""
        where = sel.where()
        if sel.group.is_total:
            return [*where, "hs_code = 'TOTAL'"]
        tag = f"g{next(_ids)}_"
        keys = sel.group_keys()
        params.update({f"{tag}{n}": k for n, k in keys.items()})
        where.append(_group_filter(keys, tag))
        if sel.level is None:
            found = sorted(n for (n,) in self.con.execute(
                f"SELECT DISTINCT length(hs_code) FROM {self.name} WHERE {' AND '.join(where)}", params
            ).fetchall())
            # Sources repeat a code at 4 and 6 digits; summing both would double.
            sel.level = 6 if 6 in found else (found[-1] if found else 6)
        where.append(f"length(hs_code) = {int(sel.level)}")
        return where

    def _converted(self, sel: Selection, base: str, currencies: list[str], params: dict[str, Any]) -> str:
        """The selection's rows with values in sel.currency, converted at period rates where needed."""
        if currencies == [sel.currency]:
            return (f"SELECT reporter, partner, flow, year, month, hs_code, value, quantity, quantity_unit, source "
                    f"FROM ({base})")
        self.con.execute(FX_VIEW)
        per = "CASE WHEN month IS NULL THEN CAST(year AS VARCHAR) ELSE printf('%04d-%02d', year, month) END"
        conv = (f"SELECT x.*, {per} AS fx_period, fx.rate FROM ({base}) x "
                f"LEFT JOIN fx ON fx.f = x.currency AND fx.t = $target AND fx.period = {per}")
        params["target"] = sel.currency
        missing = self.con.execute(
            f"SELECT DISTINCT currency, fx_period FROM ({conv}) WHERE currency <> $target AND rate IS NULL "
            "ORDER BY 2", params,
        ).fetchall()
        if missing:
            shown = ", ".join(f"{c} {p}" for c, p in missing[:8])
            raise SelectionError(f"no exchange rate to {sel.currency} for {shown}; load a rate table")
        sel.notes.append(f"converted {', '.join(c for c in currencies if c != sel.currency)} to "
                         f"{sel.currency} at ECB/loaded period-average rates")
        return (f"SELECT reporter, partner, flow, year, month, hs_code, "
                f"CASE WHEN currency = $target THEN value ELSE value * rate END AS value, "
                f"quantity, quantity_unit, source FROM ({conv})")


def _check_sources(sel: Selection, srcs: list) -> None:
    """One source with rows; a note for every asked-for country without rows."""
    if not srcs:
        raise SelectionError(
            f"no rows for reporter {','.join(sel.reporters)}, partner "
            f"{','.join(sel.partners) if sel.partners else 'any'}, flow {sel.flow}, group {sel.group.id}"
            + (f", source {sel.source}" if sel.source else "")
        )
    if len(srcs) > 1 and sel.source is None:
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
