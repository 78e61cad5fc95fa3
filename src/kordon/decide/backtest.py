"""Backtesting the rule pack on a labelled stream of past declarations.

Declarations are screened oldest first against the history of those before them (each is added
to the history after its screening, as in production). For every rule: how many declarations it
hit, how many of those were labelled violations (precision) and how much better than chance that
is (lift = precision / share of violations). For the pack: the share of labelled violations in
the top r of declarations ranked by score, for a range of inspection rates r.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from kordon.index.history import History
from kordon.ingest.errors import ListFileError
from kordon.models import Declaration
from kordon.screen.context import ScreeningContext
from kordon.screen.pipeline import screen_declaration

RATES = (0.005, 0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.50)


@dataclass
class RuleStats:
    hits: int = 0
    true_hits: int = 0

    def precision(self) -> float:
        return self.true_hits / self.hits if self.hits else 0.0


@dataclass
class BacktestResult:
    declarations: int = 0
    violations: int = 0
    rules: dict[str, RuleStats] = field(default_factory=lambda: defaultdict(RuleStats))
    curve: list[tuple[float, float]] = field(default_factory=list)  # (inspection rate, share of violations caught)
    lanes: Counter = field(default_factory=Counter)
    caught_by_lane: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # scenario → lane counts

    @property
    def base_rate(self) -> float:
        return self.violations / self.declarations if self.declarations else 0.0

    def lift(self, rule: str) -> float:
        s = self.rules[rule]
        return s.precision() / self.base_rate if self.base_rate else 0.0

    def lines(self) -> list[str]:
        out = [f"{self.declarations} declarations, {self.violations} labelled violations (base rate {self.base_rate:.2%})", "",
               f"{'rule':<32}{'hits':>8}{'true':>7}{'precision':>11}{'lift':>8}"]
        for rid, s in sorted(self.rules.items(), key=lambda kv: -kv[1].hits):
            out.append(f"{rid:<32}{s.hits:>8}{s.true_hits:>7}{s.precision():>11.1%}{self.lift(rid):>8.1f}")
        out += ["", "share of violations caught when inspecting the top-scored declarations:"]
        out += [f"  inspect {r:>6.1%} → caught {c:>6.1%}" for r, c in self.curve]
        out += ["", "lanes: " + ", ".join(f"{k} {v} ({v / max(1, self.declarations):.1%})" for k, v in sorted(self.lanes.items()))]
        if self.caught_by_lane:
            out.append("by scenario (declarations in green / yellow / red):")
            for name, c in sorted(self.caught_by_lane.items()):
                out.append(f"  {name:<16} {c['green']:>5} {c['yellow']:>5} {c['red']:>5}")
        return out

    def chart(self, path: str | Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        xs = [0.0] + [r for r, _ in self.curve]
        ys = [0.0] + [c for _, c in self.curve]
        ax.plot(xs, ys, marker="o", label="rule pack")
        ax.plot([0, max(xs)], [0, max(xs)], linestyle="--", color="grey", label="random selection")
        ax.set_xlabel("share of declarations inspected")
        ax.set_ylabel("share of labelled violations caught")
        ax.set_title("kordon backtest: violations caught by inspection rate")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return Path(path)


def read_labels(path: str | Path) -> dict[str, str]:
    """CSV with columns id, label (1/0, true/false or a scenario name; empty or 0 = no violation) and
    optionally scenario (the kind of violation, for the per-scenario table).

    Any bad row makes the file unusable (ListFileError naming file, line and field): a label lost
    would silently change every precision and lift figure.
    """
    from kordon.ingest import limits

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ListFileError(f"{path}: {exc.strerror or exc}") from None
    labels: dict[str, str] = {}
    first: dict[str, int] = {}
    columns: list[str] | None = None
    for line, values, error in limits.csv_rows(data, str(path)):
        if error:
            raise ListFileError(str(error))
        assert values is not None
        if columns is None:
            columns, problems = limits.header(values, str(path), line, required=("id", "label"))
            if problems:
                raise ListFileError(f"{path}:{line}: a labels file needs the columns 'id' and 'label', each once; "
                                    + "; ".join(p.reason for p in problems))
            continue
        row = dict(zip(columns, values))
        _add_label(labels, first, row, f"{path}:{line}", line)
    if columns is None:
        raise ListFileError(f"{path}: the labels file is empty (expected the columns id,label)")
    return labels


def _add_label(labels: dict[str, str], first: dict[str, int], row: dict[str, str], where: str, line: int) -> None:
    did = (row.get("id") or "").strip()
    if not did:
        raise ListFileError(f"{where}: field 'id' is empty")
    value = (row.get("label") or "").strip()
    label = ""
    if value and value.lower() not in ("0", "false", "no"):
        named = value if value.lower() not in ("1", "true", "yes") else ""
        label = named or (row.get("scenario") or "").strip() or "violation"
    if did in first and labels.get(did, "") != label:
        raise ListFileError(f"{where}: id {did!r} is labelled differently on line {first[did]}")
    first.setdefault(did, line)
    if label:
        labels[did] = label


def read_declarations(path: str | Path, errors: list[str] | None = None) -> Iterator[Declaration]:
    """Declarations of a JSON Lines (or JSON, CSV) file through the one declaration reader; records it
    rejects are reported in `errors` and skipped (with errors=None the first one raises ListFileError)."""
    from kordon.ingest.declarations import read_all

    for _, result in read_all([path]):
        if result.declaration is not None:
            yield result.declaration
            continue
        message = "; ".join(str(e) for e in result.errors)
        if errors is None:
            raise ListFileError(message)
        errors.append(message)


def _tiebreak(declaration_id: str) -> int:
    return int.from_bytes(hashlib.sha256(declaration_id.encode()).digest()[:8], "big")


def backtest(declarations: Iterable[Declaration], labels: dict[str, str], ctx: ScreeningContext,
             rates: tuple[float, ...] = RATES) -> BacktestResult:
    history = History()
    saved = ctx.extras.get("history")
    ctx.extras["history"] = history
    result = BacktestResult()
    latest: dict[str, tuple[float, set[str], str]] = {}  # the latest version of each id decides
    try:
        for decl in declarations:
            decision = screen_declaration(decl, ctx)
            history.add(decl)
            latest[decl.id] = (decision.score, {h.rule for h in decision.hits}, decision.lane.value)
    finally:
        ctx.extras["history"] = saved
    for did, (_score, rules, lane) in latest.items():
        bad = did in labels
        result.declarations += 1
        result.violations += bad
        result.lanes[lane] += 1
        if bad:
            result.caught_by_lane[labels[did]][lane] += 1
        for r in rules:
            result.rules[r].hits += 1
            result.rules[r].true_hits += bad
    ranked = sorted(latest.items(), key=lambda kv: (-kv[1][0], _tiebreak(kv[0])))
    for rate in rates:
        top = ranked[: max(1, round(rate * len(ranked)))]
        caught = sum(1 for did, _ in top if did in labels)
        result.curve.append((rate, caught / result.violations if result.violations else 0.0))
    result.rules = dict(result.rules)
    return result
