"""Scale benchmark for kordon trade monitoring.

Generates a Comtrade-shaped table (reporter, partner, flow, HS6, month,
value, quantity) inside DuckDB with range(), then times the change, mirror
and diversion analyses through kordon's own library functions:

- DuckDB with the data in its file, and after loading into an in-memory
  database, each with every thread count given (--threads 1,2);
- optionally the file after `cluster()` (rows ordered by reporter, flow, partner);
- pandas on the same rows held as a DataFrame of categoricals; the time to load
  the frame from DuckDB is reported on its own line, not inside the queries.

All engines' results are checked against each other before times are printed.

    python benchmarks/trade_scale.py --pandas-rows 20000000 --rows 0 --cluster
    python benchmarks/trade_scale.py --pandas-rows 0 --rows 50000000
    python benchmarks/trade_scale.py --rows 0 --pandas-rows 400000      # smoke run

Data go to a DuckDB file under the temp directory, never into the repo.
"""
from __future__ import annotations

import argparse
import gc
import json
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
def pandas_change(df, sanctioned17: set[str]):
    sel = df[(df.reporter == "EU27") & (df.partner == "KG") & (df.flow == "export") & df.hs_code.isin(sanctioned17)]
    mi = sel.year * 12 + sel.month - 1
    base = sel[(mi >= 2022 * 12) & (mi <= 2022 * 12 + 4)]
    per = sel[(mi >= 2023 * 12) & (mi <= 2023 * 12 + 4)]
    by = pd.concat([base.groupby("hs_code", observed=True).value.sum().rename("b"), per.groupby("hs_code", observed=True).value.sum().rename("p")],
                   axis=1).fillna(0)
    by["chg"] = by.p - by.b
    top = by.reindex(by.chg.abs().sort_values(ascending=False).index).head(10)
    return by.b.sum(), by.p.sum(), top


def pandas_mirror(df, dual_use17: set[str]):
    d = df[df.hs_code.isin(dual_use17)]
    a = d[(d.reporter == "EU27") & (d.partner == "KZ") & (d.flow == "export")].groupby("year", observed=True).value.sum()
    b = d[(d.reporter == "KZ") & (d.partner == "EU27") & (d.flow == "import")].groupby("year", observed=True).value.sum()
    out = pd.concat([a.rename("a"), b.rename("b")], axis=1)
    out["gap"] = out.a - out.b
    return out


def pandas_diversion(df, treated: set[str], control: set[str]):
    legs = {"bloc->transit": (["EU27"], ["KZ", "KG", "AM"]), "transit->destination": (["KZ", "KG", "AM"], ["RU"]),
            "bloc->destination": (["EU27"], ["RU"])}
    ex = df[df.flow == "export"]
    res = {}
    for leg, (r, p) in legs.items():
        d = ex[ex.reporter.isin(r) & ex.partner.isin(p)]
        for name, codes in (("t", treated), ("c", control)):
            g = d[d.hs_code.isin(codes)].groupby("year", observed=True).value.sum()
            res[(leg, name)] = g
    return res


def rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(fn, repeat: int = 2):
    best, out = None, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def record(results: list, mode: str, size: int, query: str, seconds: float, **extra) -> None:
    """`mode` is e.g. 'duckdb file t=1'; its first word is the engine."""
    results.append({"engine": mode.split()[0], "mode": mode, "size": f"{size:,}", "query": query,
                    "seconds": round(seconds, 3), **extra})
    print(f"{mode:<24} {size:>12,} {query:<18} {seconds:8.3f} s", flush=True)


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
        dt, res = timed(fn)
        out[name] = res
        record(results, mode, size, name, dt)
    return out


def figures(out: dict) -> tuple:
    """What every engine must agree on: change totals, mirror values by year, DiD per leg."""
    sm = out["change"].tables["summary"].iloc[0]
    m = out["mirror"].tables["mirror"]
    did = out["diversion"].tables["did"]
    return (round(sm.value_base, 2), round(sm.value_period, 2),
            tuple(m.a_exports.round(2)), tuple(m.b_imports.round(2)), tuple(did.did.round(9)))


def duckdb_modes(path: Path, size: int, args, results: list) -> tuple:
    seen = set()
    for threads in args.threads:
        con = duckdb.connect(str(path))
        con.execute(f"SET threads = {threads}; SET memory_limit = '{args.memory_limit}'")
        seen.add(figures(run_duckdb(con, f"duckdb file t={threads}", size, results)))
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
    return seen.pop()


def pandas_run(path: Path, size: int, results: list, expected: tuple) -> float:
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

    s17 = set(codes_in_edition(resolve_group("eu_sanctioned"), "HS2017"))
    n17 = set(codes_in_edition(resolve_group("eu_not_sanctioned"), "HS2017"))
    du17 = set(codes_in_edition(resolve_group("eu_sanctioned:dual_use"), "HS2017"))
    got = {}
    for name, fn in (("change", lambda: pandas_change(df, s17)), ("mirror", lambda: pandas_mirror(df, du17)),
                     ("diversion", lambda: pandas_diversion(df, s17, n17))):
        dt, got[name] = timed(fn)
        record(results, "pandas", size, name, dt)
    # The engines must agree before their times mean anything.
    base, period, a_exp, b_imp, _ = expected
    assert abs(got["change"][0] - base) <= 1e-6 * max(1, base) and abs(got["change"][1] - period) <= 1e-6 * max(1, period)
    assert all(abs(x - y) <= 1e-6 * max(1, y) for x, y in zip(got["mirror"].a, a_exp))
    assert all(abs(x - y) <= 1e-6 * max(1, y) for x, y in zip(got["mirror"].b, b_imp))
    del df
    gc.collect()
    return mem_df


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
    ap.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "kordon-trade-bench.duckdb"))
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
            expected = duckdb_modes(path, size, args, results)
            if with_pandas:
                mem_df = pandas_run(path, size, results, expected)
        finally:
            path.unlink(missing_ok=True)
    print(f"peak RSS of this process: {rss_gb():.1f} GB; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "pandas_frame_gb": mem_df,
                                               "peak_rss_gb": rss_gb()}, indent=1))


if __name__ == "__main__":
    main()
