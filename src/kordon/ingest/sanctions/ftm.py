"""FollowTheMoney JSON: entity files (one entity per line) and delta files ({"op": ADD|MOD|DEL, "entity": {...}}).

A delta applies to a base version: ``apply_delta(base_entities, result)`` gives the new set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kordon.ingest.sanctions import ImportResult, digest, read_bytes


def load(path: str | Path, list_id: str = "opensanctions", published: str | None = None) -> ImportResult:
    data = read_bytes(path)
    result = ImportResult("ftm", list_id, published, digest(data), [])
    latest: str | None = None
    for line_no, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        result.read += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.rejected += 1
            result.errors.append(f"{path}:{line_no}: not JSON ({exc.msg}); skipped")
            continue
        op = obj.get("op") if isinstance(obj, dict) else None
        ent = obj.get("entity") if op else obj
        if not isinstance(ent, dict) or not ent.get("id") or not ent.get("schema"):
            result.rejected += 1
            result.errors.append(f"{path}:{line_no}: entity without id or schema; skipped")
            continue
        if op == "DEL":
            result.deleted.append(str(ent["id"]))
            continue
        entity: dict[str, Any] = {"id": ent["id"], "schema": ent["schema"], "properties": ent.get("properties", {})}
        if ent.get("caption"):
            entity["caption"] = ent["caption"]
        for stamp in (ent.get("last_change"), ent.get("last_seen")):
            if stamp and (latest is None or stamp > latest):
                latest = stamp
        result.entities.append(entity)
    if result.published is None and latest:
        result.published = latest[:10]
    return result


def apply_delta(base: list[dict[str, Any]], delta: ImportResult) -> list[dict[str, Any]]:
    by_id = {e["id"]: e for e in base}
    for eid in delta.deleted:
        by_id.pop(eid, None)
    for e in delta.entities:
        by_id[e["id"]] = e
    return list(by_id.values())
