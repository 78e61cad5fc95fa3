"""Goods index: every list entry under its code in both HS editions, looked up by code prefix."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kordon.index.hs import EDITIONS as _EDITIONS, correlation
from kordon.ingest.goods_lists import GoodsEntry, GoodsList

EDITIONS = _EDITIONS


@dataclass(frozen=True)
class GoodsMatch:
    list: GoodsList
    entry: GoodsEntry
    via: str | None = None  # the list's own code when the match came through the correlation table
    relationship: str | None = None
    partial: bool = False  # only some goods under the matched code are listed

    @property
    def specificity(self) -> tuple[int, int]:
        return (0 if self.partial else 1, len(self.entry.code))


class GoodsIndex:
    def __init__(self, lists: list[GoodsList]):
        self.lists = lists
        # exact[edition][code] -> matches whose (possibly translated) code is exactly `code`
        self._exact: dict[str, dict[str, list[GoodsMatch]]] = {e: defaultdict(list) for e in EDITIONS}
        # broader[edition][prefix] -> matches listed below a declared code that is only a prefix
        self._below: dict[str, dict[str, list[GoodsMatch]]] = {e: defaultdict(list) for e in EDITIONS}
        for goods_list in lists:
            for entry in goods_list.entries:
                self._add(goods_list, entry)
        self._exact = {e: dict(v) for e, v in self._exact.items()}
        self._below = {e: dict(v) for e, v in self._below.items()}

    def _put(self, edition: str, code: str, match: GoodsMatch) -> None:
        self._exact[edition][code].append(match)
        for n in range(4, len(code), 2):
            self._below[edition][code[:n]].append(match)

    def _add(self, goods_list: GoodsList, entry: GoodsEntry) -> None:
        own = goods_list.edition
        other = "HS2017" if own == "HS2022" else "HS2022"
        self._put(own, entry.code, GoodsMatch(goods_list, entry))
        corr = correlation()
        if len(entry.code) >= 6:
            for cp in corr.counterparts(entry.code[:6], own):
                # National digits beyond the sixth have no counterpart: the whole HS6 is the best we know.
                partial = cp.partial or len(entry.code) > 6
                via = entry.code if cp.code != entry.code[:6] or partial else None
                self._put(other, cp.code, GoodsMatch(goods_list, entry, via, cp.relationship, partial))
            return
        # A chapter or heading: the same prefix in the other edition, plus subheadings that moved out of it.
        self._put(other, entry.code, GoodsMatch(goods_list, entry))
        seen: set[str] = set()
        for hs6 in corr.subheadings_under(entry.code, own):
            for cp in corr.counterparts(hs6, own):
                if cp.code.startswith(entry.code) or cp.code in seen:
                    continue
                seen.add(cp.code)
                self._put(other, cp.code, GoodsMatch(goods_list, entry, entry.code, cp.relationship, True))

    def lookup(self, code: str, edition: str, on: dt.date | None = None) -> list[GoodsMatch]:
        """Entries matching a declared code: the most specific match per list, in force on `on`."""
        found: Sequence[GoodsMatch] = self._candidates(code, edition)
        if on is not None:
            found = [m for m in found if m.entry.in_force(on)]
        if len(found) <= 1:
            return list(found)
        best: dict[str, GoodsMatch] = {}
        for m in found:
            current = best.get(m.list.id)
            if current is None or m.specificity > current.specificity:
                best[m.list.id] = m
        return list(best.values())

    @lru_cache(maxsize=65536)  # noqa: B019 - the index never changes after construction
    def _candidates(self, code: str, edition: str) -> tuple[GoodsMatch, ...]:
        exact = self._exact[edition]
        found: list[GoodsMatch] = []
        for n in (2, 4, 6, 8, 10):
            if n > len(code):
                break
            found.extend(exact.get(code[:n], ()))
        for m in self._below[edition].get(code, ()):
            # The declared code is broader than the listed one: some goods under it are listed.
            found.append(GoodsMatch(m.list, m.entry, m.via or m.entry.code, m.relationship, True))
        return tuple(found)

    def versions(self) -> dict[str, str]:
        return {gl.id: gl.version for gl in self.lists}
