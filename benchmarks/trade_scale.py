"""Scale benchmark for kordon trade monitoring.

Generates a Comtrade-shaped table (reporter, partner, flow, HS6, month,
value, quantity) inside DuckDB with range(), then times the change, mirror
and diversion analyses through kordon's own library functions, and the same
three queries written in pandas on a smaller copy, side by side.

    python benchmarks/trade_scale.py                      # 100M rows DuckDB, 20M pandas
    python benchmarks/trade_scale.py --rows 200000 --pandas-rows 200000   # smoke run

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

from kordon.ingest.trade.store import SCHEMA
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


def timed(fn, repeat: int = 1):
    best, out = None, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def run_duckdb(con, label: str, results: list) -> dict:
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
        dt, res = timed(fn, repeat=2)
        out[name] = (dt, res)
        results.append({"engine": "duckdb", "size": label, "query": name, "seconds": round(dt, 3)})
        print(f"duckdb {label:>12} {name:<10} {dt:8.3f} s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000_000, help="rows for the DuckDB run")
    ap.add_argument("--pandas-rows", type=int, default=20_000_000, help="rows for the side-by-side pandas run")
    ap.add_argument("--threads", type=int, default=1, help="DuckDB threads (the machine is shared)")
    ap.add_argument("--memory-limit", default="8GB")
    ap.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "kordon-trade-bench.duckdb"))
    ap.add_argument("--json", help="write the figures as JSON here")
    args = ap.parse_args()

    results: list[dict] = []
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus; duckdb {duckdb.__version__}, "
          f"pandas {pd.__version__}; threads={args.threads}", flush=True)

    # Side-by-side size first: same rows in DuckDB and pandas, results cross-checked.
    small = Path(args.db).with_suffix(".small.duckdb")
    for p in (small, Path(args.db)):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(small))
    con.execute(f"SET threads = {args.threads}; SET memory_limit = '{args.memory_limit}'")
    gen = generate(con, args.pandas_rows)
    results.append({"engine": "duckdb", "size": f"{args.pandas_rows:,}", "query": "generate", "seconds": round(gen, 1)})
    print(f"generated {args.pandas_rows:,} rows in {gen:.1f} s", flush=True)
    duck = run_duckdb(con, f"{args.pandas_rows:,}", results)

    t = time.perf_counter()
    # Strings become pandas categoricals straight from DuckDB ENUMs: fetching
    # 50M Python/Arrow strings first needs several times the frame's memory.
    for col, table in (("reporter", "countries_b"), ("hs_code", "codes_b")):
        con.execute(f"CREATE TYPE IF NOT EXISTS e_{col} AS ENUM (SELECT code FROM {table} ORDER BY i)")
    df = con.execute(
        "SELECT reporter::e_reporter AS reporter, partner::e_reporter AS partner, "
        "flow::ENUM('export', 'import') AS flow, year, month, hs_code::e_hs_code AS hs_code, value, quantity "
        "FROM trade").df()
    load = time.perf_counter() - t
    con.close()
    mem_df = df.memory_usage(deep=True).sum() / 1e9
    results.append({"engine": "pandas", "size": f"{args.pandas_rows:,}", "query": "load from duckdb",
                    "seconds": round(load, 1)})
    print(f"pandas frame: {mem_df:.2f} GB in memory, loaded in {load:.1f} s", flush=True)

    s17 = set(codes_in_edition(resolve_group("eu_sanctioned"), "HS2017"))
    n17 = set(codes_in_edition(resolve_group("eu_not_sanctioned"), "HS2017"))
    du17 = set(codes_in_edition(resolve_group("eu_sanctioned:dual_use"), "HS2017"))
    for name, fn in (("change", lambda: pandas_change(df, s17)), ("mirror", lambda: pandas_mirror(df, du17)),
                     ("diversion", lambda: pandas_diversion(df, s17, n17))):
        dt, res = timed(fn, repeat=2)
        results.append({"engine": "pandas", "size": f"{args.pandas_rows:,}", "query": name, "seconds": round(dt, 3)})
        print(f"pandas {args.pandas_rows:>12,} {name:<10} {dt:8.3f} s", flush=True)
        if name == "change":  # the two engines must agree before their times mean anything
            sm = duck["change"][1].tables["summary"].iloc[0]
            assert abs(sm.value_base - res[0]) < 1e-6 * max(1, res[0]), (sm.value_base, res[0])
            assert abs(sm.value_period - res[1]) < 1e-6 * max(1, res[1])
        if name == "mirror":
            m = duck["mirror"][1].tables["mirror"].set_index("year")
            assert (abs(m.a_exports - res.a) <= 1e-6 * res.a).all()
    peak = rss_gb()
    del df
    gc.collect()
    small.unlink(missing_ok=True)

    if args.rows:
        con = duckdb.connect(args.db)
        con.execute(f"SET threads = {args.threads}; SET memory_limit = '{args.memory_limit}'")
        gen = generate(con, args.rows)
        size_gb = Path(args.db).stat().st_size / 1e9
        results.append({"engine": "duckdb", "size": f"{args.rows:,}", "query": "generate", "seconds": round(gen, 1)})
        print(f"generated {args.rows:,} rows in {gen:.1f} s; file {size_gb:.2f} GB", flush=True)
        run_duckdb(con, f"{args.rows:,}", results)
        con.close()
        Path(args.db).unlink(missing_ok=True)
    print(f"peak RSS of this process: {max(peak, rss_gb()):.1f} GB (pandas frame {mem_df:.2f} GB)")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "pandas_frame_gb": mem_df,
                                               "peak_rss_gb": max(peak, rss_gb())}, indent=1))


if __name__ == "__main__":
    main()
