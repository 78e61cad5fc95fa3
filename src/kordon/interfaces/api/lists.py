"""Lists in force and their versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from kordon.interfaces.api.deps import caller
from kordon.record.keys import Principal
from kordon.screen import ScreeningContext

router = APIRouter(prefix="/v1/lists", tags=["lists"])


def list_status(ctx: ScreeningContext) -> dict[str, Any]:
    goods = [{"id": gl.id, "kind": "goods", "title": gl.title, "version": gl.version, "entries": len(gl.entries),
              "sha256": gl.sha256, "published": gl.published.isoformat() if gl.published else None} for gl in ctx.goods.lists]
    other = [{"id": k, "version": v} for k, v in sorted(ctx.extra_list_versions.items())]
    return {"goods": goods, "other": other, "rules_version": ctx.rules.version, "rules_sha256": ctx.rules.sha256}


def sanctions_status(database_url: str) -> list[dict[str, Any]]:
    """Active sanctions lists (entries, sha256, age) from the lists lifecycle, when it is installed."""
    try:
        from kordon.record.sanctions_lists import list_status as sanctions_list_status
    except ImportError:
        return []
    return sanctions_list_status(database_url)


@router.get("", summary="Lists in force, with versions, entry counts and checksums (any role)")
def lists(request: Request, who: Principal = Depends(caller)) -> dict[str, Any]:
    k = request.app.state.kordon
    return {**list_status(k.context), "sanctions": sanctions_status(k.store.url)}
