"""EU Financial Sanctions Files (FSF): the consolidated list in its XML form (xmlFullSanctionsList_1_1).

Written against the published layout: <export generationDate=...> with <sanctionEntity logicalId
euReferenceNumber unitedNationId> holding <regulation programme=...>, <subjectType code="person|
enterprise">, <nameAlias wholeName firstName lastName strong>, <citizenship countryIso2Code>,
<birthdate birthdate year>, <identification identificationTypeCode number countryIso2Code>,
<address street city zipCode countryIso2Code>. Data are attributes; tags are matched by local name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

ID_PROP = {"passport": "passportNumber", "id": "idNumber", "regnumber": "registrationNumber", "tin": "taxNumber",
           "swiftbic": "swiftBic", "imo": "imoNumber", "inn": "innCode", "ogrn": "ogrnCode", "other": "idNumber"}


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def load(path: str | Path, list_id: str = "eu_fsf", published: str | None = None) -> ImportResult:  # noqa: C901 - one pass over the publication's layout; split when issue 9's importer rework lands
    data = read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML: {exc}") from exc
    if _local(root.tag) != "export":
        raise ValueError(f"{path}: root element is <{_local(root.tag)}>, expected <export> (EU FSF xmlFullSanctionsList_1_1)")
    result = ImportResult("eu_fsf", list_id, published or (root.get("generationDate") or "")[:10] or None, digest(data), [])
    for n, se in enumerate((e for e in root if _local(e.tag) == "sanctionEntity"), 1):
        result.read += 1
        kids: dict[str, list[ET.Element]] = {}
        for k in se:
            kids.setdefault(_local(k.tag), []).append(k)
        names = [a.get("wholeName") or " ".join(x for x in (a.get("firstName"), a.get("middleName"), a.get("lastName")) if x)
                 for a in kids.get("nameAlias", [])]
        names = [x.strip() for x in names if x and x.strip()]
        eid = se.get("logicalId") or se.get("euReferenceNumber")
        if not eid or not names:
            result.rejected += 1
            result.errors.append(f"{path}: sanctionEntity #{n} has no logicalId or no name; skipped")
            continue
        kind = (kids.get("subjectType", [ET.Element("x")])[0].get("code") or "").lower()
        ent = make_entity("Person" if kind == "person" else "Organization" if kind == "enterprise" else "LegalEntity", f"eu-fsf-{eid}")
        ent.add("name", names[0])
        ent.add("alias", names[1:])
        ent.add("program", [r.get("programme") for r in kids.get("regulation", []) if r.get("programme")])
        person = ent.schema.name == "Person"
        for c in kids.get("citizenship", []):
            ent.add("nationality" if person else "country", c.get("countryIso2Code") or None, quiet=True)
        if person:
            for b in kids.get("birthdate", []):
                ent.add("birthDate", b.get("birthdate") or b.get("year") or None, quiet=True)
        for i in kids.get("identification", []):
            prop = ID_PROP.get((i.get("identificationTypeCode") or "").lower())
            if prop and prop in ent.schema.properties:
                ent.add(prop, i.get("number") or None, quiet=True)
        for a in kids.get("address", []):
            parts = [a.get(k) for k in ("street", "city", "zipCode", "countryDescription")]
            if any(parts):
                ent.add("address", ", ".join(p for p in parts if p))
            ent.add("country", a.get("countryIso2Code") or None, quiet=True)
        result.entities.append(ent.to_dict())
    return result
