"""From the findings of an SNT's export verification to its verdict under a profile.

Each finding's effect (refuse | review | note) and legal basis come from the profile's table
(kordon/data/eaeu/verdicts.yaml). Any refusal refuses the SNT; else any finding to review holds it for
an officer; an SNT with neither is verified. A finding the profile does not know is reviewed, never
waved through.

The goods and party rules reused on SNT rows come with the action and legal basis the jurisdiction
profile (``kordon.decide.profiles``, the same as for declarations) gave them: refuse release → refuse,
inspect or a document check → review, no action → note. The document checks themselves (documents.*,
balance.*, origin.*, chain.*) are a Kazakh procedure: the table gives their effect under kz_customs; for
every other profile (an EU or UK exporter, a US person, a Kazakh bank) the profile's own provisions for
these reason codes decide, read the same way (kordon/data/profiles/*.yaml), and a code a profile does not
name falls to its default provision (a risk indicator: held for review, never refused).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, cast

from kordon.models.documents import Reason, Verdict

if TYPE_CHECKING:
    from kordon.screen.documents.context import DocumentContext

ORDER = {"refuse": 0, "review": 1, "note": 2}


def _effect(action: str | None) -> str:
    return "refuse" if action == "deny" else "note" if action in (None, "release") else "review"


def under_profile(reason: Reason, profile: str) -> tuple[str, str]:
    """A document finding read through a jurisdiction profile's provisions, as a hit of that reason code. The facts a
    provision may ask about: the country of origin (origin_in), the destination (bound), and whether the origin was
    found from the document named or inferred from purchases (precision exact / may_fall_under)."""
    from kordon.decide.profiles import apply_profile, load_profile
    from kordon.models import Hit, Severity

    ev = reason.evidence
    facts: dict[str, Any] = {"precision": "may_fall_under" if ev.get("inferred") else "exact"}
    if ev.get("origin"):
        facts["origin"] = ev["origin"]
    if ev.get("destination"):
        facts["bound_for"] = [ev["destination"]]
        facts["destinations"] = None
    hit = Hit(rule=reason.code, severity=Severity.high, subject=f"items[{reason.row or 0}]", explanation=reason.explanation,
              evidence=facts, action=None)
    apply_profile([hit], load_profile(profile))
    basis = hit.legal_basis
    said = f"{basis.citation}: {basis.says}" if basis is not None else profile
    return _effect(hit.action.value if hit.action else None), said


def effect_of(reason: Reason, table: dict[str, dict[str, Any]], profile: str | None = None) -> tuple[str, str | None]:
    key = reason.code
    if key == "origin.prohibiting_state" and reason.evidence.get("inferred"):
        key = "origin.prohibiting_state.inferred"
    basis = reason.evidence.get("legal_basis")
    if isinstance(basis, dict) and (key.startswith("goods.") or key.startswith("parties.")):
        action = reason.evidence.get("action")
        effect = _effect(action)
        said = str(basis.get("citation", ""))
        return effect, f"{said}: {basis['says']}" if basis.get("says") else said
    entry = table.get(key)
    if entry is None and profile is not None and key != "verification.error":
        return under_profile(reason, profile)
    if entry is None:
        return "review", "not in the profile's table: held for an officer"
    effect = entry.get("effect", "review")
    when = entry.get("when_action")
    if when is not None and reason.evidence.get("action") not in when:
        effect = entry.get("else", "review")
        if reason.evidence.get("action") is None:
            effect = "note"  # due diligence only (no action demanded by the rule)
    return effect, entry.get("basis")


def decide_verdict(number: str, reasons: list[Reason], ctx: DocumentContext, version: int | None, checks: list[str]) -> Verdict:
    for r in reasons:
        effect, r.basis = effect_of(r, ctx.verdict_table, ctx.profile)
        r.effect = cast(Literal["refuse", "review", "note"], effect)
        if r.code.startswith("goods.") and r.effect != "refuse" and r.explanation.endswith(": refuse.") \
                and "legal_basis" not in r.evidence:
            # The declaration rule speaks for a declaration's own law; under this profile the hit is not a refusal.
            r.explanation = r.explanation[: -len(": refuse.")] + f"; under {ctx.profile} this is for review ({r.basis})."
    effects = {r.effect for r in reasons}
    verdict: Literal["verified", "refused", "review"] = "refused" if "refuse" in effects else "review" if "review" in effects else "verified"
    ordered = sorted(reasons, key=lambda r: (ORDER.get(r.effect or "review", 1), r.row or 0, r.code))
    return Verdict(registrationNumber=number, verdict=verdict, reasons=ordered, version=version, profile=ctx.profile,
                   profile_version=ctx.profile_version, checks=checks, versions=ctx.versions(),
                   verified_at=dt.datetime.now(dt.UTC))


def error_verdict(number: str, error: BaseException | str, ctx: DocumentContext, version: int | None) -> Verdict:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    reason = Reason(code="verification.error", explanation=f"The verification could not be completed ({text}); the SNT is held.",
                    effect="review", basis=(ctx.verdict_table.get("verification.error") or {}).get("basis"))
    return Verdict(registrationNumber=number, verdict="review", reasons=[reason], version=version, profile=ctx.profile,
                   profile_version=ctx.profile_version, checks=[], versions=ctx.versions(),
                   verified_at=dt.datetime.now(dt.UTC))
