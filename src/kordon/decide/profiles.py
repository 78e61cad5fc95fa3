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

import re

import string
import threading
from collections.abc import Callable, Hashable
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
# Findings that are not declaration rules but that profiles may speak for: the reason codes of the SRC's
# export verification of SNTs (EAEU documents), which call apply_profile on their own hits.
OTHER_FINDINGS = frozenset({"documents.mismatch", "balance.insufficient", "origin.prohibiting_state", "chain.origin_traced",
                            "chain.one_day_firm", "chain.origin_sign_changed", "chain.oversold"})
_INSPECT = ACTION_ORDER.index(Action.inspect)
ILLUSTRATIVE = "(illustrative list entry)"
# A goods rule's own closing consequence, e.g. "it is bound for RU without a licence: refuse."
_CONSEQUENCE = re.compile(r":\s*(?:refuse|inspect|deny|release|check the documents?)\s*$")

# How explanations name the lists kordon ships or imports; a profile's `list_names` override these.
LIST_NAMES = {
    "chpl": "Common High Priority List (EU/US/UK/Japan)",
    "eu_russia_hs6": "EU Russia export-ban list (Reg. 833/2014 annexes at HS6)",
    "kz_national": "national licensing list",
    "ofac_sdn": "OFAC SDN list", "ofac_cons": "OFAC consolidated non-SDN list", "un_sc": "UN Security Council list",
    "uk_fcdo": "UK Sanctions List", "eu_fsf": "EU consolidated financial sanctions list", "eu_oj": "EU Official Journal list",
    "us_csl": "US Consolidated Screening List", "us_bis_dpl": "BIS Denied Persons List", "jp_meti": "Japan METI End User List",
}


# Facts a provision's conditions may ask about a hit, read from the hit and its evidence. Each is a
# small function of the hit, hashable, so that the provision chosen for a combination of facts is
# computed once and remembered (hits repeat the same few combinations all day long).
def _precision(h: Hit) -> str:
    value = h.evidence.get("precision")
    if value in ("exact", "may_fall_under"):
        return str(value)
    return "may_fall_under" if h.evidence.get("partial") else "exact"


def _bound(h: Hit) -> tuple[str, ...]:
    """Restricted destinations the goods are bound for that the measure covers."""
    bound = h.evidence.get("bound_for") or ()
    covered = h.evidence.get("destinations")
    if covered is None:
        return tuple(bound)
    return tuple(c for c in bound if c in covered)


_CATEGORIES: dict[str, frozenset[str]] = {}


def _categories(h: Hit) -> frozenset[str]:
    raw = str(h.evidence.get("category") or "")
    found = _CATEGORIES.get(raw)
    if found is None:
        found = frozenset(c.strip() for c in raw.split("|") if c.strip())
        if len(_CATEGORIES) < 10_000:  # list categories are few; a bound in case evidence is odd
            _CATEGORIES[raw] = found
    return found


def _text(key: str) -> Callable[[Hit], str | None]:
    def get(h: Hit) -> str | None:
        value = h.evidence.get(key)
        return str(value) if value else None
    return get


FACTS: dict[str, Callable[[Hit], Hashable]] = {
    "list": lambda h: h.list.id if h.list is not None else None,
    "category": _categories,
    "precision": _precision,
    "illustrative": lambda h: bool(h.evidence.get("illustrative")),
    "licence": lambda h: bool(h.evidence.get("licence")),
    "bound": _bound,
    "origin_in": _text("origin"),
    "role": _text("role"),
    "match": lambda h: "match" if h.severity is Severity.critical else "possible",
    "severity": lambda h: h.severity.value,
    "declaration_type": _text("declaration_type"),
}
ITEM_ON = "item_on"  # needs the other hits of the declaration: computed by apply_profile


def _test(name: str, wanted: Any, profile: Profile) -> Callable[[dict[str, Any]], bool]:
    if name == "category":
        cats = frozenset(wanted)
        return lambda f: bool(f["category"] & cats)
    if name == ITEM_ON:
        lists = frozenset(wanted)
        return lambda f: bool(f[ITEM_ON] & lists)
    if name == "bound":
        return lambda f: bool(f["bound"]) is wanted
    if name == "origin_in":
        countries = frozenset(c for code in wanted for c in profile.groups.get(code, (code,)))
        return lambda f: f["origin_in"] in countries
    if isinstance(wanted, tuple):
        allowed = frozenset(wanted)
        return lambda f: f[name] in allowed
    return lambda f: f[name] == wanted


