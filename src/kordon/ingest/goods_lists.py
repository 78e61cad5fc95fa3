"""Goods control lists: versioned data with provenance, loaded from a folder or a single file.

A list is either a folder with ``list.yaml`` (metadata) and optional ``entries.csv``, a YAML
file with metadata and inline ``entries``, or a bare CSV (metadata then comes from a sidecar
``NAME.yaml`` if present, otherwise from the file name, with the content hash as version).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kordon.ingest.errors import ListFileError
from kordon.models.codes import normalise_hs

EDITIONS = ("HS2017", "HS2022")
SEVERITIES = ("info", "low", "medium", "high", "critical")
APPLIES_TO = ("restricted_destinations", "all_destinations")


@dataclass(frozen=True)
class GoodsEntry:
    code: str
    category: str = ""
    description: str = ""
    severity: str | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    legal_basis: str | None = None
    illustrative: bool = False
    notes: str = ""

    def in_force(self, on: dt.date) -> bool:
        if self.effective_from and on < self.effective_from:
            return False
        return not (self.effective_until and on > self.effective_until)


@dataclass
class GoodsList:
    id: str
    title: str
    version: str
    edition: str
    entries: list[GoodsEntry]
    applies_to: str = "restricted_destinations"
    default_severity: str = "medium"
    published: dt.date | None = None
    publisher: str = ""
    source_url: str = ""
    licence: str = ""
    legal_basis: str = ""
    provenance: str = ""
    sha256: str = ""
    path: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    # The texts the list was built from, kept so that the store can snapshot and rebuild it exactly.
    raw: tuple[str | None, str | None] = (None, None)
    label: str = ""  # the short name used in explanations ("CHPL")

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "goods",
            "title": self.title,
            "version": self.version,
            "edition": self.edition,
            "entries": len(self.entries),
            "published": self.published.isoformat() if self.published else None,
            "sha256": self.sha256,
            "licence": self.licence,
            "source": self.source_url,
        }


def _as_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ListFileError(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def _entry(raw: dict[str, Any], where: str, default_severity: str) -> GoodsEntry:
    code = raw.get("code")
    if code in (None, ""):
        raise ListFileError(f"{where}: field 'code' is missing")
    try:
        digits = _normalise_list_code(str(code))
    except ValueError as exc:
        raise ListFileError(f"{where}: field 'code': {exc}") from exc
    severity = (raw.get("severity") or default_severity or "medium").strip()
    if severity not in SEVERITIES:
        raise ListFileError(f"{where}: field 'severity': {severity!r} is not one of {', '.join(SEVERITIES)}")
    illustrative = raw.get("illustrative", False)
    if isinstance(illustrative, str):
        illustrative = illustrative.strip().lower() in ("1", "true", "yes")
    return GoodsEntry(
        code=digits,
        category=str(raw.get("category") or ""),
        description=str(raw.get("description") or ""),
        severity=severity,
        effective_from=_as_date(raw.get("effective_from"), f"{where}: field 'effective_from'"),
        effective_until=_as_date(raw.get("effective_until"), f"{where}: field 'effective_until'"),
        legal_basis=raw.get("legal_basis") or None,
        illustrative=bool(illustrative),
        notes=str(raw.get("partially_exempt") and "partially exempt" or raw.get("notes") or ""),
    )


def _normalise_list_code(code: str) -> str:
    # Lists may name whole chapters ("93"), which declarations may not.
    digits = code.replace(".", "").replace(" ", "").strip()
    if len(digits) == 2 and digits.isdigit():
        return digits
    return normalise_hs(digits)


def _read_csv_entries(text: str, source: str, default_severity: str) -> list[GoodsEntry]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "code" not in reader.fieldnames:
        raise ListFileError(f"{source}:1: the header must have a 'code' column (found {reader.fieldnames})")
    return [_entry(row, f"{source}:{reader.line_num}", default_severity) for row in reader]


def _build(meta: dict[str, Any], entries: Iterable[GoodsEntry], digest: str, source: str) -> GoodsList:
    for key in ("id", "title"):
        if not meta.get(key):
            raise ListFileError(f"{source}: metadata field {key!r} is missing")
    edition = str(meta.get("edition") or "HS2022")
    if edition not in EDITIONS:
        raise ListFileError(f"{source}: edition {edition!r} is not one of {', '.join(EDITIONS)}")
    applies_to = str(meta.get("applies_to") or "restricted_destinations")
    if applies_to not in APPLIES_TO:
        raise ListFileError(f"{source}: applies_to {applies_to!r} is not one of {', '.join(APPLIES_TO)}")
    known = {"id", "title", "label", "version", "edition", "entries", "applies_to", "default_severity", "published",
             "publisher", "source_url", "licence", "legal_basis", "provenance", "kind"}
    return GoodsList(
        id=str(meta["id"]),
        title=str(meta["title"]),
        version=str(meta.get("version") or digest[:12]),
        edition=edition,
        entries=list(entries),
        applies_to=applies_to,
        default_severity=str(meta.get("default_severity") or "medium"),
        published=_as_date(meta.get("published"), f"{source}: field 'published'"),
        publisher=str(meta.get("publisher") or ""),
        source_url=str(meta.get("source_url") or ""),
        licence=str(meta.get("licence") or ""),
        legal_basis=str(meta.get("legal_basis") or ""),
        provenance=str(meta.get("provenance") or ""),
        sha256=digest,
        path=source,
        meta={k: v for k, v in meta.items() if k not in known},
        label=str(meta.get("label") or meta["title"]),
    )


def load_goods_list_texts(meta_text: str | None, entries_text: str | None, source: str, fallback_id: str) -> GoodsList:
    """Build a list from the texts of its metadata YAML and entries CSV (either may be absent)."""
    hasher = hashlib.sha256()
    meta: dict[str, Any] = {}
    if meta_text is not None:
        hasher.update(meta_text.encode("utf-8"))
        try:
            meta = yaml.safe_load(meta_text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            raise ListFileError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(meta, dict):
            raise ListFileError(f"{source}: expected a mapping of list metadata")
    meta.setdefault("id", fallback_id)
    meta.setdefault("title", fallback_id)
    default_severity = str(meta.get("default_severity") or "medium")
    if entries_text is not None:
        hasher.update(entries_text.encode("utf-8"))
        entries = _read_csv_entries(entries_text, source, default_severity)
    else:
        inline = meta.get("entries") or []
        if not isinstance(inline, list):
            raise ListFileError(f"{source}: 'entries' must be a list or the name of a CSV file")
        entries = [_entry(e, f"{source}: entries[{i}]", default_severity) for i, e in enumerate(inline)]
    built = _build(meta, entries, hasher.hexdigest(), source)
    built.raw = (meta_text, entries_text)
    return built


def load_goods_list(path: str | Path) -> GoodsList:
    """Load a list from a folder, a YAML file or a CSV file."""
    path = Path(path)
    if path.is_dir():
        meta_path = path / "list.yaml"
        if not meta_path.exists():
            raise ListFileError(f"{path}: a list folder needs a list.yaml")
        meta_text = meta_path.read_text(encoding="utf-8")
        meta = yaml.safe_load(meta_text) or {}
        entries_name = meta.get("entries") if isinstance(meta.get("entries"), str) else None
        entries_text = (path / entries_name).read_text(encoding="utf-8") if entries_name else None
        return load_goods_list_texts(meta_text, entries_text, str(meta_path), path.name)
    if not path.exists():
        raise ListFileError(f"{path}: no such list file")
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_goods_list_texts(path.read_text(encoding="utf-8"), None, str(path), path.stem)
    if path.suffix.lower() == ".csv":
        sidecar = path.with_suffix(".yaml")
        sidecar_text = sidecar.read_text(encoding="utf-8") if sidecar.exists() else None
        return load_goods_list_texts(sidecar_text, path.read_text(encoding="utf-8"), str(path), path.stem)
    raise ListFileError(f"{path}: a goods list must be a folder, a .yaml or a .csv file")


def bundled_goods_lists() -> list[GoodsList]:
    """The lists shipped inside the package (CHPL, EU Russia HS6, Kazakh national list)."""
    root = resources.files("kordon") / "data" / "lists"
    lists = []
    for name in ("chpl", "eu_russia_hs6", "kz_national"):
        folder = root / name
        meta_text = (folder / "list.yaml").read_text(encoding="utf-8")
        meta = yaml.safe_load(meta_text)
        entries_text = None
        if isinstance(meta.get("entries"), str):
            entries_text = (folder / meta["entries"]).read_text(encoding="utf-8")
        lists.append(load_goods_list_texts(meta_text, entries_text, f"kordon:data/lists/{name}", name))
    return lists
