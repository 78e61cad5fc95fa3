"""Jurisdiction profiles over the shipped examples: the same declaration, the actions and legal bases of
each user's law — different where the laws differ, the same where they agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kordon.config import Settings
from kordon.decide.profiles import apply_profile, load_profile
from kordon.ingest.declarations import read_all
from kordon.ingest.errors import ListFileError, ReadCounts
from kordon.ingest.profiles import bundled_profile_names, parse_profile, read_profile
from kordon.models import Action, Decision, Declaration, Hit, ListRef, Severity
from kordon.service import Kordon

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROFILES = ["kz_customs", "eu_exporter", "us_person", "bank_kz", "uk_exporter"]

# (lane, action) of each example under each profile. Where a column differs, the laws differ.
EXPECTED = {
    #                     kz_customs        eu_exporter       us_person         bank_kz           uk_exporter
    # The consignee 'ООО «Нова»' is a company: it no longer matches the OFAC-listed vessel 'NOVA' (issue 9).
    "KZ-2023-ZHA-0014": [("red", "inspect")] * 5,
    "KZ-2023-EXP-0217": [("red", "deny"), ("red", "deny"), ("red", "deny"), ("red", "deny"), ("red", "deny")],
    # Customs transit HK -> KZ -> RU of US-made chips: no re-export from Kazakhstan's market, a transit licence question.
    "KZ-2023-TRN-0102": [("red", "inspect"), ("red", "deny"), ("red", "deny"), ("red", "deny"), ("red", "deny")],
    # The EU list is an HS6 transcription of annexes that list CN codes: under eu_exporter its hits ask for the CN
    # code (inspect) rather than deny; exact CHPL codes are denied (TRN-0102, EXP-0301).
    "KZ-2023-KRK-0031": [("red", "inspect")] * 5,
    "KZ-2024-EXP-0301": [("red", "deny"), ("red", "deny"), ("red", "inspect"), ("red", "deny"), ("red", "deny")],
    "KZ-2024-EXP-0488": [("yellow", "check_documents"), ("yellow", "check_documents"), ("yellow", "check_documents"),
                         ("red", "inspect"), ("yellow", "check_documents")],
    "KZ-2023-EXP-0090": [("red", "inspect")] * 5,
    # Uzbekistan: the EU Russia bans do not apply; CHPL due diligence and the re-export flag remain.
    "KZ-2024-EXP-0520": [("yellow", "check_documents")] * 5,
    "KZ-2024-IMP-0077": [("green", "release")] * 5,
    "KZ-2024-EXP-0615": [("green", "release")] * 5,
    "KZ-2024-EXP-0601": [("green", "release")] * 5,
}


@pytest.fixture(scope="module")
def examples() -> dict[str, Declaration]:
    counts = ReadCounts()
    found = {r.declaration.id: r.declaration for _, r in read_all([EXAMPLES / "declarations.jsonl", EXAMPLES / "declarations.csv"], counts)
             if r.ok}
    assert counts.rejected == 0
    return found


@pytest.fixture(scope="module")
def k(tmp_path_factory) -> Kordon:
    return Kordon(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('p') / 'k.db'}"))


@pytest.fixture(scope="module")
def screened(k, examples) -> dict[str, dict[str, Decision]]:
    return {p: {i: k.screen(d, p) for i, d in examples.items()} for p in PROFILES}


def hit(d: Decision, rule: str, subject: str | None = None) -> Hit:
    return next(h for h in d.hits if h.rule == rule and (subject is None or h.subject == subject))


@pytest.mark.parametrize("decl_id", sorted(EXPECTED))
def test_each_profile_gives_its_own_law_outcome(screened, decl_id):
    got = [(screened[p][decl_id].lane.value, screened[p][decl_id].action.value) for p in PROFILES]
    assert got == EXPECTED[decl_id]


def test_every_decision_records_profile_and_version(screened):
    for p in PROFILES:
        version = load_profile(p).version
        for d in screened[p].values():
            assert (d.profile, d.profile_version) == (p, version)
            for h in d.hits:
                if h.rule not in ("selection.random", "screening.error"):
                    assert h.legal_basis is not None and h.legal_basis.profile == p, (d.declaration_id, h.rule)


def test_kz_customs_never_refuses_on_a_foreign_list(screened):
    """CHPL or EU-annex membership alone: inspect or ask for an identification conclusion, never refuse."""
    foreign = [h for d in screened["kz_customs"].values() for h in d.hits if h.rule in ("goods.chpl", "goods.eu_russia", "parties.sanctions")]
    assert foreign, "the examples have CHPL and EU-annex hits"
    assert all(h.action is not Action.deny for h in foreign)
    bound = [h for h in foreign if h.rule == "goods.chpl" and h.evidence.get("bound_for") and not h.evidence.get("licence")
             and not h.evidence.get("partial")]
    assert bound and all(h.action is Action.inspect and h.legal_basis.kind == "risk_indicator" for h in bound)
    assert all("identification conclusion" in h.explanation and "no ground to refuse" in h.explanation for h in bound)


def test_kz_customs_refuses_reexport_of_foreign_goods_citing_the_measure(screened):
    d = screened["kz_customs"]["KZ-2023-EXP-0217"]
    h = hit(d, "route.foreign_origin_reexport", "items[0]")
    assert h.action is Action.deny and h.legal_basis.kind == "binding"
    assert "re-export controls" in h.legal_basis.citation and h.legal_basis.citation.endswith("(verify)")
    assert "made in DE" in h.explanation and "refuse release" in h.explanation
    # The same finding is only a risk indicator to a US person when the goods are not US-made ...
    us = hit(screened["us_person"]["KZ-2023-EXP-0217"], "route.foreign_origin_reexport", "items[0]")
    assert us.action is Action.inspect and "734.9" in us.legal_basis.citation
    # ... and a refusal under the EAR when they are.
    us_made = hit(screened["us_person"]["KZ-2023-EXP-0217"], "route.foreign_origin_reexport", "items[1]")
    assert us_made.action is Action.deny and "746.8" in us_made.legal_basis.citation


def test_kz_customs_transit_needs_a_licence(screened):
    d = screened["kz_customs"]["KZ-2023-ZHA-0014"]
    transit = hit(d, "route.transit_to_restricted")
    assert "licence" in transit.explanation and "excluded" not in transit.explanation
    assert "172-VII" in transit.legal_basis.citation
    drones = hit(d, "goods.national")
    assert "172-VII" in drones.legal_basis.citation and drones.action is Action.inspect
    assert "identification conclusion" in drones.explanation


def test_eu_exporter_cites_article_and_annex_by_category(screened):
    d = screened["eu_exporter"]["KZ-2024-EXP-0301"]  # CNC lathes made in DE for Russia
    chpl = hit(d, "goods.chpl")  # an exact CHPL code (8458.11, tier 4A): the ban applies
    assert chpl.action is Action.deny and chpl.legal_basis.citation.startswith("Council Regulation (EU) No 833/2014")
    h = hit(d, "goods.eu_russia")  # the HS6 transcription is broader than the annex's CN codes
    assert h.evidence["precision"] == "may_fall_under" and h.action is Action.inspect
    assert h.legal_basis.citation.startswith("Council Regulation (EU) No 833/2014") and "establish the CN code" in h.explanation
    kr = screened["eu_exporter"]["KZ-2023-KRK-0031"]
    helmets = hit(kr, "goods.eu_russia", "items[1]")
    assert helmets.action is Action.inspect and helmets.legal_basis.kind == "binding"


def test_eu_exporter_asks_for_the_no_russia_clause_to_third_countries(screened):
    h = hit(screened["eu_exporter"]["KZ-2024-EXP-0520"], "goods.chpl")  # microcontrollers to Uzbekistan
    assert h.action is Action.check_documents and "Art. 12g" in h.legal_basis.citation
    kz = hit(screened["kz_customs"]["KZ-2024-EXP-0520"], "goods.chpl")
    assert kz.action is None and kz.legal_basis.kind == "risk_indicator"


def test_bank_kz_names_eo14114_exposure_not_kazakh_law(screened):
    h = hit(screened["bank_kz"]["KZ-2023-EXP-0217"], "goods.chpl", "items[0]")
    assert h.action is Action.deny and h.legal_basis.kind == "exposure" and "14114" in h.legal_basis.citation
    licensed = hit(screened["bank_kz"]["KZ-2024-EXP-0488"], "goods.chpl")
    assert licensed.action is Action.inspect and "does not remove" in licensed.explanation


def test_possible_sanctions_match_is_held_under_every_profile(screened):
    """EXP-0118's consignor is a possible OFAC SDN match: held everywhere, on different grounds."""
    kinds = {}
    for p in PROFILES:
        h = hit(screened[p]["KZ-2024-EXP-0118"], "parties.sanctions")
        assert h.action is Action.inspect
        kinds[p] = h.legal_basis.kind
    assert kinds["kz_customs"] == "risk_indicator" and kinds["us_person"] == "binding" and kinds["bank_kz"] == "exposure"