# Placeholders of a provision's wording, read from the hit.
WORDS: dict[str, Callable[[Hit], str]] = {
    "licence": lambda h: str(h.evidence.get("licence") or "none"),
    "bound": lambda h: ", ".join(_bound(h)) or ", ".join(h.evidence.get("bound_for") or []) or "no restricted destination",
    "origin": lambda h: str(h.evidence.get("origin") or "unknown"),
    "list": lambda h: LIST_NAMES.get(h.list.id, h.list.id) if h.list is not None else "?",
    "category": lambda h: str(h.evidence.get("category") or "").replace("|", ", ").replace("_", " ") or "?",
    "code": lambda h: str(h.evidence.get("listed_code") or h.evidence.get("hs_code") or "?"),
    "role": lambda h: str(h.evidence.get("role") or "party").replace("_", " "),
    "destinations": lambda h: ", ".join(h.evidence.get("destinations") or []) or "any destination",
}


class Compiled:
    """One provision: its tests on a hit's facts, and its wording, remembered per combination of words."""

    __slots__ = ("action", "cap", "citation", "facts", "fields", "kind", "said", "says", "tests", "url")

    def __init__(self, p: Provision | DefaultProvision, profile: Profile):
        self.tests: tuple[Callable[[dict[str, Any]], bool], ...] = ()
        self.facts: tuple[str, ...] = ()
        if isinstance(p, Provision):
            given = p.when.model_dump(exclude_none=True)
            self.facts = tuple(given)
            self.tests = tuple(_test(name, value, profile) for name, value in given.items())
        self.action = p.action
        cap = len(ACTION_ORDER) - 1
        if p.kind not in REFUSING_KINDS:
            cap = _INSPECT  # a risk indicator never refuses
        at_most = p.at_most if isinstance(p, Provision) else None
        if at_most is not None:
            cap = min(cap, ACTION_ORDER.index(at_most))
        self.cap = cap
        self.kind = p.kind
        self.citation = profile.citation(p.act, p.article, p.verify)
        self.says = " ".join(p.says.split())
        self.fields = tuple(name for _, name, _, _ in string.Formatter().parse(self.says) if name)
        self.url = profile.acts[p.act].url
        # (word values, action) -> (legal basis, the explanation's legal sentence)
        self.said: dict[tuple, tuple[LegalBasis, str]] = {}

    def holds(self, facts: dict[str, Any]) -> bool:
        return all(t(facts) for t in self.tests)


@dataclass
class CompiledProfile:
    profile: Profile
    by_rule: dict[str, tuple[Compiled, ...]]
    needs: dict[str, tuple[str, ...]]  # per rule: the facts its provisions ask about
    default: Compiled
    item_rules: frozenset[str]  # rules whose provisions look at the other hits of the same item
    uses_code: bool  # some wording names the code ({code}): the code is then part of what is remembered
    outcomes: dict[tuple, tuple[Action | None, LegalBasis, str]]  # hit key -> action, basis, sentence


_COMPILED: dict[tuple[str, str], CompiledProfile] = {}
_LOCK = threading.Lock()
_MEMO_MAX = 100_000


def compile_profile(profile: Profile) -> CompiledProfile:
    key = (profile.id, profile.sha256 or profile.version)
    found = _COMPILED.get(key)
    if found is not None and found.profile is profile:
        return found
    by_rule: dict[str, list[Compiled]] = {}
    for p in profile.provisions:
        compiled = Compiled(p, profile)
        for rule_id in p.rule:
            by_rule.setdefault(rule_id, []).append(compiled)
    needs = {rule: tuple(dict.fromkeys(f for c in cs for f in c.facts)) for rule, cs in by_rule.items()}
    item_rules = frozenset(rule for rule, names in needs.items() if ITEM_ON in names)
    result = CompiledProfile(profile, {k: tuple(v) for k, v in by_rule.items()}, needs, Compiled(profile.default, profile),
                             item_rules, any("code" in c.fields for cs in by_rule.values() for c in cs)
                             or "code" in Compiled(profile.default, profile).fields, {})
    with _LOCK:
        _COMPILED[key] = result
    return result


_LOADED: dict[str, Profile] = {}


def load_profile(name: str) -> Profile:
    """A bundled profile by id or a profile file by path, validated (rule ids too) and kept for reuse."""
    found = _LOADED.get(name)
    if found is None:
        from kordon.screen.registry import RULES

        found = read_profile(name, set(RULES) | EXEMPT | OTHER_FINDINGS if RULES else None)
        with _LOCK:
            _LOADED[name] = found
    return found


def _said(c: Compiled, hit: Hit, action: Action | None, profile: Profile) -> tuple[LegalBasis, str]:
    key = (tuple([WORDS[f](hit) for f in c.fields]) if c.fields else (), action)
    found = c.said.get(key)
    if found is None:
        says = c.says.format_map(dict(zip(c.fields, key[0]))) if c.fields else c.says
        verb = profile.action_words[action] if action is not None else None
        sentence = f"{profile.label}: " + (f"{verb} — " if verb else "") + f"{says} [{c.citation}]."
        found = (LegalBasis(profile=profile.id, kind=c.kind, citation=c.citation, says=says, url=c.url), sentence)
        if len(c.said) >= _MEMO_MAX:
            c.said.clear()
        c.said[key] = found
    return found


_SET = ("action", "legal_basis", "explanation")


