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
goods are. Hits that already carry a basis from the same profile are left as they are, so applying
twice (a re-screen keeps earlier hits) changes nothing.

Screening under a profile does not go through the hits afterwards: a profile is compiled once
(`compile_profile`: its provisions per rule id, and per rule a `KeySpec` — the key of what the
provisions read and the outcomes remembered under it), and `CompiledProfile.plan` gives each rule pack
the profile's copies of its rules (`RuleSpec.way`), which `run_rules` runs. A rule builds each hit
decided (`kordon.screen.hits`): from the remembered outcome of its kind of finding (goods and route
rules), else through `KeySpec.at`; the first hit of a kind is decided by the same code as
`apply_profile` and remembered. The result is byte-identical to building plain hits and calling
`apply_profile` (`benchmarks/profile_outputs.py`, `tests/profiles/test_decided_at_build.py`).

Goods hits are read through their evidence: ``precision`` ("exact" | "may_fall_under"),
``illustrative``, ``destinations`` (ISO2 codes the measure covers, or null for all), ``bound_for``,
``licence``, ``category``; where ``precision`` is absent, ``partial`` stands in for it.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from kordon.ingest.rule_pack import RulePack, RuleSpec
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


def _exact_on(h: Hit) -> frozenset[str]:
    """The lists the item itself has an exact, non-illustrative entry on, as the rule found them (evidence `exact_on`,
    recorded by ITEM_ON_RULES; apply_profile fills it in for a hit stored before the rule recorded it). Read as the
    rule's key reads it (its members, `tuple(value)`), so that hits of one key hold one fact whatever the shape of a
    stored hit edited by hand; what has no members is no list."""
    value = h.evidence.get("exact_on")
    try:
        return frozenset(str(v) for v in tuple(value or ()))
    except TypeError:
        return frozenset()


FACTS: dict[str, Callable[[Hit], Hashable]] = {
    "list": lambda h: h.list.id if h.list is not None else None,
    "category": _categories,
    "precision": _precision,
    "illustrative": lambda h: bool(h.evidence.get("illustrative")),
    "licence": lambda h: bool(h.evidence.get("licence")),
    "bound": _bound,
    "bound_only": _bound,
    "origin_in": _text("origin"),
    "role": _text("role"),
    "match": lambda h: "match" if h.severity is Severity.critical else "possible",
    "severity": lambda h: h.severity.value,
    "declaration_type": _text("declaration_type"),
    "item_on": _exact_on,
}
ITEM_ON = "item_on"


def _test(name: str, wanted: Any, profile: Profile) -> Callable[[dict[str, Any]], bool]:
    if name == "category":
        cats = frozenset(wanted)
        return lambda f: bool(f["category"] & cats)
    if name == ITEM_ON:
        lists = frozenset(wanted)
        return lambda f: bool(f[ITEM_ON] & lists)
    if name == "bound":
        return lambda f: bool(f["bound"]) is wanted
    if name == "bound_only":
        only = frozenset(wanted)
        return lambda f: bool(f["bound_only"]) and only.issuperset(f["bound_only"])
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
class Plan:
    """The enabled rules of one rule pack as a profile runs them: copies that carry how the profile decides their
    hits (RuleSpec.way), so that each hit is built decided (kordon.screen.hits.make_hit) and nothing about the
    profile is looked up per declaration or per rule."""

    pack: RulePack
    rules: dict[str, RuleSpec]  # the pack's rules when the plan was made (a pack given new rules gets a new plan)
    specs: list[RuleSpec]


@dataclass
class CompiledProfile:
    profile: Profile
    by_rule: dict[str, tuple[Compiled, ...]]
    needs: dict[str, tuple[str, ...]]  # per rule: the facts its provisions ask about
    default: Compiled
    keys: dict[str, KeySpec]  # per rule id: its hits' key and remembered outcomes (made on first sight)
    plans: dict[int, Plan] = field(default_factory=dict)  # per rule pack (by id, checked by identity)

    def key_spec(self, rule: str) -> KeySpec:
        found = self.keys.get(rule)
        if found is None:
            chosen = (*self.by_rule.get(rule, ()), self.default)
            found = KeySpec(rule, [f for c in chosen for f in c.facts], [f for c in chosen for f in c.fields],
                            any(c.action == "rule" for c in chosen), self)
            with _LOCK:
                self.keys[rule] = found
        return found

    def plan(self, pack: RulePack) -> Plan:
        found = self.plans.get(id(pack))
        if found is not None and found.pack is pack and found.rules is pack.rules:
            return found
        specs = [replace(spec, way=None if spec.id in EXEMPT else self.key_spec(spec.id)) for spec in pack.enabled()]
        made = Plan(pack, pack.rules, specs)
        with _LOCK:
            if len(self.plans) >= 64:
                self.plans.clear()
            self.plans[id(pack)] = made
        return made


