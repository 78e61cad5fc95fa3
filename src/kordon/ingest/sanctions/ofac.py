"""OFAC SDN and consolidated non-SDN lists, delimited format (sdn.csv + add.csv + alt.csv + sdn_comments.csv).

Layout per OFAC's "SDN data file specification": headerless CSV, '-0-' means empty; sdn columns
ent_num, name, type, programs, title, call_sign, vess_type, tonnage, GRT, vess_flag, vess_owner,
remarks. A folder may hold sdn.csv or cons_prim.csv with the matching add/alt/comments files
(plain or .gz, optionally with a date suffix). Remarks carry DOBs and registry numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from kordon.index import identifiers as ids
from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_DOB = re.compile(r"DOB (?:circa )?(\d{1,2} [A-Za-z]{3} \d{4}|[A-Za-z]{3} \d{4}|\d{4})")
_NATIONALITY = re.compile(r"(?:nationality|Nationality of Registration|citizen) ([A-Z][A-Za-z ]+?)(?:;|\.|$)")
SCHEMA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane", "": "LegalEntity", "entity": "LegalEntity"}


def _v(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value == "-0-" else value


def _dob(text: str) -> str:
    parts = text.split()
    if len(parts) == 3:
        return f"{parts[2]}-{_MONTHS.get(parts[1].lower(), 1):02d}-{int(parts[0]):02d}"
    if len(parts) == 2:
        return f"{parts[1]}-{_MONTHS.get(parts[0].lower(), 1):02d}"
    return parts[0]


def _find(folder: Path, stem: str) -> Path | None:
    for p in sorted(folder.iterdir()):
        if p.name.lower().startswith(stem) and p.suffix.lower() in (".csv", ".gz"):
            return p
    return None


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("latin-1") if b"\xff" in data[:0] else data.decode("utf-8", errors="replace")
    return [r for r in csv.reader(io.StringIO(text)) if r and r[0].strip() and r[0].strip() != "\x1a"]


def load(path: str | Path, list_id: str = "ofac_sdn", published: str | None = None) -> ImportResult:  # noqa: C901 - one pass over the publication's layout; split when issue 9's importer rework lands
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    prim = path if path.is_file() else (_find(folder, "sdn") or _find(folder, "cons_prim"))
    if prim is None:
        raise FileNotFoundError(f"{path}: no sdn.csv or cons_prim.csv")
    prefix = "cons_" if prim.name.startswith("cons_") else ""
    files = {"prim": prim}
    for part in ("add", "alt", "comments"):
        stem = f"{prefix}{part}" if part != "comments" else f"{prefix or 'sdn_'}comments"
        found = _find(folder, stem)
        if found:
            files[part] = found
    blobs = {k: read_bytes(p) for k, p in files.items()}
    result = ImportResult("ofac", list_id, published, digest(*blobs.values()), [])
    addresses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in _rows(blobs.get("add", b"")):
        if len(r) >= 5:
            addresses[r[0].strip()].append((", ".join(x for x in (_v(r[2]), _v(r[3]), _v(r[4])) if x), _v(r[4])))
    aliases: dict[str, list[str]] = defaultdict(list)
    for r in _rows(blobs.get("alt", b"")):
        if len(r) >= 4 and _v(r[3]):
            aliases[r[0].strip()].append(_v(r[3]))
    comments: dict[str, str] = defaultdict(str)
    for r in _rows(blobs.get("comments", b"")):
        if len(r) >= 2:
            comments[r[0].strip()] += " " + _v(r[1])
    for line_no, r in enumerate(_rows(blobs["prim"]), 1):
        result.read += 1
        if len(r) < 12 or not r[0].strip().isdigit() or not _v(r[1]):
            result.rejected += 1
            result.errors.append(f"{prim.name}:{line_no}: expected 12 columns with ent_num and name; skipped")
            continue
        ent_num, name, kind = r[0].strip(), _v(r[1]), _v(r[2]).lower()
        ent = make_entity(SCHEMA.get(kind, "LegalEntity"), f"ofac-{ent_num}")
        ent.add("name", name)
        ent.add("alias", aliases.get(ent_num, []))
        ent.add("program", [p.strip() for p in re.split(r"\]\s*\[|;", _v(r[3]).strip("[]")) if p.strip()])
        remarks = _v(r[11]) + comments.get(ent_num, "")
        if remarks:
            ent.add("notes", remarks)
        for full, country in addresses.get(ent_num, []):
            if full:
                ent.add("address", full)
            if country:
                ent.add("country", country)
        if ent.schema.name == "Person":
            ent.add("birthDate", [_dob(m) for m in _DOB.findall(remarks)])
        ent.add("nationality" if ent.schema.name == "Person" else "country", _NATIONALITY.findall(remarks), quiet=True)
        if ent.schema.name == "Vessel":
            ent.add("flag", _v(r[9]), quiet=True)
        _add_identifiers(ent, remarks)
        result.entities.append(ent.to_dict())
    return result


_PROP = {"ru_inn": "innCode", "ru_ogrn": "ogrnCode", "imo": "imoNumber", "lei": "leiCode", "swift": "swiftBic", "kz_bin": "registrationNumber"}


def _add_identifiers(ent, text: str) -> None:  # noqa: ANN001
    for ident in ids.from_text(text):
        prop = _PROP.get(ident.scheme, "registrationNumber")
        if prop in ent.schema.properties:
            ent.add(prop, ident.value, quiet=True)
        elif "registrationNumber" in ent.schema.properties:
            ent.add("registrationNumber", ident.value, quiet=True)


def merge_names_mirror(result: ImportResult, mirror_csv: str | Path, published: str) -> ImportResult:
    """Bring an older full sdn.csv up to a newer names-and-programs mirror of the SDN list.

    Entries in the mirror but not in the CSV are added (names, type, programs, aliases); entries
    no longer in the mirror were delisted and are dropped.
    """
    data = read_bytes(mirror_csv)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    current = {f"ofac-{r['uid']}": r for r in rows}
    kept = [e for e in result.entities if e["id"] in current]
    have = {e["id"] for e in kept}
    for eid, r in current.items():
        if eid in have:
            continue
        ent = make_entity(SCHEMA.get(r["type"].lower(), "LegalEntity"), eid)
        ent.add("name", r["name"])
        ent.add("alias", [a.strip() for a in (r.get("alternate_names") or "").split(";") if a.strip()])
        ent.add("program", [p.strip() for p in r["programs"].split(";") if p.strip()])
        kept.append(ent.to_dict())
    return ImportResult("ofac", result.list_id, published, digest(result.sha256.encode(), data), kept, read=result.read + len(rows),
                        rejected=result.rejected, errors=result.errors)
