"""Sanctions list versions: every load is a new version; activation is atomic and guarded.

A load that fails, or that shrinks a list by more than ``max_shrink`` (default 20 %), is stored
as rejected and leaves the active version in place, with the reason. With no version in the
store, the snapshot shipped in ``kordon/data/parties`` is what screening uses.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import hashlib
import json
import os
import pickle
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.record import audit
from kordon.record.db import make_engine
from kordon.record.tables import SanctionsEntityRow, SanctionsListVersionRow, utcnow

SNAPSHOT_MAX_AGE_DAYS = 30
SCREENABLE = {"Person", "Organization", "Company", "LegalEntity", "PublicBody", "Vessel", "Airplane"}


@dataclass
class LoadOutcome:
    list_id: str
    version: str
    version_pk: int
    activated: bool
    reason: str
    entries: int


def _sessions(store_url: str) -> sessionmaker:
    from kordon.record.schema import create_tables

    engine = make_engine(store_url)
    create_tables(engine)
    return sessionmaker(engine, expire_on_commit=False)


def entities_digest(entities: list[dict[str, Any]]) -> str:
    """SHA-256 over the stored entities of a version, in load order: binds 300k rows in one hash."""
    h = hashlib.sha256()
    for e in entities:
        h.update(json.dumps(e, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _store_exists(store_url: str) -> bool:
    if store_url.startswith("sqlite:///") and store_url != "sqlite:///:memory:":
        return Path(store_url[len("sqlite:///") :]).exists()
    return True


def screenable(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entities if e.get("schema") in SCREENABLE]


def load_version(store_url: str, list_id: str, version: str, source: str, sha256: str, entities: list[dict[str, Any]],
                 max_shrink: float = 0.2, force: bool = False, published: str | None = None, refuse: str | None = None) -> LoadOutcome:
    """Store a new version; activate it unless it is empty or shrinks the active one too much.

    ``refuse``: a reason found by the caller's own guards (entities removed, an older publication); like
    the shrink guard it holds unless ``force``. A forced activation says so in its reason.
    """
    from kordon.record.store import Store

    entities = screenable(entities)
    now = utcnow()

    def write(s: Session) -> LoadOutcome:
        nonlocal version
        active = list(s.scalars(select(SanctionsListVersionRow).where(
            SanctionsListVersionRow.list_id == list_id, SanctionsListVersionRow.active.is_(True))))
        current = active[0] if active else None
        # The version in use is the store's active one, else the shipped snapshot: both guard against shrinking.
        in_use = (current.version, current.entries) if current is not None else next(
            ((m["version"], m["entries"]) for m in shipped_manifest() if m["id"] == list_id), None)
        # A version label names one content: a different file under a used label gets the label plus its hash,
        # so that a decision's list version always finds the content it was screened with.
        clash = s.scalar(select(SanctionsListVersionRow.sha256).where(
            SanctionsListVersionRow.list_id == list_id, SanctionsListVersionRow.version == version,
            SanctionsListVersionRow.sha256 != sha256).limit(1))
        if clash is not None or (current is None and in_use and in_use[0] == version and not _is_shipped(list_id, sha256)):
            version = f"{version}+{sha256[:8]}"
        reason = "activated"
        ok = True
        if not entities:
            ok, reason = False, "the load has no screenable entities; the active version stays"
        elif in_use is not None and not force and len(entities) < in_use[1] * (1 - max_shrink):
            ok = False
            reason = (f"the load has {len(entities)} entities, {in_use[1] - len(entities)} fewer than version "
                      f"{in_use[0]} in use ({in_use[1]}); more than the allowed {max_shrink:.0%} shrink, the active version stays")
        elif refuse and not force:
            ok, reason = False, f"{refuse}; the active version stays (--force to activate anyway)"
        if ok and force:
            reason = "activated with --force" + (f" over: {refuse}" if refuse else "")
        row = SanctionsListVersionRow(list_id=list_id, version=version, published=published or version[:10], source=source,
                                      sha256=sha256, entries=len(entities),
                                      loaded_at=now, active=False, status="rejected" if not ok else "active", reason=reason)
        s.add(row)
        s.flush()
        entity_rows = [SanctionsEntityRow(version_pk=row.pk, entity_id=e["id"], data=e) for e in entities]
        s.add_all(entity_rows)
        if ok:
            # One transaction: the old version is retired and the new one activated together.
            for old in active:
                old.active, old.status = False, "superseded"
            row.active = True
        s.flush()
        # On the audit trail in the same transaction: a list change is recorded, or it did not happen.
        audit.append_in(s, "kordon lists", "lists.activate" if ok else "lists.reject", f"list:{list_id}",
                        {"version": version, "sha256": sha256, "entries": len(entities), "source": source, "reason": reason,
                         "entities_sha256": entities_digest(entities)},
                        rows=[row, *(active if ok else [])],
                        # Every entity row, edited, deleted or added later, fails `kordon audit verify`.
                        groups=[audit.group_binding(SanctionsEntityRow.__tablename__, entity_rows)] if entity_rows else [])
        return LoadOutcome(list_id, version, row.pk, ok, reason, len(entities))

    store = Store(store_url)
    try:
        return store.transaction(write)
    finally:
        store.engine.dispose()


def _is_shipped(list_id: str, sha256: str) -> bool:
    return any(m["id"] == list_id and m["sha256"] == sha256 for m in shipped_manifest())


def versions(store_url: str, list_id: str | None = None) -> list[dict[str, Any]]:
    if not _store_exists(store_url):
        return []
    S = _sessions(store_url)
    with S() as s:
        q = select(SanctionsListVersionRow).order_by(SanctionsListVersionRow.pk)
        if list_id:
            q = q.where(SanctionsListVersionRow.list_id == list_id)
        return [{"pk": r.pk, "id": r.list_id, "version": r.version, "published": r.published, "source": r.source, "sha256": r.sha256, "entries": r.entries,
                 "loaded_at": r.loaded_at.isoformat(), "status": r.status, "reason": r.reason} for r in s.scalars(q)]


def entities_of(store_url: str, version_pk: int) -> list[dict[str, Any]]:
    S = _sessions(store_url)
    with S() as s:
        return list(s.scalars(select(SanctionsEntityRow.data).where(SanctionsEntityRow.version_pk == version_pk)
                              .order_by(SanctionsEntityRow.pk)))


def diff(store_url: str, old_pk: int, new_pk: int) -> dict[str, list[str]]:
    """Entity ids added, removed and changed between two stored versions."""
    old = {e["id"]: e for e in entities_of(store_url, old_pk)}
    new = {e["id"]: e for e in entities_of(store_url, new_pk)}
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


# --- the shipped snapshot ------------------------------------------------------------------------

def _snapshot_dir():
    return resources.files("kordon") / "data" / "parties"


def shipped_manifest() -> list[dict[str, Any]]:
    return json.loads((_snapshot_dir() / "manifest.json").read_text(encoding="utf-8"))["lists"]


def shipped_entities(list_id: str) -> list[dict[str, Any]]:
    raw = gzip.decompress((_snapshot_dir() / f"{list_id}.jsonl.gz").read_bytes()).decode("utf-8")
    return [json.loads(line) for line in raw.splitlines() if line]


@dataclass
class ActiveList:
    id: str
    version: str
    sha256: str
    entries: int
    origin: str  # "store" or "shipped"
    published: str | None = None
    version_pk: int | None = None


def active_lists(store_url: str | None) -> list[ActiveList]:
    """The list versions screening uses: the store's active ones, the shipped snapshot for the rest."""
    out: dict[str, ActiveList] = {}
    for m in shipped_manifest():
        out[m["id"]] = ActiveList(m["id"], m["version"], m["sha256"], m["entries"], "shipped", m["version"])
    if store_url and _store_exists(store_url):
        S = _sessions(store_url)
        with S() as s:
            for r in s.scalars(select(SanctionsListVersionRow).where(SanctionsListVersionRow.active.is_(True))):
                out[r.list_id] = ActiveList(r.list_id, r.version, r.sha256, r.entries, "store", r.published, r.pk)
    return sorted(out.values(), key=lambda a: a.id)