def test_national_licensing_refuses_exact_entries_whatever_the_destination(k):
    arms = Declaration.model_validate({
        "id": "P-ARMS", "type": "export", "date": "2024-05-01",
        "parties": [{"role": "consignor", "name": "Steppe Arms LLP", "country": "KZ"},
                    {"role": "consignee", "name": "Buyer Co", "country": "CN"}],
        "route": {"dispatch": "KZ", "destination": "CN"},
        "items": [{"hs_code": "9302000000", "description": "revolvers"}]})
    kz = k.screen(arms, "kz_customs")
    h = hit(kz, "goods.national")
    assert kz.action is Action.deny and h.action is Action.deny and "172-VII" in h.legal_basis.citation
    assert "refuse release" in h.explanation
    licensed = k.screen(arms.model_copy(update={"items": [arms.items[0].model_copy(update={"licence": "KZ-L-1"})]}), "kz_customs")
    assert hit(licensed, "goods.national").action is Action.check_documents
    # A Kazakh licensing list binds no EU exporter: a risk indicator there, never a refusal.
    eu = hit(k.screen(arms, "eu_exporter"), "goods.national")
    assert eu.action is not Action.deny and eu.legal_basis.kind == "risk_indicator"


def test_sanctions_list_match_follows_the_user_law():
    """A full match on each list: refused only where that list is the user's law (or reaches it)."""
    def sdn_hit(list_id: str) -> Hit:
        return Hit(rule="parties.sanctions", severity=Severity.critical, subject="parties[1]", score=100,
                   explanation=f"The consignee 'X' matches 'X' on {list_id}.", action=Action.deny,
                   list=ListRef(id=list_id, version="1", entry="e-1"), evidence={"role": "consignee"})

    outcome = {(p, lst): apply_profile([sdn_hit(lst)], load_profile(p))[0] for p in PROFILES for lst in ("ofac_sdn", "eu_fsf", "uk_fcdo", "un_sc")}
    assert outcome["kz_customs", "ofac_sdn"].action is Action.inspect
    assert outcome["kz_customs", "un_sc"].action is Action.deny
    assert outcome["us_person", "ofac_sdn"].action is Action.deny and "14024" in outcome["us_person", "ofac_sdn"].legal_basis.citation
    assert outcome["us_person", "eu_fsf"].action is Action.inspect
    assert outcome["eu_exporter", "eu_fsf"].action is Action.deny and "269/2014" in outcome["eu_exporter", "eu_fsf"].legal_basis.citation
    assert outcome["eu_exporter", "ofac_sdn"].action is Action.inspect
    assert outcome["uk_exporter", "uk_fcdo"].action is Action.deny and "2019/855" in outcome["uk_exporter", "uk_fcdo"].legal_basis.citation
    assert outcome["bank_kz", "ofac_sdn"].action is Action.deny and outcome["bank_kz", "ofac_sdn"].legal_basis.kind == "exposure"


