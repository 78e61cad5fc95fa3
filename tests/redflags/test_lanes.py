from __future__ import annotations

import datetime as dt

from kordon.config import LaneThresholds, Settings
from kordon.decide.lanes import decide, random_draw
from kordon.decide.report import lane_report
from kordon.record.store import Store
from kordon.service import Kordon
from tests.redflags.conftest import decl


def test_draw_is_reproducible_and_seed_dependent():
    assert random_draw("s1", "D-42") == random_draw("s1", "D-42")
    assert random_draw("s1", "D-42") != random_draw("s2", "D-42")
    assert 0.0 <= random_draw("s1", "D-42") < 1.0


def test_random_rate_selects_about_its_share_and_records_the_draw():
    t = LaneThresholds(random_rate=0.05, random_seed="audit-2026")
    decisions = [decide(f"D{i}", [], t, {}) for i in range(4000)]
    selected = [d for d in decisions if d.random_selection["selected"]]
    assert 120 <= len(selected) <= 280  # 5% of 4000 = 200, binomial sd ≈ 14
    d = selected[0]
    assert d.lane.value == "red" and d.hits[0].rule == "selection.random"
    assert random_draw("audit-2026", d.declaration_id) < 0.05
    # The seed and the draw stay on the server: not in the decision, not in the explanation.
    assert "seed" not in d.random_selection and "draw" not in d.random_selection
    assert "audit-2026" not in d.model_dump_json()
    again = decide(d.declaration_id, [], t, {})
    assert again.random_selection == d.random_selection and again.lane == d.lane


def test_zero_rate_never_selects_but_records():
    d = decide("D1", [], LaneThresholds(random_rate=0.0), {})
    assert d.lane.value == "green" and d.random_selection["selected"] is False and d.random_selection["rate"] == 0.0


def test_lane_report_counts_stored_decisions(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", lanes=LaneThresholds(random_rate=0.5, random_seed="x"),
                        history=False)  # identical repeated consignments would (rightly) trip the structuring rule
    k = Kordon(settings, Store(settings.database_url))
    for i in range(40):
        k.screen_and_record(decl(f"R{i}", date="2025-06-01"))
    k.screen_and_record(decl("OUT", date="2024-01-01"))
    report = lane_report(k.store, dt.date(2025, 1, 1), dt.date(2025, 12, 31), settings.lanes)
    assert report.total == 40 and report.random_drawn == 40
    assert report.lanes["red"] == report.random_selected > 0
    text = "\n".join(report.lines())
    assert "random selection" in text and "target" in text


def test_history_from_store_feeds_amendment_rule(tmp_path):
    from kordon.index.history import attach, load_history

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}")
    k = Kordon(settings, Store(settings.database_url))
    k.screen_and_record(decl("AM1", route={"dispatch": "KZ", "destination": "KG"}))
    history = load_history(k.store)
    attach(k.context, history)
    amended = decl("AM1", route={"dispatch": "KZ", "destination": "RU"})
    stored = k.screen_and_record(amended)
    history.add(amended)
    assert stored.version == 2
    assert any(h.rule == "chain.amended_route" for h in stored.decision.hits)
    assert k.store.versions("AM1") == [1, 2]
