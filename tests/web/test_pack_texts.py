"""Texts from the packs in the officer's language: every rule and every profile has its Russian and Kazakh texts,
and every hit and EAEU reason the examples produce is explained in Russian and Kazakh without English left in it."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import yaml

pytest.importorskip("babel")

from kordon.ingest.errors import ListFileError  # noqa: E402
from kordon.ingest.profiles import bundled_profile_names, parse_profile, read_profile  # noqa: E402
from kordon.ingest.rule_pack import bundled_rule_pack  # noqa: E402
from kordon.interfaces.web import explain, i18n, present  # noqa: E402

LANGS = ("ru", "kk")
# Proper names kept in English in the Russian and Kazakh texts (the US lists are known by them), and Latin terms.
KEPT = ("Entity List", "Denied Persons", "de minimis", "kordon", "FinCEN")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]*[a-z][A-Za-z]*\b")


def _pack_rules() -> dict[str, dict[str, Any]]:
    return present.pack_rules(bundled_rule_pack())


def test_every_rule_has_russian_and_kazakh_texts_and_templates_that_compile():
    rules = _pack_rules()
    eaeu = yaml.safe_load((resources.files("kordon") / "data" / "eaeu" / "rules.yaml").read_text(encoding="utf-8"))["rules"]
    assert set(bundled_rule_pack().rules) | {r["id"] for r in eaeu} <= set(rules)
    missing = [f"{rid}: {key}_{lang}" for rid, raw in rules.items() for key in ("title", "rationale", "explanation")
               for lang in LANGS if not str(raw.get(f"{key}_{lang}") or "").strip()]
    assert not missing, missing
    for rid, raw in rules.items():
        for lang in LANGS:
            explain._compiled(raw[f"explanation_{lang}"])  # a syntax error in a pack template fails here, not on a page
            assert raw[f"rationale_{lang}"] != raw["rationale"], (rid, lang)


@pytest.mark.parametrize("name", bundled_profile_names())
def test_every_profile_has_russian_and_kazakh_texts(name):
    profile = read_profile(name)
    for lang in LANGS:
        assert profile.missing_texts(lang) == [], (name, lang)
        with i18n_lang(lang):
            assert re.search("[а-яәіңғүұқөһ]", profile.localized(profile, "title", lang), re.I)


def test_a_translation_that_loses_or_invents_a_placeholder_is_refused_with_its_line():
    text = (resources.files("kordon") / "data" / "profiles" / "kz_customs.yaml").read_text(encoding="utf-8")
    lost = text.replace('says_ru: "проверить, что казахстанская лицензия {licence} покрывает',
                        'says_ru: "проверить, что казахстанская лицензия покрывает', 1)
    assert lost != text
    with pytest.raises(ListFileError, match=r"mine\.yaml:\d+: .*says_ru uses placeholders \[\] but the English text uses \['licence'\]"):
        parse_profile(lost, "mine.yaml")
    invented = text.replace("покрывает эти товары, эту операцию", "покрывает {goods}, эту операцию", 1)
    with pytest.raises(ListFileError, match="says_ru uses placeholders"):
        parse_profile(invented, "mine.yaml")
    words = text.replace('  deny: "отказ в выпуске"\naction_words_kk:', "action_words_kk:", 1)
    with pytest.raises(ListFileError, match="action_words_ru.*no wording for action"):
        parse_profile(words, "mine.yaml")


class i18n_lang:  # noqa: N801 - reads as a phrase at the call site
    def __init__(self, lang: str):
        self.lang = lang

    def __enter__(self) -> None:
        self.before = i18n.current()
        i18n.activate(self.lang)

    def __exit__(self, *exc: object) -> None:
        i18n.activate(self.before)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _english_left(text: str, values: list[str]) -> list[str]:
    """Latin words with lower-case letters left once the hit's own data (names, descriptions, ids) is taken out."""
    values = values + [v[:39] for v in values]  # descriptions are cut at 40 characters ("…")
    values += [v.split(" ", 1)[1] for v in values if " " in v]  # "address 'Abay 1'": the data after the kind
    for v in sorted({v for v in values if v and len(v) > 1}, key=len, reverse=True):
        text = text.replace(v, " ")
    for kept in KEPT:
        text = text.replace(kept, " ")
    return [w for w in ENGLISH_WORD.findall(text) if len(w) >= 3]


@pytest.fixture(scope="module")
def stored(app_client):
    """Every declaration and decision of the demo store (examples, synthetic traffic, the EAEU DTs), and the
    latest verdict on every SNT of the EAEU examples."""
    from sqlalchemy import select

    from kordon.record.documents import VerdictRow
    from kordon.record.tables import DecisionRow, DeclarationRow

    _client, store, _secrets = app_client
    with store.session() as s:
        decls = {(r.declaration_id, r.version): r.body for r in s.scalars(select(DeclarationRow))}
        decisions = [(r.declaration_id, r.declaration_version, r.body) for r in s.scalars(select(DecisionRow))]
        verdicts = [r.body for r in s.scalars(select(VerdictRow))]
    return decls, decisions, verdicts


