import pytest

from kordon.config import LaneThresholds
from kordon.decide.lanes import combine, decide, error_decision
from kordon.models import Action, Hit, Lane, Severity
from kordon.screen import build_context, screen_declaration
from kordon.screen.registry import RULES
from tests.core.helpers import decl


def hit(score, action=None, severity=Severity.medium):
    return Hit(rule="x", severity=severity, subject="route", explanation="e", score=score, action=action)


def test_scores_combine_like_independent_evidence():
    assert combine([]) == 0
    assert combine([50, 50]) == 75
    assert combine([100, 10]) == 100
    assert combine([10] * 30) < 100


@pytest.mark.parametrize("scores, lane, action", [([], Lane.green, Action.release), ([30], Lane.yellow, Action.check_documents),
                                                  ([70], Lane.red, Action.inspect)])
def test_thresholds_pick_the_lane(scores, lane, action):
    d = decide("d", [hit(s) for s in scores], LaneThresholds(), {})
    assert (d.lane, d.action) == (lane, action)


def test_a_hit_action_lifts_but_never_lowers_the_lane():
    assert decide("d", [hit(5, Action.deny)], LaneThresholds(), {}).lane is Lane.red
    d = decide("d", [hit(70), hit(1, Action.check_documents)], LaneThresholds(), {})
    assert (d.lane, d.action) == (Lane.red, Action.inspect)


def test_error_decision_is_red():
    d = error_decision("d", RuntimeError("boom"))
    assert d.lane is Lane.red and d.hits[0].rule == "screening.error" and "boom" in d.hits[0].explanation


def test_a_crashing_rule_fails_closed(monkeypatch):
    ctx = build_context()

    def broken(decl, ctx, spec):
        raise KeyError("index corrupted")

    monkeypatch.setitem(RULES, "route.diversion_hub", broken)
    d = screen_declaration(decl(), ctx)
    assert d.lane is Lane.red and d.action is Action.inspect and d.hits[0].rule == "screening.error"
