"""Building hits: one place that turns a rule's finding into a scored, sourced Hit."""

from __future__ import annotations

from typing import Any

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
) -> Hit:
    return Hit(
        rule=spec.id,
        severity=severity,
        subject=subject,
        explanation=explanation,
        list=list_ref,
        score=round(min(100.0, spec.weight * SEVERITY_FACTOR[severity]), 2),
        action=action,
        evidence=evidence or {},
        source=spec.source,
    )