def lists_as_of(store_url: str | None, pinned: dict[str, str], as_of: dt.datetime | None = None) -> list[ActiveList]:
    """The list versions a past decision used: for each pinned id, that version as it was stored by `as_of`.

    Lists the decision did not use are left out. Raises LookupError when a pinned version is gone,
    because a replay on other data would not be a replay.
    """
    shipped = {m["id"]: m for m in shipped_manifest()}
    out = []
    wanted = {k: v for k, v in pinned.items() if k in shipped or _known_list(store_url, k)}
    for list_id, version in sorted(wanted.items()):
        row = None
        if store_url and _store_exists(store_url):
            with _sessions(store_url)() as s:
                q = select(SanctionsListVersionRow).where(
                    SanctionsListVersionRow.list_id == list_id, SanctionsListVersionRow.version == version,
                    SanctionsListVersionRow.status != "rejected")
                if as_of is not None:
                    q = q.where(SanctionsListVersionRow.loaded_at <= as_of)
                row = s.scalars(q.order_by(SanctionsListVersionRow.pk.desc())).first()
        if row is not None:
            out.append(ActiveList(row.list_id, row.version, row.sha256, row.entries, "store", row.published, row.pk))
        elif list_id in shipped and shipped[list_id]["version"] == version:
            m = shipped[list_id]
            out.append(ActiveList(m["id"], m["version"], m["sha256"], m["entries"], "shipped", m["version"]))
        else:
            raise LookupError(f"sanctions list {list_id} version {version} is no longer available")
    return out


