"""Loading list files into the store, and downloading the official files (`kordon lists update`)."""

from __future__ import annotations

import datetime as dt
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kordon.ingest.sanctions import ImportResult, importer
from kordon.record.sanctions_lists import (
    LoadOutcome,
    entities_of,
    load_version,
    screenable,
    shipped_entities,
    shipped_manifest,
    versions,
)

DEFAULT_LIST_ID = {"ofac": "ofac_sdn", "un": "un_sc", "uk": "uk_fcdo", "ftm": "opensanctions", "csl": "us_csl", "eu": "eu_oj",
                   "bis_dpl": "us_bis_dpl", "meti": "jp_meti", "ofac_xml": "ofac_sdn", "eu_fsf": "eu_fsf",
                   "eu_fsf_csv": "eu_fsf", "uk_csv": "uk_fcdo"}


def _celex(entity_id: str) -> str | None:
    parts = entity_id.split("-")
    return parts[1] if len(parts) >= 3 and parts[0] == "eu" else None


def split_lists(source: str, result: ImportResult, list_id: str | None) -> dict[str, list[dict[str, Any]]]:
    """The lists a publication becomes: one per EU regulation (``eu_oj_32014R0833``, ...), unless the
    user named the list to replace; one list under the source's default id otherwise."""
    if list_id:
        return {list_id: result.entities}
    if source == "eu":
        out: dict[str, list[dict[str, Any]]] = {}
        for e in result.entities:
            out.setdefault(f"eu_oj_{_celex(str(e.get('id', ''))) or 'other'}", []).append(e)
        return out
    return {DEFAULT_LIST_ID.get(source, source): result.entities}


def _in_use(store_url: str, list_id: str) -> tuple[set[str], str | None, str] | None:
    """Entity ids, publication date and version label of the list version in use (store, else shipped snapshot)."""
    rows = [v for v in versions(store_url, list_id) if v["status"] == "active"]
    if rows:
        return {e["id"] for e in entities_of(store_url, rows[-1]["pk"])}, rows[-1]["published"], rows[-1]["version"]
    shipped = next((m for m in shipped_manifest() if m["id"] == list_id), None)
    if shipped is not None:
        return {e["id"] for e in shipped_entities(list_id)}, shipped["version"], shipped["version"]
    return None


def _baseline(store_url: str, list_id: str) -> tuple[set[str], str] | None:
    """The last reviewed version of a list: the latest one activated with --force, else the first one used
    (the shipped snapshot, else the first stored). Removals are counted from it, so that a list cannot
    be emptied in steps each below the allowed shrink (100 → 85 → 70 → 57)."""
    used = [v for v in versions(store_url, list_id) if v["status"] in ("active", "superseded")]
    forced = [v for v in used if (v["reason"] or "").startswith("activated with --force")]
    if forced:
        v = forced[-1]
        return {e["id"] for e in entities_of(store_url, v["pk"])}, v["version"]
    if any(m["id"] == list_id for m in shipped_manifest()):
        return {e["id"] for e in shipped_entities(list_id)}, "shipped snapshot"
    if used:
        return {e["id"] for e in entities_of(store_url, used[0]["pk"])}, used[0]["version"]
    return None


def guard(store_url: str, list_id: str, entities: list[dict[str, Any]], published: str | None, max_shrink: float) -> str | None:
    """Why a new version must not replace the one in use without --force, or None.

    Looks at which entities go, not only at counts: a version that drops more than ``max_shrink`` of the
    entities in use, or of the last reviewed version, is refused even when new entities make up the
    count; so is a publication older than the one in use.
    """
    new_ids = {str(e.get("id")) for e in screenable(entities)}
    reasons = []
    in_use = _in_use(store_url, list_id)
    if in_use is not None:
        ids, pub, label = in_use
        gone = len(ids - new_ids)
        if ids and gone > max_shrink * len(ids):
            reasons.append(f"it removes {gone} of the {len(ids)} entities of version {label} in use ({gone / len(ids):.0%}, "
                           f"more than the allowed {max_shrink:.0%})")
        if published and pub and published[:10] < pub[:10]:
            reasons.append(f"its publication date {published[:10]} is older than that of version {label} in use ({pub[:10]})")
    base = _baseline(store_url, list_id)
    if base is not None and not reasons:
        ids, label = base
        gone = len(ids - new_ids)
        if ids and gone > max_shrink * len(ids):
            reasons.append(f"it removes {gone} of the {len(ids)} entities of the last reviewed version {label} ({gone / len(ids):.0%}, "
                           f"more than the allowed {max_shrink:.0%} since a version was last activated with --force)")
    return "; ".join(reasons) or None


