"""EU Financial Sanctions Files (FSF): the consolidated list in its CSV form (csvFullSanctionsList_1_1).

Written against the published layout: semicolon-separated, UTF-8, one header row, then one row
per sanctioned entity x name alias / address / birth date / identification / citizenship, the
rows of one entity sharing ``Entity_LogicalId``. Columns are read by name: fileGenerationDate
(DD/MM/YYYY), Entity_LogicalId, Entity_EU_ReferenceNumber, Entity_SubjectType (P/E),
Entity_SubjectType_ClassificationCode (person/enterprise), Entity_Regulation_Programme,
NameAlias_FirstName/MiddleName/LastName/WholeName, Address_Street/City/ZipCode/CountryIso2Code/
CountryDescription, BirthDate_BirthDate/BirthDate_Year, Identification_TypeCode/Number,
Citizenship_CountryIso2Code. Entity ids match the XML importer (``eu-fsf-<logicalId>``), so a
list loaded from either form diffs cleanly against the other.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes
from kordon.ingest.sanctions.eu_fsf import ID_PROP

REQUIRED = ("Entity_LogicalId", "NameAlias_WholeName")
SCHEMA = {"person": "Person", "p": "Person", "enterprise": "Organization", "e": "Organization"}


def _iso_date(raw: str) -> str | None:
    raw = raw.strip()
    if len(raw) == 10 and raw[2] == "/" and raw[5] == "/":
        return f"{raw[6:]}-{raw[3:5]}-{raw[:2]}"
    return raw[:10] if len(raw) >= 10 and raw[4] == "-" else None


def _rows(path: str | Path, text: str):
    """Yield (line, row dict) per record; a record's line is where it starts (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValueError(f"{path}: empty file, expected the EU FSF CSV header") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}: line 1: missing column(s) {', '.join(missing)}; not an EU FSF CSV (csvFullSanctionsList_1_1)")
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield line, None, f"{len(row)} fields, header has {len(header)}"
            continue
        yield line, dict(zip(header, (c.strip() for c in row))), None


def load(path: str | Path, list_id: str = "eu_fsf", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    text = data.decode("utf-8-sig")
    name = Path(path).name
    result = ImportResult("eu_fsf_csv", list_id, published, digest(data), [])
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row, problem in _rows(path, text):
        if row is None:
            result.read += 1
            result.rejected += 1
            result.errors.append(f"{name}:{line}: {problem}; row skipped")
            continue
        lid = row.get("Entity_LogicalId", "")
        if not lid:
            result.read += 1
            result.rejected += 1
            result.errors.append(f"{name}:{line}: field Entity_LogicalId is empty; row skipped")
            continue
        if result.published is None:
            result.published = _iso_date(row.get("fileGenerationDate", ""))
        groups.setdefault(lid, []).append((line, row))
    result.take_groups(groups, _entity, lambda lid, line, n: (
        f"{name}:{line}: entity {lid}: no NameAlias_WholeName or name parts in any of its {n} row(s); skipped"))
    return result


def _entity(lid: str, rows: list[dict[str, str]]):  # noqa: ANN202 - followthemoney proxy
    names: list[str] = []
    for r in rows:
        whole = r.get("NameAlias_WholeName") or " ".join(
            x for x in (r.get("NameAlias_FirstName"), r.get("NameAlias_MiddleName"), r.get("NameAlias_LastName")) if x)
        if whole and whole not in names:
            names.append(whole)
    if not names:
        return None
    first = rows[0]
    kind = (first.get("Entity_SubjectType_ClassificationCode") or first.get("Entity_SubjectType") or "").lower()
    ent = make_entity(SCHEMA.get(kind, "LegalEntity"), f"eu-fsf-{lid}")
    ent.add("name", names[0])
    ent.add("alias", names[1:])
    person = ent.schema.name == "Person"
    for r in rows:
        ent.add("program", r.get("Entity_Regulation_Programme") or None)
        ent.add("nationality" if person else "country", r.get("Citizenship_CountryIso2Code") or None, quiet=True)
        if person:
            ent.add("birthDate", r.get("BirthDate_BirthDate") or r.get("BirthDate_Year") or None, quiet=True)
        prop = ID_PROP.get((r.get("Identification_TypeCode") or "").lower())
        if prop and prop in ent.schema.properties:
            ent.add(prop, r.get("Identification_Number") or None, quiet=True)
        parts = [r.get(k) for k in ("Address_Street", "Address_City", "Address_ZipCode", "Address_CountryDescription")]
        if any(parts):
            ent.add("address", ", ".join(p for p in parts if p))
        ent.add("country", r.get("Address_CountryIso2Code") or None, quiet=True)
    return ent
