"""Speed of the EAEU-documents check: `documents load` into a real store, and SNT verification against a
virtual warehouse of 10 M ESF rows and 1 M DT items with chains up to 10 sales deep.

The generator (documented, seeded, deterministic):
- `--firms` Kazakh taxpayers with valid BINs (check digit), a tenth of them registered recently.
- `--dt-items` DT items (4 per DT), each a *lot*: one of 40 real TN VED codes (CHPL electronics, bearings,
  pasta, milk powder, ferrochrome ...), origin drawn from CN 45 %, DE 15 %, US 8 %, JP 7 %, TR 10 %, KR 5 %,
  RU 5 %, IN 5 %; quantity 100..10,000.
- `--esf-rows` ESF rows spread evenly over the lots. Each lot gets a main chain of sales of depth 1..10
  (uniform), each sale to a new firm passing on 90 % of what it holds and naming the DT, and the rest of
  the lot's rows as side sales of 1 % of the lot from a holder on the chain to another firm; one invoice per
  sale (`--rows-per-esf N` writes each sale as N lines of one invoice for the load figure). A sale follows
  the purchase by 1 to 30 days.
- `--snts` SNTs from the last holder of a random lot, 70 % to Russia, 10 % Belarus, 20 % Armenia or
  Kyrgyzstan; 80 % ship at most what the holder has, 10 % more (balance), 5 % name a DT that does not
  exist (mismatch), 5 % name no DT and claim own production (traced by product). Every row is named "goods", so
  the goods findings of a row (its key has no quantity, and of the day only the HS editions) are screened once per
  code and destination and then come from the memo; real SNTs name their goods, and recur less. `--row-names lot`
  names each row after its lot instead ("goods of lot N"): a row then recurs only when its lot is shipped again,
  the case least favourable to the memo.

1. Build the rows of all that as an Arrow table in the warehouse row schema and the `WarehouseView` from
   it (what `documents verify --all` and Spark executors do after reading the store or Parquet).
2. Verify the SNTs with `verify_snt` on one core: the documents and chain rules alone, then with the
   goods and party rules (CHPL, national list, EU annexes, the shipped sanctions lists; all the SNTs, or the
   first `--goods-snts`), twice: as a run meets them (each new party matched once, then remembered) and again
   with every party seen. It prints how many distinct parties the SNTs bring and a sha256 of the verdicts
   (reasons, party hits, candidates and scores), so that two versions of the code can be compared.
3. `documents load`: write `--load-docs` generated documents as JSON Lines and load them into a fresh
   SQLite store with `DocumentStore.load` (validation, versions, bulk insert, audit record per batch).

Every figure is printed with wall and CPU time (time.process_time) and the peak resident memory.

Usage: python benchmarks/documents_speed.py [--dt-items 1000000] [--esf-rows 10000000] [--snts 100000]
                                             [--goods-snts -1 (all)] [--load-docs 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import tempfile
import time
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kordon.index.warehouse import WarehouseView, row_schema
from kordon.models.documents import SNT
from kordon.screen.documents import build_document_context, verify_snt

CODES = ["8542319090", "8542329000", "8542399090", "8517620009", "8526912000", "8532240000", "8482109008", "8471300000",
         "8473302008", "8504403008", "1902191000", "0402211800", "7202419000", "7202411000", "6403999800", "8418102001",
         "8703231981", "3004900002", "8528721000", "8443321009", "8536501109", "8541100009", "8807300000", "9013800000",
         "8525899900", "8414510000", "8450111100", "9403609009", "4011100003", "8429521009", "8708999709", "8481801900",
         "8483102509", "8544429009", "8471709800", "8523511000", "9031809800", "8466937000", "8459619009", "8537109100"]
ORIGINS = ["CN", "DE", "US", "JP", "TR", "KR", "RU", "IN"]
ORIGIN_P = [0.45, 0.15, 0.08, 0.07, 0.10, 0.05, 0.05, 0.05]
EPOCH = dt.date(1970, 1, 1)
START = (dt.date(2022, 1, 1) - EPOCH).days


def rss_mb() -> float:
    """Peak resident memory of this process in MiB. Linux's ru_maxrss keeps the parent's peak across fork and exec
    (the verification process would report the generator's); the kernel's VmHWM is this program's own."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def valid_bin(yymm: str, serial: int) -> str:
    body = f"{yymm}40{serial:05d}"
    digits = [int(c) for c in body]
    check = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return body + str(check) if check != 10 else ""


def firms(n: int, rng: np.random.Generator) -> list[str]:
    out: list[str] = []
    serial = 0
    while len(out) < n:
        recent = rng.random() < 0.1
        yymm = f"{rng.integers(22, 24) if recent else rng.integers(5, 21):02d}{rng.integers(1, 13):02d}"
        b = valid_bin(yymm, serial % 100000)
        serial += 1
        if b:
            out.append(b)
    return out


def strings(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), pc.cast(pa.array(ids), pa.string()), "")