def _profiles() -> dict[str, Any]:
    from kordon.decide.profiles import load_profile

    return {name: load_profile(name) for name in bundled_profile_names()}


@pytest.mark.parametrize("lang", LANGS)
def test_every_hit_over_the_examples_is_explained_without_english(stored, lang):
    """Each rule that fired over the examples and the synthetic traffic, under the profile it was decided by and read
    under every other bundled profile: the finding comes from the rule's template and the consequence from the
    profile's provision in the language, with nothing of the English left but the hit's own data."""
    from kordon.decide.profiles import apply_profile
    from kordon.models import Hit

    decls, decisions, _ = stored
    rules = bundled_rule_pack()
    raw = _pack_rules()
    profiles = _profiles()
    fired: set[str] = set()
    provisions: set[tuple[str, int]] = set()
    with i18n_lang(lang):
        for decl_id, version, decision in decisions:
            decl = decls[(decl_id, version)]
            readings = [(profiles.get(decision.get("profile") or ""), decision.get("hits", []))]
            for name, profile in profiles.items():
                if name != decision.get("profile"):
                    hits = apply_profile([Hit.model_validate(h) for h in decision.get("hits", [])], profile)
                    readings.append((profile, [h.model_dump(mode="json") for h in hits]))
            for profile, hits in readings:
                for hit in hits:
                    rule = hit["rule"]
                    text = explain.explain_hit(rules, hit, decl, profile, "KZ")
                    if rule in ("selection.random", "screening.error"):
                        assert text != hit["explanation"]
                        continue
                    fired.add(rule)
                    params = explain.hit_params(hit, decl, "KZ")
                    assert explain.render_finding(raw[rule], params, "\0") != "\0", (rule, hit["evidence"])
                    if hit.get("legal_basis"):
                        p = explain.provision_for(profile, hit)
                        assert p is not None, (profile.id, rule, hit["legal_basis"])
                        provisions.add((profile.id, getattr(p, "line", 0)))
                    assert text != hit["explanation"], (rule, text)
                    values = _strings(hit.get("evidence")) + _strings(hit.get("list")) + _strings(decl.get("items")) \
                        + _strings(decl.get("parties"))
                    left = _english_left(text, values)
                    assert not left, (lang, rule, left, text)
    # The examples exercise the goods, route, party, code and red-flag rules, and many provisions of every profile.
    assert {"goods.chpl", "goods.eu_russia", "goods.national", "parties.sanctions", "route.restricted_destination",
            "goods.code_valid"} <= fired, sorted(fired)
    assert len(fired) >= 15, sorted(fired)
    assert {pid for pid, _ in provisions} == set(profiles), provisions


@pytest.mark.parametrize("lang", LANGS)
def test_every_eaeu_reason_over_the_examples_is_explained_without_english(stored, lang):
    pytest.importorskip("pyarrow", reason="the EAEU documents need the trade extra")
    _, _, verdicts = stored
    rules = bundled_rule_pack()
    profiles = _profiles()
    codes: set[str] = set()
    with i18n_lang(lang):
        for verdict in verdicts:
            profile = profiles.get(verdict.get("profile") or "")
            for reason in verdict.get("reasons", []):
                text = explain.explain_reason(rules, reason, None, profile)
                codes.add(reason["code"])
                assert text != reason["explanation"], (reason["code"], text)
                left = _english_left(text, _strings(reason.get("evidence")))
                assert not left, (lang, reason["code"], left, text)
    assert {"documents.mismatch", "balance.insufficient", "origin.prohibiting_state", "chain.origin_traced"} <= codes, codes
    assert any(c.startswith("chain.") and c != "chain.origin_traced" for c in codes), codes


def test_english_is_the_recorded_text_and_a_rule_without_template_falls_back_to_it():
    hit = {"rule": "goods.chpl", "explanation": "Item 1 is listed.", "evidence": {"hs_code": "854231"}, "subject": "items[0]"}
    rules = bundled_rule_pack()
    with i18n_lang("en"):
        assert explain.explain_hit(rules, hit, None, None, "KZ") == "Item 1 is listed."
    with i18n_lang("ru"):
        assert explain.render_finding(None, {}, "recorded") == "recorded"
        assert explain.render_finding({"explanation_ru": "{{ ev.x.y.z|code }} {% if %}"}, {"ev": {}}, "recorded") == "recorded"
        # A template may not reach outside its evidence (the pack is data a site may supply).
        assert explain.render_finding({"explanation_ru": "{{ ev.__class__.__mro__ }}"}, {"ev": {}}, "recorded") == "recorded"


