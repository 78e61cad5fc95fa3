"""Mirror statistics: what A says it sent to B against what B says it got
from A. Imports are valued CIF and exports FOB, so imports are divided by a
CIF/FOB factor before the gap is taken; transit, timing and origin-vs-
destination rules also open gaps, so a gap is a question, not a verdict."""
from __future__ import annotations


from kordon.monitor.result import Result
from kordon.monitor.selection import Slice, plan


def mirror(
    con,
    *,
    a: str,
    b: str,
    by: str = "year",
    group: str | None = None,
    by_code: bool = False,
    cif_fob: float = 1.0,
    source_a: str | None = None,
    source_b: str | None = None,
    currency: str | None = None,
    level: int | None = None,
    years: str | None = None,
) -> Result:
    if by not in ("year", "month"):
        raise ValueError("by must be 'year' or 'month'")
    if cif_fob <= 0:
        raise ValueError("the CIF/FOB factor must be positive (1.0 = no adjustment)")
    want_exp = plan(reporter=a, partner=b, flow="export", group=group, source=source_a,
                    level=level, currency=currency)
    want_imp = plan(reporter=b, partner=a, flow="import", group=group, source=source_b,
                    level=level, currency=currency)
    span = None
    if years:
        lo, _, hi = years.partition(":")
        span = (int(lo), int(hi or lo))
    # Both sides in one scan of the table.
    with Slice(con, [want_exp, want_imp], span) as sl:
        exp = sl.resolve(want_exp)
        want_imp.currency = want_imp.currency or exp.currency
        imp = sl.resolve(want_imp)
        return _compare(con, exp, imp, by, by_code, cif_fob, years)


def _compare(con, exp, imp, by, by_code, cif_fob, years) -> Result:
    keys = ["year"] + (["month"] if by == "month" else []) + (["hs_code"] if by_code else [])
    month_filter = "WHERE month IS NOT NULL" if by == "month" else ""
    cols = ", ".join(keys)

    def side(s):
        if by == "year":
            # A year is complete only with 12 months (or an annual figure);
            # comparing 8 months of one side with a full year of the other is noise.
            q = (f"SELECT {cols}, sum(value) AS value, "
                 "bool_or(month IS NULL) OR count(DISTINCT month) = 12 AS complete "
                 f"FROM sel GROUP BY {cols}")
        else:
            q = f"SELECT {cols}, sum(value) AS value, true AS complete FROM sel {month_filter} GROUP BY {cols}"
        return s.query(con, q)

    left, right = side(exp), side(imp)
    df = left.merge(right, on=keys, how="outer", suffixes=("_a", "_b"))
    df = df.rename(columns={"value_a": "a_exports", "value_b": "b_imports"})
    df["complete"] = df.complete_a.fillna(False).astype(bool) & df.complete_b.fillna(False).astype(bool)
    df = df.drop(columns=["complete_a", "complete_b"])
    if years:
        lo, _, hi = years.partition(":")
        df = df[(df.year >= int(lo)) & (df.year <= int(hi or lo))]
    df["b_imports_fob"] = df.b_imports / cif_fob
    df["gap"] = df.a_exports - df.b_imports_fob
    df["gap_pct_of_exports"] = df.gap / df.a_exports * 100
    df = df.sort_values(keys).reset_index(drop=True)
    df.insert(0, "a", ",".join(exp.reporters))
    df.insert(1, "b", ",".join(imp.reporters))
    title = (f"Mirror: {','.join(exp.reporters)} exports to {','.join(imp.reporters)} vs "
             f"{','.join(imp.reporters)} imports from {','.join(exp.reporters)}, {exp.group.label}, "
             f"{exp.currency}, CIF/FOB {cif_fob:g}")
    notes = sorted(set(exp.notes + imp.notes))
    if not df.complete.all():
        notes.append("rows with complete=False cover part of a year on at least one side")
    return Result("mirror", title, {"mirror": df},
                  {"cif_fob": cif_fob, "currency": exp.currency, "by": by}, notes)
