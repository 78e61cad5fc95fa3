"""The workspace in a real browser (Debian's Chromium via Playwright) against a real `kordon serve`.

One officer's day: the queue with its totals, pages, order and filters, worked from the keyboard;
the declaration page with the party beside the list entry and the goods hit in words; the lists;
the three languages; and a layout that holds on a laptop and on a tablet."""

from __future__ import annotations

import itertools
import re

import pytest
from screenshots import LAPTOP, LATIN_NOVA, SHOWN, TABLET

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _page(browser, base: str, key: str, lang: str = "en", viewport: dict | None = None, locale: str | None = None):
    ctx = browser.new_context(viewport=viewport or LAPTOP, locale=locale or "en-US", timezone_id="Asia/Almaty")
    page = ctx.new_page()
    page.goto(base + "/login")
    if lang and locale is None:
        page.click(f"#lang-form button[value={lang}]")
    page.fill("input[name=key]", key)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    return page


def _ids(page) -> list[str]:
    return page.locator("tr.queue-row").evaluate_all("rs => rs.map(r => r.dataset.id)")


def test_queue_totals_pages_and_order(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    total = int(re.match(r"(\d+)", page.inner_text("#total")).group(1))
    red, yellow = int(page.inner_text("#total-red")), int(page.inner_text("#total-yellow"))
    assert total == red + yellow and total > 50
    first = _ids(page)
    assert len(first) == 50
    scores = [float(s) for s in page.locator("tr.queue-row").evaluate_all("rs => rs.map(r => r.dataset.score)")]
    assert scores == sorted(scores, reverse=True)
    seen = list(first)
    while page.locator(".pager a[rel=next]").count():
        page.locator(".pager a[rel=next]").first.click()
        page.wait_for_function("ids => !ids.includes(document.querySelector('tr.queue-row').dataset.id)", arg=first)
        first = _ids(page)
        seen += first
    assert len(seen) == len(set(seen)) == total  # every held declaration once, none silently cut off
    # Sorting by a column header, then back.
    page.goto(base + "/")
    page.click("th a[data-sort=id]")
    page.wait_for_url("**sort=id**")
    ids = _ids(page)
    assert ids == sorted(ids, reverse=True)
    page.click("th a[data-sort=id]")
    page.wait_for_url("**dir=asc**")
    ids = _ids(page)
    assert ids == sorted(ids)
    # And by the sort control, for the columns the table folds together (date under the declaration).
    page.select_option("#filters select[name=sort]", "date")
    page.wait_for_url("**sort=date**")
    page.wait_for_load_state("networkidle")
    dates = page.locator("tr.queue-row").evaluate_all("rs => rs.map(r => r.dataset.date)")
    assert dates == sorted(dates)
    page.context.close()


def test_queue_rows_show_reason_party_goods_and_random_draws(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.goto(base + f"/?q={SHOWN}")
    row = page.locator(f"tr.queue-row[data-id='{SHOWN}']")
    assert "Party on a sanctions list" in row.locator("td.reason").inner_text()
    assert "TechnoImport Astana LLP" in row.locator("td.party").inner_text()
    assert "8471.50" in row.locator("td.goods").inner_text()
    page.goto(base + "/?random=1")
    rows = page.locator("tr.queue-row")
    assert rows.count() >= 1
    assert all("random draw" in t for t in rows.locator("td:nth-child(2)").all_inner_texts())
    page.goto(base + "/")
    drawn = page.locator("tr.queue-row:has(.badge.random)")
    total = int(re.match(r"(\d+)", page.inner_text("#total")).group(1))
    assert drawn.count() >= 1 or total > 50  # a draw on the first page is marked as such wherever it sorts
    page.context.close()


def test_queue_filters_party_in_any_script_hs_list_type_office(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.fill("#filters input[name=party]", "Нова")
    page.press("#filters input[name=party]", "Enter")
    page.wait_for_url("**party=**")
    page.wait_for_load_state("networkidle")
    assert LATIN_NOVA["id"] in _ids(page)
    parties = " ".join(page.locator("td.party").all_inner_texts())
    assert "NOVA TRADE LLC" in parties
    assert "/?" in page.url and "party=" in page.url  # the filtered view is a link an officer can share
    page.goto(base + "/?hs=8542.31")
    assert all("8542" in t or "+" in t for t in page.locator("td.goods").all_inner_texts())
    assert LATIN_NOVA["id"] in _ids(page)
    page.goto(base + "/")
    page.select_option("#filters select[name=type]", "transit")
    page.wait_for_function("() => [...document.querySelectorAll('tr.queue-row')].every(r => r.dataset.type === 'transit')")
    page.select_option("#filters select[name=list]", "chpl")
    page.wait_for_load_state("networkidle")
    ids = _ids(page)
    assert ids and "KZ-2023-TRN-0102" in ids
    page.goto(base + "/?office=Khorgos")
    offices = page.locator("tr.queue-row").evaluate_all("rs => rs.map(r => r.dataset.office)")
    assert offices and set(offices) == {"Khorgos"}
    page.goto(base + "/?party=zzzzqqq")
    assert page.inner_text("#total").startswith("0 ")
    page.context.close()


def test_keyboard_next_previous_open_review(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    ids = _ids(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator("tr.queue-row.current").get_attribute("data-id") == ids[1]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/declarations/{ids[1]}")
    page.go_back()
    page.wait_for_selector("tr.queue-row.current")
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_url(f"**/declarations/{ids[1]}#review")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'decision'")
    page.goto(base + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "party"
    page.context.close()


def test_declaration_page_party_beside_list_entry_and_goods_in_words(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.goto(base + f"/declarations/{SHOWN}")
    party = page.locator("tr.hit[data-rule='parties.sanctions']").first
    compare = party.locator(".party-compare").first
    agreeing = compare.locator(".agree").all_inner_texts()
    assert any(t.lower() == "technoimport" for t in agreeing), agreeing  # the name part that matched, on both sides
    named = compare.locator(".list-named").inner_text()
    assert "ofac_sdn" in named and "version" in named and "programme" in named
    assert "{" not in party.inner_text() and "entity_id" not in party.inner_text()  # no Python dicts
    goods = page.locator("tr.hit[data-rule='goods.chpl'] .goods-hit").inner_text()
    assert re.search(r"listed under 8471\.50 \(CHPL tier 3A\) — is listed", goods), goods
    assert "partial" not in page.inner_text("#hits")
    items = page.locator("#goods tr.item")
    assert items.first.locator("td").first.inner_text() == "1"  # numbered from 1
    assert re.fullmatch(r"\d{4}\.\d{2}(\.\d+)?", items.first.locator("code").inner_text())
    assert items.first.locator("td.quantity").inner_text() == "40 pcs"  # not "40.0000 pcs"
    assert items.first.locator("td.value").inner_text() == "$320,000.00"
    assert re.search(r"\d{1,2}/\d{1,2}/\d{4}, \d{2}:\d{2} \(UTC\+5\)", page.inner_text("#summary"))
    # The list entry behind the hit.
    page.locator(".party-compare a.entry-link").first.click()
    page.wait_for_load_state()
    assert "TECHNOIMPORT" in page.inner_text("#entry") and "ofac_sdn" in page.inner_text("#entry") and "CUBA" in page.inner_text("#entry")
    page.context.close()


def test_partial_goods_hit_says_may_fall_under(served):
    base, secrets, browser, store_url = served
    from kordon.record.queue import held_page
    from kordon.record.store import Store

    store = Store(store_url)
    target = None
    for it in held_page(store, per_page=200).items:
        rec = store.get(it["declaration_id"])
        if any(h.evidence.get("partial") for h in rec.decision_now.hits):
            target = it["declaration_id"]
            break
    store.engine.dispose()
    if target is None:
        pytest.skip("no partial goods hit in the demo store")
    page = _page(browser, base, secrets["officer"])
    page.goto(base + f"/declarations/{target}")
    assert "may fall under it" in page.inner_text("#hits")
    page.context.close()


def test_amendment_shows_what_changed_and_links_versions(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.goto(base + "/declarations/KZ-2023-ZHA-0014")
    assert "version 2 of 2" in page.inner_text("h1")
    changed = page.inner_text("#changes")
    assert "items[1].hs_code" in changed and "8806" in changed and "090121" in changed
    assert page.locator("#changes .goods-change").count() >= 1
    page.click("#versions a[href$='version=1']")
    page.wait_for_load_state()
    assert "version 1 of 2" in page.inner_text("h1")
    assert "8806" in page.inner_text("#goods")
    page.context.close()


def test_lists_page(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["admin"])  # any role sees the lists
    assert page.url.endswith("/lists")
    chpl = page.locator("tr.list-row[data-id=chpl]")
    text = chpl.inner_text()
    assert "Common High Priority List" in text and "2024-02-23" in text and "50" in text
    assert re.search(r"[0-9a-f]{16}", text) and re.search(r"\d+ days", chpl.locator("td.age").inner_text())
    assert "bis.gov" in chpl.locator("a").first.get_attribute("href")
    ofac = page.locator("tr.list-row[data-id=ofac_sdn]").inner_text()
    assert "OFAC" in ofac and "19,249" in ofac and "snapshot shipped" in ofac
    assert page.locator("tr.list-row[data-id=ofac_sdn] .badge.stale").count() == 1  # older than 30 days: flagged
    page.context.close()


def test_languages_chosen_remembered_and_from_the_browser(served):
    base, secrets, browser, _ = served
    # Accept-Language decides until the officer chooses.
    page = _page(browser, base, secrets["officer"], locale="kk-KZ")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "Ұсталған декларациялар" in page.inner_text("h1")
    page.click("#lang-form button[value=ru]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Задержанные декларации"
    page.goto(base + f"/declarations/{SHOWN}")
    assert "Участник в санкционном списке" in page.inner_text("#hits")  # the rule pack's Russian title
    assert "шт." in page.inner_text("#goods") or "кг" in page.inner_text("#goods")
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} \(UTC\+5\)", page.inner_text("#summary"))
    page.goto(base + "/lists")
    assert "Действующие списки" in page.inner_text("h1")
    page.context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, TABLET, {"width": 1024, "height": 768}], ids=["laptop", "tablet", "small-laptop"])
@pytest.mark.parametrize("lang", ["en", "kk"])
def test_layout_holds_without_horizontal_overflow(served, viewport, lang):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["supervisor"], lang=lang, viewport=viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path in ("/", f"/declarations/{SHOWN}", "/declarations/KZ-2023-ZHA-0014", "/lists", "/cases", "/snt",
                 "/snt/KZ-SNT-2023-0000108"):
        page.goto(base + path)
        over = page.evaluate("""() => {
            const w = document.documentElement.clientWidth;
            const bad = [...document.querySelectorAll('main *, header *')].filter(t => t.getBoundingClientRect().right > w + 1);
            return {scroll: document.documentElement.scrollWidth - w, bad: bad.slice(0, 5).map(t => t.tagName + '#' + t.id + '.' + t.className)};
        }""")
        assert over["scroll"] <= 1 and not over["bad"], (path, over)
    assert not errors, errors  # no script error and nothing the Content-Security-Policy had to block
    page.context.close()


def test_snt_queue_and_trace_drawn_as_a_chain(served):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.click("#nav-snt")
    page.wait_for_url("**/snt")
    verdicts = page.locator("tr.snt-row").evaluate_all("rs => rs.map(r => r.dataset.verdict)")
    order = {"refused": 0, "review": 1, "verified": 2}
    assert verdicts and [order[v] for v in verdicts] == sorted(order[v] for v in verdicts)  # refused first
    total = int(re.match(r"(\d+)", page.inner_text("#snt-total")).group(1))
    assert total == sum(int(page.inner_text(f"#snt-total-{v}")) for v in order) == 10  # examples/eaeu holds ten export SNTs
    page.select_option("#snt-filters select[name=verdict]", "review")
    page.wait_for_url("**verdict=review**")
    assert set(page.locator("tr.snt-row").evaluate_all("rs => rs.map(r => r.dataset.verdict)")) == {"review"}
    # The "own production" SNT whose goods trace back through two invoices to a Japanese import.
    page.goto(base + "/snt/KZ-SNT-2023-0000108")
    assert page.get_attribute("#snt-verdict [data-verdict]", "data-verdict") == "review"
    chain = page.locator("#chain-1")
    kinds = chain.locator(".box[data-kind]").evaluate_all("bs => bs.map(b => b.dataset.kind)")
    assert kinds[0] == "dt" and kinds.count("esf") == 2, kinds  # DT → ESF → ESF, upstream first
    assert "JP" in chain.locator(".box[data-kind=dt]").inner_text()
    assert chain.locator(".box.this-snt").count() == 1 and "ООО «Уралпромснаб»" in chain.locator(".box.buyer").inner_text()
    boxes = chain.locator(".box").evaluate_all("bs => bs.map(b => [b.getBoundingClientRect().left, b.getBoundingClientRect().right])")
    assert all(a[1] < b[0] for a, b in itertools.pairwise(boxes)), boxes  # one row on a laptop, left to right, no overlap
    # An SNT that names a DT not on record: the gap is drawn, and the verdict is a refusal.
    page.goto(base + "/snt/KZ-SNT-2024-0000104")
    assert page.get_attribute("#snt-verdict [data-verdict]", "data-verdict") == "refused"
    assert page.locator(".chain .box.bad").count() >= 1
    page.context.close()


def test_snt_pages_in_kazakh(served):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"], lang="kk")
    page.goto(base + "/snt/KZ-SNT-2023-0000108")
    assert "Тауар қайдан келді" in page.inner_text("main") and "Тауарларға арналған декларация (ТД)" in page.inner_text("#chain-1")
    page.context.close()