# An outcome: action, legal basis, ". " + legal sentence, and the end of the explanation (the rule's own
# consequence as kept, then the sentence) per consequence of the hits built with this outcome.
Outcome = tuple[Action | None, LegalBasis, str, dict[str, str]]


def _at_hit(way: KeySpec, found: Outcome, ev: dict[str, Any], explanation: str, consequence: str | None,
            note: str) -> tuple[Action | None, LegalBasis, str]:
    """KeySpec.at beyond its common case: the explanation as apply_profile builds it, step by step (a hit whose
    rule gives no consequence apart, an illustrative entry, a finding holding the words the cut looks for),
    and the end of the explanation remembered for the next hit with the same outcome and consequence."""
    illustrative = bool(ev.get("illustrative"))
    if consequence is None or note or illustrative:
        text = explanation if consequence is None else f"{explanation}; {consequence}.{note}"
        text = text.strip().rstrip(". ")
        return found[0], found[1], (_goods_finding(text, illustrative) if way.goods else text) + found[2]
    # The cut reads nothing before the consequence (a colon in the finding leaves "; ..." after it, never a
    # bare action; the stripping stops at the "; "): the end is worked out once behind a stand-in finding.
    text = f"\0; {consequence}.".strip().rstrip(". ")
    end = (_goods_finding(text, False) if way.goods else text)[1:] + found[2]
    ends = found[3]
    if len(ends) < 1_000:  # consequences name licences and destinations: a bound per outcome
        ends[consequence] = end
    return found[0], found[1], explanation.lstrip() + end


class Decided(list[Hit]):
    """Hits that were all built already decided under `profile` (kordon.screen.pipeline.run_rules): apply_profile
    has nothing left to do. Adding hits to it makes a plain list (list + list), which apply_profile goes through."""

    __slots__ = ("profile",)
    profile: Profile | None


# What of a hit each condition and each placeholder reads: evidence keys (scalars, and lists that the key
# holds as tuples), the list's id, the severity.
_READS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool, bool]] = {
    "list": ((), (), True, False),
    "category": (("category",), (), False, False),
    "precision": (("precision", "partial"), (), False, False),
    "illustrative": (("illustrative",), (), False, False),
    "licence": (("licence",), (), False, False),
    "bound": ((), ("bound_for", "destinations"), False, False),
    "bound_only": ((), ("bound_for", "destinations"), False, False),
    "destinations": ((), ("destinations",), False, False),
    "origin_in": (("origin",), (), False, False),
    "origin": (("origin",), (), False, False),
    "role": (("role",), (), False, False),
    "match": ((), (), False, True),
    "severity": ((), (), False, True),
    "declaration_type": (("declaration_type",), (), False, False),
    "code": (("listed_code", "hs_code"), (), False, False),
    ITEM_ON: ((), ("exact_on",), False, False),
}


