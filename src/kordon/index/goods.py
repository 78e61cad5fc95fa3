"""Goods index: every list entry under its code in both HS editions, looked up by code prefix."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kordon.index.hs import EDITIONS as _EDITIONS
from kordon.index.hs import correlation, declaration_editions, link_weakness
from kordon.ingest.goods_lists import GoodsEntry, GoodsList

EDITIONS = _EDITIONS


@dataclass(frozen=True)
class GoodsMatch:
    list: GoodsList
    entry: GoodsEntry
    via: str | None = None  # the list's own code when the match came through the correlation table
    relationship: str | None = None
    partial: bool = False  # only some goods under the matched code are listed
    weakness: int = 0  # 1-2: found through a wide n:n fan-out across chapters (kordon.index.hs.link_weakness)
    fanout: int = 1  # size of the link's n:n spread: the larger counterpart count of the listed and the declared code
    cross_chapter: bool = False  # the link joins codes of different HS chapters

    @property
    def specificity(self) -> tuple[int, int, int, int, int]:
        # Direct beats translated, a clean split (n:1, 1:n) beats an n:n overlap, longer entries beat shorter.
        link = {None: 2, "1:1": 2, "n:1": 1, "1:n": 1}.get(self.relationship, 0)
        return (0 if self.partial else 1, -self.weakness, 0 if self.cross_chapter else 1, link, len(self.entry.code))


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
            links = corr.counterparts(entry.code[:6], own)
            for cp in links:
                # National digits beyond the sixth have no counterpart: the whole HS6 is the best we know.
                partial = cp.partial or len(entry.code) > 6
                via = entry.code if cp.code != entry.code[:6] or partial else None
                # An n:n link inside a sprawling group (either side has many counterparts) covers a small slice.
                fan = max(len(links), len(corr.counterparts(cp.code, other)))
                self._put(other, cp.code, GoodsMatch(goods_list, entry, via, cp.relationship, partial,
                                                     link_weakness(cp.relationship, fan), fan, cp.code[:2] != entry.code[:2]))
            return
        # A chapter or heading: the same prefix in the other edition, plus subheadings that moved out of it.
        self._put(other, entry.code, GoodsMatch(goods_list, entry))
        seen: set[str] = set()
        for hs6 in corr.subheadings_under(entry.code, own):
            links = corr.counterparts(hs6, own)
            for cp in links:
                if cp.code.startswith(entry.code) or cp.code in seen:
                    continue
                seen.add(cp.code)
                fan = max(len(links), len(corr.counterparts(cp.code, other)))
                self._put(other, cp.code, GoodsMatch(goods_list, entry, entry.code, cp.relationship, True,
                                                     link_weakness(cp.relationship, fan), fan, cp.code[:2] != hs6[:2]))

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

    def lookup_declared(self, code: str, declared_edition: str | None, date: dt.date, on: dt.date | None) -> list[GoodsMatch]:
        """Entries matching a declared code in every edition it must be read in (declaration_editions):
        the most specific match per list, in force on `on` (the lodgement date)."""
        return list(self._lookup_in(code, declaration_editions(code, declared_edition, date), on))

    @lru_cache(maxsize=65536)  # noqa: B019 - the index never changes after construction
    def _lookup_in(self, code: str, editions: tuple[str, ...], on: dt.date | None) -> tuple[GoodsMatch, ...]:
        if len(editions) == 1:
            return tuple(self.lookup(code, editions[0], on))
        best: dict[str, GoodsMatch] = {}
        for edition in editions:
            for m in self.lookup(code, edition, on):
                current = best.get(m.list.id)
                if current is None or m.specificity > current.specificity:
                    best[m.list.id] = m
        return tuple(best.values())

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
            found.append(GoodsMatch(m.list, m.entry, m.via or m.entry.code, m.relationship, True, m.weakness, m.fanout, m.cross_chapter))
        return tuple(found)

    def versions(self) -> dict[str, str]:
        return {gl.id: gl.version for gl in self.lists}
