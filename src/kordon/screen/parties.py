"""Party rules: every party of a declaration against the active sanctions lists.

``parties.sanctions``: a name or identifier match → a hit naming list, version and entity; on a
consignee, end user or payer the action is deny; a possible match (between the two thresholds)
→ inspect, with the candidates in the evidence. ``parties.shared_identifier_or_address``: a
party that shares a registry number or an address with a listed entity it was not matched to.
Thresholds per role come from the rule pack (``params``), so analysts tune them without code.
"""

from __future__ import annotations

import datetime as dt

from typing import Iterator

from kordon.index.parties import ListedEntity, PartyIndex, Query
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Declaration, Hit, ListRef, Severity
from kordon.record.allow_list import party_fingerprint
from kordon.screen.context import ScreeningContext, extender
from kordon.screen.hits import make_hit
from kordon.screen.registry import rule

DEFAULTS = {"match": 0.9, "possible": 0.75, "deny_roles": ["consignee", "end_user", "payer"], "candidates": 3}


def _param(spec: RuleSpec, name: str, role: str):  # noqa: ANN202
    per_role = (spec.params.get("roles") or {}).get(role) or {}
    return per_role.get(name, spec.params.get(name, DEFAULTS[name]))


def party_query(party) -> Query:  # noqa: ANN001 - kordon.models.Party
    schema = party.model_extra.get("schema") if party.model_extra else None
    return Query(name=party.name, schema=schema, country=party.country, identifiers=list(party.identifiers.items()),
                 address=party.address)


def matches(index: PartyIndex, party, limit: int, floor: float | None = None):  # noqa: ANN001, ANN201 - Party; (candidates, warnings)
    """The index's candidates for a party. The same traders lodge declaration after declaration, so each
    answer is kept in the index's own memo: it lives and dies with that index (a new list version is a
    new index), and matching is a pure function of index and query, so replays are unaffected.
    `floor`: the lowest score the caller reports (PartyIndex.match skips name pairs that cannot reach it)."""
    schema = party.model_extra.get("schema") if party.model_extra else None
    key = (party.name, schema, party.country, tuple(sorted(party.identifiers.items())), party.address, limit, floor)
    found = index.memo.get(key)
    if found is None:
        if len(index.memo) >= MEMO_MAX:
            index.memo.clear()
        found = index.memo[key] = index.match(party_query(party), limit=limit, floor=floor)
    return list(found[0]), list(found[1])


MEMO_MAX = 200_000


def _shared(index: PartyIndex, party) -> list[tuple[ListedEntity, str]]:  # noqa: ANN001 - kordon.models.Party
    """index.shared for a party, kept in the index's memo like its matches (a pure function of index and party)."""
    key = (tuple(party.identifiers.items()), party.address)
    found = index.shared_memo.get(key)
    if found is None:
        if len(index.shared_memo) >= MEMO_MAX:
            index.shared_memo.clear()
        found = index.shared_memo[key] = index.shared(list(party.identifiers.items()), party.address)
    return list(found)


