"""What the rules may consult: settings, the goods index, the rule pack, and optional extras."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from kordon.config import Settings
from kordon.ingest.profiles import Profile
from kordon.index.goods import GoodsIndex, GoodsMatch
from kordon.index.hs import edition_for
from kordon.models import Declaration
from kordon.ingest.goods_lists import GoodsList, bundled_goods_lists, load_goods_list
from kordon.ingest.rule_pack import RulePack, bundled_rule_pack, load_rule_pack
from kordon.screen.registry import RULES


@dataclass
class ScreeningContext:
    settings: Settings
    goods: GoodsIndex
    rules: RulePack
    # Later stages plug in here without the core knowing them (party index, trade history, ...).
    extras: dict[str, Any] = field(default_factory=dict)
    # Versions of lists consulted through extras (e.g. sanctions lists), merged into each decision.
    extra_list_versions: dict[str, str] = field(default_factory=dict)
    # Set when the context is rebuilt to replay a past decision: the list versions it used and when it
    # was made; extenders load exactly those versions and state, never today's.
    pinned_versions: dict[str, str] = field(default_factory=dict)
    as_of: dt.datetime | None = None
    # The jurisdiction profile that turns hits into actions (None: the rules' own actions, as before profiles).
    profile: Profile | None = None

    # Several rules ask which items are listed; the answer is computed once per declaration.
    _matches_slot: tuple[Any, list] = field(default=(None, []), repr=False)

    def __post_init__(self) -> None:
        self.restricted = frozenset(self.settings.restricted_destinations)

    def item_matches(self, decl: Declaration) -> list[list[GoodsMatch]]:
        """For each item of the declaration, its list matches in the declaration's HS edition and date."""
        slot = self._matches_slot
        if slot[0] is decl:
            return slot[1]
        edition = decl.hs_edition or edition_for(decl.date)
        result = [self.goods.lookup(item.hs_code, edition, decl.date) for item in decl.items]
        self._matches_slot = (decl, result)
        return result

    def list_versions(self) -> dict[str, str]:
        versions = self.goods.versions()
        versions.update(self.extra_list_versions)
        return versions


# Stages beyond the core (party index, trade history) add what their rules need to a fresh
# context through an extender: a function that fills ctx.extras and ctx.extra_list_versions.
EXTENDERS: list[Callable[["ScreeningContext"], None]] = []


def extender(fn: Callable[["ScreeningContext"], None]) -> Callable[["ScreeningContext"], None]:
    EXTENDERS.append(fn)
    return fn


def load_lists(settings: Settings) -> list[GoodsList]:
    lists = bundled_goods_lists() if settings.use_bundled_lists else []
    by_id = {gl.id: gl for gl in lists}
    for path in settings.lists:
        gl = load_goods_list(path)
        by_id[gl.id] = gl  # a user's list with a bundled id replaces it
    return list(by_id.values())


def load_rules(settings: Settings) -> RulePack:
    known = set(RULES)
    pack = bundled_rule_pack(known)
    for path in settings.rules:
        pack = pack.merged(load_rule_pack(path, known))
    return pack


def load_settings_profile(settings: Settings) -> Profile | None:
    from kordon.decide.profiles import load_profile

    return load_profile(settings.profile) if settings.profile else None


def build_context(
    settings: Settings | None = None,
    lists: list[GoodsList] | None = None,
    pinned_versions: dict[str, str] | None = None,
    as_of: dt.datetime | None = None,
) -> ScreeningContext:
    settings = settings or Settings()
    lists = load_lists(settings) if lists is None else lists
    ctx = ScreeningContext(settings=settings, goods=GoodsIndex(lists), rules=load_rules(settings),
                           pinned_versions=dict(pinned_versions or {}), as_of=as_of, profile=load_settings_profile(settings))
    for extend in EXTENDERS:
        extend(ctx)
    return ctx
