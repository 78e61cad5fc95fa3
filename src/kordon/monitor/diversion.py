"""Diversion indicators after the EBRD 'Eurasian roundabout' idea: if EU
exports to Kazakhstan grow while Kazakhstan's exports to Russia grow with
them, against a pre-2022 baseline, goods may be passing through; if the
growth is larger for sanctioned goods than for the rest, more so.

Two tables:
- index: value per leg (bloc->transit, transit->destination,
  bloc->destination) and product group, per year, as 100 x the average
  monthly value over the average monthly value of the baseline;
- did: for a treated and a control group, log growth of treated minus log
  growth of control per leg (exp(did)-1 is the 'x% more' figure).
"""
from __future__ import annotations

import math

import pandas as pd

from kordon.monitor.periods import parse_period
from kordon.monitor.result import Result
from kordon.monitor.selection import Slice, SelectionError, plan


def _leg_values(con, sl, name, want, by, notes):
    try:
        sel = sl.resolve(want)
    except SelectionError as err:
        return None, str(err)
    notes.extend(f"{name} ({sel.group.id}): {n}" for n in sel.notes)
    if by == "month":
        q = ("SELECT year, month, year * 12 + month - 1 AS m0, year * 12 + month - 1 AS m1, sum(value) AS value "
             "FROM sel WHERE month IS NOT NULL GROUP BY year, month")
    else:
        q = ("SELECT year, NULL::INTEGER AS month, min(year * 12 + coalesce(month, 1) - 1) AS m0, "
             "max(year * 12 + coalesce(month, 12) - 1) AS m1, sum(value) AS value, "
             "count(DISTINCT coalesce(month, 0)) AS n_months, bool_or(month IS NULL) AS annual "
             "FROM sel GROUP BY year")
    df = sel.query(con, q)
    if by != "month":
        df["months"] = [12 if a else n for a, n in zip(df.annual, df.n_months)]
        df = df.drop(columns=["n_months", "annual"])
    else:
        df["months"] = 1
    df["leg"] = name
    df["group"] = sel.group.id
    df["currency"] = sel.currency
    return df, None


def diversion(
    con,
    *,
    bloc: str = "EU27",
    transit: str = "KZ,KG,AM",
    destination: str = "RU",
    groups: tuple[str | None, ...] = (),
    treated: str | None = None,
    control: str | None = None,
    baseline: str = "2019:2021",
    by: str = "year",
    source_bloc: str | None = None,
    source_transit: str | None = None,
    currency: str | None = None,
    level: int | None = None,
) -> Result:
    base = parse_period(baseline)
    legs = [
        ("bloc->transit", bloc, transit, source_bloc),
        ("transit->destination", transit, destination, source_transit),
        ("bloc->destination", bloc, destination, source_bloc),
    ]
    if bool(treated) != bool(control):
        raise ValueError("give both a treated and a control group, or neither")
    pair = [treated, control] if treated else []
    all_groups = list(dict.fromkeys([*groups, *pair])) or [None]
    frames: list = []
    missing: list[str] = []
    sel_notes: list[str] = []
    wants = [(g, name, plan(reporter=rep, partner=par, flow="export", group=g, source=src,
                            currency=currency, level=level))
             for g in all_groups for name, rep, par, src in legs]
    # Three legs times the groups are one scan of the table, not one each.
    with Slice(con, [w for *_, w in wants]) as sl:
        for g, name, want in wants:
            df, err = _leg_values(con, sl, name, want, by, sel_notes)
            if df is None:
                missing.append(f"{name} ({g or 'TOTAL'}): {err}")
            else:
                frames.append(df)
    if not frames:
        raise SelectionError("no leg has data: " + "; ".join(missing))
    data = pd.concat(frames, ignore_index=True)
    data["per_month"] = data.value / data.months
    in_base = (data.m0 >= base.start) & (data.m1 <= base.end)
    base_avg = (data[in_base].groupby(["leg", "group"]).apply(
        lambda d: d.value.sum() / d.months.sum(), include_groups=False).rename("baseline_per_month"))
    data = data.join(base_avg, on=["leg", "group"])
    data["index"] = data.per_month / data.baseline_per_month * 100
    index = data[["leg", "group", "year", "month", "months", "value", "currency", "index"]].sort_values(
        ["group", "leg", "year", "month"]).reset_index(drop=True)

    tables = {"index": index}
    notes = [f"baseline {base.text}; index = 100 x average monthly value / baseline average monthly value"]
    notes += [f"no data for {m}" for m in missing] + list(dict.fromkeys(sel_notes))
    if treated and control:
        post = data[data.m0 > base.end]
        rows = []
        for leg in data.leg.unique():
            def growth(g, leg=leg):  # leg bound now (B023), though growth is called in this iteration only
                b = data[(data.leg == leg) & (data.group == g) & in_base]
                p = post[(post.leg == leg) & (post.group == g)]
                if b.value.sum() <= 0 or p.value.sum() <= 0:
                    return None
                return math.log((p.value.sum() / p.months.sum()) / (b.value.sum() / b.months.sum()))
            gt, gc = growth(data_group_id(treated)), growth(data_group_id(control))
            did = None if gt is None or gc is None else gt - gc
            rows.append({"leg": leg, "treated": data_group_id(treated), "control": data_group_id(control),
                         "log_growth_treated": gt, "log_growth_control": gc, "did": did,
                         "did_pct": None if did is None else (math.exp(did) - 1) * 100})
        tables["did"] = pd.DataFrame(rows)
        notes.append("did = log growth (post vs baseline, per month) of treated minus control; "
                     "did_pct = exp(did) - 1")
    title = f"Diversion: {bloc} -> {transit} -> {destination}, baseline {base.text}"
    return Result("diversion", title, tables,
                  {"baseline": base.text, "bloc": bloc, "transit": transit, "destination": destination}, notes)


def data_group_id(spec: str | None) -> str:
    from kordon.monitor.groups import resolve_group
    return resolve_group(spec).id
