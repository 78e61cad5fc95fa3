"""Library functions behind `kordon parties match|screen`: search the active lists for one name or a CSV of names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from kordon.index.parties import PartyIndex, Query
from kordon.ingest import party_rows
from kordon.ingest.party_rows import PartyRow

SCHEMAS = ("Person", "Company", "Organization", "LegalEntity", "Vessel")
DEFAULT_THRESHOLD = 0.9


def parse_identifier(text: str) -> tuple[str, str]:
    if ":" not in text:
        raise ValueError(f"identifier {text!r} must be TYPE:VALUE, e.g. bin:120540008532 or inn:7707083893")
    scheme, value = text.split(":", 1)
    return scheme.strip(), value.strip()


def party_index(store_url: str | None = None) -> PartyIndex:
    from kordon.record.sanctions_lists import build_index

    return build_index(store_url)


def allow_list(store_url: str | None):
    from kordon.record.allow_list import load

    return load(store_url)


def match_name(index: PartyIndex, name: str, schema: str | None = None, country: str | None = None, birth_date: str | None = None,
               identifiers: list[str] | None = None, threshold: float = DEFAULT_THRESHOLD, limit: int = 10,
               allow: Any = None, today: dt.date | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Ranked candidates as dicts; with an allow-list, a candidate reviewed as not this party carries
    ``allow_listed`` (reviewer, reason, expiry) and, like in screening, is not a ``match``."""
    if schema and schema not in SCHEMAS:
        raise ValueError(f"schema {schema!r} is not one of {', '.join(SCHEMAS)}")
    parsed = [parse_identifier(i) for i in identifiers or []]
    query = Query(name=name, schema=schema, country=country_code(country), birth_date=birth_date, identifiers=parsed)
    found, warnings = index.match(query, limit=limit)
    fp = None
    if allow is not None and len(allow):
        from kordon.record.allow_list import party_fingerprint

        # The same fingerprint as screening: the name and country as declared, the identifiers.
        fp = party_fingerprint(name, country.upper() if country else None, dict(parsed))
    on = today or dt.date.today()
    out = []
    for c in found:
        d = c.as_dict(threshold)
        d["list_version"] = index.versions.get(c.entity.list_id)
        entry = allow.covers(fp, c.entity.list_id, c.entity.entity_id, c.entity.digest, on) if fp else None
        d["allow_listed"] = ({"reviewer": entry.reviewer, "reason": entry.reason, "expires": entry.expires.isoformat()}
                             if entry is not None else None)
        if entry is not None:
            d["match"] = False
        out.append(d)
    return out, warnings


def country_code(country: str | None) -> str | None:
    """ISO code of a country given by code or name ("KZ", "Kazakhstan"); unknown → None, so it cannot count against a match."""
    if not country or not country.strip():
        return None
    from rigour.territories import lookup_territory

    t = lookup_territory(country.strip())
    return t.code.split("-")[0].upper() if t is not None else None


@dataclass
class ScreenRow:
    row: int
    name: str
    matches: list[dict[str, Any]]
    warnings: list[str]
    error: str | None = None


def screen_party_row(index: PartyIndex, r: PartyRow, threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
                     allow: Any = None) -> ScreenRow:
    """Screen one row of a customer or counterparty file: the one function both engines run per row.

    A bad row gives a result with `error` naming where it came from and the field; it never raises.
    """
    name = (r.name or "").strip()
    if r.error is not None:
        return ScreenRow(r.row, name, [], [], error=r.error)
    try:
        if not name:
            raise ValueError("field 'name' is empty")
        ids = [i for i in (r.identifiers or "").split(";") if i.strip()]
        matches, warnings = match_name(index, name, schema=(r.schema or "").strip() or None,
                                       country=(r.country or "").strip() or None,
                                       birth_date=(r.birth_date or "").strip() or None,
                                       identifiers=ids, threshold=threshold, limit=limit, allow=allow)
        return ScreenRow(r.row, name, matches, warnings)
    except ValueError as exc:
        return ScreenRow(r.row, name, [], [], error=f"{r.where}: {exc}")


def screen_party_rows(index: PartyIndex, rows: Iterable[PartyRow], threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
                      progress: Callable[[int], None] | None = None, allow: Any = None) -> Iterator[ScreenRow]:
    for r in rows:
        yield screen_party_row(index, r, threshold, limit, allow)
        if progress:
            progress(r.row)


def screen_csv(index: PartyIndex, path: str | Path, threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
               progress: Callable[[int], None] | None = None, allow: Any = None) -> Iterator[ScreenRow]:
    """One result per input row (columns name, schema, country, birth_date, identifiers 'type:value;...').

    A bad row (a missing name, a bad identifier, a line that is not UTF-8, a field over the size limit)
    gives a result with `error` naming file, line and field; the rest continue. A file that cannot be
    used at all (empty, no 'name' column, repeated columns) raises ValueError.
    """
    return screen_party_rows(index, party_rows.read_csv(path), threshold, limit, progress, allow)


def screen_file(index: PartyIndex, path: str | Path, threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
                progress: Callable[[int], None] | None = None, allow: Any = None) -> Iterator[ScreenRow]:
    """`screen_csv` for a CSV, or a Parquet file or folder of part files with the same columns."""
    return screen_party_rows(index, party_rows.read(path), threshold, limit, progress, allow)


def allow(store_url: str, index: PartyIndex, *, list_id: str, entity_id: str, party_name: str, country: str | None,
          identifiers: list[str] | None, reviewer: str, reason: str, expires: str):
    """Record a reviewed false positive for the entity as it currently reads on the active list."""
    import datetime as dt

    from kordon.record import allow_list

    entity = next((e for e in index.entities if e.list_id == list_id and e.entity_id == entity_id), None)
    if entity is None:
        raise ValueError(f"entity {entity_id!r} is not on the active version of list {list_id!r}")
    try:
        until = dt.date.fromisoformat(expires)
    except ValueError as exc:
        raise ValueError(f"expiry {expires!r} is not a date YYYY-MM-DD") from exc
    ids = dict(parse_identifier(i) for i in identifiers or [])
    return allow_list.add(store_url, list_id=list_id, entity_id=entity_id, entity_digest=entity.digest, party_name=party_name,
                          country=country.upper() if country else None, identifiers=ids, reviewer=reviewer, reason=reason, expires=until)