@rule("parties.sanctions")
def sanctions(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    index: PartyIndex | None = ctx.extras.get("parties")
    if index is None:
        raise LookupError("no party index in the screening context; sanctions screening cannot run")
    for i, party in enumerate(decl.parties):
        role = party.role.value
        match_at, possible_at = float(_param(spec, "match", role)), float(_param(spec, "possible", role))
        found, warnings = matches(index, party, int(_param(spec, "candidates", role)), possible_at)
        found = [c for c in found if c.score >= possible_at]
        allowed = ctx.extras.get("parties_allow")
        suppressed = []
        if allowed is not None and len(allowed) and found:
            fp = party_fingerprint(party.name, party.country, party.identifiers)
            for c in list(found):
                # Expiry is judged on the day of screening, not the date the declarant wrote.
                today = (ctx.as_of or dt.datetime.now(dt.timezone.utc)).date()
                entry = allowed.covers(fp, c.entity.list_id, c.entity.entity_id, c.entity.digest, today)
                if entry is not None:
                    found.remove(c)
                    suppressed.append({"entity_id": c.entity.entity_id, "list": c.entity.list_id, "reviewer": entry.reviewer,
                                       "reason": entry.reason, "expires": entry.expires.isoformat()})
        if not found:
            continue
        top = found[0]
        ent = top.entity
        ref = ListRef(id=ent.list_id, version=index.versions.get(ent.list_id, "?"), entry=ent.entity_id)
        evidence = {"role": role, "party": party.name, "candidates": [c.as_dict(match_at) for c in found], "warnings": warnings,
                    "suppressed_by_allow_list": suppressed}
        who = f"The {role.replace('_', ' ')} {party.name!r}"
        if top.score >= match_at:
            deny = role in _param(spec, "deny_roles", role)
            yield make_hit(
                spec, severity=Severity.critical, subject=f"parties[{i}]", list_ref=ref, evidence=evidence,
                action=Action.deny if deny else Action.inspect,
                explanation=(f"{who} matches {ent.caption!r} ({ent.entity_id}) on {ent.list_id} version {ref.version}, "
                             f"score {top.score:.2f}: {'; '.join(top.explanation)}."),
            )
        else:
            yield make_hit(
                spec, severity=Severity.high, subject=f"parties[{i}]", list_ref=ref, evidence=evidence, action=Action.inspect,
                explanation=(f"{who} may be {ent.caption!r} ({ent.entity_id}) on {ent.list_id}, score {top.score:.2f}; "
                             f"{len(found)} candidate(s) to review before release."),
            )


@rule("parties.shared_identifier_or_address")
def shared_identifier_or_address(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    index: PartyIndex | None = ctx.extras.get("parties")
    if index is None:
        raise LookupError("no party index in the screening context; sanctions screening cannot run")
    for i, party in enumerate(decl.parties):
        shared = _shared(index, party)
        if not shared:
            continue  # the usual case: no name match needed
        possible_at = float(_param(spec, "possible", party.role.value))
        matched = {c.entity.entity_id for c in matches(index, party, 5, possible_at)[0] if c.score >= possible_at}
        for ent, what in shared:
            if ent.entity_id in matched:
                continue  # the party is that entity: parties.sanctions already reports it
            yield make_hit(
                spec, severity=Severity.high, subject=f"parties[{i}]",
                list_ref=ListRef(id=ent.list_id, version=index.versions.get(ent.list_id, "?"), entry=ent.entity_id),
                evidence={"role": party.role.value, "party": party.name, "shared": what, "listed_entity": ent.caption},
                explanation=(f"The {party.role.value.replace('_', ' ')} {party.name!r} shares {what} with the listed "
                             f"{ent.caption!r} ({ent.entity_id}, {ent.list_id}): a front or successor firm is possible."),
            )


# The index of the list versions last used, kept across contexts (a replay builds a new context for the
# same versions); keyed by content, so a new list version always builds a new index.
_CACHE: dict[str, PartyIndex] = {}
ALLOW_LIST = "allow_list"


@extender
def add_party_index(ctx: ScreeningContext) -> None:
    """Load the active sanctions lists (store, else the shipped snapshot) into ctx.extras['parties'].

    A context rebuilt to replay a past decision (ctx.pinned_versions, ctx.as_of) gets the list versions
    and the allow-list as they were then.
    """
    if not any(spec.id.startswith("parties.") for spec in ctx.rules.enabled()):
        return  # no party rule will run (e.g. goods + routes only): loading the lists would be waste
    from kordon.record.allow_list import load as load_allow_list
    from kordon.record.sanctions_lists import active_lists, build_index, lists_as_of

    from kordon.index.party_features import use_scorer

    spec = ctx.rules.rules.get("parties.sanctions")
    # A site rule pack may re-weigh the scorer (params.scorer); validated, a bad value stops with its key named.
    changed = use_scorer(spec.params.get("scorer") if spec else None,
                         f"rule pack {' + '.join(ctx.rules.sources)}: parties.sanctions params.scorer")
    url = ctx.settings.database_url
    lists = lists_as_of(url, ctx.pinned_versions, ctx.as_of) if ctx.pinned_versions else active_lists(url)
    key = repr([(a.id, a.version, a.sha256) for a in lists])
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = build_index(url, lists=lists)
    index = _CACHE[key]
    if changed:
        index.memo.clear()  # answers scored with the previous values
    ctx.extras["parties"] = index
    pinned_allow = ctx.pinned_versions.get(ALLOW_LIST)
    allow = load_allow_list(url, int(pinned_allow) if pinned_allow is not None else None)
    ctx.extras["parties_allow"] = allow
    # The allow-list is part of what a decision depended on: record how far it reached.
    ctx.extra_list_versions[ALLOW_LIST] = str(allow.upto)
    ctx.extra_list_versions.update(index.versions)
