"""The SRC's export verification of an SNT, one rule per reason code, and the chain flags.

Each rule reads the facts looked up for the SNT's rows (kordon.screen.documents.facts) and yields
reasons; what a reason means for the verdict is the profile's business (kordon.decide.documents).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kordon.index.warehouse import IMPORT_KINDS, Step, WarehouseView
from kordon.ingest.rule_pack import RuleSpec
from kordon.models.documents import SNT, Reason
from kordon.screen.documents.context import DocumentContext
from kordon.screen.documents.facts import RowFacts
from kordon.screen.documents.registry import doc_rule

EPS = 1e-6  # quantities are floats in base units; a rounding difference is not a shortfall


def _fmt(q: float) -> str:
    return f"{q:,.3f}".rstrip("0").rstrip(".").replace(",", " ")


def _who(tin: str | None, name: str | None) -> str:
    if name and tin:
        return f"{name} ({tin})"
    return name or tin or "unknown party"


def _row(f: RowFacts) -> str:
    return f"Row {f.number}{' (G10)' if f.section == 'g10' else ''} ({f.row.codeTNVED}, {_fmt(f.quantity)} {f.unit})"


def describe_step(s: Step) -> str:
    if s.kind == "dt":
        return (f"DT {s.document} item {s.row} ({s.date.isoformat()}): {_fmt(s.quantity)} {s.unit} of {s.code} imported by "
                f"{_who(s.buyer_tin, s.buyer_name)} from {s.seller_name or 'a foreign consignor'}, origin {s.origin}")
    if s.kind == "snt_in":
        return (f"SNT {s.document} row {s.row} ({s.date.isoformat()}): {_fmt(s.quantity)} {s.unit} of {s.code} brought in from "
                f"another EAEU state by {_who(s.buyer_tin, s.buyer_name)} from {s.seller_name or 'a foreign seller'}; origin not fixed by a DT")
    return (f"ESF {s.document} row {s.row} ({s.date.isoformat()}): {_who(s.seller_tin, s.seller_name)} sold {_fmt(s.quantity)} "
            f"{s.unit} of {s.code} to {_who(s.buyer_tin, s.buyer_name)}, origin sign {s.origin or 'none'}")


def path_evidence(path: list[Step]) -> list[dict]:
    return [{"kind": s.kind, "document": s.document, "row": s.row, "date": s.date.isoformat(), "seller": s.seller_tin or s.seller_name,
             "buyer": s.buyer_tin, "quantity": s.quantity, "unit": s.unit, "origin": s.origin} for s in path]


def _reason(spec: RuleSpec, f: RowFacts | None, explanation: str, **evidence: object) -> Reason:
    return Reason(code=spec.id, explanation=explanation, evidence=dict(evidence), row=f.number if f else None,
                  section=f.section if f else None, source=spec.source)


@doc_rule("documents.mismatch")
def mismatch(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    for f in facts:
        ref = f"{f.ref} item {f.ref_item}" if f.ref_item else f"{f.ref}"
        if f.link == "missing":
            yield _reason(spec, f, f"{_row(f)} names {ref} as the document that brought the goods in; no DT or ESF with that number "
                                   "is on record.", document=f.ref, item=f.ref_item, problem="not_on_record")
            continue
        if f.link == "none":
            if f.section == "g10" and f.sign_class != "domestic" and not f.imports():
                yield _reason(spec, f, f"{_row(f)} names no import or production document, claims no own production, and the seller's "
                                       "records show no import or purchase of these goods.", problem="no_document")
            continue
        if f.link == "dt":
            yield from _dt_mismatch(spec, f, ref)
        elif f.link == "esf":
            yield from _esf_mismatch(spec, f, ref, snt)


def _dt_mismatch(spec: RuleSpec, f: RowFacts, ref: str) -> Iterator[Reason]:
    if f.ref_item is None:
        yield _reason(spec, f, f"{_row(f)} names DT {f.ref} but no item in it.", document=f.ref, problem="no_item")
        return
    if f.dt is None:
        yield _reason(spec, f, f"{_row(f)} names {ref}; that DT is on record but has no item {f.ref_item}.",
                      document=f.ref, item=f.ref_item, problem="item_not_in_document")
        return
    what = "SNT" if f.dt.kind == "snt_in" else "DT"
    for field, text in _compare(f, f.dt.code, f.dt.unit, f.dt.quantity):
        yield _reason(spec, f, f"{_row(f)} does not match {what} {f.dt.number} item {f.dt.item}: {text}.",
                      document=f.dt.number, item=f.dt.item, field=field, document_code=f.dt.code,
                      document_quantity=f.dt.quantity, document_unit=f.dt.unit, problem="differs")


def _esf_mismatch(spec: RuleSpec, f: RowFacts, ref: str, snt: SNT) -> Iterator[Reason]:
    if f.esf_row is None:
        yield _reason(spec, f, f"{_row(f)} names {ref}; that ESF is on record but has no row {f.ref_item}.",
                      document=f.ref, item=f.ref_item, problem="item_not_in_document")
        return
    e = f.esf_row
    if e["buyer_tin"] != snt.seller.tin:
        yield _reason(spec, f, f"{_row(f)} names ESF {f.ref} row {f.ref_item}, which was issued to {e['buyer_tin'] or 'another buyer'}, "
                               f"not to the seller {snt.seller.tin}.", document=f.ref, item=f.ref_item, field="buyer",
                      problem="not_the_sellers")
    for field, text in _compare(f, e["code"], e["unit"], e["quantity"]):
        yield _reason(spec, f, f"{_row(f)} does not match ESF {f.ref} row {f.ref_item}: {text}.", document=f.ref,
                      item=f.ref_item, field=field, document_code=e["code"], document_quantity=e["quantity"],
                      document_unit=e["unit"], problem="differs")


def _compare(f: RowFacts, code: str, unit: str, quantity: float) -> list[tuple[str, str]]:
    out = []
    if f.row.codeTNVED != code:
        near = " (the same HS subheading, another national subheading)" if f.row.codeTNVED[:6] == code[:6] else ""
        out.append(("codeTNVED", f"code {f.row.codeTNVED} against {code} in the document{near}"))
    if f.unit != unit:
        out.append(("unit", f"quantity in {f.unit} against {unit} in the document"))
    elif f.quantity > quantity + EPS:
        out.append(("quantity", f"{_fmt(f.quantity)} {f.unit} shipped, more than the {_fmt(quantity)} {unit} the document carries"))
    return out


@doc_rule("balance.insufficient")
def balance(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    seen: set[int] = set()
    for f in facts:
        if f.lot < 0 or f.balance is None or f.lot in seen:
            continue
        seen.add(f.lot)
        got, gone, left = f.balance
        if f.shipped_on_lot <= left + EPS:
            continue
        lot = view.lot_label(f.lot)
        yield _reason(spec, f, f"{_row(f)}: the seller's traced balance of lot {lot} on {snt.shipped.isoformat()} is {_fmt(max(left, 0.0))} "
                               f"{f.unit} (in {_fmt(got)}, out {_fmt(gone)}), less than the {_fmt(f.shipped_on_lot)} {f.unit} shipped.",
                      lot=lot, received=got, sent=gone, balance=left, shipped=f.shipped_on_lot, unit=f.unit)


@doc_rule("origin.prohibiting_state")
def prohibiting_state(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    dest = snt.shippingInfo.destinationCountry
    if dest not in ctx.destinations:
        return
    for f in facts:
        if f.dt is not None and f.dt.origin in ctx.prohibiting:
            yield _reason(spec, f, f"{_row(f)} traces back to DT {f.dt.number} item {f.dt.item}, country of origin "
                                   f"{f.dt.origin} ({ctx.prohibiting[f.dt.origin]}), a state that prohibits the export of these goods "
                                   f"to Russia; the goods are bound for {dest}.",
                          document=f.dt.number, item=f.dt.item, origin=f.dt.origin, destination=dest, inferred=False,
                          list_version=ctx.prohibiting_version)
            continue
        if f.traced_by != "product":
            continue
        found = [(imp, path) for imp, path in f.imports() if imp.origin in ctx.prohibiting]
        if found:
            imp, path = found[0]
            state = ctx.prohibiting.get(imp.origin or "", "")
            yield _reason(spec, f, f"{_row(f)} names no DT, but the seller's stock of {f.row.codeTNVED[:6]} traces back to DT {imp.document} "
                                   f"item {imp.row}, origin {imp.origin} ({state}), a state that prohibits "
                                   f"the export of these goods to Russia; bound for {dest}.",
                          document=imp.document, item=imp.row, origin=imp.origin, destination=dest, inferred=True,
                          imports=sorted({f"{i.document} / {i.row} ({i.origin})" for i, _ in found}), path=path_evidence(path),
                          list_version=ctx.prohibiting_version)


@doc_rule("chain.origin_traced")
def origin_traced(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    for f in facts:
        if f.traced_by != "product":
            continue
        imports = f.imports()
        if not imports:
            continue
        claim = "claims own production" if f.sign_class == "domestic" else "names no import document"
        _, path = imports[0]
        names = sorted({f"{i.document} / {i.row} ({i.origin or 'EAEU'})" for i, _ in imports})
        route = " ← ".join(describe_step(s) for s in path)
        yield _reason(spec, f, f"{_row(f)} {claim}, but the seller's stock of these goods ({f.row.codeTNVED[:6]}) traces back to "
                               f"{'import' if len(names) == 1 else 'imports'} {', '.join(names)}: {route}.",
                      claim=claim, imports=names, path=path_evidence(path), truncated=f.truncated)


def _registered(tin: str | None) -> dt.date | None:
    """Year and month of registration from a BIN (digits 1-4, YYMM; the 5th digit 4, 5 or 6 marks a BIN, not an IIN)."""
    if not tin or len(tin) != 12 or tin[4] not in "456":
        return None
    yy, mm = int(tin[:2]), int(tin[2:4])
    if not 1 <= mm <= 12:
        return None
    return dt.date(2000 + yy if yy < 70 else 1900 + yy, mm, 1)


def _holdings(snt: SNT, facts: list[RowFacts]) -> Iterator[tuple[str | None, str | None, dt.date, list[Step], RowFacts]]:
    """(seller tin, name, day it sold, the steps by which it got the goods, row) for the SNT seller and every ESF seller in the trace."""
    for f in facts:
        if f.trace:
            yield snt.seller.tin, snt.seller.name, snt.shipped, f.trace, f
        for top in f.trace:
            for step, _ in top.walk():
                if step.kind == "esf" and step.children:
                    yield step.seller_tin, step.seller_name, step.date, step.children, f


@doc_rule("chain.one_day_firm")
def one_day_firm(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    registered_days = int(spec.params.get("registered_within_days", 365))
    seen_days = int(spec.params.get("first_seen_within_days", 90))
    resold_days = int(spec.params.get("resold_within_days", 7))
    flagged: set[str | None] = set()
    for tin, name, sold, got, f in _holdings(snt, facts):
        if tin in flagged:
            continue
        bought = [s.date for s in got if s.date <= sold]
        if not bought:
            continue
        held = (sold - max(bought)).days
        if held > resold_days:
            continue
        reg = _registered(tin)
        pid = view.party(tin)
        first = dt.date(1970, 1, 1) + dt.timedelta(days=int(view.first_seen[pid])) if pid >= 0 else None
        new_reg = reg is not None and (sold - reg).days <= registered_days
        # "First seen" says something only where the records reach back further than the window.
        covered = (first - (dt.date(1970, 1, 1) + dt.timedelta(days=view.earliest))).days if first is not None else 0
        new_seen = first is not None and (sold - first).days <= seen_days and covered > seen_days
        if not (new_reg or new_seen):
            continue
        flagged.add(tin)
        why = []
        if new_reg and reg is not None:
            why.append(f"registered {reg.strftime('%Y-%m')} (from its BIN)")
        if new_seen and first is not None:
            why.append(f"first seen in the documents on {first.isoformat()}")
        yield _reason(spec, f, f"{_who(tin, name)} is new ({'; '.join(why)}) and resold {f.row.codeTNVED[:6]} goods {held} day(s) after "
                               f"getting them ({max(bought).isoformat()} → {sold.isoformat()}).",
                      party=tin, name=name, registered=reg.isoformat() if reg else None,
                      first_seen=first.isoformat() if first else None, held_days=held)


@doc_rule("chain.origin_sign_changed")
def origin_sign_changed(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    for f in facts:
        done: set[tuple] = set()
        for top in f.trace:
            pairs = [(f.row.truOriginCode or None, _who(snt.seller.tin, snt.seller.name), top)]
            for step, _ in top.walk():
                pairs.extend((step.origin if step.kind == "esf" else None, _who(step.seller_tin, step.seller_name), c) for c in step.children)
            for sign, who, below in pairs:
                if below.kind != "esf" or sign is None or below.origin is None:
                    continue
                upper, lower = ctx.signs.get(sign, "unknown"), ctx.signs.get(below.origin, "unknown")
                if upper == lower:
                    continue
                key = (who, sign, below.document, below.origin)
                if key in done:
                    continue
                done.add(key)
                yield _reason(spec, f, f"{_row(f)}: the origin sign changes from {below.origin} ({lower}) on ESF {below.document} "
                                       f"({_who(below.seller_tin, below.seller_name)}) to {sign} ({upper}) when {who} sells the goods on.",
                              party=who, before=below.origin, before_class=lower, after=sign, after_class=upper, document=below.document)


@doc_rule("chain.oversold")
def oversold(snt: SNT, facts: list[RowFacts], view: WarehouseView, ctx: DocumentContext, spec: RuleSpec) -> Iterator[Reason]:
    done: set[tuple[str | None, str | None]] = set()
    for f in facts:
        for top in f.trace:
            for step, _ in top.walk():
                if step.kind != "esf" or not step.lot or (step.seller_tin, step.lot) in done:
                    continue
                done.add((step.seller_tin, step.lot))
                doc, _, item = step.lot.partition(" / ")
                lot, pid = view.lot(doc, item), view.party(step.seller_tin)
                if lot < 0 or pid < 0:
                    continue
                got, sold = view.totals(pid, lot)
                if sold > got + EPS:
                    yield _reason(spec, f, f"{_who(step.seller_tin, step.seller_name)} sold {_fmt(sold)} {step.unit} of lot {step.lot} "
                                           f"in all, more than the {_fmt(got)} {step.unit} it ever received of it.",
                                  party=step.seller_tin, lot=step.lot, received=got, sold=sold, unit=step.unit)


__all__ = ["IMPORT_KINDS", "describe_step", "path_evidence"]