def test_applying_twice_changes_nothing_and_error_hits_stand():
    profile = load_profile("kz_customs")
    h = Hit(rule="goods.chpl", severity=Severity.critical, subject="items[0]", score=70, action=Action.deny,
            explanation="Item 1 (8542.31) is listed under 8542.31 (tier 1) on the CHPL; it is bound for RU without a licence: refuse.",
            list=ListRef(id="chpl", version="x", entry="854231"), evidence={"bound_for": ["RU"], "partial": False})
    err = Hit(rule="screening.error", severity=Severity.critical, subject="declaration", score=100, action=Action.inspect,
              explanation="Screening could not be completed.")
    once = apply_profile([h, err], profile)
    text = once[0].explanation
    again = apply_profile(once, profile)
    assert again[0].explanation == text and again[0].action is Action.inspect
    assert "refuse." not in text.split(". ", 1)[0]  # the rule's own consequence is replaced by the law's
    assert again[1].action is Action.inspect and again[1].legal_basis is None
    # Under another profile later (a re-screen after the settings changed) the first law's sentence goes.
    other = apply_profile(once, load_profile("eu_exporter"))[0]
    assert other.explanation.count("[") == 1 and "Kazakh law" not in other.explanation and other.action is Action.deny


def test_issue10_evidence_keys_are_read(k):
    """precision / illustrative / destinations from the goods rules decide, where present."""
    profile = load_profile("eu_exporter")

    def goods_hit(**ev: Any) -> Hit:
        return Hit(rule="goods.eu_russia", severity=Severity.high, subject="items[0]", score=40, action=Action.deny,
                   explanation="Item 1 (8458.11) is listed under 8458.11 (dual use) on the EU list; refuse.",
                   list=ListRef(id="eu_russia_hs6", version="x", entry="845811"),
                   evidence={"bound_for": ["RU"], "category": "dual_use", **ev})

    assert apply_profile([goods_hit(precision="exact")], profile)[0].action is Action.deny
    assert apply_profile([goods_hit(precision="may_fall_under")], profile)[0].action is Action.inspect
    # The measure covers Belarus only: not bound for a covered destination, so no refusal.
    assert apply_profile([goods_hit(precision="exact", destinations=["BY"])], profile)[0].action is not Action.deny
    kz = load_profile("kz_customs")
    nat = Hit(rule="goods.national", severity=Severity.high, subject="items[0]", score=60, action=Action.deny,
              explanation="Item 1 is listed; refuse.", list=ListRef(id="kz_national", version="x", entry="8806"),
              evidence={"bound_for": ["RU"], "precision": "exact", "illustrative": True})
    assert apply_profile([nat], kz)[0].action is Action.inspect


