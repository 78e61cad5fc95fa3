"""From hits to a decision.

Scores combine like independent pieces of evidence (noisy-OR): two hits of 50 give 75, not 100,
and no number of weak hits alone reaches certainty. Thresholds then pick the lane; a hit that
demands an action on its own (deny, inspect) lifts the lane to match, never lowers it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from kordon.config import LaneThresholds
from kordon.decide.profiles import apply_profile
from kordon.ingest.profiles import Profile
from kordon.models import Action, Decision, Hit, Lane, Severity
from kordon.models.decision import ACTION_ORDER, LANE_ORDER

LANE_ACTION = {Lane.green: Action.release, Lane.yellow: Action.check_documents, Lane.red: Action.inspect}
ACTION_LANE = {Action.release: Lane.green, Action.check_documents: Lane.yellow, Action.inspect: Lane.red, Action.deny: Lane.red}
# Ranks looked up per hit: list.index over the enum (list(Severity) builds the list each time) cost more than the rest of deciding.
_ACTION_RANK: dict[Action | None, int] = {a: n for n, a in enumerate(ACTION_ORDER)}
_SEVERITY_RANK = {s: n for n, s in enumerate(Severity)}


def combine(scores: list[float]) -> float:
    remaining = 1.0
    for s in scores:
        remaining *= 1.0 - min(max(s, 0.0), 100.0) / 100.0
    return round(100.0 * (1.0 - remaining), 2)


def lane_for_score(score: float, thresholds: LaneThresholds) -> Lane:
    if score >= thresholds.red:
        return Lane.red
    if score >= thresholds.yellow:
        return Lane.yellow
    return Lane.green


def random_draw(seed: str, declaration_id: str) -> float:
    """A number in [0, 1) fixed by seed and declaration id (SHA-256, not the global random state)."""
    digest = hashlib.sha256(f"{seed}\x00{declaration_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def random_selection(declaration_id: str, thresholds: LaneThresholds) -> tuple[dict, Hit | None]:
    """The recorded draw for a green declaration, and a hit when it is selected."""
    draw = random_draw(thresholds.random_seed, declaration_id)
    selected = draw < thresholds.random_rate
    # Neither the seed nor the draw leaves the server: with either, traders could test guesses of the
    # seed and compute which ids are never drawn. Replay recomputes the draw from the server's seed.
    record = {"rate": thresholds.random_rate, "selected": selected, "lane": thresholds.random_lane if selected else None}
    if not selected:
        return record, None
    lane = Lane(thresholds.random_lane)
    hit = Hit(
        rule="selection.random",
        severity=Severity.info,
        subject="declaration",
        explanation=(f"Selected at random for {'inspection' if lane is Lane.red else 'a document check'} "
                     f"(rate {thresholds.random_rate:.2%}); no risk was found."),
        score=0.0,
        action=LANE_ACTION[lane],
        evidence=record,
        source="Revised Kyoto Convention, General Annex ch. 6 (risk management, random selection); WCO Risk Management Compendium",
    )
    return record, hit


def decide(
    declaration_id: str,
    hits: list[Hit],
    thresholds: LaneThresholds,
    list_versions: dict[str, str],
    rules_version: str | None = None,
    profile: Profile | None = None,
) -> Decision:
    hits = apply_profile(hits, profile)
    score = combine([h.score for h in hits])
    lane = lane_for_score(score, thresholds)
    action = LANE_ACTION[lane]
    for hit in hits:
        demanded = hit.action
        if demanded is not None and _ACTION_RANK[demanded] > _ACTION_RANK[action]:
            action = demanded
    if LANE_ORDER.index(ACTION_LANE[action]) > LANE_ORDER.index(lane):
        lane = ACTION_LANE[action]
    if lane is not Lane.green and action is Action.release:
        action = LANE_ACTION[lane]
    selection = None
    if lane is Lane.green:
        selection, random_hit = random_selection(declaration_id, thresholds)
        if random_hit is not None:
            hits = [*hits, random_hit]
            lane, action = Lane(thresholds.random_lane), random_hit.action or action
    # The hits that demand the strictest action come first: they are the reason for the decision.
    ordered = sorted(hits, key=lambda h: (-_ACTION_RANK.get(h.action, -1), -_SEVERITY_RANK[h.severity], -h.score, h.subject))
    return Decision(
        declaration_id=declaration_id,
        lane=lane,
        action=action,
        score=score,
        hits=ordered,
        list_versions=dict(sorted(list_versions.items())),
        rules_version=rules_version,
        profile=profile.id if profile else None,
        profile_version=profile.version if profile else None,
        screened_at=dt.datetime.now(dt.timezone.utc),
        random_selection=selection,
    )


def error_decision(declaration_id: str, error: BaseException | str, list_versions: dict[str, str] | None = None,
                   rules_version: str | None = None, profile: Profile | None = None) -> Decision:
    """Fail closed: a declaration kordon could not screen is held in the red lane, never released."""
    reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    hit = Hit(
        rule="screening.error",
        severity=Severity.critical,
        subject="declaration",
        explanation=f"Screening could not be completed ({reason}); the declaration is held for inspection.",
        score=100.0,
        action=Action.inspect,
    )
    return Decision(
        declaration_id=declaration_id,
        lane=Lane.red,
        action=Action.inspect,
        score=100.0,
        hits=[hit],
        list_versions=dict(sorted((list_versions or {}).items())),
        rules_version=rules_version,
        profile=profile.id if profile else None,
        profile_version=profile.version if profile else None,
        screened_at=dt.datetime.now(dt.timezone.utc),
    )
