from __future__ import annotations

import pytest

from kordon.ingest.errors import ListFileError
from kordon.ingest.rule_pack import bundled_rule_pack, parse_rule_pack
from kordon.screen.registry import RULES

REDFLAG_RULES = {"description.misfit", "description.vague", "description.lexicon", "value.unit_value", "party.new",
                 "party.intermediary_consignee", "party.third_country_payer", "party.outside_line", "chain.amended_route",
                 "chain.reexport", "chain.structuring"}


def test_bundled_pack_has_every_redflag_with_source():
    pack = bundled_rule_pack(set(RULES))
    assert REDFLAG_RULES <= set(pack.rules)
    for rid in REDFLAG_RULES:
        assert pack.rules[rid].source and pack.rules[rid].rationale and 0 < pack.rules[rid].weight <= 100


GOOD = """version: "t"
rules:
  - id: description.vague
    title: Vague
    weight: 25
    rationale: r
    source: s
"""


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace("description.vague", "description.nonexistent"), r"pack.yaml:3: unknown rule id 'description.nonexistent'"),
    (GOOD.replace("weight: 25", "weight: 250"), r"pack.yaml:3: rule 'description.vague' has weight 250"),
    (GOOD.replace("weight: 25", "weight: heavy"), r"pack.yaml:3: .*weight 'heavy'"),
    (GOOD.replace("    source: s\n", ""), r"pack.yaml:3: rule 'description.vague' has no 'source'"),
])
def test_bad_pack_names_file_and_line(broken, message):
    with pytest.raises(ListFileError, match=message):
        parse_rule_pack(broken, "pack.yaml", set(RULES))


def test_later_pack_overrides_weight():
    pack = bundled_rule_pack(set(RULES)).merged(parse_rule_pack(GOOD.replace("weight: 25", "weight: 5"), "mine.yaml", set(RULES)))
    assert pack.rules["description.vague"].weight == 5
