"""Screenshots of the workspace's main pages in each language, for docs/web.md.

    python scripts/screenshots.py            # rebuild docs/img/web/*.png and docs/img/web/screenshots.json

It builds a store from the example declarations (examples/declarations.jsonl, cases from public
enforcement reports) and a few hundred synthetic ones (kordon.synth), starts a real `kordon serve`,
and drives Debian's Chromium through Playwright. screenshots.json records a hash of everything the
pages are made from (templates, styles, script, catalogues, web code, rule pack, this script);
tests/web/test_screenshots.py fails when that hash no longer matches, i.e. the pictures are stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "kordon" / "interfaces" / "web"
OUT = ROOT / "docs" / "img" / "web"
MANIFEST = OUT / "screenshots.json"
CHROMIUM = os.environ.get("KORDON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP: Any = {"width": 1366, "height": 900}
TABLET: Any = {"width": 820, "height": 1180}
# The declaration shown: a party on a sanctions list next to listed goods (a case from the examples).
SHOWN = "KZ-2024-EXP-0118"
# The SNT shown: "own production" claimed, the chain leads through an invoice to a Japanese import.
SNT_SHOWN = "KZ-SNT-2023-0000108"


def inputs_digest() -> str:
    """One hash over every file the screenshots depend on."""
    files = sorted([*WEB.glob("templates/*.html"), *WEB.glob("static/*.css"), *WEB.glob("static/*.js"),
                    *WEB.glob("locale/*/LC_MESSAGES/*.po"), *WEB.glob("*.py"), *(ROOT / "src/kordon/data/rules").glob("*.yaml"),
                    *(ROOT / "src/kordon/data/profiles").glob("*.yaml"), ROOT / "src/kordon/data/eaeu/rules.yaml",
                    Path(__file__).resolve()])
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def example_declarations() -> list[dict[str, Any]]:
    lines = (ROOT / "examples" / "declarations.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# The consignee of the Zhambyl drone case (ООО «Нова») as a Latin-script registry would spell a namesake.
LATIN_NOVA = {
    "id": "KZ-2026-NOV-0001", "type": "re-export", "date": "2026-11-20", "customs_office": "Khorgos",
    "parties": [{"role": "consignor", "name": "Steppe Components LLP", "country": "KZ"},
                {"role": "consignee", "name": "NOVA TRADE LLC", "country": "RU"}],
    "route": {"dispatch": "KZ", "destination": "RU"},
    "items": [{"hs_code": "8542.31", "description": "Processors and controllers", "origin": "US", "quantity": 250,
               "unit": "pcs", "value": 61250.5, "currency": "USD"},
              {"hs_code": "8517.62", "description": "Network switches", "origin": "TW", "quantity": 40, "unit": "pcs",
               "value": 18000, "currency": "USD"}],
}


def dt_declarations() -> list[dict[str, Any]]:
    """The import declarations (DT) of the EAEU examples as kordon declarations, so that an SNT row naming a DT
    links to the declaration on record (a DT number 50508/150124/0000311 is the id 50508-150124-0000311)."""
    out = []
    for line in (ROOT / "examples" / "eaeu" / "dts.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        dt_doc = json.loads(line)
        consignor, consignee = dt_doc.get("consignor") or {}, dt_doc.get("consignee") or {}
        parties = [{"role": "consignor", "name": consignor.get("name") or "?", "country": consignor.get("country") or "ZZ"},
                   {"role": "consignee", "name": consignee.get("name") or "?", "country": consignee.get("country") or "KZ"}]
        items = [{"hs_code": it["codeTNVED"], "description": it.get("description") or "?", "origin": it.get("originCountry"),
                  "quantity": it.get("quantity"), "unit": it.get("unit"), "value": it.get("customsValue"),
                  "currency": it.get("currency")} for it in dt_doc.get("items") or []]
        out.append({"id": dt_doc["number"].replace("/", "-"), "type": "import", "date": dt_doc["date"],
                    "customs_office": dt_doc.get("customsOffice"), "parties": parties,
                    "route": {"dispatch": consignor.get("country") or "ZZ", "destination": "KZ"}, "items": items})
    return out


def random_draw_declaration(settings: Any) -> dict[str, Any]:
    """Harmless goods under the first id the random selection draws: a declaration held for no risk."""
    from kordon.decide.lanes import random_draw

    lanes = settings.lanes
    n = next(i for i in range(100_000) if random_draw(lanes.random_seed, f"KZ-2026-RND-{i:05d}") < lanes.random_rate)
    return {"id": f"KZ-2026-RND-{n:05d}", "type": "export", "date": "2026-11-28", "customs_office": "Khorgos",
            "parties": [{"role": "consignor", "name": "Almaty Orchards LLP", "country": "KZ"},
                        {"role": "consignee", "name": "Obst GmbH", "country": "DE"}],
            "route": {"dispatch": "KZ", "destination": "DE"},
            "items": [{"hs_code": "0808.10", "description": "Fresh apples", "origin": "KZ", "quantity": 20000, "unit": "kg",
                       "value": 9000, "currency": "USD"}]}


def build_store(folder: Path, synthetic: int = 300, url: str | None = None) -> tuple[str, dict[str, str]]:
    """A store with the examples, `synthetic` generated declarations and one amendment; keys per role."""
    from kordon.config import Settings
    from kordon.models import Declaration
    from kordon.record import keys
    from kordon.record.store import Store
    from kordon.service import Kordon
    from kordon.synth.generator import generate

    url = url or f"sqlite:///{folder / 'kordon.db'}"
    store = Store(url)
    k = Kordon(Settings(database_url=url), store)
    decls = [Declaration.model_validate({key: v for key, v in d.items() if key != "case_note"}) for d in example_declarations()]
    decls += [g.declaration for g in generate(synthetic, seed=15, start=dt.date(2026, 11, 1), days=30, scenario_rate=0.3)]
    decls.append(Declaration.model_validate(random_draw_declaration(Settings(database_url=url))))
    decls.append(Declaration.model_validate(LATIN_NOVA))
    decls += [Declaration.model_validate(d) for d in dt_declarations()]
    k.screen_and_record_many(decls)
    # An amendment of a held declaration: the goods changed to something harmless.
    first = example_declarations()[0]
    amended = {**{key: v for key, v in first.items() if key != "case_note"},
               "items": [{"hs_code": "0901.21", "description": "Roasted coffee", "origin": "BR", "quantity": 14, "unit": "kg"}]}
    k.screen_and_record_many([Declaration.model_validate(amended)])
    try:  # the EAEU documents (SNT, ESF, DT) of the examples, verified: the SNT queue and traces
        from kordon.eaeu import Documents
    except ImportError:
        Documents = None  # the documents need the trade extra (pyarrow)
    if Documents is not None:
        docs = Documents(k.settings, store, screening=k.context)
        docs.load([str(ROOT / "examples" / "eaeu")])
        docs.verify()
    secrets = {role: keys.create_key(store, f"{role.title()} Aliya", role, created_by="screenshots")[0]
               for role in ("officer", "supervisor", "admin")}
    store.engine.dispose()
    return url, secrets


def sign_in(page: Any, base: str, key: str, lang: str | None = None) -> None:
    page.goto(base + "/login")
    if lang:
        page.click(f"#lang-form button[value={lang}]")
        page.wait_for_load_state()
    page.fill("input[name=key]", key)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


def shoot(base: str, key: str, out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    names = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("ru", "kk", "en"):
            ctx = browser.new_context(viewport=LAPTOP, locale=lang, timezone_id="Asia/Almaty")
            page = ctx.new_page()
            sign_in(page, base, key, lang)
            for name, path in (("queue", "/"), ("declaration", f"/declarations/{SHOWN}"), ("lists", "/lists"),
                               ("snt", f"/snt/{SNT_SHOWN}")):
                page.goto(base + path)
                file = f"{name}-{lang}.png"
                page.screenshot(path=str(out / file), full_page=name == "snt")  # the trace is below the verdict
                names.append(file)
            ctx.close()
        ctx = browser.new_context(viewport=TABLET, locale="ru", timezone_id="Asia/Almaty")
        page = ctx.new_page()
        sign_in(page, base, key, "ru")
        page.goto(base + "/?lane=red")
        page.screenshot(path=str(out / "queue-tablet-ru.png"))
        names.append("queue-tablet-ru.png")
        page.goto(base + "/snt")
        page.screenshot(path=str(out / "snt-queue-tablet-ru.png"))
        names.append("snt-queue-tablet-ru.png")
        browser.close()
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=300)
    args = parser.parse_args()
    if not shutil.which(CHROMIUM):
        print(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set KORDON_CHROMIUM)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "tests" / "api"))
    from api_server import Server  # the same real server the browser tests start

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, secrets = build_store(folder, args.synthetic)
        server = Server(url, folder / "server.log").start()
        try:
            names = shoot(server.url, secrets["officer"], OUT)
        finally:
            server.stop()
    MANIFEST.write_text(json.dumps({
        "inputs_sha256": inputs_digest(), "command": "python scripts/screenshots.py",
        "files": {n: hashlib.sha256((OUT / n).read_bytes()).hexdigest() for n in names}}, indent=1) + "\n", encoding="utf-8")
    print(f"{len(names)} screenshots in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
