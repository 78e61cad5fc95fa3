"""Declaration format v1.

A declaration is what a trader lodges with customs: who ships what, by which route.
Unknown extra fields are kept and passed through (``extra="allow"``) so that a
customs system can send its own fields without kordon rejecting the record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from kordon.models.codes import normalise_country, normalise_hs

FORMAT_VERSION = "1"

Country = Annotated[str, AfterValidator(normalise_country)]
HSCode = Annotated[str, BeforeValidator(lambda v: normalise_hs(v) if isinstance(v, (str, int)) else v)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class DeclarationType(str, Enum):
    export = "export"
    transit = "transit"
    re_export = "re-export"
    import_ = "import"


class PartyRole(str, Enum):
    consignor = "consignor"
    consignee = "consignee"
    declarant = "declarant"
    carrier = "carrier"
    end_user = "end_user"
    payer = "payer"
    manufacturer = "manufacturer"
    notify = "notify"


class Party(_Open):
    role: PartyRole
    name: str = Field(min_length=1, max_length=1000)
    country: Country
    address: str | None = None
    identifiers: dict[str, str] = Field(
        default_factory=dict,
        description="Registry numbers by scheme, e.g. {'bin': '...', 'inn': '...', 'ogrn': '...', 'imo': '...', 'lei': '...'}",
    )

    @field_validator("identifiers", mode="before")
    @classmethod
    def _identifiers_as_text(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k).strip().lower(): str(v).strip() for k, v in value.items() if v not in (None, "")}
        return value


class Route(_Open):
    origin: Country | None = Field(None, description="Country where the goods were produced, when declared for the whole consignment")
    dispatch: Country = Field(description="Country the consignment leaves from")
    transit: list[Country] = Field(default_factory=list, description="Countries crossed, in order")
    destination: Country


class Item(_Open):
    hs_code: HSCode = Field(description="HS / TN VED code, 4 to 10 digits; '8542.31.000' and '8542 31' are accepted")
    description: str = Field(min_length=1, max_length=4000)
    origin: Country | None = None
    quantity: Decimal | None = Field(None, ge=0)
    unit: str | None = None
    net_mass_kg: Decimal | None = Field(None, ge=0)
    value: Decimal | None = Field(None, ge=0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    licence: str | None = Field(None, description="Export / transit licence or permit number covering this item")

    @field_validator("licence", "unit", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("currency", mode="before")
    @classmethod
    def _upper_currency(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().upper() or None
        return value


class Document(_Open):
    type: str
    number: str
    issuer: str | None = None


class Payment(_Open):
    payer_country: Country
    bank: str | None = None


# The syntax of a declaration id, everywhere (files, API bodies and paths, CLI arguments).
DECLARATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
DECLARATION_ID_MAX = 128


class Declaration(_Open):
    """One customs declaration: export, transit, re-export or import."""

    id: str = Field(
        min_length=1, max_length=DECLARATION_ID_MAX, pattern=DECLARATION_ID_PATTERN,
        description="Declaration number: letters A-Z a-z, digits and . _ : - (starting with a letter or digit), at most "
                    "128 characters; no '/' (write a DT number 55201/201124/0012345 as 55201-201124-0012345)")
    type: DeclarationType
    date: dt.date
    lodged_at: dt.datetime | None = Field(
        None, description="When the declaration was lodged with customs; decides which list versions are in force "
                          "(without it, the time of screening does). A declared date far from it is a finding."
    )
    customs_office: str | None = None
    hs_edition: Literal["HS2017", "HS2022"] | None = Field(
        None, description="HS edition of the item codes; by default the edition in force on the declaration date"
    )
    parties: list[Party] = Field(default_factory=list)
    route: Route
    items: list[Item] = Field(min_length=1)
    documents: list[Document] = Field(default_factory=list)
    payment: Payment | None = None

    @model_validator(mode="after")
    def _route_is_consistent(self) -> "Declaration":
        if self.type is DeclarationType.transit and self.route.dispatch == self.route.destination:
            raise ValueError("a transit declaration cannot have the same dispatch and destination country")
        return self

    def parties_with_role(self, *roles: PartyRole) -> list[tuple[int, Party]]:
        return [(i, p) for i, p in enumerate(self.parties) if p.role in roles]
