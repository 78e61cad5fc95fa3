"""Extract the workspace's texts and bring the catalogues up to date.

    python scripts/web_i18n.py          # messages.pot from the templates and the web code; ru/kk/en .po updated
    python scripts/web_i18n.py --check  # exit 1 when a text has no Russian or Kazakh translation (what the test checks)

New texts appear in the .po files with an empty msgstr; a text whose English changed is marked fuzzy
and is not shown until a translator confirms it. The workspace compiles the .po files in memory at
start, so there is no .mo to rebuild.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1] / "src" / "kordon" / "interfaces" / "web"
LOCALE = WEB / "locale"
POT = LOCALE / "messages.pot"


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=WEB)


def extract() -> None:
    pybabel("extract", "-F", "babel.cfg", "-o", str(POT), "--no-location", "--sort-output", "--omit-header", ".")


def update() -> None:
    for lang in ("ru", "kk", "en"):
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-o", str(po), "-l", lang, "--no-wrap", "--ignore-obsolete", "--omit-header")
        else:
            pybabel("init", "-i", str(POT), "-o", str(po), "-l", lang, "--no-wrap")


def missing() -> dict[str, list[str]]:
    from babel.messages.pofile import read_po

    with POT.open("rb") as fh:
        template = read_po(fh)
    out: dict[str, list[str]] = {}
    for lang in ("ru", "kk"):
        with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            cat = read_po(fh, locale=lang)
        gaps = []
        for msg in template:
            if not msg.id:
                continue
            found = cat.get(msg.id)
            strings = (found.string if isinstance(found.string, (list, tuple)) else [found.string]) if found else [""]
            if found is None or found.fuzzy or not all(strings):
                gaps.append(msg.id if isinstance(msg.id, str) else msg.id[0])
        out[lang] = gaps
    return out


if __name__ == "__main__":
    if "--check" not in sys.argv:
        extract()
        update()
    gaps = missing()
    for lang, ids in gaps.items():
        for msgid in ids:
            print(f"{lang}: no translation for {msgid!r}")
    sys.exit(1 if any(gaps.values()) else 0)
