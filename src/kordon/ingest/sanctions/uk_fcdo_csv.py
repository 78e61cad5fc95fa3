"""UK Sanctions List (FCDO), the official CSV (UK-Sanctions-List.csv).

Written against the published layout: a first line ``Report Date: DD-Mon-YYYY``, then a header of
58 columns, then one line per designation x name (and address, date of birth, nationality), the
lines of one designation sharing ``Unique ID``. Columns read by name: Last Updated, Unique ID,
Name 1..Name 6 (Name 6 is the family or entity name), Name type (Primary Name / Primary Name
Variation / Alias), Alias strength, Name non-latin script, Regime Name, Designation Type
(Individual / Entity / Ship), Address Line 1-6, Address Postal Code, Address Country, D.O.B
(DD/MM/YYYY; ``dd``, ``mm`` or ``00`` where unknown), Nationality(/ies), National Identifier number,
Passport number, Position, Gender, Town of birth, Business registration number (s), IMO number,
Current believed flag of ship. Entity ids match the table importer (``uk-<Unique ID>``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from kordon.ingest.sanctions import ImportResult, digest, make_entity, read_bytes

REQUIRED = ("Unique ID", "Name 6", "Name type", "Designation Type")
SCHEMA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
# "BIN: 110340017087", "311748-3301-OOO TIN: 02312202410120": labelled numbers inside the registration field.
LABELLED = re.compile(r"\b(BIN|OGRN|OGRNIP|TIN|INN|IIN)\s*[:.]?\s*([0-9][0-9-]*[0-9])", re.I)
TAX_LABELS = {"tin", "inn"}


def _report_date(line: str) -> str | None:
    m = re.match(r"\s*Report Date:\s*(\d{1,2}-[A-Za-z]{3}-\d{4})", line)
    return dt.datetime.strptime(m.group(1), "%d-%b-%Y").date().isoformat() if m else None


def _dob(raw: str) -> str | None:
    """DD/MM/YYYY with placeholders for unknown parts -> YYYY, YYYY-MM or YYYY-MM-DD."""
    parts = raw.strip().split("/")
    if len(parts) != 3 or not (parts[2].isdigit() and len(parts[2]) == 4):
        return raw.strip() if re.fullmatch(r"\d{4}", raw.strip()) else None
    day, month, year = (p if p.isdigit() and int(p) else "" for p in parts)
    if not month:
        return year
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def load(path: str | Path, list_id: str = "uk_fcdo", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    text = data.decode("utf-8-sig")
    name = Path(path).name
    first, _, rest = text.partition("\n")
    report = _report_date(first)
    offset = 1 if report or first.startswith("Report Date") else 0
    body = rest if offset else text
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValueError(f"{path}: no header line; expected the UK Sanctions List CSV") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}: line {offset + 1}: missing column(s) {', '.join(missing)}; not the UK Sanctions List CSV")
    result = ImportResult("uk_csv", list_id, published or report, digest(data), [])
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    start = reader.line_num + 1
    for row in reader:
        line, start = start + offset, reader.line_num + 1
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            result.read += 1
            result.rejected += 1
            result.errors.append(f"{name}:{line}: {len(row)} fields, header has {len(header)}; line skipped")
            continue
        rec = dict(zip(header, (c.strip() for c in row)))
        uid = rec.get("Unique ID", "")
        if not uid:
            result.read += 1
            result.rejected += 1
            result.errors.append(f"{name}:{line}: field Unique ID is empty; line skipped")
            continue
        groups.setdefault(uid, []).append((line, rec))
    if result.published is None:
        dates = [r["Last Updated"] for rows in groups.values() for _, r in rows if len(r.get("Last Updated", "")) == 10]
        result.published = max((f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in dates), default=None)
    result.take_groups(groups, _entity, lambda uid, line, n: (
        f"{name}:{line}: designation {uid}: no name in Name 1..Name 6 on any of its {n} line(s); skipped"))
    return result


def _full_name(r: dict[str, str]) -> str:
    return " ".join(r.get(f"Name {i}", "") for i in (1, 2, 3, 4, 5, 6) if r.get(f"Name {i}")).strip()


def _countries(ent, prop: str, raw: str) -> None:  # noqa: ANN001 - followthemoney proxy
    """A cell may hold one country name or several; FtM's country type turns names into ISO codes."""
    if not raw or prop not in ent.schema.properties:
        return
    if ent.schema.properties[prop].type.clean(raw):
        ent.add(prop, raw, quiet=True)
        return
    for piece in re.split(r"[,;|]|\(\d+\)", raw):
        ent.add(prop, piece.strip() or None, quiet=True)


def _entity(uid: str, rows: list[dict[str, str]]):  # noqa: ANN202 - followthemoney proxy
    primary = [_full_name(r) for r in rows if r.get("Name type", "").lower() == "primary name" and _full_name(r)]
    others = [_full_name(r) for r in rows if _full_name(r)]
    if not primary and not others:
        return None
    kind = rows[0].get("Designation Type", "").lower()
    ent = make_entity(SCHEMA.get(kind, "LegalEntity"), f"uk-{uid}")
    ent.add("name", (primary or others)[0])
    person = ent.schema.name == "Person"
    for r in rows:
        full = _full_name(r)
        ntype = r.get("Name type", "").lower()
        if full and full != (primary or others)[0]:
            weak = ntype == "alias" and "low" in r.get("Alias strength", "").lower() and "weakAlias" in ent.schema.properties
            ent.add("weakAlias" if weak else "alias", full)
        ent.add("alias", r.get("Name non-latin script") or None)
        ent.add("program", r.get("Regime Name") or None)
        lines = [r.get(f"Address Line {i}", "") for i in range(1, 7)] + [r.get("Address Postal Code", ""), r.get("Address Country", "")]
        if any(lines[:7]):
            ent.add("address", ", ".join(p for p in lines if p))
        _countries(ent, "country", r.get("Address Country", ""))
        if person:
            ent.add("birthDate", _dob(r.get("D.O.B", "")), quiet=True)
            _countries(ent, "nationality", r.get("Nationality(/ies)", ""))
            ent.add("passportNumber", r.get("Passport number") or None)
            ent.add("idNumber", r.get("National Identifier number") or None)
            ent.add("position", r.get("Position") or None)
            ent.add("gender", (r.get("Gender") or "").lower() or None, quiet=True)
            ent.add("birthPlace", r.get("Town of birth") or None)
        reg = r.get("Business registration number (s)", "")
        if reg and "registrationNumber" in ent.schema.properties:
            labelled = LABELLED.findall(reg)
            rest = LABELLED.sub("", reg).strip(" ,;")
            for label, number in labelled:
                ent.add("taxNumber" if label.lower() in TAX_LABELS else "registrationNumber", number)
            ent.add("registrationNumber", rest or None)
        if ent.schema.name == "Vessel":
            ent.add("imoNumber", r.get("IMO number") or None, quiet=True)
            _countries(ent, "flag", r.get("Current believed flag of ship", ""))
    return ent
