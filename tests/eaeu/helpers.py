"""Building EAEU documents for tests: valid BINs and small DT / ESF / SNT dictionaries."""

from __future__ import annotations

from typing import Any

from kordon.index.identifiers import kz_check_digit
from kordon.models.documents import DOCUMENT


def valid_bin(yymm: str, serial: int, kind: str = "40") -> str:
    body = f"{yymm}{kind}{serial:05d}"
    check = kz_check_digit(body)
    return valid_bin(yymm, serial + 1, kind) if check is None else body + str(check)


def dt(number: str, date: str, tin: str, items: list[tuple[str, str, float]], unit: str = "pcs") -> dict[str, Any]:
    """items: (code, origin, quantity), numbered from 1."""
    return {"kind": "dt", "number": number, "date": date, "declarant": {"tin": tin, "name": f"ТОО {tin}"},
            "consignor": {"name": "Supplier", "country": "DE"},
            "items": [{"number": i + 1, "codeTNVED": c, "originCountry": o, "quantity": q, "unit": unit} for i, (c, o, q) in enumerate(items)]}


def esf(reg: str, date: str, seller: str, buyer: str, code: str, qty: float, dt_no: str | None = None, item: str | None = "1",
        sign: str = "1", unit: str = "pcs") -> dict[str, Any]:
    row: dict[str, Any] = {"rowNumber": 1, "truOriginCode": sign, "unitCode": code, "quantity": qty, "unit": unit}
    if dt_no:
        row.update(productDeclaration=dt_no, productNumberInDeclaration=item)
    return {"kind": "esf", "registrationNumber": reg, "date": date, "sellers": [{"tin": seller, "name": f"ТОО {seller}"}],
            "customers": [{"tin": buyer, "name": f"ТОО {buyer}"}], "products": [row]}


def snt(reg: str, date: str, seller: str, code: str, qty: float, doc: str | None = None, item: str | None = "1", sign: str = "1",
        dest: str = "RU", section: str = "exportControlProducts", unit: str = "pcs") -> dict[str, Any]:
    row: dict[str, Any] = {"rowNumber": 1, "truOriginCode": sign, "productName": "goods", "codeTNVED": code, "quantity": qty, "unit": unit}
    if doc:
        row.update(manufactureOrImportDocNumber=doc, productNumberInImportDoc=item)
    return {"kind": "snt", "registrationNumber": reg, "date": date, "seller": {"tin": seller, "name": f"ТОО {seller}"},
            "customer": {"name": "ООО «Покупатель»", "countryCode": dest}, "shippingInfo": {"destinationCountry": dest},
            section: [row]}


def parse(raw: dict[str, Any]):
    return DOCUMENT.validate_python(raw)
