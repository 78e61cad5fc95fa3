"""Building hits: one place that turns a rule's finding into a scored, sourced Hit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kordon.decide.profiles import DECIDING, ILLUSTRATIVE, KeySpec
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Hit, LegalBasis, ListRef, Severity

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

    Under a jurisdiction profile (set by run_rules) the hit is built once with the profile's action, legal
    basis and explanation where an equal hit was decided before: exactly what apply_profile would write
    into it afterwards (docs/performance.md, "Jurisdiction profiles")."""
    evidence = evidence or {}
    deciding = DECIDING.get()
    if deciding is not None:
        at = deciding.at.get(spec.id) or deciding.first(spec.id)
        decided = at(evidence, action, severity, list_ref, explanation, consequence, note)
        if decided is None and deciding.exact is not None:
            decided = deciding.item_hit(spec.id, subject, evidence, action, severity, list_ref, explanation, consequence, note)
        if decided is None:
            deciding.pending += 1
        else:
            return Hit(rule=spec.id, severity=severity, subject=subject, explanation=decided[2], list=list_ref,
                       score=round(min(100.0, spec.weight * SEVERITY_FACTOR[severity]), 2), action=decided[0],
                       evidence=evidence, source=spec.source, legal_basis=decided[1])
    if consequence is not None:
        explanation = f"{explanation}; {consequence}.{note}"
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
    """A rule's conclusion about one kind of finding, apart from the words that name the declaration's part
    (the item's code and description): severity, action, list reference and score, the explanation's end
    under no profile, and — filled as each profile decides such a hit for the first time — that profile's
    action, legal basis and explanation end.

    A rule that computes its own key for this anyway (the goods rules: the list match, precision, restricted
    destinations, licence) builds its hits from it, under any profile or none, for the same few dict look-ups
    (`judged_hit`): applying a profile then costs nothing a hit beyond finding its entry in `decided`."""

    spec: RuleSpec
    severity: Severity
    action: Action | None
    list_ref: ListRef | None
    consequence: str | None
    note: str
    score: float = 0.0
    end: str = ""
    decided: dict[KeySpec, tuple[Action | None, LegalBasis, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.score = round(min(100.0, self.spec.weight * SEVERITY_FACTOR[self.severity]), 2)
        self.end = "" if self.consequence is None else f"; {self.consequence}.{self.note}"


def judged_hit(judged: Judged, subject: str, explanation: str, evidence: dict[str, Any], way: KeySpec | None) -> Hit:
    """The hit make_hit builds from these values, under no profile or under the one run_rules set (`way`: how it
    decides this rule's hits, `Deciding.way`): the same fields, the same explanation.

    Under a profile, the explanation is the finding, then an end that depends only on the outcome, the rule's
    consequence and note (apply_profile's cut of the rule's own closing action reads nothing before the
    consequence; an illustrative entry's marker is moved to the end of it) — unless the finding's words quote
    the marker, which apply_profile would cut out of them."""
    spec = judged.spec
    if way is None:
        return Hit(rule=spec.id, severity=judged.severity, subject=subject, explanation=explanation + judged.end,
                   list=judged.list_ref, score=judged.score, action=judged.action, evidence=evidence, source=spec.source)
    found = judged.decided.get(way)
    plain = ILLUSTRATIVE not in explanation
    if found is not None and plain:
        return Hit(rule=spec.id, severity=judged.severity, subject=subject, explanation=explanation + found[2],
                   list=judged.list_ref, score=judged.score, action=found[0], evidence=evidence, source=spec.source,
                   legal_basis=found[1])
    hit = make_hit(spec, severity=judged.severity, subject=subject, explanation=explanation, action=judged.action,
                   list_ref=judged.list_ref, evidence=evidence, consequence=judged.consequence, note=judged.note)
    basis = hit.legal_basis
    if plain and basis is not None and hit.explanation.startswith(explanation) and len(judged.decided) < 64:
        judged.decided[way] = (hit.action, basis, hit.explanation[len(explanation):])
    return hit