class KeySpec:
    """How one rule's hits are decided under a profile, fast: a key of exactly what the rule's provisions'
    conditions and wording and the rule's own action (where a provision keeps it) read — two hits equal
    in these get the same outcome, remembered under it in `memo` — and which finding text to cut.

    The key function is generated once per rule as straight-line code: it runs for every hit, and a
    loop over the names to read would cost as much as the rest of applying a profile (docs/performance.md)."""

    __slots__ = ("at", "compiled", "exempt", "goods", "item", "key", "memo")

    def __init__(self, rule: str, facts: list[str], words: list[str], action: bool, compiled: CompiledProfile):
        names = dict.fromkeys([*facts, *words])
        scalars = dict.fromkeys(k for n in names for k in _READS[n][0])
        lists = dict.fromkeys(k for n in names for k in _READS[n][1])
        parts = [*(f"ev.get({k!r})" for k in scalars),
                 *(f"(None if (v{i} := ev.get({k!r})) is None else tuple(v{i}))" for i, k in enumerate(lists))]
        if action:
            parts.append('f["action"]')
        if any(_READS[n][3] for n in names):
            parts.append('f["severity"]')
        if any(_READS[n][2] for n in names):
            parts.append('(None if (lst := f["list"]) is None else lst.id)')
        body = ", ".join(parts)
        # The same key from a hit's fields (after the rules ran) and from the values a hit is being built
        # of (kordon.screen.hits.make_hit): both fill and read one memo.
        at_hit = (body.replace('f["action"]', "action").replace('f["severity"]', "severity")
                  .replace('(lst := f["list"])', "lst"))
        # `at`: the outcome and explanation of a hit being built (kordon.screen.hits.make_hit) when an equal
        # hit was decided before, else None (apply_profile decides it after the rules ran); exactly what
        # apply_profile writes into the built hit: the finding, with the rule's own consequence (less a
        # goods rule's closing action), then the legal sentence. Its common case is inline: it runs per hit.
        source = (f"def key(f):\n    ev = f['evidence']\n    return ({body},)\n"
                  "def at(ev, action, severity, lst, explanation, consequence, note):\n"
                  "    try:\n"
                  f"        found = get(({at_hit},))\n"
                  "    except TypeError:\n"  # evidence of an unexpected (unhashable) shape
                  "        return None\n"
                  "    if found is None:\n"
                  "        return None\n"
                  + ("" if rule.startswith("goods.") else  # no cut: the finding as written, less its full stop
                     "    if consequence is None:\n"
                     "        return found[0], found[1], explanation.strip().rstrip('. ') + found[2]\n") +
                  "    end = None if consequence is None else found[3].get(consequence)\n"
                  "    if end is None or note or ev.get('illustrative'):\n"
                  "        return slow(way, found, ev, explanation, consequence, note)\n"
                  "    return found[0], found[1], explanation.lstrip() + end\n")
        self.memo: dict[tuple, Outcome] = {}
        self.exempt = rule in EXEMPT
        self.goods = rule.startswith("goods.")
        self.item = ITEM_ON in names
        scope: dict[str, Any] = {"get": self.memo.get, "slow": _at_hit, "way": self}
        exec(compile(source, f"<profile key of {rule}>", "exec"), scope)  # noqa: S102 - our own names only
        self.key: Callable[[dict[str, Any]], tuple] = scope["key"]
        self.at: Callable[..., tuple[Action | None, LegalBasis, str] | None] = _never if self.exempt else scope["at"]
        self.compiled = compiled

    def decide(self, hit: Hit) -> Hit:
        """Decide a hit built plain (`at` knew no equal hit) as apply_profile does, and remember its outcome."""
        _apply(hit, self.compiled, self)
        return hit


_COMPILED: dict[tuple[str, str], CompiledProfile] = {}
_LOCK = threading.Lock()
_MEMO_MAX = 100_000


_BY_OBJECT: dict[int, CompiledProfile] = {}  # by id() of the Profile: asked once per declaration


def compile_profile(profile: Profile) -> CompiledProfile:
    found = _BY_OBJECT.get(id(profile))
    if found is not None and found.profile is profile:  # it holds the profile, so no other object has its id
        return found
    key = (profile.id, profile.sha256 or profile.version)
    found = _COMPILED.get(key)
    if found is not None and found.profile is profile:
        with _LOCK:
            if len(_BY_OBJECT) >= 1_000:
                _BY_OBJECT.clear()
            _BY_OBJECT[id(profile)] = found
        return found
    by_rule: dict[str, list[Compiled]] = {}
    for p in profile.provisions:
        compiled = Compiled(p, profile)
        for rule_id in p.rule:
            by_rule.setdefault(rule_id, []).append(compiled)
    needs = {rule: tuple(dict.fromkeys(f for c in cs for f in c.facts)) for rule, cs in by_rule.items()}
    result = CompiledProfile(profile, {k: tuple(v) for k, v in by_rule.items()}, needs, Compiled(profile.default, profile), {})
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
        sentence = f". {profile.label}: " + (f"{verb} — " if verb else "") + f"{says} [{c.citation}]."
        found = (LegalBasis(profile=profile.id, kind=c.kind, citation=c.citation, says=says, url=c.url), sentence)
        if len(c.said) >= _MEMO_MAX:
            c.said.clear()
        c.said[key] = found
    return found


_SET = ("action", "legal_basis", "explanation", "rule_action")


def _outcome(hit: Hit, compiled: CompiledProfile) -> tuple[Action | None, LegalBasis, str]:
    """The action, legal basis and ". " + legal sentence for one hit (the slow path, remembered by the caller)."""
    rule = hit.rule
    provisions = compiled.by_rule.get(rule)
    chosen = compiled.default
    if provisions:
        names = compiled.needs[rule]
        facts = {name: FACTS[name](hit) for name in names}
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


# A goods rule's own closing consequence, e.g. "it is bound for RU without a licence: refuse."
_ENDINGS = frozenset({"refuse", "inspect", "deny", "release", "check the document", "check the documents"})


