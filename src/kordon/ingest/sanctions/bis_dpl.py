"""BIS Denied Persons List, tab-separated with quoted fields (Name, Street_Address, City, State, Country,
Postal_Code, Effective_Date, Expiration_Date, Standard_Order, Last_Update, Action, FR_Citation)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes


def load(path: str | Path, list_id: str = "us_bis_dpl", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    result = ImportResult("bis_dpl", list_id, published, digest(data), [])
    latest = ""
    seen: set[str] = set()
    for line, r in enumerate(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter="\t"), 2):
        result.read += 1
        name = (r.get("Name") or "").strip()
        if not name:
            result.rejected += 1
            result.errors.append(f"{path}:{line}: field 'Name' is empty; skipped")
            continue
        parts = (r.get("Street_Address"), r.get("City"), r.get("State"), r.get("Postal_Code"), r.get("Country"))
        address = ", ".join(x.strip() for x in parts if x and x.strip())
        # The list has no ids: name and address identify an order.
        eid = "dpl-" + hashlib.sha1(f"{name}|{address}".encode()).hexdigest()[:12]
        if eid in seen:
            result.rejected += 1
            result.errors.append(f"{path}:{line}: duplicate of an earlier row ({name}); skipped")
            continue
        seen.add(eid)
        ent = make_entity("LegalEntity", eid)
        ent.add("name", name)
        ent.add("address", address or None)
        ent.add("country", (r.get("Country") or "").strip() or None, quiet=True)
        ent.add("program", "US-BIS-DPL")
        result.entities.append(ent.to_dict())
        updated = (r.get("Last_Update") or "")[:10]
        if updated <= dt.date.today().isoformat():  # the file has typos such as 3033-09-30
            latest = max(latest, updated)
    result.published = published or latest or None
    return result
