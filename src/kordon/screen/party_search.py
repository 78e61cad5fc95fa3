"""Library functions behind `kordon parties match|screen`: search the active lists for one name or a CSV of names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from kordon.index.parties import PartyIndex, Query

SCHEMAS = ("Person", "Company", "Organization", "LegalEntity", "Vessel")
DEFAULT_THRESHOLD = 0.9


def parse_identifier(text: str) -> tuple[str, str]:
    if ":" not in text:
        raise ValueError(f"identifier {text!r} must be TYPE:VALUE, e.g. bin:123456789012 or inn:7707083893")
    scheme, value = text.split(":", 1)
    return scheme.strip(), value.strip()


def party_index(store_url: str | None = None) -> PartyIndex:
    from kordon.record.sanctions_lists import build_index

    return build_index(store_url)


def match_name(index: PartyIndex, name: str, schema: str | None = None, country: str | None = None, birth_date: str | None = None,
               identifiers: list[str] | None = None, threshold: float = DEFAULT_THRESHOLD, limit: int = 10) -> tuple[list[dict[str, Any]], list[str]]:
    if schema and schema not in SCHEMAS:
        raise ValueError(f"schema {schema!r} is not one of {', '.join(SCHEMAS)}")
    query = Query(name=name, schema=schema, country=country.upper() if country else None, birth_date=birth_date,
                  identifiers=[parse_identifier(i) for i in identifiers or []])
    found, warnings = index.match(query, limit=limit, threshold=threshold)
    out = []
    for c in found:
        d = c.as_dict(threshold)
        d["list_version"] = index.versions.get(c.entity.list_id)
        out.append(d)
    return out, warnings


@dataclass
class ScreenRow:
    row: int
    name: str
    matches: list[dict[str, Any]]
    warnings: list[str]
    error: str | None = None


def screen_csv(index: PartyIndex, path: str | Path, threshold: float = DEFAULT_THRESHOLD, limit: int = 5,
               progress: Callable[[int], None] | None = None) -> Iterator[ScreenRow]:
    """One result per input row (columns name, schema, country, birth_date, identifiers 'type:value;...').

    A bad row (a missing name, a bad identifier, a line that is not UTF-8, a field over the size limit)
    gives a result with `error` naming file, line and field; the rest continue. A file that cannot be
    used at all (empty, no 'name' column, repeated columns) raises ValueError.
    """
    from kordon.ingest import limits

    data = Path(path).read_bytes()
    rows = limits.csv_rows(data, str(path))
    columns: list[str] | None = None
    n = 0
    for line, values, error in rows:
        if columns is None:
            if error:
                raise ValueError(str(error))
            assert values is not None
            columns, problems = limits.header(values, str(path), line, required=("name",))
            if problems:
                raise ValueError("; ".join(map(str, problems)) + " (columns: name, schema, country, birth_date, identifiers)")
            continue
        n += 1
        if error:
            yield ScreenRow(n, "", [], [], error=str(error))
        else:
            assert values is not None
            yield _screen_row(index, dict(zip(columns, values)), n, f"{path}:{line}", threshold, limit)
        if progress:
            progress(n)
    if columns is None:
        raise ValueError(f"{path}: the file is empty (expected a header: name, schema, country, birth_date, identifiers)")


def _screen_row(index: PartyIndex, r: dict[str, str], n: int, where: str, threshold: float, limit: int) -> ScreenRow:
    name = (r.get("name") or "").strip()
    try:
        if not name:
            raise ValueError("field 'name' is empty")
        ids = [i for i in (r.get("identifiers") or "").split(";") if i.strip()]
        matches, warnings = match_name(index, name, schema=(r.get("schema") or "").strip() or None,
                                       country=(r.get("country") or "").strip() or None,
                                       birth_date=(r.get("birth_date") or "").strip() or None,
                                       identifiers=ids, threshold=threshold, limit=limit)
        return ScreenRow(n, name, matches, warnings)
    except ValueError as exc:
        return ScreenRow(n, name, [], [], error=f"{where}: {exc}")


def allow(store_url: str, index: PartyIndex, *, list_id: str, entity_id: str, party_name: str, country: str | None,
          identifiers: list[str] | None, reviewer: str, reason: str, expires: str):  # noqa: ANN201 - AllowEntry
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