def test_bundled_profiles_are_complete():
    assert bundled_profile_names() == sorted(PROFILES)
    for name in PROFILES:
        p = load_profile(name)
        assert p.version and p.provenance and p.acts
        for prov in p.provisions:
            citation = p.citation(prov.act, prov.article, prov.verify)
            assert citation and (prov.action != Action.deny or prov.kind != "risk_indicator")


GOOD = """id: mine
version: "1"
title: t
label: Mine
jurisdiction: KZ
user: u
provenance: p
action_words: {release: r, check_documents: c, inspect: i, deny: d}
foreign_lists: [chpl]
acts:
  law: {title: A law}
provisions:
  - rule: goods.chpl
    action: inspect
    kind: risk_indicator
    act: law
    says: hold it
default:
  act: law
  says: indicator
"""


@pytest.mark.parametrize("bad, message", [
    (GOOD.replace("    action: inspect\n    kind: risk_indicator", "    action: deny\n    kind: risk_indicator"),
     "mine.yaml:13: provisions.0: Value error, a provision that refuses (action: deny) needs a legal basis"),
    (GOOD.replace("    kind: risk_indicator\n    act: law\n    says: hold it", "    kind: binding\n    act: law\n    says: hold it")
     .replace("  - rule: goods.chpl\n", "  - rule: goods.chpl\n    when: {list: chpl}\n"), "cites ['chpl'] as binding law"),
    (GOOD.replace("act: law\n    says", "act: nolaw\n    says"), "act 'nolaw' is not among the profile's acts"),
    (GOOD.replace("says: hold it", "says: hold {who}"), "unknown placeholder {who}"),
    (GOOD.replace("    action: inspect\n", "    action: inspect\n    when: {colour: red}\n"), "provisions.0.when.colour: Extra inputs are not permitted"),
    (GOOD.replace("rule: goods.chpl", "rule: goods.nothing"), "mine.yaml:13: unknown rule id(s) ['goods.nothing']"),
    (GOOD.replace("id: mine", "id: Mine!"), "mine.yaml:1: id: Value error"),
])
def test_bad_profiles_are_refused_with_file_line_and_reason(bad, message):
    from kordon.screen.registry import RULES

    with pytest.raises(ListFileError) as exc:
        parse_profile(bad, "mine.yaml", set(RULES))
    assert message in str(exc.value)