def _known_list(store_url: str | None, list_id: str) -> bool:
    if not store_url or not _store_exists(store_url):
        return False
    with _sessions(store_url)() as s:
        return s.scalar(select(SanctionsListVersionRow.pk).where(SanctionsListVersionRow.list_id == list_id).limit(1)) is not None


def _age_days(published: str | None, today: dt.date | None = None) -> int | None:
    try:
        return ((today or dt.date.today()) - dt.date.fromisoformat((published or "")[:10])).days
    except ValueError:
        return None


def list_status(store_url: str | None) -> list[dict[str, Any]]:
    """For `kordon lists`: one dict per sanctions list (id, kind, version, entries, published, sha256, age_days, warning)."""
    rows = []
    for a in active_lists(store_url):
        age = _age_days(a.published)
        warning = None
        if age is not None and age > SNAPSHOT_MAX_AGE_DAYS:
            warning = f"{a.id} version {a.version} is {age} days old (more than {SNAPSHOT_MAX_AGE_DAYS}); run 'kordon lists update' or load a newer file"
        rows.append({"id": a.id, "kind": "parties", "version": a.version, "entries": a.entries, "published": a.published,
                     "sha256": a.sha256, "age_days": age, "origin": a.origin, "warning": warning})
    return rows


def cache_dir() -> Path:
    return Path(os.environ.get("KORDON_CACHE_DIR") or Path.home() / ".cache" / "kordon")


def _matcher_digest() -> bytes:
    """A cached index is only valid for the matcher code and legal-form data that built it."""
    import kordon.index.identifiers as m1
    import kordon.index.names as m2
    import kordon.index.parties as m3
    import kordon.index.text as m4

    h = hashlib.sha256()
    for mod in (m1, m2, m3, m4):
        h.update(Path(str(mod.__file__)).read_bytes())
    h.update((resources.files("kordon") / "data" / "names" / "legal_forms.yaml").read_bytes())
    return h.digest()


def _private(folder: Path) -> bool:
    """Only a cache folder that this user owns and nobody else can write to is trusted for unpickling."""
    st = folder.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def build_index(store_url: str | None, use_cache: bool = True, lists: list[ActiveList] | None = None):
    """The party index over the active lists (or the ones given); cached on disk keyed by the lists' sha256."""
    from kordon.index.parties import ListedEntity, PartyIndex

    lists = active_lists(store_url) if lists is None else lists
    key = hashlib.sha256(json.dumps([(a.id, a.version, a.sha256) for a in lists]).encode() + _matcher_digest()).hexdigest()[:24]
    path = cache_dir() / f"party-index-{key}.pickle"
    if use_cache and path.exists() and _private(path.parent):
        try:
            # Unpickling ~300k small objects triggers the cyclic GC over and over; it has nothing to collect.
            gc.disable()
            try:
                with path.open("rb") as fh:
                    index = pickle.load(fh)
                gc.freeze()  # long-lived: keep the collector from walking the index (see PartyIndex)
                return index
            finally:
                gc.enable()
        except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never trusted
            pass
    entities: list[ListedEntity] = []
    for a in lists:
        data = (entities_of(store_url, a.version_pk) if a.origin == "store" and store_url and a.version_pk is not None
                else shipped_entities(a.id))
        entities.extend(ListedEntity.from_ftm(a.id, e) for e in screenable(data))
    index = PartyIndex(entities, {a.id: a.version for a in lists})
    if use_cache:
        try:
            # Private to this user: the cache is unpickled, so nobody else may write into it.
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass  # a read-only home only costs the build time next start
    return index
