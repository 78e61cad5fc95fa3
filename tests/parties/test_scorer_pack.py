"""A site rule pack re-weighs the party scorer (params.scorer); bad values stop with the key named."""

import pytest

from kordon.config import Settings
from kordon.index.party_features import DEFAULTS, ScorerConfigError, scorer_config, use_scorer, validate_scorer
from kordon.models import Declaration
from kordon.screen import build_context, screen_declaration

SITE = """\
version: "site-1"
rules:
  - id: parties.sanctions
    title: Party on a sanctions list
    weight: 100
    rationale: Site pack that punishes a differing country harder.
    source: site
    params:
      match: 0.9
      possible: 0.5
      scorer:
        weights:
          country_mismatch: {value}
"""


@pytest.fixture(autouse=True)
def shipped_scorer_after():
    yield
    use_scorer(None)  # the scorer values are process-wide: leave the shipped ones for other tests


def _decl(country):
    return Declaration.model_validate({
        "id": "D1", "type": "export", "date": "2026-11-20",
        "parties": [{"role": "consignee", "name": "ТОО «Да Груп 22»", "country": country}],
        "route": {"dispatch": "KZ", "destination": "KG"},
        "items": [{"hs_code": "940360", "description": "wooden office furniture"}],
    })


def _top_score(tmp_path, pack_text):
    site = tmp_path / "site.yaml"
    site.write_text(pack_text, encoding="utf-8")
    ctx = build_context(Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}", profile=None, rules=[str(site)]))
    d = screen_declaration(_decl("DE"), ctx)
    hits = [h for h in d.hits if h.rule == "parties.sanctions"]
    return hits[0].evidence["candidates"][0]["score"] if hits else 0.0


def test_site_pack_weights_change_the_score(tmp_path):
    shipped = _top_score(tmp_path, SITE.format(value=DEFAULTS["weights"]["country_mismatch"]))
    harsher = _top_score(tmp_path, SITE.format(value=-0.4))
    assert shipped >= 0.9 and harsher == pytest.approx(shipped - DEFAULTS["weights"]["country_mismatch"] - 0.4, abs=0.01)
    assert scorer_config()["weights"]["country_mismatch"] == -0.4


@pytest.mark.parametrize("value,says", [
    ("'heavy'", "country_mismatch: 'heavy' is not a number"),
    ("-3", "outside [-1, 1]"),
    ("true", "True is not a number"),
])
def test_bad_value_is_refused_with_its_key(tmp_path, value, says):
    before = dict(scorer_config()["weights"])
    with pytest.raises(ScorerConfigError, match="site.yaml.*params.scorer.weights.country_mismatch") as exc:
        _top_score(tmp_path, SITE.format(value=value))
    assert says in str(exc.value)
    assert scorer_config()["weights"] == before  # a refused block leaves the values in force unchanged


@pytest.mark.parametrize("block,says", [
    ({"weights": {"contry_match": 0.1}}, "unknown key 'contry_match'"),
    ({"wieghts": {}}, "unknown key 'wieghts'"),
    ({"name": {"vowel_variant": 1.5}}, "name.vowel_variant: 1.5 is outside [0, 1]"),
    ({"name": ["vowel_variant"]}, "name: must be a mapping"),
    ("strict", "must be a mapping"),
])
def test_validation_names_what_is_wrong(block, says):
    with pytest.raises(ScorerConfigError, match=says.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        validate_scorer(block, "site.yaml params.scorer")


def test_partial_block_keeps_the_other_shipped_values():
    cfg = validate_scorer({"weights": {"birth_date_mismatch": -0.3}})
    assert cfg["weights"]["birth_date_mismatch"] == -0.3
    assert {k: v for k, v in cfg["weights"].items() if k != "birth_date_mismatch"} == \
        {k: v for k, v in DEFAULTS["weights"].items() if k != "birth_date_mismatch"}