def _outcome(hit: Hit, compiled: CompiledProfile, item_on: frozenset[str] | None) -> tuple[Action | None, LegalBasis, str]:
    """The action, legal basis and legal sentence for one hit (the slow path, remembered by the caller)."""
    rule = hit.rule
    provisions = compiled.by_rule.get(rule)
    chosen = compiled.default
    if provisions:
        names = compiled.needs[rule]
        facts = {name: (item_on if name == ITEM_ON else FACTS[name](hit)) for name in names}
        chosen = next((c for c in provisions if c.holds(facts)), compiled.default)
    action = chosen.action
    if action == "rule":
        new = hit.action
        if new is not None and ACTION_ORDER.index(new) > chosen.cap:
            new = ACTION_ORDER[chosen.cap]
    else:
        new = action if isinstance(action, Action) or action is None else Action(action)
    basis, sentence = _said(chosen, hit, new, compiled.profile)
    return new, basis, sentence


def _key(hit: Hit, fields: dict[str, Any], item_on: frozenset[str] | None, code: bool) -> tuple:
    """Everything of a hit that its action, legal basis and wording depend on, as one hashable key."""
    ev = fields["evidence"]
    lst = fields["list"]
    bound = ev.get("bound_for")
    dests = ev.get("destinations")
    return (hit.rule, fields["action"], fields["severity"], lst.id if lst is not None else None, ev.get("category"),
            ev.get("precision"), ev.get("partial"), ev.get("illustrative"), ev.get("licence"),
            tuple(bound) if bound else (), tuple(dests) if dests is not None else None, ev.get("origin"), ev.get("role"),
            ev.get("declaration_type"), (ev.get("listed_code"), ev.get("hs_code")) if code else None, item_on)


def _finding(fields: dict[str, Any], rule: str, old: LegalBasis | None) -> str:
    """The rule's finding, without any legal consequence: the profile states that under its own law."""
    text = str(fields["explanation"]).strip()
    if old is not None and old.says:
        # Decided before under another profile (a re-screen after the settings changed): drop its sentence.
        cut = text.rfind(old.says)
        start = text.rfind(". ", 0, cut) if cut > 0 else -1
        if start > 0:
            text = text[:start]
    if not rule.startswith("goods."):
        return text.rstrip(". ")
    # The goods rule's finding (every clause of it: what is listed, how precisely, which document settles
    # it) without the consequence it drew itself (a closing ": refuse." / ": inspect.").
    text = text.replace(ILLUSTRATIVE, "").rstrip(". ")
    text = _CONSEQUENCE.sub("", text).rstrip(". ")
    if fields["evidence"].get("illustrative"):
        text += " " + ILLUSTRATIVE
    return text


def _remembered(hit: Hit, fields: dict[str, Any], compiled: CompiledProfile,
                item_on: frozenset[str] | None) -> tuple[Action | None, LegalBasis, str]:
    memo = compiled.outcomes
    try:
        key: tuple | None = _key(hit, fields, item_on, compiled.uses_code)
        found = memo.get(key)  # type: ignore[arg-type]
    except TypeError:  # evidence of an unexpected (unhashable) shape: decide without remembering
        key, found = None, None
    if found is None:
        found = _outcome(hit, compiled, item_on)
        if key is not None:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[key] = found
    return found


def apply_profile(hits: list[Hit], profile: Profile | None) -> list[Hit]:
    """Set each hit's action, legal basis and explanation under `profile` (in place; returns `hits`)."""
    if profile is None or not hits:
        return hits
    compiled = compile_profile(profile)
    exact: dict[str, frozenset[str]] | None = None
    for hit in hits:
        fields = hit.__dict__
        rule = fields["rule"]
        old = fields["legal_basis"]
        if rule in EXEMPT or (old is not None and old.profile == profile.id):
            continue
        item_on = None
        if rule in compiled.item_rules:
            if exact is None:
                exact = _exact_lists(hits)
            item_on = exact.get(hit.subject, frozenset())
        new, basis, sentence = _remembered(hit, fields, compiled, item_on)
        text = _finding(fields, rule, old)
        # Straight into the model's fields: pydantic's per-assignment bookkeeping would cost more than the
        # rest of applying a profile. The values are of the declared types; the basis object is shared by
        # every hit with the same provision and wording, and never changed after it is made.
        fields["action"] = new
        fields["legal_basis"] = basis
        fields["explanation"] = f"{text}. {sentence}"
        hit.__pydantic_fields_set__.update(_SET)
    return hits


def _exact_lists(hits: list[Hit]) -> dict[str, frozenset[str]]:
    """Per subject (item), the lists on which it has an exact, non-illustrative entry."""
    groups: dict[str, set[str]] = {}
    for h in hits:
        if h.rule.startswith("goods.") and h.list is not None and _precision(h) == "exact" and not h.evidence.get("illustrative"):
            groups.setdefault(h.subject, set()).add(h.list.id)
    return {k: frozenset(v) for k, v in groups.items()}
