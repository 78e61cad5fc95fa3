"""Building hits: one place that turns a rule's finding into a scored, sourced Hit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Hit, LegalBasis, ListRef, Severity
from kordon.screen.context import JUDGED_MAX, ScreeningContext

# How much of a rule's weight a hit of each severity adds to the score.
SEVERITY_FACTOR = {
    Severity.info: 0.1,
    Severity.low: 0.3,
    Severity.medium: 0.6,
    Severity.high: 0.85,
    Severity.critical: 1.0,
}
_ORDER = list(Severity)


def lower(severity: Severity, steps: int = 1) -> Severity:
    return _ORDER[max(0, _ORDER.index(severity) - steps)]


def make_hit(
    spec: RuleSpec,
    *,
    severity: Severity,
    subject: str,
    explanation: str,
    action: Action | None = None,
    list_ref: ListRef | None = None,
    evidence: dict[str, Any] | None = None,
    consequence: str | None = None,
    note: str = "",
) -> Hit:
    """`consequence`: the rule's own conclusion from its finding (`explanation`), e.g. "it is bound for RU
    without a licence: refuse"; the hit then reads "{explanation}; {consequence}.{note}".

    Under a jurisdiction profile (the rule's copy that run_rules hands it carries how the profile decides its
    hits, `spec.way`) the hit is built decided: with the action, legal basis and explanation of an equal hit
    decided before, else built plain and decided at once — exactly what apply_profile would write into it
    afterwards (docs/performance.md, "Jurisdiction profiles")."""
    evidence = evidence or {}
    way = spec.way
    if way is not None:
        decided = way.at(evidence, action, severity, list_ref, explanation, consequence, note)
        if decided is not None:
            return Hit(rule=spec.id, severity=severity, subject=subject, explanation=decided[2], list=list_ref,
                       score=round(min(100.0, spec.weight * SEVERITY_FACTOR[severity]), 2), action=decided[0],
                       evidence=evidence, source=spec.source, legal_basis=decided[1], rule_action=action)
        return way.decide(make_hit(replace(spec, way=None), severity=severity, subject=subject, explanation=explanation,
                                   action=action, list_ref=list_ref, evidence=evidence, consequence=consequence, note=note))
    if consequence is not None:
        explanation = f"{explanation}; {consequence}.{note}"
    elif note:
        explanation += note
    return Hit(
        rule=spec.id,
        severity=severity,
        subject=subject,
        explanation=explanation,
        list=list_ref,
        score=round(min(100.0, spec.weight * SEVERITY_FACTOR[severity]), 2),
        action=action,
        evidence=evidence,
        source=spec.source,
    )


@dataclass(slots=True, eq=False)
class Judged:
    """A rule's conclusion about one kind of finding under one profile (or none), apart from the words that name
    the declaration's part (the item's code and description): severity, list reference and score, the rule's own
    action and consequence, and — once `ready` — the action, legal basis and end of the explanation its hits get.

    A rule that computes its own key for this anyway (the goods rules: the list match, precision, restricted
    destinations, licence) keeps one per profile and builds its hits from it (`judged_hit`): under a profile
    they are built exactly as under none, from the same fields, and applying the profile costs nothing a hit."""

    spec: RuleSpec
    severity: Severity
    action: Action | None
    list_ref: ListRef | None
    consequence: str | None
    note: str
    decides: bool  # made under a profile: the first hit fills action, basis and end
    rule_action: Action | None = None  # the rule's own action (`action` becomes the profile's once ready)
    score: float = 0.0
    end: str = ""
    basis: LegalBasis | None = None
    ready: bool = False

    def __post_init__(self) -> None:
        self.score = round(min(100.0, self.spec.weight * SEVERITY_FACTOR[self.severity]), 2)
        self.end = self.note if self.consequence is None else f"; {self.consequence}.{self.note}"
        self.ready = not self.decides
        self.rule_action = self.action


def judged_hit(judged: Judged, subject: str, explanation: str, evidence: dict[str, Any]) -> Hit:
    """The hit make_hit builds from these values, under no profile or under the one run_rules set (the one the
    Judged was made for): the same fields, the same explanation.

    Under a profile, the explanation is the finding, then an end that depends only on the outcome, the rule's
    consequence and note (apply_profile's cut of the rule's own closing action reads nothing before the
    consequence; an illustrative entry's marker, at the end, is moved to the end of the cut text)."""
    spec = judged.spec
    if judged.ready:
        if judged.decides:
            return Hit(rule=spec.id, severity=judged.severity, subject=subject, explanation=explanation + judged.end,
                       list=judged.list_ref, score=judged.score, action=judged.action, evidence=evidence, source=spec.source,
                       legal_basis=judged.basis, rule_action=judged.rule_action)
        return Hit(rule=spec.id, severity=judged.severity, subject=subject, explanation=explanation + judged.end,
                   list=judged.list_ref, score=judged.score, action=judged.action, evidence=evidence, source=spec.source)
    hit = make_hit(spec, severity=judged.severity, subject=subject, explanation=explanation, action=judged.action,
                   list_ref=judged.list_ref, evidence=evidence, consequence=judged.consequence, note=judged.note)
    basis = hit.legal_basis
    if basis is not None and hit.explanation.startswith(explanation):
        judged.action, judged.basis, judged.end, judged.ready = hit.action, basis, hit.explanation[len(explanation):], True
    return hit


def remembered(ctx: ScreeningContext, spec: RuleSpec, severity: Severity, key: tuple, action: Action | None = None) -> Judged:
    """The outcome of a rule's finding of one kind, for `judged_hit` (with the finding's words less its closing full
    stop, which the outcome adds: a profile's legal sentence replaces it). `key`: every value of the hit's evidence
    that a profile's conditions or wording may read (kordon.decide.profiles._READS: role, origin, bound_for,
    declaration_type, ...) — the rule's own, so that applying a profile adds nothing a hit to what the rule builds
    under none. Remembered per screening context, rule, profile, severity and action. The finding must end in words
    of the rule's own (not a name, a quote or a full stop): apply_profile strips blanks and full stops off its end
    before the legal sentence, which the outcome's end is taken to need for every finding of the kind."""
    way = spec.way
    memo = ctx.judged
    found: Judged | None = memo.get((spec.id, way, severity, action, key))
    if found is None or found.spec is not spec:
        if len(memo) >= JUDGED_MAX:
            memo.clear()
        found = memo[(spec.id, way, severity, action, key)] = Judged(spec, severity, action, None, None, ".", way is not None)
    return found
