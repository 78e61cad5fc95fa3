"""Description rules: does the free text fit the code, is it vague, does it name controlled goods?"""

from __future__ import annotations

from collections.abc import Iterator

from kordon.index.hs import format_code
from kordon.index.lexicon import terms, vague
from kordon.index.nomenclature import bundled_nomenclature, heading_names
from kordon.index.text import clean, words
from kordon.ingest.rule_pack import RuleSpec
from kordon.models import Action, Declaration, Hit, Severity
from kordon.screen.context import ScreeningContext
from kordon.screen.hits import judged_hit, make_hit, remembered
from kordon.screen.redflags.common import OUTBOUND, high_priority, quote
from kordon.screen.registry import rule


@rule("description.misfit")
def misfit(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """The description shares no word with the declared heading's nomenclature texts but
    clearly speaks of another heading (threshold measured in docs/rules.md)."""
    index = bundled_nomenclature()
    min_evidence = float(spec.params.get("min_evidence", 20.0))
    for i, item in enumerate(decl.items):
        heading = item.hs_code[:4]
        if heading not in index.headings or index.shares(item.description, heading):
            continue  # most descriptions share a word with their heading: no need to rank all headings
        fit = index.fit(item.description, heading)
        if fit.declared > 0 or fit.best < min_evidence or fit.best_heading is None:
            continue
        names = heading_names()
        severity = Severity.high if high_priority(decl, ctx, item) else Severity.medium
        yield make_hit(
            spec,
            severity=severity,
            subject=f"items[{i}]",
            explanation=(
                f"Item {i + 1} is declared under {heading} ({names.get(heading, '?')[:50]}) but its description "
                f"{quote(item.description)} shares no word with that heading and reads like {fit.best_heading} "
                f"({names.get(fit.best_heading, '?')[:50]}); check the classification against the goods."
            ),
            action=Action.check_documents,
            evidence={
                "hs_code": format_code(item.hs_code),
                "description": item.description,
                "declared_heading": heading,
                "evidence_for_declared": fit.declared,
                "best_heading": fit.best_heading,
                "evidence_for_best": fit.best,
                "threshold": min_evidence,
            },
        )


@rule("description.vague")
def vague_description(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """The description is made only of words like "parts", "equipment", "запчасти"."""
    version, vague_words, filler = vague()
    for i, item in enumerate(decl.items):
        ws = words(clean(item.description))
        if not ws:
            continue
        if len(ws) > 12 or any(not vague_words.covers(w) and not filler.covers(w) for w in ws):
            continue  # one specific word is enough; long texts always have one
        if not any(vague_words.covers(w) for w in ws):
            continue
        is_listed = high_priority(decl, ctx, item)
        severity = Severity.high if is_listed else (Severity.medium if decl.type in OUTBOUND else Severity.low)
        code, subject = format_code(item.hs_code), f"items[{i}]"
        # The hit is built from the remembered outcome of such a finding (every item of a trader's declarations may
        # read "parts"): keyed by what a profile may read of its evidence, the code.
        yield judged_hit(
            remembered(ctx, spec, severity, (code, is_listed), Action.check_documents), subject,
            f"Item {i + 1} ({code}) is described only as {quote(item.description)}, which does not say "
            "what the goods are; ask for a precise description, model and part numbers",
            {"description": item.description, "hs_code": code, "listed_code": is_listed, "lexicon_version": version},
        )


_SEVERITY = {s.value: s for s in Severity}


@rule("description.lexicon")
def lexicon(decl: Declaration, ctx: ScreeningContext, spec: RuleSpec) -> Iterator[Hit]:
    """Military or dual-use words in the description of goods declared under an unrelated code."""
    lex = terms()
    for i, item in enumerate(decl.items):
        for cat, matched in lex.find(item.description):
            if item.hs_code.startswith(cat.expected):
                continue  # declared where such goods belong: the goods rules judge them
            severity = _SEVERITY[cat.severity]
            yield make_hit(
                spec,
                severity=severity,
                subject=f"items[{i}]",
                explanation=(
                    f"Item {i + 1}'s description {quote(item.description)} names {cat.title} (\"{matched}\") but the goods are "
                    f"declared under {format_code(item.hs_code)}, not where such goods belong ({', '.join(cat.expected[:4])}…); "
                    "inspect for controlled goods under a harmless code."
                ),
                action=Action.inspect if severity in (Severity.high, Severity.critical) else Action.check_documents,
                evidence={
                    "description": item.description,
                    "matched": matched,
                    "category": cat.id,
                    "hs_code": format_code(item.hs_code),
                    "expected_codes": list(cat.expected),
                    "lexicon_version": lex.version,
                },
            )
