"""Verify one SNT: the library function the CLI, the API, the web workspace and Spark executors call.

    view = WarehouseView(rows_table)                        # or DocumentStore(store).view(), or from_parquet(...)
    ctx = build_document_context("kz_customs", screening)   # screening=None leaves goods and party rules out
    verdict = verify_snt(snt, view, ctx)                    # -> Verdict (verified | refused | review)

It never raises: a failure is a `review` verdict with reason `verification.error` (an error is never
verified). Nothing here touches a database; the view and the context carry everything it reads.
"""

from __future__ import annotations

from kordon.decide.documents import decide_verdict, error_verdict
from kordon.index.warehouse import WarehouseView
from kordon.models.documents import SNT, Reason, Verdict
from kordon.screen.documents.context import DocumentContext
from kordon.screen.documents.facts import snt_facts
from kordon.screen.documents.goods import goods_and_parties
from kordon.screen.documents.registry import DOC_RULES


def run_document_rules(snt: SNT, view: WarehouseView, ctx: DocumentContext) -> list[Reason]:
    facts = snt_facts(snt, view, ctx.signs, ctx.controlled)
    reasons: list[Reason] = []
    for spec in ctx.rules.enabled():
        fn = DOC_RULES.get(spec.id)
        if fn is None:
            raise LookupError(f"rule {spec.id!r} is in the EAEU rule pack but no code implements it")
        reasons.extend(fn(snt, facts, view, ctx, spec))
    return reasons


def verify_snt(snt: SNT, view: WarehouseView, ctx: DocumentContext, version: int | None = None) -> Verdict:
    """The SRC's export verification of one SNT under the context's profile. Never raises; fails closed."""
    try:
        if snt.inbound:
            raise ValueError("this SNT brings goods into Kazakhstan; the export verification applies to SNTs leaving it")
        reasons = run_document_rules(snt, view, ctx)
        checks = ["documents", "balance", "origin", "chain"]
        if ctx.screening is not None:
            reasons.extend(goods_and_parties(snt, ctx.screening, ctx.profile, ctx.memo))
            checks += ["goods", "parties"]
        return decide_verdict(snt.registrationNumber, reasons, ctx, version, checks)
    except Exception as exc:  # noqa: BLE001 - failing closed is the point
        return error_verdict(snt.registrationNumber, exc, ctx, version)
