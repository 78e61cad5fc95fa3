"""What the warehouse says about each row of an SNT, looked up once and read by every rule.

For a G10 row that names a DT item: the item, the seller's balance of that lot, and the path of sales
from the seller back to the import. For a row that names an ESF: that ESF's row and its lot. For a row
that names nothing, or claims own production: the seller's purchases of the same goods (HS subheading)
followed back to their imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kordon.index.warehouse import (
    DTItemRecord,
    Step,
    WarehouseView,
    base_unit,
    item_ref,
)
from kordon.models.documents import SNT, SNTProduct


@dataclass
class RowFacts:
    index: int  # position in snt.rows()
    section: str  # "g10" | "products"
    row: SNTProduct
    unit: str  # base unit
    quantity: float  # in the base unit
    ref: str | None  # the document the row names
    ref_item: str | None
    link: str  # "dt" (an import document item found) | "esf" | "missing" (named, not on record) | "production" | "none"
    sign_class: str | None  # class of the row's origin sign: import | domestic | other | None
    dt: DTItemRecord | None = None
    dt_found: bool = False  # the named import document is on record (even if the item is not)
    esf_row: dict[str, Any] | None = None
    esf_found: bool = False
    lot: int = -1
    balance: tuple[float, float, float] | None = None  # (in, out, balance) of the seller before this SNT
    shipped_on_lot: float = 0.0  # this SNT's rows on the same lot together
    trace: list[Step] = field(default_factory=list)
    traced_by: str = "lot"  # "lot" or "product"
    truncated: bool = False

    @property
    def number(self) -> int:
        return self.row.rowNumber

    def imports(self) -> list[tuple[Step, list[Step]]]:
        """Each import reached by the trace with its path (sales from the seller down to the import)."""
        found: list[tuple[Step, list[Step]]] = []
        for top in self.trace:
            found.extend(top.imports())
        return found


def sign_class(signs: dict[str, str], sign: str | None) -> str | None:
    return None if sign is None else signs.get(sign, "unknown")


def _link(facts: RowFacts, ref: str, ref_item: str | None, view: WarehouseView, seller: str | None = None) -> None:
    """What the document a row names is: an import document's item, an ESF row, a production document, or nothing on record."""
    facts.dt_found = view.has_dt(ref)
    facts.dt = view.dt_item(ref, ref_item) if ref_item is not None else None
    if facts.dt is not None or facts.dt_found:
        facts.link = "dt"
        facts.lot = view.lot(ref, ref_item)
        return
    esf_rows = [r for r in (view.row(i) for i in view.document_rows(ref)) if r["kind"] == "esf"]
    if esf_rows:
        facts.link, facts.esf_found = "esf", True
        match = [r for r in esf_rows if str(r["row"]) == ref_item]
        # A joint-activity ESF has a row per participant: the one the seller bought is the one that counts.
        mine = [r for r in match if r["buyer_tin"] == seller]
        facts.esf_row = (mine or match)[0] if match else None
        if facts.esf_row is not None and facts.esf_row["lot"]:
            doc, _, item = facts.esf_row["lot"].partition(" / ")
            facts.lot = view.lot(doc, item)
            facts.dt = view.dt_item(doc, item)
    elif facts.sign_class == "domestic":
        facts.link = "production"  # a production document kordon does not hold
    else:
        facts.link = "missing"


def snt_facts(snt: SNT, view: WarehouseView, signs: dict[str, str],
              controlled: Callable[[str, dt.date], bool] | None = None) -> list[RowFacts]:
    """`controlled(code, day)` says whether goods are on a control list: rows of the ordinary product section
    are traced by product only then (G10 rows always are), so that milk sold on is not an origin question."""
    seller = snt.seller.tin or ""
    on: dt.date = snt.shipped
    out: list[RowFacts] = []
    for index, (section, row) in enumerate(snt.rows()):
        unit, qty = base_unit(row.unit, row.quantity)
        ref = row.manufactureOrImportDocNumber or None
        ref_item = item_ref(row.productNumberInImportDoc) if ref else None
        facts = RowFacts(index=index, section=section, row=row, unit=unit, quantity=qty, ref=ref, ref_item=ref_item,
                         link="none", sign_class=sign_class(signs, row.truOriginCode or None))
        if ref:
            _link(facts, ref, ref_item, view, snt.seller.tin)
        out.append(facts)
    _trace(out, view, seller, on, snt.registrationNumber, controlled)
    return out


def _trace(out: list[RowFacts], view: WarehouseView, seller: str, on: dt.date, snt_number: Any,
           controlled: Callable[[str, dt.date], bool] | None) -> None:
    """Balances and traces: by lot where the row reaches one, else by product where that question arises."""
    # Several rows of one SNT may draw on the same lot: the balance must cover them together.
    per_lot: dict[int, float] = {}
    for f in out:
        if f.lot >= 0:
            per_lot[f.lot] = per_lot.get(f.lot, 0.0) + f.quantity
    for f in out:
        if f.lot >= 0:
            f.shipped_on_lot = per_lot[f.lot]
            f.balance = view.balance(seller, f.lot, on, before_snt=snt_number)
            f.trace, f.truncated = view.trace_lot(seller, f.lot, on)
            f.traced_by = "lot"
        elif f.section == "products" and (controlled is None or not controlled(f.row.codeTNVED, on)):
            continue
        elif f.link in ("none", "production") or (f.link == "missing" and f.sign_class == "domestic"):
            f.trace, f.truncated = view.trace_product(seller, f.row.codeTNVED, on)
            f.traced_by = "product"
