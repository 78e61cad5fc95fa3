"""The review queue's store query: totals, paging, order and every filter, on SQLite and PostgreSQL.

The expected sets are computed here from the raw tables, independently of kordon.record.queue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kordon.index.names import name_key
from kordon.record.cases import FINAL, ReviewRow, SeizureRow
from kordon.record.queue import QueueFilter, held_page, party_matches
from kordon.record.store import DecisionRow, DeclarationRow


def _held(store) -> dict[str, dict]:
    """Declaration id → (latest body, latest decision body) of every held declaration, from the raw rows:
    the newest decision on the latest version is yellow or red, and no final review or seizure is on it."""
    with store.session() as s:
        decls = list(s.scalars(select(DeclarationRow)))
        decisions = list(s.scalars(select(DecisionRow).order_by(DecisionRow.pk)))
        reviews = {(r.declaration_id, r.declaration_version) for r in s.scalars(select(ReviewRow))
                   if r.decision in {d.value for d in FINAL}}
        reviews |= {(r.declaration_id, r.declaration_version) for r in s.scalars(select(SeizureRow))}
    latest: dict[str, DeclarationRow] = {}
    for d in decls:
        if d.declaration_id not in latest or d.version > latest[d.declaration_id].version:
            latest[d.declaration_id] = d
    out = {}
    for did, d in latest.items():
        mine = [x for x in decisions if x.declaration_id == did and x.declaration_version == d.version]
        if mine and mine[-1].lane in ("yellow", "red") and (did, d.version) not in reviews:
            out[did] = {"decl": d.body, "decision": mine[-1].body, "lane": mine[-1].lane, "date": d.date}
    return out


def _all_ids(store, f: QueueFilter, per_page: int = 37, **kw) -> list[str]:
    first = held_page(store, f, per_page=per_page, **kw)
    ids = [it["declaration_id"] for it in first.items]
    for page in range(2, first.pages + 1):
        ids += [it["declaration_id"] for it in held_page(store, f, page=page, per_page=per_page, **kw).items]
    return ids


def test_total_and_pages_cover_every_held_declaration_once(demo):
    store, _ = demo
    expected = _held(store)
    assert len(expected) > 50, "the demo store holds more than one page"
    page = held_page(store, per_page=50)
    assert page.total == len(expected) and page.pages == -(-len(expected) // 50)
    assert page.lanes == {lane: sum(1 for e in expected.values() if e["lane"] == lane) for lane in ("red", "yellow")
                          if any(e["lane"] == lane for e in expected.values())}
    ids = _all_ids(store, QueueFilter())
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == set(expected)
    # A page past the end shows the last page rather than nothing.
    assert held_page(store, page=10_000, per_page=50).page == page.pages


def test_orders(demo):
    store, _ = demo
    scores = [it["score"] for it in held_page(store, per_page=200).items]
    assert scores == sorted(scores, reverse=True)
    dates = [it["date"] for it in held_page(store, sort="date", descending=False, per_page=200).items]
    assert dates == sorted(dates)
    ids = [it["declaration_id"] for it in held_page(store, sort="id", descending=True, per_page=200).items]
    assert ids == sorted(ids, reverse=True)
    lanes = [it["lane"] for it in held_page(store, sort="lane", descending=True, per_page=200).items]
    assert lanes == sorted(lanes, key=lambda x: x != "yellow")  # "yellow" > "red" as text: descending puts yellow first
    # An unknown sort key falls back to risk, never to an error.
    assert [it["score"] for it in held_page(store, sort="DROP TABLE", per_page=20).items] == scores[:20]


@pytest.mark.parametrize("field", ["lane", "type", "office", "destination"])
def test_structured_filters(demo, field):
    store, _ = demo
    expected = _held(store)
    values = {"lane": lambda e: e["lane"], "type": lambda e: e["decl"]["type"],
              "office": lambda e: e["decl"].get("customs_office"), "destination": lambda e: e["decl"]["route"]["destination"]}[field]
    seen = {values(e) for e in expected.values() if values(e)}
    assert len(seen) >= 2, f"the demo store has several values of {field}"
    for value in sorted(seen)[:4]:
        ids = set(_all_ids(store, QueueFilter(**{field: value})))
        assert ids == {k for k, e in expected.items() if values(e) == value}, value


def test_date_range(demo):
    store, _ = demo
    expected = _held(store)
    lo, hi = dt.date(2026, 11, 5), dt.date(2026, 11, 12)
    ids = set(_all_ids(store, QueueFilter(date_from=lo, date_to=hi)))
    assert ids and ids == {k for k, e in expected.items() if lo <= e["date"] <= hi}


def test_party_name_in_any_script(demo):
    store, _ = demo
    expected = _held(store)

    def names(e):
        return [p["name"] for p in e["decl"].get("parties", [])]

    nova = set(_all_ids(store, QueueFilter(party="Нова")))
    latin = {k for k, e in expected.items() if any("nova" in n.lower() for n in names(e))}
    cyrillic = {k for k, e in expected.items() if any("нова" in n.lower() for n in names(e))}
    assert latin, "the examples hold a Latin-script Nova"
    assert cyrillic, "and a Cyrillic one"
    assert latin | cyrillic <= nova  # "Нова" finds both spellings
    assert set(_all_ids(store, QueueFilter(party="Nova"))) == nova  # and "Nova" the same set
    vostok = set(_all_ids(store, QueueFilter(party="vostok")))
    assert {k for k, e in expected.items() if any("восток" in n.lower() for n in names(e))} <= vostok
    # A legal form alone names nobody; it does not return the whole queue.
    assert held_page(store, QueueFilter(party="ООО")).total == 0


def test_party_matching_rules():
    q = list(name_key("Нова").tokens)
    assert party_matches(q, ["NOVA TRADE LLP"]) and party_matches(q, ["ООО «Нова»"])
    assert not party_matches(q, ["Vostok Nord"])
    assert party_matches(list(name_key("Elektronserwis").tokens), ["OOO Elektronservis"])  # a typo away
    assert not party_matches([], ["anything"])


def test_hs_list_and_random_filters(demo):
    store, _ = demo
    expected = _held(store)
    ids = set(_all_ids(store, QueueFilter(hs="85.42")))
    assert ids and ids == {k for k, e in expected.items() if any(it["hs_code"].startswith("8542") for it in e["decl"]["items"])}
    chpl = set(_all_ids(store, QueueFilter(list_id="chpl")))
    assert chpl == {k for k, e in expected.items() if any((h.get("list") or {}).get("id") == "chpl" for h in e["decision"]["hits"])}
    any_list = set(_all_ids(store, QueueFilter(list_id="any")))
    assert chpl < any_list
    drawn = held_page(store, QueueFilter(random=True), per_page=200)
    assert drawn.total >= 1 and all(it["random"] for it in drawn.items)
    assert any(it["declaration_id"].startswith("KZ-2026-RND-") for it in drawn.items)


def test_row_shows_reason_party_and_goods(demo):
    store, _ = demo
    rows = {it["declaration_id"]: it for it in held_page(store, QueueFilter(q="KZ-2024-EXP-0118")).items}
    row = rows["KZ-2024-EXP-0118"]
    assert row["top_hit"]["rule"] == "parties.sanctions"
    assert row["main_party"]["name"] == "TechnoImport Astana LLP"
    assert row["goods"]["hs_code"].startswith("847150")
    drawn = held_page(store, QueueFilter(random=True)).items[0]
    assert drawn["random"] and drawn["lane"] == "red"  # held for the draw: shown as such
    assert drawn["top_hit"] is None or drawn["top_hit"]["rule"] != "selection.random"  # the reason is a risk, if any


def test_a_final_review_takes_a_declaration_off_the_queue(demo):
    from kordon.record import cases, keys
    from kordon.record.cases import ReviewIn

    store, secrets = demo
    who = keys.authenticate(store, secrets["supervisor"])
    before = held_page(store)
    top = before.items[-1]["declaration_id"]
    cases.record_review(store, who, top, ReviewIn(decision="refer", reason="Referred to the financial police for the chain"))
    after = held_page(store)
    assert after.total == before.total - 1 and top not in _all_ids(store, QueueFilter())


def test_snt_queue_totals_and_order_match_the_expected_verdicts(demo):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    import csv

    from screenshots import ROOT

    from kordon.record.queue import snt_verdict_page

    store, _ = demo
    with (ROOT / "examples" / "eaeu" / "expected.csv").open(encoding="utf-8") as fh:
        expected = {r["registrationNumber"]: r["verdict"] for r in csv.DictReader(fh)}
    page = snt_verdict_page(store, per_page=200)
    assert page.total == len(expected)
    assert {it["snt_number"]: it["verdict"] for it in page.items} == expected
    assert page.lanes == {v: list(expected.values()).count(v) for v in set(expected.values())}
    order = [("refused", "review", "verified").index(it["verdict"]) for it in page.items]
    assert order == sorted(order)
    review = snt_verdict_page(store, verdict="review", per_page=1)
    assert review.total == list(expected.values()).count("review") and review.pages == review.total
    assert snt_verdict_page(store, q="0000111").items[0]["snt_number"] == "KZ-SNT-2023-0000111"


def test_web_sessions_on_both_databases(demo):
    """Start, resume, idle expiry and sign-out of a workspace session in the store (SQLite and PostgreSQL)."""
    import datetime as _dt

    from kordon.record import keys, web_sessions

    store, secrets = demo
    who = keys.authenticate(store, secrets["officer"])
    now = _dt.datetime.now(_dt.UTC)
    sess = web_sessions.start(store, who, now)
    again = web_sessions.resume(store, sess.token, now + _dt.timedelta(minutes=5))
    assert again is not None and again.who == who and again.csrf == sess.csrf and again.token is None
    assert web_sessions.resume(store, sess.token, now + web_sessions.IDLE + _dt.timedelta(minutes=10)) is None  # idle: gone
    assert web_sessions.resume(store, sess.token, now + _dt.timedelta(minutes=6)) is None  # and deleted, not just refused
    other = web_sessions.start(store, who, now)
    web_sessions.end(store, other.token)
    assert web_sessions.resume(store, other.token, now) is None
    assert web_sessions.resume(store, "x" * 500) is None and web_sessions.resume(store, None) is None