def generate(n_items: int, n_esf: int, n_firms: int, n_snts: int, seed: int = 12,
             same_names: bool = True) -> tuple[pa.Table, list[dict[str, Any]], list[str]]:
    rng = np.random.default_rng(seed)
    tins = firms(n_firms, rng)
    tin_arr = pa.array(tins)
    # -- DT items: lot i = DT i//4, item i%4+1
    lot = np.arange(n_items)
    dt_code = rng.integers(0, len(CODES), n_items)
    dt_origin = rng.choice(len(ORIGINS), n_items, p=ORIGIN_P)
    dt_qty = rng.integers(100, 10_000, n_items).astype(np.float64)
    dt_day = START + rng.integers(0, 365, n_items)
    dt_firm = rng.integers(0, n_firms, n_items)
    # -- ESF rows: per lot, `per` rows; the first `depth` form the main chain
    per = max(1, n_esf // n_items)
    depth = rng.integers(1, 11, n_items)
    depth = np.minimum(depth, per)
    e_lot = np.repeat(lot, per)
    k = np.tile(np.arange(per), n_items)
    e_depth = np.repeat(depth, per)
    main = k < e_depth
    # chain holders: holder[lot, j] for j = 0..depth (holder 0 is the DT receiver)
    hop = rng.integers(1, n_firms, (n_items, 11))
    holders = (dt_firm[:, None] + np.cumsum(hop, axis=1)) % n_firms
    holders = np.concatenate([dt_firm[:, None], holders], axis=1)
    j = np.where(main, k, rng.integers(0, 1_000_000, len(k)) % np.maximum(e_depth, 1))
    e_seller = holders[e_lot, j]
    e_buyer = np.where(main, holders[e_lot, np.minimum(k + 1, 11)], rng.integers(0, n_firms, len(k)))
    e_buyer = np.where(e_buyer == e_seller, (e_buyer + 1) % n_firms, e_buyer)
    e_qty = np.where(main, np.repeat(dt_qty, per) * 0.9 ** (k + 1), np.repeat(dt_qty, per) * 0.01)
    gaps = np.cumsum(rng.integers(1, 31, (n_items, 11)), axis=1)
    received = np.concatenate([np.zeros((n_items, 1), dtype=np.int64), gaps], axis=1)  # day holder j got the lot, after the DT
    e_day = np.repeat(dt_day, per) + np.where(main, gaps[e_lot, np.minimum(k, 10)], received[e_lot, j] + 1)
    n_e = len(e_lot)
    # -- SNTs: from the last holder of a random lot
    s_lot = rng.integers(0, n_items, n_snts)
    s_depth = depth[s_lot]
    s_seller = holders[s_lot, s_depth]
    held = dt_qty[s_lot] * 0.9 ** s_depth - np.where(s_depth > 0, 0, 0)
    kind = rng.random(n_snts)
    s_qty = np.where(kind < 0.80, np.floor(held * rng.uniform(0.1, 0.9, n_snts)), np.floor(held * 1.5) + 1)
    s_day = dt_day[s_lot] + received[s_lot, s_depth] + rng.integers(1, 31, n_snts)
    dest = rng.choice(["RU", "BY", "AM", "KG"], n_snts, p=[0.7, 0.1, 0.1, 0.1])

    dt_numbers = strings("50508/D/", lot // 4)
    table = pa.table({
        "kind": pa.array(["dt"] * n_items + ["esf"] * n_e),
        "number": pa.concat_arrays([dt_numbers, strings("ESF-", np.arange(n_e))]),
        "version": pa.array(np.ones(n_items + n_e, dtype=np.int32)),
        "section": pa.array([""] * (n_items + n_e)),
        "row_no": pa.array(np.concatenate([lot % 4 + 1, np.ones(n_e, dtype=np.int64)]).astype(np.int32)),
        "date": pa.array(np.concatenate([dt_day, e_day]).astype(np.int32)).cast(pa.date32()),
        "seller_tin": pa.concat_arrays([pa.nulls(n_items, pa.string()), tin_arr.take(pa.array(e_seller))]),
        "seller_name": pa.nulls(n_items + n_e, pa.string()),
        "buyer_tin": tin_arr.take(pa.array(np.concatenate([dt_firm, e_buyer]))),
        "buyer_name": pa.nulls(n_items + n_e, pa.string()),
        "buyer_country": pa.array(["KZ"] * (n_items + n_e)),
        "code": pa.array(CODES).take(pa.array(np.concatenate([dt_code, dt_code[e_lot]]))),
        "quantity": pa.array(np.concatenate([dt_qty, e_qty])),
        "unit": pa.array(["pcs"] * (n_items + n_e)),
        "origin": pa.concat_arrays([pa.array(ORIGINS).take(pa.array(dt_origin)), pa.array(["1"] * n_e)]),
        "ref_doc": pa.concat_arrays([pa.nulls(n_items, pa.string()), dt_numbers.take(pa.array(e_lot))]),
        "ref_item": pa.concat_arrays([pa.nulls(n_items, pa.string()), pc.cast(pa.array(e_lot % 4 + 1), pa.string())]),
    }, schema=row_schema())
    snts = []
    for i in range(n_snts):
        lt = int(s_lot[i])
        row: dict[str, Any] = {"rowNumber": 1, "truOriginCode": "1", "productName": "goods" if same_names else f"goods of lot {lt}",
                               "codeTNVED": CODES[dt_code[lt]],
                               "quantity": float(s_qty[i]), "unit": "pcs"}
        if kind[i] < 0.90:
            row.update(manufactureOrImportDocNumber=f"50508/D/{lt // 4}", productNumberInImportDoc=str(lt % 4 + 1))
        elif kind[i] < 0.95:
            row.update(manufactureOrImportDocNumber=f"50508/X/{lt}", productNumberInImportDoc="1")
        else:
            row.update(truOriginCode="3")
        day = EPOCH + dt.timedelta(days=int(s_day[i]))
        snts.append({"kind": "snt", "registrationNumber": f"KZ-SNT-B-{i:07d}", "date": day.isoformat(),
                     "seller": {"tin": tins[s_seller[i]], "name": f"ТОО «Фирма {s_seller[i]}»"},
                     "customer": {"name": f"ООО «Покупатель {i % 5000}»", "countryCode": str(dest[i])},
                     "shippingInfo": {"destinationCountry": str(dest[i])}, "exportControlProducts": [row]})
    return table, snts, tins


def bench_generate(args: argparse.Namespace, folder: str) -> None:
    import pyarrow.parquet as pq

    t0, c0 = time.perf_counter(), time.process_time()
    table, raw_snts, _ = generate(args.dt_items, args.esf_rows, args.firms, args.snts, same_names=args.row_names == "goods")
    n_esf = table.num_rows - args.dt_items
    pq.write_table(table, os.path.join(folder, "rows.parquet"))
    with open(os.path.join(folder, "snts.jsonl"), "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(s, ensure_ascii=False) + "\n" for s in raw_snts)
    print(f"generated {args.dt_items:,} DT items, {n_esf:,} ESF rows, {len(raw_snts):,} SNTs and wrote them as Parquet and JSONL "
          f"in {time.perf_counter() - t0:.1f} s (cpu {time.process_time() - c0:.1f} s); generator's peak rss {rss_mb():,.0f} MB")


def bench_verify(args: argparse.Namespace, folder: str) -> None:
    """In a fresh process, so that the peak memory is the view's and the verification's alone."""
    from kordon.ingest.documents import read_path

    t0, c0 = time.perf_counter(), time.process_time()
    view = WarehouseView.from_parquet(os.path.join(folder, "rows.parquet"))
    print(f"warehouse view of {view.rows:,} rows built from Parquet in {time.perf_counter() - t0:.1f} s "
          f"(cpu {time.process_time() - c0:.1f} s), peak rss {rss_mb():,.0f} MB")
    path = os.path.join(folder, "snts.jsonl")
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for r in read_path(path) if isinstance(r.document, SNT))
    read_wall, read_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{n:,} SNTs read and validated in {read_wall:.1f} s wall, {read_cpu:.1f} s cpu (the figure below includes it)")

    ctx = build_document_context("kz_customs")
    t0, c0 = time.perf_counter(), time.process_time()
    verdicts: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for r in read_path(path):  # streamed, as `documents verify --all` does
        if not isinstance(r.document, SNT):
            continue
        v = verify_snt(r.document, view, ctx)
        verdicts[v.verdict] += 1
        codes.update(x.code for x in v.reasons)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"read and verified {n:,} SNTs (documents, balance, origin, chain rules) in {wall:.1f} s wall, {cpu:.1f} s cpu: "
          f"{n / wall:,.0f} SNTs/s wall, {n / cpu:,.0f} SNTs/s per cpu-second ({n / (cpu - read_cpu):,.0f} without reading); "
          f"peak rss {rss_mb():,.0f} MB")
    print(f"  verdicts {dict(verdicts)}; reasons {dict(codes.most_common())}")
    if args.goods_snts:
        bench_goods(args, view, path)


def bench_goods(args: argparse.Namespace, view: WarehouseView, path: str) -> None:
    """The same SNTs (the first --goods-snts of them, all by default) with the goods and party rules too, streamed,
    as a run meets them, then again with every party seen; the parties they bring, and a digest of the verdicts
    (reasons, party hits with their candidates and scores; not the time of verification) to compare two versions."""
    import hashlib
    from itertools import islice

    from kordon.ingest.documents import read_path
    from kordon.screen import build_context

    full = build_document_context("kz_customs", build_context())
    index = full.screening.extras["parties"] if full.screening else None
    assert full.memo is not None and index is not None
    n = args.goods_snts if args.goods_snts > 0 else args.snts
    for label in ("with goods and party rules too", "again, every party seen before"):
        memo = full.memo
        hits, misses, reused, matched = memo.hits, memo.misses, getattr(memo, "parties_reused", 0), len(index.memo)
        rows_reused = getattr(memo, "rows_reused", 0)
        sellers: set[str | None] = set()
        customers: set[tuple[str, str | None]] = set()
        digest = hashlib.sha256()
        done = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for s in islice((r.document for r in read_path(path) if isinstance(r.document, SNT)), n):
            assert isinstance(s, SNT)
            v = verify_snt(s, view, full)
            digest.update(v.model_dump_json(exclude={"verified_at"}).encode())
            sellers.add(s.seller.tin)
            customers.add((s.customer.name, s.customer.country_code))
            done += 1
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"verified {done:,} SNTs {label} (read, validated and verified) in {wall:.1f} s wall, {cpu:.1f} s cpu: "
              f"{done / wall:,.0f} SNTs/s wall, {done / cpu:,.0f} per cpu-second; peak rss {rss_mb():,.0f} MB")
        print(f"  {memo.hits - hits:,} answered from the memo, {memo.misses - misses:,} screened ({getattr(memo, 'parties_reused', 0) - reused:,} of "
              f"them with every party seen: rows only; {getattr(memo, 'rows_reused', 0) - rows_reused:,} with every row seen: parties only); "
              f"{len(index.memo) - matched:,} party queries matched against the lists; "
              f"verdicts sha256 {digest.hexdigest()[:16]}")
    print(f"  parties in these {done:,} SNTs: {len(sellers):,} distinct sellers (of --firms {args.firms:,}), "
          f"{len({c for c, _ in customers}):,} distinct customer names, {len(customers):,} distinct (customer, country)")


