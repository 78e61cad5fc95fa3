"""UK Sanctions List (FCDO), as the five normalised tables keyed by unique_id.

The folder holds subjects.csv, subject_names.csv, subject_dobs.csv, subject_countries.csv and
subject_identifiers.csv (plain or .gz) — the relational form of the FCDO CSV (see the PROVENANCE
of the shared data). Dates in subjects.csv are DD/MM/YYYY.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

SCHEMA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
ID_PROP = {"passport": "passportNumber", "national": "idNumber", "business_registration_numbers": "registrationNumber", "imo": "imoNumber"}


def _table(folder: Path, name: str) -> tuple[list[dict[str, str]], bytes]:
    for cand in (folder / f"{name}.csv", folder / f"{name}.csv.gz"):
        if cand.exists():
            data = read_bytes(cand)
            return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))), data
    if name == "subjects":
        raise FileNotFoundError(f"{folder}: no subjects.csv")
    return [], b""


def load(path: str | Path, list_id: str = "uk_fcdo", published: str | None = None) -> ImportResult:  # noqa: C901 - one pass over the publication's layout; split when issue 9's importer rework lands
    folder = Path(path)
    tables = {n: _table(folder, n) for n in ("subjects", "subject_names", "subject_dobs", "subject_countries", "subject_identifiers")}
    by: dict[str, dict[str, list[dict[str, str]]]] = {n: defaultdict(list) for n in tables}
    for n, (rows, _) in tables.items():
        for r in rows:
            by[n][r.get("unique_id", "")].append(r)
    subjects = tables["subjects"][0]
    last = max((s["last_updated"][6:] + "-" + s["last_updated"][3:5] + "-" + s["last_updated"][:2]
                for s in subjects if len(s.get("last_updated", "")) == 10), default=None)
    result = ImportResult("uk", list_id, published or last, digest(*(d for _, d in tables.values())), [])
    for line, s in enumerate(subjects, 2):
        result.read += 1
        uid = s.get("unique_id", "").strip()
        names = by["subject_names"].get(uid, [])
        if not uid or not names:
            result.rejected += 1
            result.errors.append(f"subjects.csv:{line}: subject {uid!r} has no names; skipped")
            continue
        ent = make_entity(SCHEMA.get(s.get("subject_type", ""), "LegalEntity"), f"uk-{uid}")
        for name in names:
            ent.add("name" if name.get("name_type") == "primary" else "alias", name.get("full_name"))
        ent.add("program", uid.rstrip("0123456789"))
        for c in by["subject_countries"].get(uid, []):
            if c.get("iso"):
                prop = "nationality" if c.get("country_type") == "nationality" and ent.schema.name == "Person" else "country"
                if c.get("country_type") != "birth":
                    ent.add(prop, c["iso"], quiet=True)
        if ent.schema.name == "Person":
            for d in by["subject_dobs"].get(uid, []):
                parts = [p for p in (d.get("year"), d.get("month"), d.get("day")) if p and p.strip("0")]
                if parts and parts[0]:
                    ent.add("birthDate", "-".join(parts), quiet=True)
        for i in by["subject_identifiers"].get(uid, []):
            id_prop = ID_PROP.get((i.get("identifier_type") or "").strip())
            if id_prop and id_prop in ent.schema.properties:
                ent.add(id_prop, i.get("raw_value"), quiet=True)
        result.entities.append(ent.to_dict())
    return result
