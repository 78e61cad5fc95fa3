"""Goods rules (CHPL, national list, EU annexes) and party screening on SNT rows: the declaration rules
themselves, run on the SNT seen as an export declaration (seller = consignor, customer = consignee)."""

from __future__ import annotations

from kordon.models import Declaration
from kordon.models.documents import SNT, Reason
from kordon.screen.context import ScreeningContext
from kordon.screen.pipeline import run_rules

REUSED = ("goods.", "parties.")
_LICENCE_FIELDS = ("licence", "license", "licenseNumber", "licenceNumber", "permitNumber")


def as_declaration(snt: SNT) -> Declaration:
    info = snt.shippingInfo
    parties = [{"role": "consignor", "name": snt.seller.name, "country": snt.seller.country_code or info.departureCountry,
                "identifiers": {"bin": snt.seller.tin} if snt.seller.tin else {}},
               {"role": "consignee", "name": snt.customer.name, "country": snt.customer.country_code or info.destinationCountry,
                "identifiers": {("bin" if (snt.customer.country_code or info.destinationCountry) == "KZ" else "tin"): snt.customer.tin}
                if snt.customer.tin else {}}]
    items = []
    for _, row in snt.rows():
        extra = row.model_extra or {}
        licence = next((str(extra[k]) for k in _LICENCE_FIELDS if extra.get(k)), None)
        items.append({"hs_code": row.codeTNVED, "description": row.productName or "(no name on the SNT)", "quantity": row.quantity,
                      "unit": row.unit, "licence": licence})
    return Declaration.model_validate({
        "id": snt.registrationNumber, "type": "export", "date": snt.shipped, "parties": parties,
        "route": {"dispatch": info.departureCountry, "destination": info.destinationCountry}, "items": items})


def goods_and_parties(snt: SNT, ctx: ScreeningContext, profile: str | None = None) -> list[Reason]:
    """The goods and party hits on the SNT's rows and parties, each with the action and legal basis of `profile`
    (kordon.decide.profiles, the same as for declarations)."""
    from kordon.decide.profiles import apply_profile, load_profile

    decl = as_declaration(snt)
    rows = snt.rows()
    out = []
    hits = run_rules(decl, ctx, REUSED)
    if profile is not None:
        hits = apply_profile(hits, load_profile(profile))
    for hit in hits:
        row = section = None
        if hit.subject.startswith("items["):
            section, product = rows[int(hit.subject[6:-1])]
            row = product.rowNumber
        evidence = dict(hit.evidence, action=hit.action.value if hit.action else None, severity=hit.severity.value)
        if hit.list is not None:
            evidence["list"] = hit.list.model_dump()
        if hit.legal_basis is not None:
            evidence["legal_basis"] = hit.legal_basis.model_dump(exclude_none=True)
        out.append(Reason(code=hit.rule, explanation=hit.explanation, evidence=evidence, row=row, section=section, source=hit.source))
    return out