def _finding(fields: dict[str, Any], old: LegalBasis) -> str:
    """The finding of a hit decided before under another profile (a re-screen after the settings changed),
    without that profile's sentence."""
    text: str = fields["explanation"]
    if old.says:
        cut = text.rfind(old.says)
        start = text.rfind(". ", 0, cut) if cut > 0 else -1
        if start > 0:
            text = text[:start]
    return text


def _goods_finding(text: str, illustrative: bool) -> str:
    """The goods rule's finding (every clause of it: what is listed, how precisely, which document settles
    it) without the consequence it drew itself (a closing ": refuse." / ": inspect."). Plain string
    operations, not a regular expression: this runs for every goods hit. The marker of an illustrative entry is
    the rule's closing note, at the end: the same words quoted from a description are the trader's, left alone."""
    if text.endswith(ILLUSTRATIVE):
        text = text[:-len(ILLUSTRATIVE)].rstrip(". ")
    head, colon, tail = text.rpartition(":")
    if colon and tail.strip() in _ENDINGS:
        text = head.rstrip(". ")
    if illustrative:
        text += " " + ILLUSTRATIVE
    return text


def _never(*_: Any) -> None:
    return None


def _decided(way: KeySpec, hit: Hit, compiled: CompiledProfile, key: tuple | None) -> Outcome:
    found: Outcome = (*_outcome(hit, compiled), {})
    if key is not None:
        if len(way.memo) >= _MEMO_MAX:
            way.memo.clear()
        way.memo[key] = found
    return found


def apply_profile(hits: list[Hit], profile: Profile | None) -> list[Hit]:
    """Set each hit's action, legal basis and explanation under `profile` (in place; returns `hits`).

    The explanation is the rule's finding without any legal consequence of its own, followed by the
    profile's consequence and citation."""
    if profile is None or not hits or (type(hits) is Decided and hits.profile is profile):
        return hits
    compiled = compile_profile(profile)
    ways, pid = compiled.keys, profile.id
    exact: dict[str, list[str]] | None = None
    for hit in hits:
        fields = hit.__dict__
        old = fields["legal_basis"]
        if old is not None and old.profile == pid:
            continue
        way = ways.get(fields["rule"]) or compiled.key_spec(fields["rule"])
        if way.exempt:
            continue
        if way.item and "exact_on" not in fields["evidence"]:  # found before its rule recorded it: read the item's hits
            exact = exact if exact is not None else _exact_lists(hits)
            fields["evidence"]["exact_on"] = exact.get(fields["subject"], [])
        _apply(hit, compiled, way)
    return hits


def _apply(hit: Hit, compiled: CompiledProfile, way: KeySpec) -> None:
    fields = hit.__dict__
    old = fields["legal_basis"]
    if old is None:
        fields["rule_action"] = fields["action"]
    elif "rule_action" in hit.__pydantic_fields_set__:  # decided before under another profile: start from the rule's own
        fields["action"] = fields["rule_action"]
    else:  # decided before the hit kept the rule's own action: the other profile's action is all there is
        fields["rule_action"] = fields["action"]
    try:
        key: tuple | None = way.key(fields)
        new, basis, sentence, _ = way.memo.get(key) or _decided(way, hit, compiled, key)  # type: ignore[arg-type]
    except TypeError:  # evidence of an unexpected (unhashable) shape: decide without remembering
        new, basis, sentence, _ = _decided(way, hit, compiled, None)
    text = (fields["explanation"] if old is None else _finding(fields, old)).strip().rstrip(". ")
    # Straight into the model's fields: pydantic's per-assignment bookkeeping would cost more than the
    # rest of applying a profile. The values are of the declared types; the basis object is shared by
    # every hit with the same provision and wording, and never changed after it is made.
    fields["explanation"] = (_goods_finding(text, bool(fields["evidence"].get("illustrative"))) if way.goods else text) + sentence
    fields["action"] = new
    fields["legal_basis"] = basis
    hit.__pydantic_fields_set__.update(_SET)


def _exact_lists(hits: list[Hit]) -> dict[str, list[str]]:
    """Per subject (item), the lists on which its goods hits say it has an exact, non-illustrative entry."""
    groups: dict[str, set[str]] = {}
    for h in hits:
        fields = h.__dict__
        lst = fields["list"]
        if lst is None or not fields["rule"].startswith("goods."):
            continue
        ev = fields["evidence"]
        if _precision(h) == "exact" and not ev.get("illustrative"):
            groups.setdefault(fields["subject"], set()).add(lst.id)
    return {k: sorted(v) for k, v in groups.items()}
