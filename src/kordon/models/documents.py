"""EAEU mutual-trade documents as kordon reads them: DT (import declaration), ESF (electronic invoice)
and SNT (accompanying invoice for goods), one JSON object per line with a ``kind``.

The field names are the official ones where the official form has one (see docs/eaeu.md and
shared/formats/eaeu-documents.md). Unknown fields are kept (``extra="allow"``) so a system can send
the rest of its form without kordon rejecting the document. These models are the single source of
truth for the shape: the JSON Schema and the API's OpenAPI document come from them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from kordon.index.identifiers import kz_bin_iin_valid
from kordon.models.codes import normalise_country, normalise_hs

_hs = lru_cache(maxsize=100_000)(normalise_hs)  # a few thousand codes recur on millions of rows
_country = lru_cache(maxsize=1_000)(normalise_country)
Country = Annotated[str, AfterValidator(_country)]  # the cache itself as validator: no Python frame per value
Code = Annotated[str, BeforeValidator(lambda v: _hs(v) if isinstance(v, (str, int)) else v)]


RowRef = str | None


def _tin(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:012d}"
    return value.strip() if isinstance(value, str) else value


Tin = Annotated[str | None, BeforeValidator(_tin)]


@lru_cache(maxsize=500_000)
def _tin_problem(tin: str) -> str | None:
    """What is wrong with a Kazakh BIN/IIN, or None (the same taxpayers recur on document after document)."""
    if not (len(tin) == 12 and tin.isdigit()):
        return f"tin: a Kazakh BIN/IIN has 12 digits, got {tin!r}"
    if not kz_bin_iin_valid(tin):
        return f"tin: BIN/IIN {tin!r} fails its check digit"
    return None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class DocParty(_Open):
    tin: Tin = Field(None, description="Kazakh BIN/IIN (12 digits, check digit verified); foreign parties may have none")
    name: str = Field(min_length=1, max_length=1000)
    country: Country | None = None
    countryCode: Country | None = None

    @model_validator(mode="after")
    def _kazakh_tin(self) -> DocParty:
        # A Kazakh BIN/IIN is checked; a foreign party's own number (a Kyrgyz INN has 14 digits) is kept as given.
        if self.tin and (self.countryCode or self.country) in (None, "KZ"):
            problem = _tin_problem(self.tin)
            if problem:
                raise ValueError(problem)
        return self

    @property
    def country_code(self) -> str | None:
        return self.countryCode or self.country


class DTItem(_Open):
    number: int = Field(ge=1, description="Item number in the declaration")
    codeTNVED: Code
    description: str = Field("", max_length=4000)
    originCountry: Country = Field(description="Country of origin: the only document that fixes it for foreign goods")
    quantity: float = Field(ge=0, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=50)
    netWeight: float | None = Field(None, ge=0)
    customsValue: float | None = Field(None, ge=0)
    currency: str | None = None


class DT(_Open):
    kind: Literal["dt"]
    number: str = Field(min_length=1, max_length=100, description="Declaration number, e.g. 50508/120323/0012345")
    date: dt.date
    procedure: str | None = None
    declarant: DocParty
    consignor: DocParty | None = None
    consignee: DocParty | None = None
    items: list[DTItem] = Field(min_length=1)

    @property
    def id(self) -> str:
        return self.number

    @property
    def receiver(self) -> DocParty:
        """The taxpayer whose stock the goods enter: the consignee when it is a Kazakh taxpayer, else the declarant."""
        if self.consignee is not None and self.consignee.tin:
            return self.consignee
        return self.declarant


class ESFProduct(_Open):
    """A product row. On an additional invoice (ADDITIONAL_INVOICE) the quantity and amounts are the change against
    the invoice it adds to, and may be negative (goods returned, a quantity reduced)."""

    rowNumber: int = Field(ge=1)
    truOriginCode: str | None = Field(None, max_length=10, coerce_numbers_to_str=True,
                                      description="Origin sign declared by the seller (a small code of the official form)")
    description: str = Field("", max_length=4000)
    # On the official ESF form the TN VED code of a product row is the field `unitCode`.
    unitCode: Code
    quantity: float = Field(allow_inf_nan=False)  # an infinite quantity would fill any balance
    unit: str = Field(min_length=1, max_length=50)
    unitPrice: float | None = Field(None, ge=0)
    priceWithoutTax: float | None = None
    productDeclaration: str | None = Field(None, max_length=100, description="Number of the DT that brought the goods in")
    productNumberInDeclaration: RowRef = Field(None, max_length=50, coerce_numbers_to_str=True)


class RelatedInvoice(_Open):
    registrationNumber: str = Field(min_length=1, max_length=100, description="Registration number of the invoice corrected or added to")
    num: RowRef = Field(None, coerce_numbers_to_str=True)
    date: dt.date | None = None


InvoiceType = Literal["ORDINARY_INVOICE", "FIXED_INVOICE", "ADDITIONAL_INVOICE"]


class ESF(_Open):
    kind: Literal["esf"]
    invoiceType: InvoiceType = Field("ORDINARY_INVOICE", description=(
        "ORDINARY_INVOICE; FIXED_INVOICE (a corrected invoice: it replaces relatedInvoice, whose rows no longer count); "
        "ADDITIONAL_INVOICE (rows are changes against relatedInvoice, negative for a reduction)"))
    relatedInvoice: RelatedInvoice | None = None
    registrationNumber: str = Field(min_length=1, max_length=100)
    num: RowRef = Field(None, coerce_numbers_to_str=True)
    date: dt.date
    turnoverDate: dt.date | None = None
    sellers: list[DocParty] = Field(min_length=1)
    customers: list[DocParty] = Field(min_length=1)
    currencyCode: str | None = None
    products: list[ESFProduct] = Field(min_length=1)

    @model_validator(mode="after")
    def _seller_is_taxpayer(self) -> ESF:
        if not self.sellers[0].tin:
            raise ValueError("the seller of an ESF (sellers[0]) is a Kazakh taxpayer and needs its BIN/IIN (tin)")
        if self.invoiceType != "ORDINARY_INVOICE" and self.relatedInvoice is None:
            raise ValueError(f"relatedInvoice: a {self.invoiceType} names the invoice it corrects or adds to")
        if self.relatedInvoice is not None and self.relatedInvoice.registrationNumber == self.registrationNumber:
            raise ValueError("relatedInvoice: an invoice cannot correct itself")
        if self.invoiceType != "ADDITIONAL_INVOICE":
            for i, p in enumerate(self.products):
                if p.quantity < 0:
                    raise ValueError(f"products[{i}].quantity: negative ({p.quantity:g}); only an ADDITIONAL_INVOICE carries "
                                     "reductions (with relatedInvoice)")
        return self

    @property
    def corrects(self) -> str | None:
        """The invoice a corrected invoice (FIXED_INVOICE) replaces."""
        return self.relatedInvoice.registrationNumber if self.invoiceType == "FIXED_INVOICE" and self.relatedInvoice else None

    @property
    def id(self) -> str:
        return self.registrationNumber

    @property
    def turnover(self) -> dt.date:
        """The day the goods changed hands (turnover date), which is what balances are kept by."""
        return self.turnoverDate or self.date


class ShippingInfo(_Open):
    departureCountry: Country = "KZ"
    destinationCountry: Country
    transportType: str | None = None


class SNTProduct(_Open):
    rowNumber: int = Field(ge=1)
    truOriginCode: str | None = Field(None, max_length=10, coerce_numbers_to_str=True)
    productName: str = Field("", max_length=4000)
    codeTNVED: Code
    quantity: float = Field(ge=0, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=50)
    price: float | None = Field(None, ge=0)
    netWeight: float | None = Field(None, ge=0)
    manufactureOrImportDocNumber: str | None = Field(None, max_length=100, description="The DT (or production document) that brought the goods in")
    productNumberInImportDoc: RowRef = Field(None, max_length=50, coerce_numbers_to_str=True)


class SNT(_Open):
    kind: Literal["snt"]
    registrationNumber: str = Field(min_length=1, max_length=100)
    number: RowRef = Field(None, coerce_numbers_to_str=True)
    date: dt.date
    shippingDate: dt.date | None = None
    seller: DocParty
    customer: DocParty
    shippingInfo: ShippingInfo
    exportControlProducts: list[SNTProduct] = Field(default_factory=list, description="Section G10: goods under export control")
    products: list[SNTProduct] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_rows(self) -> SNT:
        if not self.exportControlProducts and not self.products:
            raise ValueError("an SNT needs at least one product row (exportControlProducts or products)")
        if self.inbound:
            if not self.customer.tin:
                raise ValueError("customer.tin: the recipient of goods brought into Kazakhstan needs its BIN/IIN")
        elif not self.seller.tin:
            raise ValueError("seller.tin: the seller of an SNT is a Kazakh taxpayer and needs its BIN/IIN")
        return self

    @property
    def inbound(self) -> bool:
        """Goods brought into Kazakhstan from another EAEU state (no DT exists for them)."""
        return self.shippingInfo.destinationCountry == "KZ" and self.shippingInfo.departureCountry != "KZ"

    @property
    def id(self) -> str:
        return self.registrationNumber

    @property
    def shipped(self) -> dt.date:
        return self.shippingDate or self.date

    def rows(self) -> list[tuple[str, SNTProduct]]:
        """Every product row with its section: ("g10", row) for export-control goods, ("products", row) else."""
        return [("g10", p) for p in self.exportControlProducts] + [("products", p) for p in self.products]


Document = Annotated[DT | ESF | SNT, Field(discriminator="kind")]
DOCUMENT = TypeAdapter(Document)
KINDS = ("dt", "esf", "snt")


def document_number(doc: DT | ESF | SNT) -> str:
    return doc.id


# -- what verification returns ---------------------------------------------------------------------------

VerdictValue = Literal["verified", "refused", "review"]


class Reason(BaseModel):
    """One finding of the export verification, with one explanation and the evidence behind it."""

    code: str = Field(description="Reason code, e.g. documents.mismatch, balance.insufficient, origin.prohibiting_state")
    explanation: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    row: int | None = Field(None, description="rowNumber of the SNT row the finding is about, if one")
    section: str | None = Field(None, description="g10 (exportControlProducts) or products")
    effect: Literal["refuse", "review", "note"] | None = Field(None, description="What the finding means under the profile")
    basis: str | None = Field(None, description="Legal basis or standing of the finding under the profile")
    source: str | None = Field(None, description="Published source of the rule")


class Verdict(BaseModel):
    registrationNumber: str
    verdict: VerdictValue
    reasons: list[Reason] = Field(default_factory=list)
    version: int | None = Field(None, description="Version of the SNT in the store that was verified")
    profile: str
    profile_version: str
    checks: list[str] = Field(default_factory=list, description="Rule groups that ran (documents, chain, goods, parties)")
    versions: dict[str, str] = Field(default_factory=dict, description="Versions of the data and rule packs used")
    verified_at: dt.datetime | None = None
