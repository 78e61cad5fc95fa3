"""The exact text of every jurisdiction profile a stored decision was made under, so replay can use it.

Profiles are kept in the list snapshot table (kind ``profile``, list id ``profile:<id>``): no schema
change, and one version label must mean one content, as for goods lists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.ingest.errors import ListFileError
from kordon.ingest.profiles import Profile, parse_profile
from kordon.record import audit
from kordon.record.store import ListSnapshotRow, Store

KIND = "profile"


def _key(profile_id: str) -> str:
    return f"profile:{profile_id}"


def snapshot_profile(store: Store, profile: Profile) -> None:
    seen: set[tuple[str, str, str]] = store.__dict__.setdefault("_snapshotted_profiles", set())
    key = (profile.id, profile.version, profile.sha256)
    if key in seen:
        return
    def write(s: Session) -> None:
        stored = set(s.scalars(select(ListSnapshotRow.sha256).where(
            ListSnapshotRow.list_id == _key(profile.id), ListSnapshotRow.version == profile.version,
            ListSnapshotRow.kind == KIND)))
        if stored and profile.sha256 not in stored:
            raise ListFileError(f"{profile.source}: profile {profile.id} version {profile.version} is already on record with "
                                "other content; give the changed profile a new version")
        if not stored:
            row = ListSnapshotRow(list_id=_key(profile.id), version=profile.version, sha256=profile.sha256, kind=KIND,
                                  source=profile.source, meta_text=profile.text, entries_text=None)
            s.add(row)
            s.flush()
            # Bound into the audit chain like every list snapshot: replay trusts this text.
            audit.append_in(s, "kordon", "profile.snapshot", _key(profile.id),
                            {"version": profile.version, "sha256": profile.sha256}, rows=[row])

    store.transaction(write)
    seen.add(key)


def stored_profile(store: Store, profile_id: str, version: str) -> Profile | None:
    with store.session() as s:
        row = s.scalars(
            select(ListSnapshotRow)
            .where(ListSnapshotRow.list_id == _key(profile_id), ListSnapshotRow.version == version, ListSnapshotRow.kind == KIND)
            .order_by(ListSnapshotRow.pk.desc())
        ).first()
        if row is None or row.meta_text is None:
            return None
        return parse_profile(row.meta_text, row.source)
