"""Small helpers the red-flag rules share."""

from __future__ import annotations

from kordon.index.hs import edition_for
from kordon.models import Declaration, DeclarationType, Item
from kordon.screen.context import ScreeningContext

OUTBOUND = (DeclarationType.export, DeclarationType.transit, DeclarationType.re_export)


def listed(decl: Declaration, ctx: ScreeningContext, item: Item) -> bool:
    """Is the item's code on any control list consulted (CHPL, EU, national)?"""
    return bool(ctx.goods.lookup(item.hs_code, edition_for(decl.date), decl.date))


def quote(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text[:n]}…"' if len(text) > n else f'"{text}"'