def bench_load(args: argparse.Namespace) -> None:
    from kordon.record.documents import DocumentStore
    from kordon.record.store import Store

    n_items = max(4, args.load_docs // 4)  # about load_docs documents: DTs of 4 items, one ESF per sale
    per = max(1, args.rows_per_esf)
    table, raw_snts, _tins = generate(n_items, n_items * 4 // per, min(args.firms, 20_000), max(1, args.load_docs // 10), seed=5)
    rows = table.to_pylist()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        n_docs = n_rows = 0
        with open(path, "w", encoding="utf-8") as fh:
            by_doc: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for r in rows:
                by_doc.setdefault((r["kind"], r["number"]), []).append(r)
            for (kind, number), rs in by_doc.items():
                first = rs[0]
                if kind == "dt":
                    doc: dict[str, Any] = {"kind": "dt", "number": number, "date": first["date"].isoformat(), "procedure": "IM40",
                                           "declarant": {"tin": first["buyer_tin"], "name": "ТОО «Импортер»"},
                                           "consignor": {"name": "Supplier Ltd", "country": "CN"},
                                           "items": [{"number": r["row_no"], "codeTNVED": r["code"], "description": "товар",
                                                      "originCountry": r["origin"], "quantity": r["quantity"], "unit": "pcs"} for r in rs]}
                else:
                    doc = {"kind": "esf", "registrationNumber": number, "num": number[4:], "date": first["date"].isoformat(),
                           "sellers": [{"tin": first["seller_tin"], "name": "ТОО «Продавец»"}],
                           "customers": [{"tin": first["buyer_tin"], "name": "ТОО «Покупатель»"}], "currencyCode": "KZT",
                           # one sale as `per` lines of the same invoice (the same goods, the quantity split)
                           "products": [{"rowNumber": i + 1, "truOriginCode": "1", "description": "товар", "unitCode": r["code"],
                                         "quantity": round(r["quantity"] / per, 3), "unit": "pcs", "unitPrice": 1000,
                                         "productDeclaration": r["ref_doc"], "productNumberInDeclaration": r["ref_item"]}
                                        for r in rs for i in range(per)]}
                fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
                n_docs += 1
                n_rows += len(rs) * (per if kind == "esf" else 1)
            for s in raw_snts:
                fh.write(json.dumps(s, ensure_ascii=False) + "\n")
                n_docs += 1
                n_rows += len(s["exportControlProducts"])
        size = os.path.getsize(path)
        from kordon.ingest.documents import default_workers

        # In this process alone (workers 0), then as `documents load` runs by default: worker processes validate
        # while this one writes. CPU counts the workers' too (os.times of the children).
        for workers in sorted({0, default_workers()}):
            store = Store(f"sqlite:///{os.path.join(tmp, f'kordon-{workers}.db')}")
            t0, c0, k0 = time.perf_counter(), time.process_time(), os.times()
            result = DocumentStore(store).load([path], workers=workers)
            wall, cpu, k1 = time.perf_counter() - t0, time.process_time() - c0, os.times()
            kids = max(0.0, k1.children_user + k1.children_system - k0.children_user - k0.children_system)
            print(f"documents load, {workers} worker process(es): {n_docs:,} documents, {result.rows:,} rows ({size / 1e6:.0f} MB JSONL) "
                  f"into SQLite in {wall:.1f} s wall, {cpu:.1f} s cpu here + {kids:.1f} s in workers: {result.rows / wall:,.0f} rows/s wall, "
                  f"{result.rows / (cpu + kids):,.0f} rows per cpu-second (accepted {result.counts.accepted:,}, rejected "
                  f"{result.counts.rejected}); load average {load_avg()}")
        t0, c0 = time.perf_counter(), time.process_time()
        again = DocumentStore(store).load([path])
        wall = time.perf_counter() - t0
        print(f"the same file again (all repeats, nothing written): {wall:.1f} s wall, {time.process_time() - c0:.1f} s cpu "
              f"({again.repeats:,} repeats)")
        t0, c0 = time.perf_counter(), time.process_time()
        table = DocumentStore(store).rows_table()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"rows read back from the store for the view: {table.num_rows:,} in {wall:.1f} s wall, {cpu:.1f} s cpu "
              f"({table.num_rows / cpu:,.0f} rows per cpu-second)")
        # The whole store path, as `kordon documents verify --all --no-record` runs it (document rules only).
        from kordon.config import Settings
        from kordon.eaeu import Documents

        docs = Documents(Settings(database_url=store.url), store, goods_and_parties=False)
        t0, c0 = time.perf_counter(), time.process_time()
        found = Counter(v.verdict for v in docs.verify_iter(None, record=False))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"verify --all from the store (view built from it included): {sum(found.values()):,} SNTs in {wall:.1f} s wall, "
              f"{cpu:.1f} s cpu; verdicts {dict(found)}")
        store.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dt-items", type=int, default=1_000_000)
    ap.add_argument("--esf-rows", type=int, default=10_000_000)
    ap.add_argument("--firms", type=int, default=50_000)
    ap.add_argument("--snts", type=int, default=100_000)
    ap.add_argument("--goods-snts", type=int, default=-1, help="SNTs verified again with goods and party rules (-1: all, 0: skip)")
    ap.add_argument("--load-docs", type=int, default=100_000, help="documents written and loaded for the load figure (0: skip)")
    ap.add_argument("--rows-per-esf", type=int, default=2, help="product rows per ESF in the load figure (DTs have 4 items)")
    ap.add_argument("--row-names", choices=["goods", "lot"], default="goods",
                    help="SNT row names: all 'goods' (default), or one per lot (rows recur only when the lot does)")
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--data", help="folder for the generated Parquet and JSONL (default: a temporary folder)")
    ap.add_argument("--verify-only", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.verify_only:
        bench_verify(args, args.verify_only)
        return
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"load average {load_avg()}")
    if not args.skip_verify:
        import subprocess
        import sys

        with tempfile.TemporaryDirectory(dir=args.data) as folder:
            bench_generate(args, folder)
            subprocess.run([sys.executable, __file__, "--verify-only", folder, "--snts", str(args.snts),
                            "--goods-snts", str(args.goods_snts), "--firms", str(args.firms)], check=True)
    if args.load_docs:
        bench_load(args)
    print(f"load average at the end {load_avg()}")


if __name__ == "__main__":
    main()
