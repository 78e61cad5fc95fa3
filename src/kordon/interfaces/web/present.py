"""What the pages show, computed from stored declarations and decisions: no rule logic lives here.

The declared party beside the list entry it matched (which name parts, identifiers and countries
agree), goods hits in an officer's words, what changed between versions, and the texts of the rule
pack and the lists in the officer's language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz.distance import OSA

from kordon.index.hs import format_code
from kordon.index.names import name_key
from kordon.interfaces.web.i18n import _, localized

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


# -- rule pack texts -------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _pack_texts(texts: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for text in texts:
        doc = yaml.safe_load(text) or {}
        for raw in doc.get("rules", []) or []:
            if isinstance(raw, dict) and raw.get("id"):
                out[str(raw["id"])] = raw  # later packs override earlier ones, as when screening
    return out


def _builtin_titles() -> dict[str, str]:
    # Hits made outside the rule pack (the lane decision itself).
    return {"selection.random": _("Random selection for control")}


@lru_cache(maxsize=1)
def eaeu_pack_text() -> str:
    """The EAEU documents pack (SNT verification reasons): its rules are named on the SNT pages."""
    return (resources.files("kordon") / "data" / "eaeu" / "rules.yaml").read_text(encoding="utf-8")


def pack_rules(rules: Any) -> dict[str, dict[str, Any]]:
    """Every rule's texts, of the declaration pack in use and of the EAEU documents pack, by rule id."""
    return _pack_texts((eaeu_pack_text(), *tuple(rules.texts)))


def rule_title(rules: Any, rule_id: str) -> str:
    raw = pack_rules(rules).get(rule_id)
    if raw is None:
        return _builtin_titles().get(rule_id, rule_id)
    return localized(raw, "title", rule_id)


def rule_rationale(rules: Any, rule_id: str) -> str:
    raw = pack_rules(rules).get(rule_id)
    return localized(raw, "rationale") if raw else ""


# -- labels -------------------------------------------------------------------------------------------------
def lane_label(lane: str) -> str:
    return {"red": _("red"), "yellow": _("yellow"), "green": _("green")}.get(lane, lane)


def status_label(status: str) -> str:
    return {"held": _("held"), "released": _("released"), "seized": _("seized"), "referred": _("referred")}.get(status, status)


def type_label(kind: str) -> str:
    return {"export": _("export"), "import": _("import"), "transit": _("transit"), "re-export": _("re-export")}.get(kind, kind)


def action_label(action: str | None) -> str:
    if not action:
        return ""
    return {"release": _("release"), "check_documents": _("check documents"), "inspect": _("inspect"),
            "deny": _("refuse")}.get(action, action)


def decision_label(decision: str) -> str:
    return {"release": _("release"), "release_with_conditions": _("release with conditions"), "inspect": _("inspect"),
            "seize": _("seize"), "refer": _("refer to investigators")}.get(decision, decision)


def role_label(role: str | None) -> str:
    return {"consignor": _("consignor"), "consignee": _("consignee"), "declarant": _("declarant"), "carrier": _("carrier"),
            "end_user": _("end user"), "payer": _("payer"), "manufacturer": _("manufacturer"),
            "notify": _("notify party")}.get(role or "", role or "")


def severity_label(severity: str) -> str:
    return {"info": _("info"), "low": _("low"), "medium": _("medium"), "high": _("high"),
            "critical": _("critical")}.get(severity, severity)


def basis_kind_label(kind: str) -> str:
    return {"binding": _("binding law"), "exposure": _("foreign law that can reach you"), "contractual": _("contract terms"),
            "risk_indicator": _("risk indicator only")}.get(kind, kind.replace("_", " "))


def key_role_label(role: str) -> str:
    return {"officer": _("officer"), "supervisor": _("supervisor"), "analyst": _("analyst"), "admin": _("administrator")}.get(role, role)


def verdict_label(verdict: str) -> str:
    return {"verified": _("verified"), "refused": _("refused"), "review": _("for review"), "refuse": _("refuse"),
            "note": _("note")}.get(verdict, verdict)


def step_label(kind: str) -> str:
    return {"dt": _("Import declaration (DT)"), "snt_in": _("SNT from an EAEU state"), "esf": _("Invoice (ESF)")}.get(kind, kind)


def case_status_label(status: str) -> str:
    return {"open": _("open"), "under_investigation": _("under investigation"),
            "referred_for_prosecution": _("referred for prosecution"), "closed": _("closed")}.get(status, status)


def category_label(category: str | None) -> str:
    """A list entry's categories in words of the officer's language ("tier 3A", "dual use", ...)."""
    if not category:
        return ""
    names = {"dual_use": _("dual use"), "military_tech": _("military technology"), "industrial_cap": _("industrial capacity"),
             "luxury": _("luxury goods"), "aviation": _("aviation and space"), "firearms": _("firearms"),
             "oil_exploration": _("oil exploration"), "oil_refining": _("oil refining"), "military": _("military goods"),
             "uav": _("unmanned aircraft"), "protective": _("protective equipment")}
    parts = []
    for part in category.split("|"):
        part = part.strip()
        tier = re.fullmatch(r"tier (\w+)", part)
        parts.append(_("tier %(tier)s") % {"tier": tier.group(1)} if tier else names.get(part, part.replace("_", " ")))
    return ", ".join(parts)


