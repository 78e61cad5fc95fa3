"""Applying a jurisdiction profile: each hit gets the action and the legal basis of the user's law.

    from kordon.decide.profiles import load_profile, apply_profile
    profile = load_profile("kz_customs")          # bundled id, or the path of a profile file
    hits = apply_profile(hits, profile)            # the same hits, with action and legal_basis set

``apply_profile`` is the one entry point for every caller that turns findings into actions
(declaration screening through ``kordon.decide.lanes.decide``; EAEU document verification calls it
on its own hits). It sets on each hit:

- ``action``: what the profile's provision says (or the rule's own, where the provision keeps it);
  a finding resting only on a risk indicator (a foreign list, red-flag guidance) is never refused:
  its action is capped at ``inspect``;
- ``legal_basis``: profile id, kind of basis (binding / exposure / contractual / risk_indicator),
  the citation in words a user can look up (marked "(verify)" where kordon is not sure), and what it means;
- ``explanation``: the rule's finding followed by the profile's consequence and citation.

The score and severity (the risk) are left alone: the law decides the action, not how risky the
goods are. Profiles are compiled once (conditions per rule id), so applying one costs a few dict
look-ups per hit. Hits that already carry a basis from the same profile are left as they are, so
applying twice (a re-screen keeps earlier hits) changes nothing.

Goods hits are read through their evidence: ``precision`` ("exact" | "may_fall_under"),
``illustrative``, ``destinations`` (ISO2 codes the measure covers, or null for all), ``bound_for``,
``licence``, ``category``; where ``precision`` is absent, ``partial`` stands in for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kordon.ingest.profiles import (
    REFUSING_KINDS,
    DefaultProvision,
    Profile,
    Provision,
    read_profile,
)
from kordon.models import Action, Hit, LegalBasis, Severity
from kordon.models.decision import ACTION_ORDER

# Hits about the screening itself (an error, a random draw) carry no legal consequence to map and
# must never be lowered: failing closed and random selection stand whatever the profile.
EXEMPT = frozenset({"screening.error", "selection.random"})
_INSPECT = ACTION_ORDER.index(Action.inspect)
# How explanations name the lists kordon ships or imports; a profile's `list_names` override these.
LIST_NAMES = {
    "chpl": "Common High Priority List (EU/US/UK/Japan)",
    "eu_russia_hs6": "EU Russia export-ban list (Reg. 833/2014 annexes at HS6)",
    "kz_national": "national licensing list",
    "ofac_sdn": "OFAC SDN list", "ofac_cons": "OFAC consolidated non-SDN list", "un_sc": "UN Security Council list",
    "uk_fcdo": "UK Sanctions List", "eu_fsf": "EU consolidated financial sanctions list", "eu_oj": "EU Official Journal list",
    "us_csl": "US Consolidated Screening List", "us_bis_dpl": "BIS Denied Persons List", "jp_meti": "Japan METI End User List",
}


class Facts:
    """What the conditions of a provision can ask about one hit, read lazily from its evidence."""

    __slots__ = ("_exact", "ev", "hit")

    def __init__(self, hit: Hit, exact: Callable[[str], frozenset[str]]):
        self.hit = hit
        self.ev = hit.evidence
        self._exact = exact

    @property
    def list_id(self) -> str | None:
        return self.hit.list.id if self.hit.list else None

    @property
    def categories(self) -> set[str]:
        return {c.strip() for c in str(self.ev.get("category") or "").split("|") if c.strip()}

    @property
    def precision(self) -> str:
        value = self.ev.get("precision")
        if value in ("exact", "may_fall_under"):
            return str(value)
        return "may_fall_under" if self.ev.get("partial") else "exact"

    @property
    def illustrative(self) -> bool:
        return bool(self.ev.get("illustrative"))

    @property
    def licence(self) -> bool:
        return bool(self.ev.get("licence"))

    @property
    def bound(self) -> list[str]:
        """Restricted destinations the goods are bound for that the measure covers."""
        bound = self.ev.get("bound_for") or []
        covered = self.ev.get("destinations")
        if covered is None:
            return list(bound)
        return [c for c in bound if c in covered]

    @property
    def origin(self) -> str | None:
        origin = self.ev.get("origin")
        return str(origin) if origin else None

    @property
    def role(self) -> str | None:
        role = self.ev.get("role")
        return str(role) if role else None

    @property
    def match(self) -> str:
        return "match" if self.hit.severity is Severity.critical else "possible"

    def item_on(self) -> frozenset[str]:
        return self._exact(self.hit.subject)


@dataclass(frozen=True)
class Compiled:
    """One provision as tests on Facts, in file order."""

    tests: tuple[Callable[[Facts], bool], ...]
    action: Action | str | None
    cap: int  # index in ACTION_ORDER the action may not exceed
    kind: str
    citation: str
    says: str
    url: str | None

    def holds(self, facts: Facts) -> bool:
        return all(t(facts) for t in self.tests)


def _tests(p: Provision, profile: Profile) -> tuple[Callable[[Facts], bool], ...]:
    w = p.when
    tests: list[Callable[[Facts], bool]] = []
    if w.list is not None:
        lists = frozenset(w.list)
        tests.append(lambda f: f.list_id in lists)
    if w.category is not None:
        cats = frozenset(w.category)
        tests.append(lambda f: bool(f.categories & cats))
    if w.precision is not None:
        precision = w.precision
        tests.append(lambda f: f.precision == precision)
    if w.illustrative is not None:
        illustrative = w.illustrative
        tests.append(lambda f: f.illustrative is illustrative)
    if w.licence is not None:
        licence = w.licence
        tests.append(lambda f: f.licence is licence)
    if w.bound is not None:
        bound = w.bound
        tests.append(lambda f: bool(f.bound) is bound)
    if w.origin_in is not None:
        countries = frozenset(c for code in w.origin_in for c in profile.groups.get(code, (code,)))
        tests.append(lambda f: f.origin in countries)
    if w.item_on is not None:
        item_lists = frozenset(w.item_on)
        tests.append(lambda f: bool(f.item_on() & item_lists))
    if w.role is not None:
        roles = frozenset(w.role)
        tests.append(lambda f: f.role in roles)
    if w.match is not None:
        match = w.match
        tests.append(lambda f: f.match == match)
    if w.declaration_type is not None:
        types = frozenset(w.declaration_type)
        tests.append(lambda f: f.ev.get("declaration_type") in types)
    if w.severity is not None:
        severities = frozenset(w.severity)
        tests.append(lambda f: f.hit.severity.value in severities)
    return tuple(tests)


def _compile_one(p: Provision | DefaultProvision, profile: Profile) -> Compiled:
    cap = len(ACTION_ORDER) - 1
    if p.kind not in REFUSING_KINDS:
        cap = _INSPECT  # a risk indicator never refuses
    at_most = p.at_most if isinstance(p, Provision) else None
    if at_most is not None:
        cap = min(cap, ACTION_ORDER.index(at_most))
    return Compiled(
        tests=_tests(p, profile) if isinstance(p, Provision) else (),
        action=p.action,
        cap=cap,
        kind=p.kind,
        citation=profile.citation(p.act, p.article, p.verify),
        says=p.says.strip(),
        url=profile.acts[p.act].url,
    )


@dataclass(frozen=True)
class CompiledProfile:
    profile: Profile
    by_rule: dict[str, tuple[Compiled, ...]]
    default: Compiled
    needs_items: bool


_COMPILED: dict[tuple[str, str], CompiledProfile] = {}
_LOCK = threading.Lock()


def compile_profile(profile: Profile) -> CompiledProfile:
    key = (profile.id, profile.sha256 or profile.version)
    found = _COMPILED.get(key)
    if found is not None and found.profile is profile:
        return found
    by_rule: dict[str, list[Compiled]] = {}
    for p in profile.provisions:
        compiled = _compile_one(p, profile)
        for rule_id in p.rule:
            by_rule.setdefault(rule_id, []).append(compiled)
    result = CompiledProfile(profile, {k: tuple(v) for k, v in by_rule.items()}, _compile_one(profile.default, profile),
                             any(p.when.item_on for p in profile.provisions))
    with _LOCK:
        _COMPILED[key] = result
    return result


_LOADED: dict[str, Profile] = {}


def load_profile(name: str) -> Profile:
    """A bundled profile by id or a profile file by path, validated (rule ids too) and kept for reuse."""
    found = _LOADED.get(name)
    if found is None:
        from kordon.screen.registry import RULES

        found = read_profile(name, set(RULES) | EXEMPT if RULES else None)
        with _LOCK:
            _LOADED[name] = found
    return found


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _words(hit: Hit, facts: Facts) -> dict[str, Any]:
    ev = hit.evidence
    return _Blank(
        licence=ev.get("licence") or "none",
        bound=", ".join(facts.bound) or ", ".join(ev.get("bound_for") or []) or "no restricted destination",
        origin=facts.origin or "unknown",
        list=LIST_NAMES.get(facts.list_id or "", facts.list_id or "?"),
        category=str(ev.get("category") or "").replace("|", ", ").replace("_", " ") or "?",
        code=ev.get("listed_code") or ev.get("hs_code") or "?",
        role=(facts.role or "party").replace("_", " "),
        destinations=", ".join(ev.get("destinations") or []) or "any destination",
    )


def _finding(hit: Hit) -> str:
    """The rule's finding without the consequence it drew itself (goods rules write 'finding; consequence')."""
    text = hit.explanation.strip()
    if hit.rule.startswith("goods.") and "; " in text:
        text = text.split("; ", 1)[0]
    return text.rstrip(". ")


