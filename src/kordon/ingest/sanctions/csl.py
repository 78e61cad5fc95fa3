"""US Consolidated Screening List (ITA), CSV: 11 Commerce, State and Treasury lists in one file.

Columns used: _id, source, type, programs, name, addresses, alt_names, dates_of_birth,
nationalities, citizenships, ids (multi-values separated by ';').
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

SCHEMA = {"Individual": "Person", "Entity": "LegalEntity", "Vessel": "Vessel", "Aircraft": "Airplane"}


def _multi(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def load(path: str | Path, list_id: str = "us_csl", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    result = ImportResult("csl", list_id, published, digest(data), [])
    seen: set[str] = set()
    for line, r in enumerate(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))), 2):
        result.read += 1
        if r.get("_id") == "_id":
            result.rejected += 1  # a repeated header row inside the file
            result.errors.append(f"{path}:{line}: repeated header row; skipped")
            continue
        eid = (r.get("_id") or r.get("entity_number") or "").strip()
        if not eid or not (r.get("name") or "").strip() or eid in seen:
            result.rejected += 1
            result.errors.append(f"{path}:{line}: no id or name, or a duplicate id; skipped")
            continue
        seen.add(eid)
        ent = make_entity(SCHEMA.get((r.get("type") or "").strip(), "LegalEntity"), f"csl-{eid}")
        ent.add("name", r["name"].strip())
        ent.add("alias", _multi(r.get("alt_names")))
        ent.add("program", _multi(r.get("programs")) + _multi(r.get("source")))
        ent.add("address", _multi(r.get("addresses")))
        if ent.schema.name == "Person":
            ent.add("birthDate", _multi(r.get("dates_of_birth")), quiet=True)
            ent.add("nationality", _multi(r.get("nationalities")) + _multi(r.get("citizenships")), quiet=True)
        for addr in _multi(r.get("addresses")):
            ent.add("country", addr.rsplit(",", 1)[-1].strip(), quiet=True)
        result.entities.append(ent.to_dict())
    return result