def test_unknown_profile_name_lists_the_bundled_ones(tmp_path):
    with pytest.raises(ListFileError, match="bundled profiles: bank_kz, eu_exporter"):
        read_profile("de_customs")
    with pytest.raises(ListFileError, match="cannot read the profile file"):
        read_profile(str(tmp_path / "missing.yaml"))


def test_replay_pins_the_profile_and_its_version(tmp_path, examples):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    mine = tmp_path / "mine.yaml"
    text = (ROOT / "src/kordon/data/profiles/eu_exporter.yaml").read_text(encoding="utf-8")
    mine.write_text(text.replace('id: eu_exporter\nversion: "2026.12.1"', 'id: eu_mine\nversion: "7"'), encoding="utf-8")
    writer = Kordon(Settings(database_url=db, profile=str(mine)))
    stored = writer.screen_and_record(examples["KZ-2023-TRN-0102"])
    assert (stored.decision.profile, stored.decision.profile_version, stored.decision.action) == ("eu_mine", "7", Action.deny)
    # The file changes afterwards (a new version that no longer refuses); the settings now say kz_customs.
    mine.write_text(text.replace('id: eu_exporter\nversion: "2026.12.1"', 'id: eu_mine\nversion: "8"')
                    .replace("action: deny", "action: inspect"), encoding="utf-8")
    reader = Kordon(Settings(database_url=db))
    result = reader.replay("KZ-2023-TRN-0102")
    assert result.identical and result.decision.profile == "eu_mine" and result.decision.profile_version == "7"
    # The same version label with other content is refused when recording.
    mine.write_text(text.replace('id: eu_exporter\nversion: "2026.12.1"', 'id: eu_mine\nversion: "7"')
                    .replace("action: deny", "action: inspect"), encoding="utf-8")
    from kordon.decide import profiles as dp

    dp._LOADED.clear()
    again = Kordon(Settings(database_url=db, profile=str(mine)))
    with pytest.raises(ListFileError, match="already on record with other content"):
        again.screen_and_record(examples["KZ-2024-EXP-0601"])


def test_old_decisions_without_a_profile_replay_without_one(tmp_path, examples):
    db = f"sqlite:///{tmp_path / 'o.db'}"
    old = Kordon(Settings(database_url=db, profile=None))
    stored = old.screen_and_record(examples["KZ-2023-TRN-0102"])
    assert stored.decision.profile is None and all(h.legal_basis is None for h in stored.decision.hits)
    assert Kordon(Settings(database_url=db)).replay("KZ-2023-TRN-0102").identical


def test_cli_screen_profile_option_and_rules_print_the_profile(tmp_path):
    import json
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kordon", *args], check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300)

    proc = run("screen", str(EXAMPLES / "declarations.jsonl"), "--no-store", "--format", "jsonl", "--profile", "uk_exporter")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["profile"] for r in rows} == {"uk_exporter"}
    bad = run("screen", str(EXAMPLES / "declarations.jsonl"), "--no-store", "--profile", "nowhere")
    assert bad.returncode == 2 and "unknown profile 'nowhere'" in bad.stderr
    rules = run("rules")
    assert rules.returncode == 0 and "profile: kz_customs version" in rules.stdout
    (tmp_path / "k.yaml").write_text("profile: bank_kz\n", encoding="utf-8")
    rules = run("rules", "--config", str(tmp_path / "k.yaml"))
    assert "profile: bank_kz version" in rules.stdout and "14114" in rules.stdout


def test_snt_verification_reasons_follow_the_profile():
    """EAEU document verification hands its own findings to apply_profile: Kazakh re-export controls refuse."""
    def reason(code: str) -> Hit:
        return Hit(rule=code, severity=Severity.critical, subject="snt", score=100, explanation="Row 1 traces to DT 1, origin DE.")

    kz = apply_profile([reason("origin.prohibiting_state"), reason("chain.origin_traced")], load_profile("kz_customs"))
    assert [h.action for h in kz] == [Action.deny, Action.inspect]
    assert all("re-export controls" in h.legal_basis.citation for h in kz)
    eu = apply_profile([reason("origin.prohibiting_state")], load_profile("eu_exporter"))[0]
    assert eu.action is not Action.deny and eu.legal_basis.kind == "risk_indicator"
