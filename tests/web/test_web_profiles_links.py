"""The choice of law (jurisdiction profile) in the workspace and the links between an import declaration and the
SNTs that trace back to it, in a real browser against a real `kordon serve`; and the picker's default."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from screenshots import SHOWN, SNT_SHOWN, TABLET

from test_web_browser import _page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
# An import declaration (DT 50508/150124/0000311, stored with the id 50508-150124-0000311: ids hold no '/') that
# row 1 of an SNT of the EAEU examples names as the document that brought its goods in.
DT_OF_SNT = "50508-150124-0000311"
SNT_CITING = "KZ-SNT-2024-0000103"


def test_profile_picker_default_choice_remembered_and_what_if(served):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"], lang="ru")
    page.goto(base + f"/declarations/{SHOWN}")
    # The default is the settings' profile; the decision names the law it was made under and each hit its basis.
    assert page.eval_on_selector("#profile-select", "s => s.value") == "kz_customs"
    assert "Таможенный пост Казахстана" in page.inner_text("#profile")
    assert "Закон Республики Казахстан № 172-VII «О контроле специфических товаров»" in page.inner_text("#hits")
    assert page.locator(".what-if").count() == 0
    hits = page.locator("tr.hit").count()
    # Chosen from the keyboard: "p" focuses the choice, arrows pick, Tab reaches Apply, Enter applies.
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "profile-select"
    options = page.eval_on_selector_all("#profile-select option", "os => os.map(o => o.value)")
    target = options.index("eu_exporter")
    current = options.index("kz_customs")
    for _ in range(abs(target - current)):
        page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "profile-apply"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/declarations/{SHOWN}")
    assert page.eval_on_selector("#profile-select", "s => s.value") == "eu_exporter"
    # The decision stands under the law it was made under; the chosen law's reading is shown beside each hit.
    assert "Таможенный пост Казахстана" in page.inner_text("#profile")
    assert "Экспортёр ЕС" in page.inner_text("#what-if-note")
    assert page.locator(".what-if").count() == hits
    assert "Регламент" in page.inner_text("#hits .what-if >> nth=0") or "Право ЕС" not in page.inner_text("#hits")
    # Remembered like the language: another page, a reload, a new visit of the session.
    page.goto(base + "/")
    assert page.eval_on_selector("#profile-select", "s => s.value") == "eu_exporter"
    page.reload()
    assert page.eval_on_selector("#profile-select", "s => s.value") == "eu_exporter"
    # A profile that does not exist is ignored, not stored.
    page.evaluate("""() => { const o = document.createElement('option'); o.value = 'nope'; o.text = 'nope';
                             document.querySelector('#profile-select').add(o); document.querySelector('#profile-select').value = 'nope'; }""")
    with page.expect_navigation():
        page.click("#profile-apply")
    assert page.eval_on_selector("#profile-select", "s => s.value") == "eu_exporter"
    page.context.close()


def test_hit_explanations_in_kazakh_and_russian_have_no_english(served):
    base, secrets, browser, _ = served
    for lang, law in (("kk", "Қазақстан құқығы (кеден)"), ("ru", "Право Казахстана (таможня)")):
        page = _page(browser, base, secrets["officer"], lang=lang)
        page.goto(base + f"/declarations/{SHOWN}")
        texts = page.locator("#hits p.explanation").all_inner_texts()
        assert texts and all(law in t for t in texts), texts
        for t in texts:
            assert not re.search(r"\b(?:is|the|on|under|bound|listed|may|inspect|refuse)\b", t), t
        # The recorded English text stays one click away (it is what the audit trail holds).
        assert page.locator("details.explanation-recorded").count() == len(texts)
        page.context.close()


def test_declaration_and_the_snts_tracing_back_to_it_link_both_ways(served):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"])
    page.goto(base + f"/declarations/{DT_OF_SNT}")
    assert "SNTs tracing back to this declaration" in page.inner_text("#versions")
    links = page.locator("#snt-links a.snt-link").all_inner_texts()
    assert links == [SNT_CITING], links
    page.click(f"#snt-links a.snt-link:text('{SNT_CITING}')")
    page.wait_for_url(f"**/snt/{SNT_CITING}")
    # The SNT names the DT in its trace box and above: both lead back to the declaration.
    assert page.locator(".box[data-kind=dt] a.declaration-link").count() >= 1
    assert "50508/150124/0000311" in page.inner_text("#snt-declarations")
    page.click(".box[data-kind=dt] a.declaration-link >> nth=0")
    page.wait_for_url(f"**/declarations/{DT_OF_SNT}")
    assert page.inner_text("h1").startswith(f"Declaration {DT_OF_SNT}")
    # An export declaration is no DT: no SNT is linked to it; an SNT whose DT is not on record links nowhere.
    page.goto(base + f"/declarations/{SHOWN}")
    assert page.locator("#snt-links").count() == 0
    page.goto(base + "/snt/KZ-SNT-2024-0000104")
    assert page.locator("a.declaration-link").count() == 0
    page.context.close()


def test_snt_reasons_in_russian(served):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"], lang="ru")
    page.goto(base + f"/snt/{SNT_SHOWN}")
    reasons = page.locator("#snt-reasons span.explanation").all_inner_texts()
    assert any("заявлено собственное производство" in r for r in reasons), reasons
    assert "Таможенный пост Казахстана" in page.inner_text("#snt-profile")
    flags = page.locator("#snt-flags span.explanation").all_inner_texts()
    assert flags and all(re.search("[а-я]", f) for f in flags), flags
    page.context.close()


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 1024, "height": 768}, TABLET],
                         ids=["laptop", "small-laptop", "tablet"])
def test_layout_with_the_choice_of_law_and_links(served, viewport):
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"], lang="kk", viewport=viewport)
    page.context.add_cookies([{"name": "kordon_profile", "value": "eu_exporter", "url": base}])
    for path in (f"/declarations/{SHOWN}", f"/declarations/{DT_OF_SNT}", f"/snt/{SNT_SHOWN}", f"/snt/{SNT_CITING}", "/"):
        page.goto(base + path)
        over = page.evaluate("""() => {
            const w = document.documentElement.clientWidth;
            const bad = [...document.querySelectorAll('main *, header *')].filter(t => t.getBoundingClientRect().right > w + 1);
            return {scroll: document.documentElement.scrollWidth - w, bad: bad.slice(0, 5).map(t => t.tagName + '#' + t.id + '.' + t.className)};
        }""")
        assert over["scroll"] <= 1 and not over["bad"], (path, viewport, over)
    page.context.close()


def test_a_keys_profile_is_the_default_and_a_pinned_key_offers_no_other(app_client):
    """Issue 11 gives API keys a profile (Principal.profile, profile_override); the picker follows it."""
    from starlette.requests import Request

    from kordon.interfaces import web
    from kordon.record.keys import Principal
    from kordon.record.web_sessions import WebSession

    client, _store, _secrets = app_client
    fields = {f.name for f in dataclasses.fields(Principal)}
    if "profile" in fields:
        keyed = Principal(1, "Bank", "officer", profile="bank_kz", profile_override=True)  # type: ignore[call-arg]
        pinned = Principal(2, "Bank", "officer", profile="bank_kz", profile_override=False)  # type: ignore[call-arg]
    else:  # before issue 11's keys: a principal of the same shape
        @dataclasses.dataclass(frozen=True)
        class Keyed(Principal):
            profile: str | None = None
            profile_override: bool = True

        keyed, pinned = Keyed(1, "Bank", "officer", "bank_kz", True), Keyed(2, "Bank", "officer", "bank_kz", False)

    def choice(who, cookie: str | None = None):
        headers = [(b"cookie", f"kordon_profile={cookie}".encode())] if cookie else []
        request = Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "app": client.app,
                           "query_string": b"", "state": {}})
        request.state.web_session = WebSession(None, who, "csrf", dt.datetime.now(dt.UTC))
        return web._profile_choice(request)

    plain = choice(Principal(3, "Aliya", "officer"))
    assert plain["default"] == plain["id"] == "kz_customs" and len(plain["ids"]) >= 5 and not plain["pinned"]
    assert choice(keyed)["id"] == "bank_kz" and choice(keyed)["default"] == "bank_kz"
    assert choice(keyed, "us_person")["id"] == "us_person"  # the officer's own choice wins over the key's default
    assert choice(pinned, "us_person")["id"] == "bank_kz" and choice(pinned)["ids"] == ["bank_kz"]
    assert choice(Principal(3, "Aliya", "officer"), "no_such")["id"] == "kz_customs"


def test_snt_verification_runs_under_the_officers_chosen_law(served):
    """Every bundled profile has provisions for the SNT reason codes: an officer who works under the EU exporter's
    law verifies SNTs under it, is told so, and is not told the law has no verdict table."""
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    base, secrets, browser, _ = served
    page = _page(browser, base, secrets["officer"], lang="ru")
    page.context.add_cookies([{"name": "kordon_profile", "value": "eu_exporter", "url": base}])
    page.goto(base + "/snt")
    under = page.inner_text("#snt-under")
    assert "ЕС" in under and "Таможенный пост Казахстана" not in under
    assert "казахстанская процедура" not in under
    with page.expect_navigation():
        page.click("#snt-verify button")
    assert page.url.endswith("/snt") and page.locator("tr.snt-row").count() > 0
    page.context.close()
