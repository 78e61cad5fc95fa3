"""OFAC SDN / consolidated list in the XML format (SDN.XML, CONSOLIDATED.XML).

Written against the published layout: <sdnList> with <publshInformation><Publish_Date>MM/DD/YYYY
(OFAC's spelling), then <sdnEntry> with uid, firstName, lastName, sdnType, programList/program,
akaList/aka(firstName, lastName, category), idList/id(idType, idNumber, idCountry),
addressList/address(address1-3, city, stateOrProvince, postalCode, country),
nationalityList/nationality/country, citizenshipList/citizenship/country,
dateOfBirthList/dateOfBirthItem/dateOfBirth, vesselInfo(vesselFlag), remarks.
Namespaces differ between publications, so tags are matched by local name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes
from kordon.ingest.sanctions.ofac import _DOB, _dob

SCHEMA = {"individual": "Person", "entity": "LegalEntity", "vessel": "Vessel", "aircraft": "Airplane"}
ID_PROP = {"tax id no.": "taxNumber", "registration number": "registrationNumber", "registration id": "registrationNumber",
           "imo": "imoNumber", "vessel registration identification": "imoNumber", "swift/bic": "swiftBic",
           "legal entity number": "leiCode", "passport": "passportNumber", "national id no.": "idNumber",
           "business identification number": "registrationNumber"}


def _strip_ns(root: ET.Element) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]


def _t(node: ET.Element | None, tag: str) -> str:
    if node is None:
        return ""
    found = node.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def _name(node: ET.Element) -> str:
    return " ".join(x for x in (_t(node, "firstName"), _t(node, "lastName")) if x)


def load(path: str | Path, list_id: str = "ofac_sdn", published: str | None = None) -> ImportResult:  # noqa: C901 - one pass over the publication's layout; split when issue 9's importer rework lands
    data = read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML: {exc}") from exc
    _strip_ns(root)
    if root.tag != "sdnList":
        raise ValueError(f"{path}: root element is <{root.tag}>, expected <sdnList> (OFAC SDN.XML / CONSOLIDATED.XML)")
    pub = _t(root.find("publshInformation"), "Publish_Date")
    if pub.count("/") == 2:
        m, d, y = pub.split("/")
        pub = f"{y}-{int(m):02d}-{int(d):02d}"
    result = ImportResult("ofac", list_id, published or pub or None, digest(data), [])
    for n, entry in enumerate(root.findall("sdnEntry"), 1):
        result.read += 1
        uid, name = _t(entry, "uid"), _name(entry)
        if not uid or not name:
            result.rejected += 1
            result.errors.append(f"{path}: sdnEntry #{n} has no uid or name; skipped")
            continue
        ent = make_entity(SCHEMA.get(_t(entry, "sdnType").lower(), "LegalEntity"), f"ofac-{uid}")
        ent.add("name", name)
        for aka in entry.iterfind("akaList/aka"):
            ent.add("weakAlias" if _t(aka, "category").lower() == "weak" and "weakAlias" in ent.schema.properties else "alias", _name(aka) or None)
        ent.add("program", [p.text.strip() for p in entry.iterfind("programList/program") if p.text])
        for a in entry.iterfind("addressList/address"):
            parts = [_t(a, k) for k in ("address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country")]
            if any(parts):
                ent.add("address", ", ".join(p for p in parts if p))
            ent.add("country", _t(a, "country") or None, quiet=True)
        person = ent.schema.name == "Person"
        for c in entry.iterfind("nationalityList/nationality"):
            ent.add("nationality" if person else "country", _t(c, "country") or None, quiet=True)
        for c in entry.iterfind("citizenshipList/citizenship"):
            ent.add("citizenship" if person else "country", _t(c, "country") or None, quiet=True)
        if person:
            for dob in entry.iterfind("dateOfBirthList/dateOfBirthItem"):
                raw = _t(dob, "dateOfBirth")
                ent.add("birthDate", _dob(raw) if _DOB.match(f"DOB {raw}") else raw, quiet=True)
        for i in entry.iterfind("idList/id"):
            prop = ID_PROP.get(_t(i, "idType").lower())
            if prop and prop in ent.schema.properties:
                ent.add(prop, _t(i, "idNumber") or None, quiet=True)
        if ent.schema.name == "Vessel":
            ent.add("flag", _t(entry.find("vesselInfo"), "vesselFlag") or None, quiet=True)
        if _t(entry, "remarks"):
            ent.add("notes", _t(entry, "remarks"))
        result.entities.append(ent.to_dict())
    return result
