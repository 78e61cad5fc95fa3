"""What the rules may consult: settings, the goods index, the rule pack, and optional extras."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from kordon.config import Settings
from kordon.ingest.profiles import Profile
from kordon.index.goods import GoodsIndex, GoodsMatch
from kordon.models import Declaration
from kordon.ingest.goods_lists import GoodsList, bundled_goods_lists, load_goods_list
from kordon.ingest.rule_pack import RulePack, bundled_rule_pack, load_rule_pack
from kordon.screen.registry import RULES


JUDGED_MAX = 50_000


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
    # Rules' outcomes per kind of finding and profile, for this context's lists (kordon.screen.goods._judged,
    # kordon.screen.hits.remembered); forgotten whole at JUDGED_MAX entries.
    judged: dict[Any, Any] = field(default_factory=dict, repr=False)
    # The rules as the last profile screened with runs them (profile, the pack's rules, CompiledProfile.plan's specs):
    # asked once per declaration.
    plan_slot: tuple[Any, Any, list] = field(default=(None, None, []), repr=False)

    def __post_init__(self) -> None:
        self.restricted = frozenset(self.settings.restricted_destinations)

    def __getstate__(self) -> dict[str, Any]:
        # Shipped to worker processes and Spark executors without what it remembered: those entries are keyed by
        # the identity of this process's list matches and would only be forgotten there.
        state = self.__dict__.copy()
        state["judged"] = {}
        state["_matches_slot"] = (None, [])
        state["plan_slot"] = (None, None, [])  # its rules carry code compiled in this process
        return state

    def list_date(self, decl: Declaration) -> dt.date:
        """The date that decides which list entries are in force: the lodgement, else the screening time
        (the decision time when replaying) — never the date the declarant wrote."""
        if decl.lodged_at is not None:
            return decl.lodged_at.date()
        return self.today()

    def today(self) -> dt.date:
        """The day of screening (the decision time when replaying)."""
        return (self.as_of or dt.datetime.now(dt.UTC)).date()

    def item_matches(self, decl: Declaration) -> list[list[GoodsMatch]]:
        """For each item of the declaration, its list matches in the editions its code must be read in
        (kordon.index.hs.declaration_editions), with the lists in force on the lodgement date."""
        slot = self._matches_slot
        if slot[0] is decl:
            return slot[1]
        on = self.list_date(decl)
        result = [self.goods.lookup_declared(item.hs_code, decl.hs_edition, decl.date, on) for item in decl.items]
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
    only: tuple[str, ...] | None = None,
) -> ScreeningContext:
    """`only`: keep just the rules whose ids start with these prefixes (e.g. ("goods.", "route.")), before
    the extenders run, so that stages no kept rule needs (party index, history) are not loaded."""
    settings = settings or Settings()
    lists = load_lists(settings) if lists is None else lists
    rules = load_rules(settings)
    if only is not None:
        rules.rules = {k: v for k, v in rules.rules.items() if k.startswith(only)}
    ctx = ScreeningContext(settings=settings, goods=GoodsIndex(lists), rules=rules,
                           pinned_versions=dict(pinned_versions or {}), as_of=as_of, profile=load_settings_profile(settings))
    for extend in EXTENDERS:
        extend(ctx)
    return ctx
