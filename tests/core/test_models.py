import pytest
from pydantic import ValidationError

from kordon.models.codes import normalise_country, normalise_hs
from tests.core.helpers import decl, item


@pytest.mark.parametrize("raw, digits", [("8542.31.000", "854231000"), ("8542 31", "854231"), ("8806", "8806"),
                                         ("8542319090", "8542319090"), (" 8471.50 ", "847150"), ("8542-31", "854231")])
def test_hs_code_forms_are_accepted(raw, digits):
    assert normalise_hs(raw) == digits


@pytest.mark.parametrize("raw", ["85", "85423190901", "85A2", "", "８５４２"])
def test_malformed_hs_codes_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_hs(raw)


def test_country_codes_are_iso_alpha2():
    assert normalise_country("kz") == "KZ"
    for bad in ("RUS", "XX", "", "R"):
        with pytest.raises(ValueError):
            normalise_country(bad)


def test_unknown_fields_are_kept():
    d = decl(contract_ref="C-77", items=[item("8542.31", "chips", batch="B1")])
    dumped = d.model_dump(mode="json")
    assert dumped["contract_ref"] == "C-77"
    assert dumped["items"][0]["batch"] == "B1"
    assert d.items[0].hs_code == "854231"


def test_declaration_needs_items_and_known_type():
    with pytest.raises(ValidationError):
        decl(items=[])
    with pytest.raises(ValidationError):
        decl(type="smuggling")


def test_identifier_values_become_text():
    d = decl(parties=[{"role": "consignor", "name": "A", "country": "KZ", "identifiers": {"BIN": 180340021234, "inn": None}}])
    assert d.parties[0].identifiers == {"bin": "180340021234"}
