"""Lane shares over a period: what the thresholds and the random rate give, against the targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from kordon.config import LaneThresholds
from kordon.record.store import DecisionRow, DeclarationRow, Store

# Shares published for one ASTANA-1 post over 10 months of 2025 (see docs/rules.md): the default target.
ASTANA1_2025 = {"green": 0.785, "yellow": 0.201, "red": 0.010}


@dataclass
class LaneReport:
    start: dt.date | None
    end: dt.date | None
    total: int = 0
    lanes: dict[str, int] = field(default_factory=lambda: {"green": 0, "yellow": 0, "red": 0})
    random_selected: int = 0
    random_drawn: int = 0  # green-by-score declarations that took part in the draw
    random_rate: float = 0.0
    target: dict[str, float] = field(default_factory=lambda: dict(ASTANA1_2025))

    def share(self, lane: str) -> float:
        return self.lanes[lane] / self.total if self.total else 0.0

    @property
    def expected_random(self) -> float:
        return self.random_drawn * self.random_rate

    def lines(self) -> list[str]:
        period = f"{self.start or '…'} to {self.end or '…'}"
        out = [f"Lane shares, declarations dated {period}: {self.total} decisions", f"{'lane':<8}{'count':>8}{'actual':>9}{'target':>9}"]
        for lane in ("green", "yellow", "red"):
            out.append(f"{lane:<8}{self.lanes[lane]:>8}{self.share(lane):>9.1%}{self.target.get(lane, 0):>9.1%}")
        out.append(
            f"random selection: {self.random_selected} of {self.random_drawn} green-by-score declarations "
            f"(expected {self.expected_random:.1f} at rate {self.random_rate:.2%})"
        )
        return out


def lane_report(store: Store, start: dt.date | None = None, end: dt.date | None = None,
                thresholds: LaneThresholds | None = None, target: dict[str, float] | None = None) -> LaneReport:
    """Count the first decision of every stored declaration version dated in [start, end]."""
    thresholds = thresholds or LaneThresholds()
    report = LaneReport(start, end, random_rate=thresholds.random_rate, target=dict(target or ASTANA1_2025))
    q = (
        select(DecisionRow.declaration_id, DecisionRow.declaration_version, DecisionRow.lane, DecisionRow.body)
        .join(DeclarationRow, and_(DeclarationRow.declaration_id == DecisionRow.declaration_id,
                                   DeclarationRow.version == DecisionRow.declaration_version))
        .order_by(DecisionRow.pk)
    )
    if start:
        q = q.where(DeclarationRow.date >= start)
    if end:
        q = q.where(DeclarationRow.date <= end)
    seen: set[tuple[str, int]] = set()
    with store.session() as s:
        for decl_id, version, lane, body in s.execute(q):
            if (decl_id, version) in seen:
                continue  # a re-screen after a list update is not a new lane choice
            seen.add((decl_id, version))
            report.total += 1
            report.lanes[lane] = report.lanes.get(lane, 0) + 1
            selection = (body or {}).get("random_selection")
            if selection:
                report.random_drawn += 1
                report.random_selected += bool(selection.get("selected"))
    return report