def load_publication(store_url: str, path: str | Path, source: str, list_id: str | None = None, version: str | None = None,
                     max_shrink: float = 0.2, force: bool = False) -> tuple[ImportResult, list[LoadOutcome]]:
    """Import one publication and store each list in it as a new version (activated unless a guard refuses).

    Each EU regulation is its own list; a file replaces a list only under that list's id (the default id of
    its source, or ``list_id`` given by the user). Replacing a list with one that removes most of its
    entities, or with an older publication, is refused unless ``force``.
    """
    result = importer(source)(Path(path))
    outcomes = []
    for lid, entities in split_lists(source, result, list_id).items():
        celex = lid.removeprefix("eu_oj_")
        published = result.published_by.get(celex, result.published) if not list_id else result.published
        label = version or published or dt.date.today().isoformat()
        refuse = guard(store_url, lid, entities, published, max_shrink)
        outcomes.append(load_version(store_url, lid, label, source, result.sha256, entities, max_shrink=max_shrink, force=force,
                                     published=published, refuse=refuse))
    result.list_id = ", ".join(o.list_id for o in outcomes)
    return result, outcomes


def load_file(store_url: str, path: str | Path, source: str, list_id: str | None = None, version: str | None = None,
              max_shrink: float = 0.2, force: bool = False) -> tuple[ImportResult, LoadOutcome]:
    """Import a publication holding one list and store it as a new version (see ``load_publication``)."""
    result, outcomes = load_publication(store_url, path, source, list_id, version, max_shrink, force)
    if len(outcomes) != 1:
        raise ValueError(f"{path}: holds {len(outcomes)} lists ({result.list_id}); load it with load_publication")
    return result, outcomes[0]


def official_sources() -> dict[str, dict]:
    text = (resources.files("kordon") / "data" / "parties" / "sources.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["lists"]


@dataclass
class UpdateResult:
    list_id: str
    ok: bool
    message: str
    outcome: LoadOutcome | None = None


def update_lists(store_url: str, list_ids: list[str] | None = None, base_url: str | None = None, timeout: float = 60,
                 max_shrink: float = 0.2) -> list[UpdateResult]:
    """Download each list's official files and load them. A failed download leaves the active version in place.

    ``base_url`` replaces the publishers' addresses with BASE/LIST_ID/FILENAME (a mirror, or a test server).
    """
    sources = official_sources()
    out = []
    for list_id in list_ids or list(sources):
        spec = sources.get(list_id)
        if spec is None:
            out.append(UpdateResult(list_id, False, f"no official source known for {list_id!r}; known: {', '.join(sources)}"))
            continue
        with tempfile.TemporaryDirectory(prefix="kordon-lists-") as tmp:
            try:
                for filename, url in spec["files"].items():
                    if base_url:
                        url = f"{base_url.rstrip('/')}/{list_id}/{filename}"
                    with urllib.request.urlopen(url, timeout=timeout) as resp:
                        (Path(tmp) / filename).write_bytes(resp.read())
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                out.append(UpdateResult(list_id, False, f"download of {url} failed ({getattr(exc, 'reason', exc)}); the active version stays"))
                continue
            target = Path(tmp) if len(spec["files"]) > 1 else Path(tmp) / next(iter(spec["files"]))
            try:
                result, outcome = load_file(store_url, target, spec["source"], list_id, max_shrink=max_shrink)
            except (ValueError, FileNotFoundError) as exc:
                out.append(UpdateResult(list_id, False, f"{exc}; the active version stays"))
                continue
            out.append(UpdateResult(list_id, outcome.activated, f"{outcome.reason}: version {outcome.version}, {outcome.entries} entities "
                                    f"(read {result.read}, rejected {result.rejected})", outcome))
    return out
