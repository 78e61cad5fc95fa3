"""UN Security Council Consolidated List, XML (scsanctions.un.org consolidated.xml; schema sc-sanctions.xsd)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes


def _texts(node: ET.Element, path: str) -> list[str]:
    return [e.text.strip() for e in node.findall(path) if e.text and e.text.strip()]


def load(path: str | Path, list_id: str = "un_sc", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML: {exc}") from exc
    generated = (root.get("dateGenerated") or "")[:10] or None
    result = ImportResult("un", list_id, published or generated, digest(data), [])
    for kind, schema in (("INDIVIDUAL", "Person"), ("ENTITY", "Organization")):
        for node in root.iter(kind):
            result.read += 1
            ref = (node.findtext("REFERENCE_NUMBER") or node.findtext("DATAID") or "").strip()
            parts = [t for t in (node.findtext(f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")) if t and t.strip()]
            if not ref or not parts:
                result.rejected += 1
                result.errors.append(f"{path}: {kind} DATAID {node.findtext('DATAID')}: no reference number or name; skipped")
                continue
            ent = make_entity(schema, f"un-{ref}")
            ent.add("name", " ".join(p.strip() for p in parts))
            ent.add("alias", _texts(node, f"{kind}_ALIAS/ALIAS_NAME"))
            ent.add("alias", _texts(node, "NAME_ORIGINAL_SCRIPT"))
            ent.add("program", _texts(node, "UN_LIST_TYPE"))
            ent.add("notes", _texts(node, "COMMENTS1"))
            for addr in node.findall(f"{kind}_ADDRESS"):
                bits = _texts(addr, "STREET") + _texts(addr, "CITY") + _texts(addr, "STATE_PROVINCE") + _texts(addr, "COUNTRY")
                if bits:
                    ent.add("address", ", ".join(bits))
                ent.add("country", _texts(addr, "COUNTRY"), quiet=True)
            if schema == "Person":
                ent.add("nationality", _texts(node, "NATIONALITY/VALUE"), quiet=True)
                for dob in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
                    ent.add("birthDate", _texts(dob, "DATE") + _texts(dob, "YEAR"), quiet=True)
                for doc in node.findall("INDIVIDUAL_DOCUMENT"):
                    kind_doc = (doc.findtext("TYPE_OF_DOCUMENT") or "").lower()
                    prop = "passportNumber" if "passport" in kind_doc else "idNumber"
                    ent.add(prop, _texts(doc, "NUMBER"), quiet=True)
            result.entities.append(ent.to_dict())
    return result