# -- the declared part a hit is about ------------------------------------------------------------------------
def subject_index(subject: str | None) -> tuple[str, int] | None:
    m = re.fullmatch(r"(items|parties)\[(\d+)\]", subject or "")
    return (m.group(1), int(m.group(2))) if m else None


def subject_label(subject: str | None) -> str:
    found = subject_index(subject)
    if found is None:
        return {"route": _("route"), "declaration": _("declaration"), "payment": _("payment")}.get(subject or "", subject or "")
    kind, i = found
    # Officers count from one, as the declaration form does.
    return (_("item %(n)d") if kind == "items" else _("party %(n)d")) % {"n": i + 1}


# -- goods hits --------------------------------------------------------------------------------------------------
def goods_hit(hit: dict[str, Any], label_of: dict[str, str]) -> dict[str, Any] | None:
    """'listed under 8525.89 (CHPL tier 3A)' and whether the item is, or only may fall, under it."""
    ev = hit.get("evidence") or {}
    if "listed_code" not in ev:
        return None
    lst = hit.get("list") or {}
    label = label_of.get(lst.get("id", ""), lst.get("id", ""))
    category = category_label(ev.get("category"))
    return {
        "listed_code": format_code(str(ev["listed_code"])),
        "declared_code": format_code(str(ev.get("hs_code", ""))),
        "where": f"{label} {category}".strip(),
        "partial": bool(ev.get("partial")),
        "via": ev.get("via_correlation"),
        "licence": ev.get("licence"),
        "legal_basis": ev.get("legal_basis"),
    }


# -- a declared party beside the list entry ------------------------------------------------------------------
def _folded_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each word of a name as written, with its folded form(s) (a legal form folds to nothing)."""
    return [(w, name_key(w).tokens) for w in _WORD.findall(text or "")]


def _agrees(tokens: tuple[str, ...], other: set[str]) -> bool:
    # A word written in camel case folds to several parts ("TechnoImport" → tehno, import): also whole.
    whole = ("".join(tokens),) if len(tokens) > 1 else ()
    return any(t in other or any(len(t) >= 4 and OSA.normalized_similarity(t, o) >= 0.8 for o in other) for t in (*tokens, *whole))


def name_parts(name: str, other: str) -> list[dict[str, Any]]:
    """The words of ``name``, each marked when it agrees with a part of ``other`` after folding scripts."""
    toks = name_key(other).tokens
    other_tokens = set(toks) | {a + b for a, b in zip(toks, toks[1:])}  # parts written together on this side
    return [{"text": w, "agrees": bool(tokens) and _agrees(tokens, other_tokens)} for w, tokens in _folded_words(name)]


def party_match(party: dict[str, Any], candidate: dict[str, Any], entity: Any | None) -> dict[str, Any]:
    """The declared party and a list candidate side by side, with what agrees marked on both sides."""
    matched = candidate.get("matched_name") or candidate.get("name") or ""
    declared_country = (party.get("country") or "").lower()
    entity_countries = [c.lower() for c in (candidate.get("countries") or [])]
    entity_ids: list[tuple[str, str]] = list(getattr(entity, "identifiers", []) or [])
    ident_match = str(candidate.get("identifier_match") or "")
    declared_ids = []
    for scheme, value in (party.get("identifiers") or {}).items():
        digits = re.sub(r"\W", "", str(value)).upper()
        agrees = bool(digits) and (digits in re.sub(r"\W", "", ident_match).upper()
                                   or any(re.sub(r"\W", "", v).upper() == digits for _s, v in entity_ids))
        declared_ids.append({"scheme": scheme, "value": value, "agrees": agrees})
    listed_ids = [{"scheme": s, "value": v, "agrees": any(re.sub(r"\W", "", str(d["value"])).upper() == re.sub(r"\W", "", v).upper()
                                                              for d in declared_ids)} for s, v in entity_ids]
    return {
        "declared_name": name_parts(party.get("name", ""), matched),
        "listed_name": name_parts(matched, party.get("name", "")),
        "caption": candidate.get("name"),
        "declared_country": {"code": party.get("country"), "agrees": bool(declared_country) and declared_country in entity_countries},
        "listed_countries": [{"code": c.upper(), "agrees": c == declared_country} for c in entity_countries],
        "declared_ids": declared_ids,
        "listed_ids": listed_ids,
        "programs": candidate.get("programs") or [],
        "list": candidate.get("list"),
        "entity_id": candidate.get("entity_id"),
        "score": candidate.get("score"),
        "match": candidate.get("match"),
        "explanation": candidate.get("explanation"),
        "schema": candidate.get("schema"),
    }


# -- what changed between versions --------------------------------------------------------------------------------
def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{path}[{i + 1}]"))
        return out
    if isinstance(value, list):
        return {path: ", ".join(str(v) for v in value)}
    return {path: value}


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields that differ between two versions of a declaration (item and party numbers from 1)."""
    a, b = _flatten(before), _flatten(after)
    out = []
    for path in sorted(set(a) | set(b), key=lambda p: (p.split(".")[0], p)):
        if a.get(path) != b.get(path):
            out.append({"field": path, "before": a.get(path), "after": b.get(path),
                        "goods": path.startswith("items") and path.endswith(("hs_code", "description"))})
    return out


def dotted(code: Any) -> str:
    return format_code(str(code)) if code not in (None, "") else ""
