"""Scale benchmark for kordon trade monitoring.

Generates a Comtrade-shaped table (reporter, partner, flow, HS6, month,
value, quantity) inside DuckDB with range(), then times the change, mirror
and diversion analyses through kordon's own library functions:

- DuckDB with the data in its file, and after loading into an in-memory
  database, each with every thread count given (--threads 1,2);
- optionally the file after `cluster()` (rows ordered by reporter, flow, partner);
- pandas on the same rows held as a DataFrame of categoricals; the time to load
  the frame from DuckDB is reported on its own line, not inside the queries.

pandas does the same work as kordon's DuckDB path: the same selections and groups, the change with its
top codes and monthly series, the mirror by year with completeness, the diversion index of 3 legs x
2 groups and the DiD. Every figure of the pandas results is checked against kordon's result (and the
DuckDB modes against each other) before the times mean anything; wall and CPU time are printed.

    python benchmarks/trade_scale.py --pandas-rows 20000000 --rows 0 --cluster
    python benchmarks/trade_scale.py --pandas-rows 0 --rows 50000000
    python benchmarks/trade_scale.py --rows 0 --pandas-rows 400000      # smoke run

Data go to a DuckDB file under the temp directory, never into the repo.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from kordon.ingest.trade.store import SCHEMA, cluster
from kordon.monitor.change import change
from kordon.monitor.diversion import diversion
from kordon.monitor.groups import codes_in_edition, resolve_group
from kordon.monitor.mirror import mirror
from kordon.monitor.result import pct

COUNTRIES = ["EU27", "KZ", "KG", "AM", "RU", "BY", "CN", "TR", "AE", "GE", "UZ", "US", "GB", "JP",
             "KR", "IN", "RS", "MN", "VN", "TH", "MY", "IL", "HK", "CH", "NO", "CA", "BR", "ZA",
             "EG", "SA"]
TRANSIT = "KZ,KG,AM"


def hs6_codes() -> list[str]:
    # Real HS2017 subheadings, so product-group joins behave as on real data.
    return sorted(resolve_group("eu_sanctioned").prefixes | resolve_group("eu_not_sanctioned").prefixes)


def generate(con: duckdb.DuckDBPyConnection, rows: int, seed: float = 0.42) -> float:
    con.execute(SCHEMA)
    con.execute("DELETE FROM trade")
    con.execute("CREATE OR REPLACE TABLE countries_b AS SELECT unnest($c) AS code, generate_subscripts($c, 1) - 1 AS i",
                {"c": COUNTRIES})
    codes = hs6_codes()
    con.execute("CREATE OR REPLACE TABLE codes_b AS SELECT unnest($c) AS code, generate_subscripts($c, 1) - 1 AS i",
                {"c": codes})
    nc, nh = len(COUNTRIES), len(codes)
    t = time.perf_counter()
    # hash(i * k) gives independent-looking, reproducible draws per column.
    con.execute(f"""
        INSERT INTO trade
        SELECT 0, 'bench', r.code, p.code, CASE WHEN g.i % 2 = 0 THEN 'export' ELSE 'import' END,
               2019 + (m // 12), m % 12 + 1, h.code, 'HS2017',
               round(exp(4 + 10 * ((hash(g.i * 3) % 1000000) / 1e6)), 2), 'USD',
               (hash(g.i * 5) % 10000)::DOUBLE, 'kg', NULL, NULL, NULL
        FROM (
            SELECT i,
                   hash(i * 7) % {nc} AS ri,
                   (hash(i * 7) % {nc} + 1 + hash(i * 11) % {nc - 1}) % {nc} AS pi,
                   hash(i * 13) % 72 AS m,
                   hash(i * 17) % {nh} AS hi
            FROM range({rows}) t(i)
        ) g
        JOIN countries_b r ON r.i = g.ri
        JOIN countries_b p ON p.i = g.pi
        JOIN codes_b h ON h.i = g.hi
    """)
    return time.perf_counter() - t


# ------------------------------------------------------------------ pandas
# The same three analyses as kordon.monitor's change, mirror and diversion, written for a pandas frame:
# same rows, same groups (the HS2017 subheadings of the built-in groups), same periods, same tables
# (change: summary, top codes, monthly series; mirror: by year with completeness and gap; diversion:
# the index of 3 legs x 2 groups and the DiD). `check` compares every figure with kordon's result.
# The generated data have a month on every row, so the annual-row branches of kordon are not needed.
CHANGE = {"reporter": "EU27", "partner": "KG", "period": (2023 * 12, 2023 * 12 + 4), "base": (2022 * 12, 2022 * 12 + 4)}
LEGS = {"bloc->transit": (["EU27"], ["KZ", "KG", "AM"]), "transit->destination": (["KZ", "KG", "AM"], ["RU"]),
        "bloc->destination": (["EU27"], ["RU"])}
BASELINE = (2019 * 12, 2021 * 12 + 11)


def pandas_change(df, sanctioned17: set[str], top: int = 10) -> dict:
    sel = df[(df.reporter == CHANGE["reporter"]) & (df.partner == CHANGE["partner"]) & (df.flow == "export")
             & df.hs_code.isin(sanctioned17)]
    m = sel.year.astype("int64") * 12 + sel.month.astype("int64") - 1
    (b0, b1), (p0, p1) = CHANGE["base"], CHANGE["period"]
    in_b, in_p = m.between(b0, b1), m.between(p0, p1)
    parts = sel.assign(value_base=sel.value.where(in_b), value_period=sel.value.where(in_p),
                       qty_base=sel.quantity.where(in_b), qty_period=sel.quantity.where(in_p))[in_b | in_p]
    by_code = parts.groupby("hs_code", observed=True)[["value_base", "value_period", "qty_base", "qty_period"]].sum(min_count=1)
    by_code = by_code.fillna({"value_base": 0.0, "value_period": 0.0})
    vb, vp = float(by_code.value_base.sum()), float(by_code.value_period.sum())
    by_code["change"] = by_code.value_period - by_code.value_base
    by_code["change_pct"] = [pct(n, o) for n, o in zip(by_code.value_period, by_code.value_base)]
    by_code["share_of_change_pct"] = by_code.change / (vp - vb) * 100 if vp != vb else None
    top_codes = by_code.reindex(by_code.change.abs().sort_values(ascending=False).index).head(top)
    lo, hi = min(b0, p0), max(b1, p1)
    in_series = m.between(lo, hi)
    series = sel[in_series].groupby(["year", "month"], observed=True).value.sum().sort_index()
    summary = {"value_base": vb, "value_period": vp, "change": vp - vb, "change_pct": pct(vp, vb),
               "qty_base": float(by_code.qty_base.sum()), "qty_period": float(by_code.qty_period.sum())}
    return {"summary": summary, "top_codes": top_codes, "series": series}


def pandas_mirror(df, dual_use17: set[str]) -> pd.DataFrame:
    d = df[df.hs_code.isin(dual_use17)]

    def side(reporter: str, partner: str, flow: str) -> pd.DataFrame:
        rows = d[(d.reporter == reporter) & (d.partner == partner) & (d.flow == flow)]
        g = rows.groupby("year", observed=True).agg(value=("value", "sum"), months=("month", "nunique"))
        return g.assign(complete=g.months == 12).drop(columns="months")

    out = side("EU27", "KZ", "export").merge(side("KZ", "EU27", "import"), how="outer", left_index=True, right_index=True,
                                              suffixes=("_a", "_b"))
    out = out.rename(columns={"value_a": "a_exports", "value_b": "b_imports"})
    out["complete"] = out.complete_a.fillna(False).astype(bool) & out.complete_b.fillna(False).astype(bool)
    out["b_imports_fob"] = out.b_imports / 1.0
    out["gap"] = out.a_exports - out.b_imports_fob
    out["gap_pct_of_exports"] = out.gap / out.a_exports * 100
    return out.drop(columns=["complete_a", "complete_b"]).sort_index()


def pandas_diversion(df, groups: dict[str, set[str]], treated: str, control: str) -> dict:
    ex = df[df.flow == "export"]
    frames = []
    for leg, (reporters, partners) in LEGS.items():
        d = ex[ex.reporter.isin(reporters) & ex.partner.isin(partners)]
        for name, codes in groups.items():
            rows = d[d.hs_code.isin(codes)]
            m = rows.year.astype("int64") * 12 + rows.month.astype("int64") - 1
            g = rows.assign(m=m).groupby("year", observed=True).agg(
                value=("value", "sum"), months=("month", "nunique"), m0=("m", "min"), m1=("m", "max"))
            frames.append(g.reset_index().assign(leg=leg, group=name))
    data = pd.concat(frames, ignore_index=True)
    in_base = (data.m0 >= BASELINE[0]) & (data.m1 <= BASELINE[1])
    base = data[in_base].groupby(["leg", "group"]).apply(lambda d: d.value.sum() / d.months.sum(), include_groups=False)
    data["index"] = data.value / data.months / base.reindex(pd.MultiIndex.from_frame(data[["leg", "group"]])).to_numpy() * 100
    post = data[data.m0 > BASELINE[1]]

    def growth(leg: str, group: str) -> float | None:
        b = data[in_base & (data.leg == leg) & (data.group == group)]
        p = post[(post.leg == leg) & (post.group == group)]
        if b.value.sum() <= 0 or p.value.sum() <= 0:
            return None
        return math.log((p.value.sum() / p.months.sum()) / (b.value.sum() / b.months.sum()))

    did = {}
    for leg in LEGS:
        gt, gc = growth(leg, treated), growth(leg, control)
        did[leg] = None if gt is None or gc is None else gt - gc
    return {"index": data.set_index(["group", "leg", "year"]).sort_index()["index"], "did": did}


def _close(a, b, what: str, rel: float = 1e-9) -> None:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        assert (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or (isinstance(b, float) and math.isnan(b))), (what, a, b)
        return
    assert abs(float(a) - float(b)) <= rel * max(1.0, abs(float(b))), (what, a, b)


def check(duck: dict, pand: dict) -> int:
    """Every figure of the pandas results against kordon's; returns how many were compared."""
    n = 0
    sm = duck["change"].tables["summary"].iloc[0]
    for k, v in pand["change"]["summary"].items():
        _close(v, sm[k], f"change {k}")
        n += 1
    top = duck["change"].tables["top_codes"]
    ptop = pand["change"]["top_codes"]
    assert list(top.hs_code) == list(ptop.index), ("top codes", list(top.hs_code), list(ptop.index))
    for col in ("value_base", "value_period", "change", "share_of_change_pct"):
        for x, y in zip(ptop[col], top[col]):
            _close(x, y, f"top {col}")
            n += 1
    series = duck["change"].tables["series"]
    assert len(series) == len(pand["change"]["series"])
    for x, y in zip(pand["change"]["series"], series.value):
        _close(x, y, "change series")
        n += 1
    mir = duck["mirror"].tables["mirror"].set_index("year")
    pm = pand["mirror"]
    assert list(mir.index) == list(pm.index) and list(mir.complete) == list(pm.complete)
    for col in ("a_exports", "b_imports", "gap", "gap_pct_of_exports"):
        for x, y in zip(pm[col], mir[col]):
            _close(x, y, f"mirror {col}")
            n += 1
    idx = duck["diversion"].tables["index"].set_index(["group", "leg", "year"]).sort_index()["index"]
    pidx = pand["diversion"]["index"]
    assert list(idx.index) == list(pidx.index), "diversion index rows"
    for x, y in zip(pidx, idx):
        _close(x, y, "diversion index")
        n += 1
    for row in duck["diversion"].tables["did"].itertuples():
        _close(pand["diversion"]["did"][row.leg], row.did, f"did {row.leg}")
        n += 1
    return n


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(fn, repeat: int = 2):
    """Best wall time of `repeat` runs, the CPU time of that run (all threads of this process), the result."""
    best, cpu, out = None, 0.0, None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        dt, dc = time.perf_counter() - t, time.process_time() - c
        if best is None or dt < best:
            best, cpu = dt, dc
    return best, cpu, out


def record(results: list, mode: str, size: int, query: str, seconds: float, **extra) -> None:
    """`mode` is e.g. 'duckdb file t=1'; its first word is the engine."""
    results.append({"engine": mode.split()[0], "mode": mode, "size": f"{size:,}", "query": query,
                    "seconds": round(seconds, 3), **extra})
    cpu = f"  cpu {extra['cpu_seconds']:7.3f} s" if "cpu_seconds" in extra else ""
    print(f"{mode:<24} {size:>12,} {query:<18} {seconds:8.3f} s{cpu}", flush=True)


def run_duckdb(con, mode: str, size: int, results: list) -> dict:
    def ch():
        return change(con, reporter="EU27", partner="KG", group="eu_sanctioned", period="2023-01:2023-05",
                      base="2022-01:2022-05", source="bench")

    def mi():
        return mirror(con, a="EU27", b="KZ", group="eu_sanctioned:dual_use", source_a="bench", source_b="bench")

    def dv():
        return diversion(con, bloc="EU27", transit=TRANSIT, destination="RU", treated="eu_sanctioned",
                         control="eu_not_sanctioned", source_bloc="bench", source_transit="bench")

    out = {}
    for name, fn in (("change", ch), ("mirror", mi), ("diversion", dv)):
        wall, cpu, res = timed(fn)
        out[name] = res
        record(results, mode, size, name, wall, cpu_seconds=round(cpu, 3))
    return out


def figures(out: dict) -> tuple:
    """What every engine must agree on: change totals, mirror values by year, DiD per leg."""
    sm = out["change"].tables["summary"].iloc[0]
    m = out["mirror"].tables["mirror"]
    did = out["diversion"].tables["did"]
    return (round(sm.value_base, 2), round(sm.value_period, 2),
            tuple(m.a_exports.round(2)), tuple(m.b_imports.round(2)), tuple(did.did.round(9)))


def duckdb_modes(path: Path, size: int, args, results: list) -> dict:
    """Every DuckDB mode; they must agree. Returns the first mode's results, for the pandas check."""
    seen = set()
    first = None
    for threads in args.threads:
        con = duckdb.connect(str(path))
        con.execute(f"SET threads = {threads}; SET memory_limit = '{args.memory_limit}'")
        out = run_duckdb(con, f"duckdb file t={threads}", size, results)
        first = first or out
        seen.add(figures(out))
        con.close()
    if args.memory:
        con = duckdb.connect()
        con.execute(f"SET threads = {max(args.threads)}; SET memory_limit = '{args.memory_limit}'")
        t = time.perf_counter()
        con.execute(f"ATTACH '{path}' AS f (READ_ONLY)")
        con.execute(SCHEMA)
        con.execute("INSERT INTO trade SELECT * FROM f.trade")
        con.execute("DETACH f")
        record(results, "duckdb memory", size, "load into memory", time.perf_counter() - t)
        for threads in args.threads:
            con.execute(f"SET threads = {threads}")
            seen.add(figures(run_duckdb(con, f"duckdb memory t={threads}", size, results)))
        con.close()
    if args.cluster:
        con = duckdb.connect(str(path))
        con.execute(f"SET threads = {max(args.threads)}; SET memory_limit = '{args.memory_limit}'")
        t = time.perf_counter()
        cluster(con)
        con.execute("CHECKPOINT")
        record(results, f"duckdb file t={max(args.threads)}", size, "cluster", time.perf_counter() - t)
        for threads in args.threads:
            con.execute(f"SET threads = {threads}")
            seen.add(figures(run_duckdb(con, f"duckdb clustered t={threads}", size, results)))
        con.close()
    assert len(seen) == 1, f"DuckDB modes disagree: {seen}"
    assert first is not None
    return first


def pandas_run(path: Path, size: int, results: list, duck: dict) -> float:
    con = duckdb.connect(str(path), read_only=True)
    t = time.perf_counter()
    # Strings become pandas categoricals straight from DuckDB ENUMs: fetching
    # 50M Python/Arrow strings first needs several times the frame's memory.
    codes = hs6_codes()
    df = con.execute(
        f"SELECT reporter::ENUM({_enum(COUNTRIES)}) AS reporter, partner::ENUM({_enum(COUNTRIES)}) AS partner, "
        f"flow::ENUM('export', 'import') AS flow, year, month, hs_code::ENUM({_enum(codes)}) AS hs_code, "
        "value, quantity FROM trade").df()
    con.close()
    record(results, "pandas", size, "load from duckdb", time.perf_counter() - t)
    mem_df = df.memory_usage(deep=True).sum() / 1e9
    print(f"pandas frame: {mem_df:.2f} GB in memory", flush=True)

    got = _time_pandas(df, size, results)
    del df
    gc.collect()
    # The engines must agree, figure by figure, before their times mean anything.
    print(f"pandas and DuckDB agree on {check(duck, got)} figures (change, top codes, series, mirror, index, DiD)", flush=True)
    return mem_df


def _time_pandas(df: pd.DataFrame, size: int, results: list) -> dict:
    groups = {g: set(codes_in_edition(resolve_group(g), "HS2017")) for g in ("eu_sanctioned", "eu_not_sanctioned", "eu_sanctioned:dual_use")}
    work = {
        "change": lambda: pandas_change(df, groups["eu_sanctioned"]),
        "mirror": lambda: pandas_mirror(df, groups["eu_sanctioned:dual_use"]),
        "diversion": lambda: pandas_diversion(df, {g: groups[g] for g in ("eu_sanctioned", "eu_not_sanctioned")},
                                              "eu_sanctioned", "eu_not_sanctioned"),
    }
    got = {}
    for name, fn in work.items():
        wall, cpu, got[name] = timed(fn)
        record(results, "pandas", size, name, wall, cpu_seconds=round(cpu, 3))
    return got


def _enum(values) -> str:
    return ", ".join("'" + v + "'" for v in values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pandas-rows", type=int, default=20_000_000,
                    help="rows for the side-by-side run: DuckDB modes and pandas (0 = skip)")
    ap.add_argument("--rows", type=int, default=0, help="rows for a DuckDB-only run (0 = skip)")
    ap.add_argument("--threads", default="1,2", help="DuckDB thread counts, comma-separated (machine is shared)")
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the in-memory DuckDB run")
    ap.add_argument("--cluster", action="store_true", help="also time the file after kordon's cluster()")
    ap.add_argument("--memory-limit", default="8GB")
    ap.add_argument("--trade-db", "--db", dest="db", default=os.path.join(tempfile.gettempdir(), "kordon-trade-bench.duckdb"),
                    help="DuckDB file the generated rows go to (deleted afterwards)")
    ap.add_argument("--json", help="write the figures as JSON here")
    args = ap.parse_args()
    args.threads = [int(t) for t in str(args.threads).split(",")]

    results: list[dict] = []
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus; duckdb {duckdb.__version__}, "
          f"pandas {pd.__version__}; threads {args.threads}; load average {os.getloadavg()[0]:.1f}", flush=True)
    mem_df = None
    for size, with_pandas in ((args.pandas_rows, True), (args.rows, False)):
        if not size:
            continue
        path = Path(args.db)
        path.unlink(missing_ok=True)
        con = duckdb.connect(str(path))
        con.execute(f"SET threads = {max(args.threads)}; SET memory_limit = '{args.memory_limit}'")
        gen = generate(con, size)
        con.close()
        record(results, "duckdb", size, "generate", gen, file_gb=round(path.stat().st_size / 1e9, 2))
        try:
            duck = duckdb_modes(path, size, args, results)
            if with_pandas:
                mem_df = pandas_run(path, size, results, duck)
        finally:
            path.unlink(missing_ok=True)
    print(f"peak RSS of this process: {rss_gb():.1f} GB; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "pandas_frame_gb": mem_df,
                                               "peak_rss_gb": rss_gb()}, indent=1))


if __name__ == "__main__":
    main()
