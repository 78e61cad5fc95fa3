"""Loading list files into the store, and downloading the official files (`kordon lists update`)."""

from __future__ import annotations

import datetime as dt
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from kordon.ingest.sanctions import ImportResult, importer
from kordon.record.sanctions_lists import LoadOutcome, load_version

DEFAULT_LIST_ID = {"ofac": "ofac_sdn", "un": "un_sc", "uk": "uk_fcdo", "ftm": "opensanctions", "csl": "us_csl", "eu": "eu_oj",
                   "bis_dpl": "us_bis_dpl", "meti": "jp_meti", "ofac_xml": "ofac_sdn", "eu_fsf": "eu_fsf",
                   "eu_fsf_csv": "eu_fsf", "uk_csv": "uk_fcdo"}


def load_file(store_url: str, path: str | Path, source: str, list_id: str | None = None, version: str | None = None,
              max_shrink: float = 0.2, force: bool = False) -> tuple[ImportResult, LoadOutcome]:
    """Import one publication and store it as a new version (activated unless the guards refuse)."""
    list_id = list_id or DEFAULT_LIST_ID.get(source, source)
    result = importer(source)(Path(path))
    result.list_id = list_id
    version = version or result.published or dt.date.today().isoformat()
    outcome = load_version(store_url, list_id, version, source, result.sha256, result.entities, max_shrink=max_shrink, force=force,
                           published=result.published)
    return result, outcome


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
                    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - https addresses from sources.yaml
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
