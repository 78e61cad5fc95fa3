"""Small helpers the red-flag rules share."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from kordon.models import Declaration, DeclarationType, Item
from kordon.screen.context import ScreeningContext

OUTBOUND = (DeclarationType.export, DeclarationType.transit, DeclarationType.re_export)


# The broad EU HS6 list covers much ordinary trade; "high priority" is any other list (CHPL, national, a user's).


@lru_cache(maxsize=65536)
def _lists_for(goods: object, code: str, edition: str | None, date: dt.date, on: dt.date) -> frozenset[str]:
    return frozenset(m.list.id for m in goods.lookup_declared(code, edition, date, on))  # type: ignore[attr-defined]


def lists_for(decl: Declaration, ctx: ScreeningContext, item: Item) -> frozenset[str]:
    """Ids of the control lists the item's code is on (rules ask this many times per declaration);
    the same editions and lodgement date as the goods rules."""
    return _lists_for(ctx.goods, item.hs_code, decl.hs_edition, decl.date, ctx.list_date(decl))


def listed(decl: Declaration, ctx: ScreeningContext, item: Item) -> bool:
    """Is the item's code on any control list consulted (CHPL, EU, national)?"""
    return bool(lists_for(decl, ctx, item))


def high_priority(decl: Declaration, ctx: ScreeningContext, item: Item) -> bool:
    """Is the item on the CHPL or the national licensing list (or a user's list with another id)?"""
    return bool(lists_for(decl, ctx, item) - {"eu_russia_hs6"})


def quote(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return f'"{text[:n]}…"' if len(text) > n else f'"{text}"'
