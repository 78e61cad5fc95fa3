"""Japan METI end-user lists (export bans: Russia, Belarus, third countries), from the text of the published PDFs.

Entries look like: a number and the Japanese name, the English name (", a.k.a., the following
aliases:" then lines starting with '-'), then '所在地：' and the address. Lines that fit none of
these are kept as part of the address or name above them.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

_ENTRY = re.compile(r"^([0-9０-９]+)\s+(.+)$")
_AKA = re.compile(r",?\s*a\.k\.a\.?.*$", re.IGNORECASE)
_GLUED = re.compile(r"(?<=\.)[0-9０-９]{1,3}\s+(?=[\u3040-\u30ff\u4e00-\u9fff])")
_JP = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def load(path: str | Path, list_id: str = "jp_meti", published: str | None = None) -> ImportResult:  # noqa: C901 - one pass over the publication's layout; split when issue 9's importer rework lands
    path = Path(path)
    files = sorted(path.glob("*tokutei*.txt")) if path.is_dir() else [path]
    blobs = [read_bytes(p) for p in files]
    result = ImportResult("meti", list_id, published, digest(*blobs), [])
    for p, data in zip(files, blobs):
        text = data.decode("utf-8", "replace")
        m = re.search(r"最終更新日：\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
        if m and not result.published:
            result.published = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        current: dict | None = None
        mode = ""
        entries: list[dict] = []
        lines: list[str] = []
        for raw in text.splitlines():
            # The PDF text sometimes glues the next entry onto an address: "...127055RU.10 対外諜報庁".
            glued = _GLUED.search(raw)
            lines.extend([raw[: glued.start()], raw[glued.start() :]] if glued else [raw])
        for line in lines:
            line = line.strip()
            if not line:
                continue
            em = _ENTRY.match(line)
            if em and _JP.search(em.group(2)):
                jp, tail = em.group(2), ""
                last_jp = max(i for i, ch in enumerate(jp) if _JP.match(ch) or ch in "（）")
                jp, tail = jp[: last_jp + 1], jp[last_jp + 1 :].strip()
                current = {"no": em.group(1), "jp": jp, "en": [tail] if tail else [], "aliases": [], "address": []}
                entries.append(current)
                mode = "name"
                continue
            if current is None:
                continue
            if line.startswith("所在地"):
                mode = "address"
                current["address"].append(line.split("：", 1)[-1])
            elif mode == "name" and line.startswith("-"):
                current["aliases"].append(line.lstrip("- ").strip())
            elif mode == "name" and not _JP.search(line):
                current["en"].append(line)
            elif mode == "address" and not _JP.search(line):
                current["address"].append(line)
        for e in entries:
            result.read += 1
            en = _AKA.sub("", " ".join(e["en"])).strip(" ,")
            if not en:
                result.rejected += 1
                result.errors.append(f"{p.name}: entry {e['no']} ({e['jp']}) has no English name; skipped")
                continue
            no = unicodedata.normalize("NFKC", e["no"])
            ent = make_entity("LegalEntity", f"meti-{p.name.split('.')[0]}-{no}")
            ent.add("name", en)
            aliases = [re.sub(r"(;\s*and|;|\.)$", "", a).strip() for a in e["aliases"]]
            ent.add("alias", [a for a in aliases if a] + [e["jp"]])
            ent.add("address", " ".join(e["address"]) or None)
            ent.add("program", "JP-METI-" + p.name.split(".")[0])
            result.entities.append(ent.to_dict())
    return result
