"""Build the sanctions-list snapshot shipped in kordon/data/parties from the shared real data.

    python scripts/build_party_snapshot.py [SHARED_DATA_DIR]

OFAC: the last complete official sdn.csv (2024-05-03) with add/alt/comments of 2025-12-24,
brought up to the 2026-08-20 names-and-programs mirror (new designations added, delisted dropped).
UN: consolidated.xml of 2026-02-27. UK: FCDO UK Sanctions List tables to 2026-04-29.
Only the properties screening reads are kept, so the files stay small.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from kordon.ingest.sanctions import ofac, uk, un
from kordon.record.sanctions_lists import screenable

KEEP = {"name", "alias", "previousName", "weakAlias", "country", "nationality", "citizenship", "jurisdiction", "flag",
        "birthDate", "innCode", "ogrnCode", "imoNumber", "leiCode", "swiftBic", "registrationNumber", "taxNumber",
        "idNumber", "passportNumber", "address", "program"}


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KORDON_SHARED_DATA", "../shared/data")) / "sanctions_lists"
    out = Path(__file__).resolve().parents[1] / "src" / "kordon" / "data" / "parties"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "kordon-ofac-snapshot"
    tmp.mkdir(exist_ok=True)
    for name, src in [("sdn.csv.gz", "sdn_2024-05-03.csv.gz"), ("add.csv.gz", "add_2025-12-24.csv.gz"),
                      ("alt.csv.gz", "alt_2025-12-24.csv.gz"), ("sdn_comments.csv", "sdn_comments_2025-12-24.csv")]:
        (tmp / name).write_bytes((shared / "ofac" / src).read_bytes())
    results = [
        ofac.merge_names_mirror(ofac.load(tmp, "ofac_sdn"), shared / "ofac" / "ofac_sdn_names_programs_2026-08-20.csv.gz", "2026-08-20"),
        un.load(shared / "un" / "un_consolidated_2026-02-27.xml.gz", "un_sc"),
        uk.load(shared / "uk", "uk_fcdo"),
    ]
    manifest = []
    for r in results:
        ents = [{"id": e["id"], "schema": e["schema"], "properties": {k: v for k, v in e["properties"].items() if k in KEEP}}
                for e in screenable(r.entities)]
        text = "\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in sorted(ents, key=lambda e: e["id"])) + "\n"
        (out / f"{r.list_id}.jsonl.gz").write_bytes(gzip.compress(text.encode("utf-8"), 9, mtime=0))
        manifest.append({"id": r.list_id, "source": r.source, "version": r.published, "sha256": r.sha256, "entries": len(ents),
                         "read": r.read, "rejected": r.rejected})
        print(r.list_id, r.published, len(ents), "entities,", r.rejected, "rejected")
    (out / "manifest.json").write_text(json.dumps({"lists": manifest}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
