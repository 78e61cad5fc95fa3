"""The lists page: every list in force with where it comes from, how old it is and what its last load changed."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from kordon.index.hs import format_code
from kordon.ingest.goods_lists import GoodsList, load_goods_list_texts
from kordon.interfaces.web.i18n import _, localized
from kordon.record import sanctions_lists
from kordon.record.store import ListSnapshotRow, Store

STALE_DAYS = sanctions_lists.SNAPSHOT_MAX_AGE_DAYS


def _sanctions_titles() -> dict[str, tuple[str, str]]:
    # Sanctions files carry no title of their own; these name the publisher's list (by source or list id).
    return {
        "ofac": (_("OFAC Specially Designated Nationals and Blocked Persons List"), _("US Treasury, OFAC")),
        "ofac_xml": (_("OFAC Specially Designated Nationals and Blocked Persons List"), _("US Treasury, OFAC")),
        "un": (_("UN Security Council Consolidated List"), _("United Nations Security Council")),
        "uk": (_("UK Sanctions List"), _("UK Foreign, Commonwealth and Development Office")),
        "uk_csv": (_("UK Sanctions List"), _("UK Foreign, Commonwealth and Development Office")),
        "eu": (_("EU Consolidated Financial Sanctions List"), _("European Commission")),
        "eu_fsf": (_("EU Consolidated Financial Sanctions List"), _("European Commission")),
        "eu_fsf_csv": (_("EU Consolidated Financial Sanctions List"), _("European Commission")),
        "csl": (_("US Consolidated Screening List"), _("US International Trade Administration")),
        "bis_dpl": (_("US Denied Persons List"), _("US Department of Commerce, BIS")),
        "meti": (_("Japan End User List"), _("Japan, Ministry of Economy, Trade and Industry")),
    }


def _goods_title(gl: GoodsList) -> str:
    """A goods list's title in the officer's language: the list's own ``title_ru``/``title_kk`` where its metadata
    gives one, else the catalogue's text for the lists kordon ships (same title, same list), else its title."""
    shipped = {
        "Common High Priority List (EU, US, UK, Japan)": _("Common High Priority List (EU, US, UK, Japan)"),
        "EU Russia-sanctioned goods at HS6 (Chupilkin, Javorcik and Plekhanov)":
            _("EU Russia-sanctioned goods at HS6 (Chupilkin, Javorcik and Plekhanov)"),
        "Kazakhstan national licensing list (military goods, UAVs, protective equipment, dual-use)":
            _("Kazakhstan national licensing list (military goods, UAVs, protective equipment, dual-use)"),
    }
    own = localized(gl.meta, "title", "")
    if own and own != gl.title:
        return own
    return shipped.get(gl.title, gl.title)


def _age(published: dt.date | str | None) -> int | None:
    if published is None:
        return None
    try:
        day = published if isinstance(published, dt.date) else dt.date.fromisoformat(str(published)[:10])
    except ValueError:
        return None
    return (dt.date.today() - day).days


@lru_cache(maxsize=64)
def _goods_change(old: tuple[str | None, str | None, str], new: tuple[str | None, str | None, str]) -> dict[str, list[str]]:
    a = load_goods_list_texts(old[0], old[1], "stored", old[2])
    b = load_goods_list_texts(new[0], new[1], "stored", new[2])

    def entries(gl: GoodsList) -> dict[str, tuple[Any, ...]]:
        return {e.code: (e.category, e.severity, e.description, e.effective_from, e.effective_until) for e in gl.entries}

    ea, eb = entries(a), entries(b)
    return {"added": sorted(format_code(c) for c in set(eb) - set(ea)),
            "removed": sorted(format_code(c) for c in set(ea) - set(eb)),
            "modified": sorted(format_code(c) for c in set(ea) & set(eb) if ea[c] != eb[c])}


def goods_last_change(store: Store, gl: GoodsList) -> dict[str, Any] | None:
    """What changed between this version of a goods list and the one stored before it, if any."""
    with store.session() as s:
        rows = list(s.scalars(select(ListSnapshotRow).where(ListSnapshotRow.list_id == gl.id, ListSnapshotRow.kind == "goods")
                              .order_by(ListSnapshotRow.pk)))
    mine = [i for i, r in enumerate(rows) if r.sha256 == gl.sha256]
    if not mine:
        return None
    earlier = [r for r in rows[: mine[0]] if r.sha256 != gl.sha256]
    if not earlier:
        return None
    prev, cur = earlier[-1], rows[mine[0]]
    change = _goods_change((prev.meta_text, prev.entries_text, gl.id), (cur.meta_text, cur.entries_text, gl.id))
    return {"from_version": prev.version, **change}


_SANCTIONS_DIFFS: dict[tuple[int, int], dict[str, list[str]]] = {}


def sanctions_last_change(url: str, list_id: str) -> dict[str, Any] | None:
    """The last load of a sanctions list: what the active version changed against the one before it,
    and any later load that was refused (with why)."""
    versions = sanctions_lists.versions(url, list_id)
    if not versions:
        return None
    active = next((v for v in reversed(versions) if v["status"] == "active"), None)
    out: dict[str, Any] = {"last": versions[-1]}
    if active is not None:
        before = [v for v in versions if v["pk"] < active["pk"] and v["status"] != "rejected"]
        if before:
            key = (before[-1]["pk"], active["pk"])
            if key not in _SANCTIONS_DIFFS:
                d = sanctions_lists.diff(url, *key)
                _SANCTIONS_DIFFS[key] = {"added": d["added"], "removed": d["removed"], "modified": d["changed"]}
            out.update({"from_version": before[-1]["version"], **_SANCTIONS_DIFFS[key]})
    return out


def lists_overview(k: Any) -> dict[str, Any]:
    ctx, store = k.context, k.store
    goods = []
    for gl in ctx.goods.lists:
        goods.append({
            "id": gl.id, "kind": "goods", "title": _goods_title(gl),
            "label": gl.label, "source": gl.publisher, "source_url": gl.source_url, "version": gl.version,
            "published": gl.published, "entries": len(gl.entries), "sha256": gl.sha256, "age_days": _age(gl.published),
            "legal_basis": gl.legal_basis, "change": goods_last_change(store, gl),
        })
    titles = _sanctions_titles()
    manifest = {m["id"]: m for m in sanctions_lists.shipped_manifest()}
    parties = []
    for row in sanctions_lists.list_status(store.url):
        versions = sanctions_lists.versions(store.url, row["id"])
        source = next((v["source"] for v in reversed(versions) if v["status"] == "active"), None) or manifest.get(row["id"], {}).get("source", "")
        title, publisher = titles.get(source) or titles.get(row["id"].split("_")[0]) or (row["id"], source)
        parties.append({**row, "kind": "parties", "title": title, "source": publisher,
                        "change": sanctions_last_change(store.url, row["id"]) if row["origin"] == "store" else None})
    return {"goods": goods, "parties": parties, "stale_days": STALE_DAYS, "rules_version": ctx.rules.version,
            "rules_sha256": ctx.rules.sha256}


def goods_entry(k: Any, list_id: str, code: str) -> dict[str, Any] | None:
    for gl in k.context.goods.lists:
        if gl.id != list_id:
            continue
        digits = "".join(ch for ch in code if ch.isdigit())
        for e in gl.entries:
            if e.code == digits:
                return {"list": gl, "title": _goods_title(gl), "entry": e,
                        "code": format_code(e.code)}
    return None
