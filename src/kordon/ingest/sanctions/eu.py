"""EU restrictive measures from the Official Journal annexes, as the per-regulation CSVs parsed by OpenSanctions.

One file per framework act (CELEX id as name, e.g. 32014R0833.csv for Reg. 833/2014); columns
are FollowTheMoney property names (name, alias, birthDate, innCode, ogrnCode, imoNumber, address,
...), multiple values separated by '; '. A folder loads every CSV in it. One row is one listed party,
identified by celex, annex and recordId: each annex numbers its rows from 1 (in 32014R0833, record 1 is
SBERBANK in Annex III, JSC Sirius in Annex IV and the vessel Angara in Annex XLII), so recordId alone
would fold unrelated parties into one. Licence CC BY-NC 4.0: fine to load, not shipped.
(The EU Financial Sanctions Files XML/CSV are not read yet.)
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

SKIP = {"celex", "recordId", "programKey", "annex", "measure", "startDate", "reason", "schema", "birthDate"}
SCHEMA = {"Person": "Person", "Organization": "Organization", "Company": "Company", "LegalEntity": "LegalEntity", "Vessel": "Vessel",
          "Airplane": "Airplane", "PublicBody": "PublicBody"}


def _dates(value: str) -> list[str]:
    out = []
    for part in value.replace(" or ", ";").split(";"):
        bits = part.strip().split(".")
        if len(bits) == 3 and all(b.isdigit() for b in bits):
            out.append(f"{bits[2]}-{int(bits[1]):02d}-{int(bits[0]):02d}")
        elif part.strip().isdigit() and len(part.strip()) == 4:
            out.append(part.strip())
    return out


def load(path: str | Path, list_id: str = "eu_oj", published: str | None = None) -> ImportResult:
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.name[:1].isdigit() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz"))) if path.is_dir() else [path]
    blobs = [read_bytes(p) for p in files]
    result = ImportResult("eu", list_id, published, digest(*blobs), [])
    entities: dict[str, Any] = {}
    latest = ""
    for p, data in zip(files, blobs):
        for line, r in enumerate(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))), 2):
            result.read += 1
            if not r.get("celex") or not (r.get("name") or "").strip():
                result.rejected += 1
                result.errors.append(f"{p.name}:{line}: no celex or name; skipped")
                continue
            # Some annexes (e.g. 881/2002) number no records: the name is then the stable key.
            if r.get("recordId"):
                annex = "".join((r.get("annex") or "").split())
                eid = f"eu-{r['celex']}-{annex + '-' if annex else ''}{r['recordId']}"
            else:
                eid = f"eu-{r['celex']}-n{hashlib.sha1(r['name'].strip().encode()).hexdigest()[:10]}"
            ent = entities.get(eid)
            if ent is None:
                ent = entities[eid] = make_entity(SCHEMA.get(r.get("schema") or "", "LegalEntity"), eid)
            for prop, value in r.items():
                if prop in SKIP or not value or prop not in ent.schema.properties:
                    continue
                ent.add(prop, [v.strip() for v in value.split(";") if v.strip()], quiet=True)
            ent.add("program", r.get("programKey"), quiet=True)
            if ent.schema.name == "Person":
                ent.add("birthDate", _dates(r.get("birthDate") or ""), quiet=True)
            start = r.get("startDate") or ""
            if start.count(".") == 2:
                d, m, y = start.split(".")
                when = f"{y}-{int(m):02d}-{int(d):02d}"
                latest = max(latest, when)
                result.published_by[r["celex"]] = max(result.published_by.get(r["celex"], ""), when)
    result.entities = [e.to_dict() for e in entities.values()]
    result.published = published or latest or None
    return result
