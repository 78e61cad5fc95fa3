"""The registry of SNT verification rules: reason code → a small pure function that returns reasons.

A rule takes the SNT, the facts looked up for its rows, the warehouse view, the document context and its
own RuleSpec (parameters and source from kordon/data/eaeu/rules.yaml), and yields Reason objects. It reads
nothing but its arguments, so the same documents give the same reasons — on one machine or on Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kordon.index.warehouse import WarehouseView
    from kordon.ingest.rule_pack import RuleSpec
    from kordon.models.documents import SNT, Reason
    from kordon.screen.documents.context import DocumentContext
    from kordon.screen.documents.facts import RowFacts

DocRuleFn = Callable[["SNT", "list[RowFacts]", "WarehouseView", "DocumentContext", "RuleSpec"], Iterable["Reason"]]

DOC_RULES: dict[str, DocRuleFn] = {}


def doc_rule(code: str) -> Callable[[DocRuleFn], DocRuleFn]:
    def register(fn: DocRuleFn) -> DocRuleFn:
        if code in DOC_RULES and DOC_RULES[code] is not fn:
            raise ValueError(f"document rule {code!r} is registered twice")
        DOC_RULES[code] = fn
        return fn

    return register