def _apply_one(hit: Hit, c: Compiled, facts: Facts, profile: Profile) -> None:
    action = c.action
    if action == "rule":
        new = hit.action
        if new is not None and ACTION_ORDER.index(new) > c.cap:
            new = ACTION_ORDER[c.cap]
    else:
        new = action if isinstance(action, Action) or action is None else Action(action)
    says = c.says.format_map(_words(hit, facts))
    verb = profile.action_words[new] if new is not None else None
    note = " (illustrative list entry)" if hit.rule.startswith("goods.") and facts.illustrative else ""
    hit.explanation = (f"{_finding(hit)}{note}. {profile.label}: " + (f"{verb} — " if verb else "") + f"{says} [{c.citation}].")
    hit.action = new
    hit.legal_basis = LegalBasis(profile=profile.id, kind=c.kind, citation=c.citation, says=says, url=c.url)


def apply_profile(hits: list[Hit], profile: Profile | None) -> list[Hit]:
    """Set each hit's action, legal basis and explanation under `profile` (in place; returns `hits`)."""
    if profile is None or not hits:
        return hits
    compiled = compile_profile(profile)
    exact: dict[str, frozenset[str]] = {}

    def exact_lists(subject: str) -> frozenset[str]:
        if not exact:
            groups: dict[str, set[str]] = {}
            for h in hits:
                if h.rule.startswith("goods.") and h.list is not None:
                    f = Facts(h, exact_lists)
                    if f.precision == "exact" and not f.illustrative:
                        groups.setdefault(h.subject, set()).add(h.list.id)
            exact.update({k: frozenset(v) for k, v in groups.items()})
            exact.setdefault("\x00", frozenset())  # computed, even when empty
        return exact.get(subject, frozenset())

    for hit in hits:
        if hit.rule in EXEMPT or (hit.legal_basis is not None and hit.legal_basis.profile == profile.id):
            continue
        facts = Facts(hit, exact_lists)
        chosen = compiled.default
        for c in compiled.by_rule.get(hit.rule, ()):
            if c.holds(facts):
                chosen = c
                break
        _apply_one(hit, chosen, facts, profile)
    return hits