# Rules the demo traffic does not trigger (they need a trade history, a price table or odd codes), with evidence
# of the shape their code writes (kordon/screen/goods.py, redflags/*.py, parties.py): their templates must render
# every branch in Russian and Kazakh, never fall back, and leave no English.
RARE: list[tuple[str, str | None, dict[str, Any]]] = [
    ("goods.code_valid", "items[0]", {"hs_code": "9999999999", "status": "unknown", "edition_in_force": "HS2022",
                                      "declared_edition": None, "declaration_date": "2024-05-01"}),
    ("goods.code_valid", "items[0]", {"hs_code": "852580", "status": "other_edition", "edition_in_force": "HS2022",
                                      "declared_edition": None, "declaration_date": "2024-05-01", "successors": ["852581", "852589"]}),
    ("goods.code_valid", "items[0]", {"hs_code": "8525891234", "status": "national_unknown", "edition_in_force": "HS2022",
                                      "declared_edition": None, "declaration_date": "2024-05-01"}),
    ("declaration.date_gap", "declaration", {"declared_date": "2024-01-01", "lodged_on": "2024-03-01", "gap_days": 60, "max_days": 30}),
    ("declaration.date_gap", "declaration", {"declared_date": "2024-03-10", "screened_on": "2024-03-01", "gap_days": -9, "max_days": 30}),
    ("parties.shared_identifier_or_address", "parties[0]", {"role": "consignee", "party": "Vostok Trade", "shared": "address 'Almaty, Abay 1'",
                                                            "listed_entity": "VOSTOK LLC"}),
    ("parties.shared_identifier_or_address", "parties[0]", {"role": "consignee", "party": "Vostok Trade", "shared": "identifier bin:180840018185",
                                                            "listed_entity": "VOSTOK LLC"}),
    ("description.misfit", "items[0]", {"hs_code": "8471.30", "description": "Shoes, leather", "declared_heading": "8471",
                                        "evidence_for_declared": 0, "best_heading": "6403", "evidence_for_best": 2, "threshold": 2}),
    ("description.vague", "items[0]", {"description": "запчасти", "hs_code": "8708.99", "listed_code": None, "lexicon_version": "1"}),
    ("description.lexicon", "items[0]", {"description": "игрушка дрон", "matched": "дрон", "category": "uav", "hs_code": "9503.00",
                                         "expected_codes": ["8806", "8807", "8525"], "lexicon_version": "1"}),
    ("value.unit_value", "items[0]", {"hs6": "854231", "basis": "unit:pcs", "currency": "USD", "direction": "above", "unit_value": 120.5,
                                      "reference_low": 1, "reference_high": 10, "reference": "price table 2024"}),
    ("value.unit_value", "items[0]", {"hs6": "854231", "basis": "kg", "currency": "USD", "direction": "below", "unit_value": 0.5,
                                      "median": 12.5, "robust_z": -4.2, "observations": 40}),
    ("party.third_country_payer", "payment", {"payer_country": "AE", "route_countries": ["KZ", "RU"], "party_countries": ["KZ"]}),
    ("party.outside_line", "parties[0]", {"party": "Mebel Import", "chapter": "85", "usual_chapters": ["94", "44"], "declarations": 12}),
    ("chain.reexport", "items[0]", {"hs6": "854231", "party": "Mebel Import", "imports": [{"declaration": "a", "date": "2024-01-01", "amount": 5}],
                                    "imported": 100, "exported_before": 20, "balance": 80, "related_parties": True, "bound_for": ["RU"],
                                    "window_days": 90}),
    ("chain.structuring", "declaration", {"consignments": ["a", "b", "c"], "total": 30000, "threshold": 10000, "currency": "USD",
                                          "window_days": 30}),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("rule", "subject", "evidence"), RARE, ids=[f"{r}-{i}" for i, (r, _s, _e) in enumerate(RARE)])
def test_rules_the_examples_do_not_trigger_render_every_branch(rule, subject, evidence, lang):
    decl = {"items": [{"hs_code": "8471300000", "description": "Shoes, leather"}],
            "parties": [{"role": "consignee", "name": "Vostok Trade", "country": "RU"}]}
    hit = {"rule": rule, "subject": subject, "severity": "high", "action": "inspect", "evidence": evidence,
           "list": {"id": "ofac_sdn", "version": "1", "entry": "ofac-1"}, "explanation": "English"}
    with i18n_lang(lang):
        text = explain.render_finding(_pack_rules()[rule], explain.hit_params(hit, decl, "KZ"), "\0")
        assert text != "\0" and len(text) > 20, text
        assert not _english_left(text, _strings(evidence) + _strings(decl) + _strings(hit["list"])), text


@pytest.mark.parametrize("lang", LANGS)
def test_every_snt_verdict_basis_has_russian_and_kazakh_text(lang):
    """The SNT verdict table's bases (what the SNT page cites under each reason) exist in the officer's language."""
    import yaml
    from importlib import resources

    from kordon.screen.documents.context import verdict_table_texts

    table = yaml.safe_load((resources.files("kordon") / "data" / "eaeu" / "verdicts.yaml").read_text(encoding="utf-8"))
    texts = verdict_table_texts(lang)
    for name, profile in table["profiles"].items():
        for code, entry in profile["findings"].items():
            said = texts.get(" ".join(entry["basis"].split()))
            assert said and said != entry["basis"], (name, code, lang)
