"""Building hits: one place that turns a rule's finding into a scored, sourced Hit."""

from __future__ import annotations

from typing import Any

from kordon.decide.profiles import DECIDING
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Hit, ListRef, Severity

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
