"""What the officer's language costs on a declaration page: hit explanations rendered from the packs' templates,
and the look-up of the SNTs that trace back to an import declaration.

    python benchmarks/web_explain.py --declarations 1000 [--snts 20000]

Screens the example declarations and --declarations synthetic ones (kordon.synth) under kz_customs, then
renders every hit's explanation in Russian and Kazakh (kordon.interfaces.web.explain: finding from the rule's
template, legal sentence from the profile), once cold (templates compiled on first use) and once warm. With
--snts it also writes that many synthetic SNT rows into the documents table and times the declaration → SNT
look-up of the workspace (eaeu_rows read by ref_doc, which has no index). Prints wall and CPU time and the
load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=1000)
    parser.add_argument("--snts", type=int, default=0, help="synthetic SNT rows for the declaration → SNT look-up")
    args = parser.parse_args()

    from kordon.config import Settings
    from kordon.decide.profiles import load_profile
    from kordon.ingest.rule_pack import bundled_rule_pack
    from kordon.interfaces.web import explain, i18n
    from kordon.models import Declaration
    from kordon.record.store import Store
    from kordon.service import Kordon
    from kordon.synth.generator import generate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'kordon.db'}"
        store = Store(url)
        k = Kordon(Settings(database_url=url), store)
        lines = (ROOT / "examples" / "declarations.jsonl").read_text(encoding="utf-8").splitlines()
        decls = [Declaration.model_validate({key: v for key, v in json.loads(x).items() if key != "case_note"}) for x in lines if x.strip()]
        decls += [g.declaration for g in generate(args.declarations, seed=15, start=dt.date(2026, 11, 1), days=30, scenario_rate=0.3)]
        pairs = []
        for d in decls:
            decision = k.screen(d)
            body = d.model_dump(mode="json", exclude_none=True)
            pairs += [(h.model_dump(mode="json"), body) for h in decision.hits]
        rules, profile = bundled_rule_pack(), load_profile("kz_customs")
        print(f"{len(decls)} declarations, {len(pairs)} hits")
        for lang in ("ru", "kk"):
            i18n.activate(lang)
            for run in ("cold", "warm"):
                t0, c0 = time.perf_counter(), time.process_time()
                for hit, body in pairs:
                    explain.explain_hit(rules, hit, body, profile, "KZ")
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                print(f"explanations {lang} {run}: {wall / len(pairs) * 1e6:.0f} µs wall, {cpu / len(pairs) * 1e6:.0f} µs CPU per hit")
        if args.snts:
            from sqlalchemy import insert, select

            from kordon.record.documents import DocumentLineRow

            rows = [{"kind": "snt", "number": f"SNT-{i:08d}", "version": 1, "current": True, "section": "g10", "row_no": 1,
                     "date": dt.date(2024, 1, 1), "code": "8471300000", "quantity": 1.0, "unit": "pcs",
                     "ref_doc": f"50508/010124/{i:07d}", "ref_item": "1"} for i in range(args.snts)]
            DocumentLineRow.metadata.create_all(store.engine, tables=[DocumentLineRow.__table__])
            with store.session.begin() as s:
                s.execute(insert(DocumentLineRow), rows)
            wanted = ["50508-010124-0000007", "50508/010124/0000007"]
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(10):
                with store.session() as s:
                    found = s.execute(select(DocumentLineRow.number).where(
                        DocumentLineRow.kind == "snt", DocumentLineRow.current.is_(True), DocumentLineRow.ref_doc.in_(wanted))).all()
            wall, cpu = (time.perf_counter() - t0) / 10, (time.process_time() - c0) / 10
            print(f"declaration → SNT look-up over {args.snts} SNT rows: {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms CPU ({len(found)} found)")
        store.engine.dispose()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
