"""Build kordon/data/tnved/tnved_eaeu_codes.csv.gz: every 10-digit TN VED EAEU code in force.

Reads ../shared/data/tnved_eaeu/tnved_eaeu_10digit.csv.gz (ETT EAEU 2022 edition, chapters as amended
up to 08.03.2026, 13,289 codes) and writes the sorted codes, one a line, gzip with a fixed mtime so the
file is byte-identical on every rebuild. Code validation (kordon.index.hs.validate_code) reads it.

Usage: python scripts/build_tnved_codes.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "kordon" / "data" / "tnved" / "tnved_eaeu_codes.csv.gz"


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))
    with gzip.open(shared / "tnved_eaeu" / "tnved_eaeu_10digit.csv.gz", "rt", encoding="utf-8") as fh:
        codes = sorted({r["code"] for r in csv.DictReader(fh)})
    bad = [c for c in codes if len(c) != 10 or not c.isdigit()]
    if bad:
        sys.exit(f"not 10-digit codes: {bad[:5]}")
    text = "code\n" + "\n".join(codes) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    OUT.write_bytes(buf.getvalue())
    print(f"{len(codes)} codes -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
