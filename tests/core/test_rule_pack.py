import pytest

from kordon.ingest.errors import ListFileError
from kordon.ingest.rule_pack import bundled_rule_pack, parse_rule_pack
from kordon.screen.registry import RULES

GOOD = """version: t1
rules:
  - id: route.diversion_hub
    title: Hub
    weight: 20
    rationale: because
    source: OTSI 2025
"""


def test_bundled_pack_is_valid_and_complete():
    pack = bundled_rule_pack(set(RULES))
    for spec in pack.rules.values():
        assert spec.source and spec.rationale and 0 <= spec.weight <= 100
    assert {"goods.chpl", "goods.eu_russia", "goods.national", "route.transit_restricted"} <= set(pack.rules)


def test_a_later_pack_overrides_weights():
    pack = bundled_rule_pack(set(RULES)).merged(parse_rule_pack(GOOD, "mine.yaml", set(RULES)))
    assert pack.rules["route.diversion_hub"].weight == 20 and pack.rules["goods.chpl"].weight > 0


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("route.diversion_hub", "route.teleport"), "mine.yaml:3: unknown rule id 'route.teleport'"),
    (GOOD.replace("weight: 20", "weight: 250"), "mine.yaml:3: rule 'route.diversion_hub' has weight 250"),
    (GOOD.replace("weight: 20", "weight: heavy"), "has weight 'heavy'"),
    (GOOD.replace("    source: OTSI 2025\n", ""), "mine.yaml:3: rule 'route.diversion_hub' has no 'source'"),
    (GOOD.replace("version: t1\n", ""), "field 'version' is missing"),
    ("version: 1\nrules: [\n", "mine.yaml:3: not valid YAML"),
])
def test_bad_rule_pack_names_file_and_line(text, message):
    with pytest.raises(ListFileError) as exc:
        parse_rule_pack(text, "mine.yaml", set(RULES))
    assert message in str(exc.value)
