"""Hit explanations and EAEU reasons in the officer's language, rendered from the rule pack's templates.

A hit stores one explanation, in English, written by the rule when it fired (the record of what was
decided). An officer reading in Russian or Kazakh gets the same finding from the rule's template in the
pack (``explanation_ru`` / ``explanation_kk``: Jinja, sandboxed, since packs are data a site may supply),
filled from the hit's evidence with codes dotted, countries named, numbers, quantities and dates
formatted for the language. The legal consequence after it is the profile's provision in that language
(``says_ru``, the act's ``title_ru``, ...), found again from the basis the hit recorded. A rule without a
template, or a template that fails on odd evidence, falls back to the stored English text: never blank.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from kordon.index.hs import format_code
from kordon.interfaces.web import i18n, present
from kordon.interfaces.web.i18n import _

SPACE_BEFORE = re.compile(r"\s+([,;.:)»])")
SPACE_AFTER = re.compile(r"([(«])\s+")
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


# -- texts of the lists the explanations name -----------------------------------------------------------------
def list_name(list_id: str | None) -> str:
    names = {
        "chpl": _("Common High Priority List (EU/US/UK/Japan)"),
        "eu_russia_hs6": _("EU Russia export-ban list (Reg. 833/2014 annexes at HS6)"),
        "kz_national": _("national licensing list"),
        "ofac_sdn": _("OFAC SDN list"), "ofac_cons": _("OFAC consolidated non-SDN list"),
        "un_sc": _("UN Security Council list"), "uk_fcdo": _("UK Sanctions List"),
        "eu_fsf": _("EU consolidated financial sanctions list"), "eu_oj": _("EU Official Journal list"),
        "us_csl": _("US Consolidated Screening List"), "us_bis_dpl": _("BIS Denied Persons List"),
        "jp_meti": _("Japan METI End User List"),
    }
    if not list_id:
        return ""
    if list_id in names:
        return names[list_id]
    if list_id.startswith("eu_oj"):
        return names["eu_oj"] + f" ({list_id[6:]})" if len(list_id) > 6 else names["eu_oj"]
    return list_id.replace("_", " ").upper()


def settle_with(list_id: str | None) -> str:
    """The document that settles a "may fall under" hit of this list (the list's ``settle_with``)."""
    return {
        "chpl": _("the technical data sheet (part number, parameters) and the end-user statement"),
        "eu_russia_hs6": _("the CN code and the technical data sheet (the annex may list only part of the HS6)"),
        "kz_national": _("an identification conclusion (whether the goods are controlled) or the technical data sheet"),
    }.get(list_id or "", _("the technical data sheet"))


# -- filters the templates use -----------------------------------------------------------------------------------
def _code(value: Any) -> str:
    return format_code(str(value)) if value not in (None, "") else ""


def _codes(values: Any, limit: int = 12) -> str:
    values = list(values or [])
    shown = ", ".join(_code(v) for v in values[:limit])
    return shown + ("…" if len(values) > limit else "")


def _countries(values: Any) -> str:
    if isinstance(values, str):
        values = [values]
    return ", ".join(i18n.country(str(c)) for c in values or [])


def _short(text: Any, width: int = 40) -> str:
    text = str(text or "")
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(value: Any, digits: int = 3) -> str:
    return i18n.number(value, digits)


def _category_paren(value: Any) -> str:
    label = present.category_label(str(value)) if value else ""
    return f" ({label})" if label else ""


def _day(value: Any) -> str:
    return i18n.day(value, "short")


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=False)
    env.filters.update(code=_code, codes=_codes, country=i18n.country, countries=_countries, short=_short, num=_num,
                       day=_day, listname=list_name, settle=settle_with, role=present.role_label,
                       status=present.status_label, category=present.category_label, category_paren=_category_paren)
    env.globals.update(qty=i18n.quantity)
    return env


@lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    return _env().from_string(source)


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = SPACE_AFTER.sub(r"\1", SPACE_BEFORE.sub(r"\1", text))
    text = DOUBLE_STOP.sub(".", text)  # "250 шт." closing a sentence
    return text[:1].upper() + text[1:]


# -- the templates of the packs ----------------------------------------------------------------------------------
def pack_rules(rules: Any) -> dict[str, dict[str, Any]]:
    return present.pack_rules(rules)


def render_finding(raw: dict[str, Any] | None, params: dict[str, Any], fallback: str) -> str:
    """The rule's finding in the current language from its template, or ``fallback`` (the stored English text)."""
    lang = i18n.current()
    source = (raw or {}).get(f"explanation_{lang}") if lang != "en" else None
    if not source:
        return fallback
    try:
        text = _tidy(_compiled(str(source)).render(**params))
        return text if len(text) > 1 else fallback  # nothing the template could say: the recorded text
    except (TemplateError, TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError):
        # Evidence of a shape the template does not expect: the recorded English text, never a broken sentence.
        return fallback


def _builtin(rule: str, hit: dict[str, Any]) -> str | None:
    """Findings made outside the rule packs: the lane decision's random draw and a screening error."""
    if rule == "selection.random":
        return _("Selected by the random draw for control; no risk was found.")
    if rule in ("screening.error", "verification.error"):
        return _("Screening could not be completed; the declaration is held for inspection.") if rule == "screening.error" \
            else _("The verification could not be completed; the SNT is held.")
    return None


# -- the legal consequence under the decision's profile --------------------------------------------------------------
def _bound(ev: dict[str, Any]) -> list[str]:
    bound = list(ev.get("bound_for") or [])
    covered = ev.get("destinations")
    return bound if covered is None else [c for c in bound if c in covered]


def _words(hit: dict[str, Any]) -> dict[str, Callable[[], str]]:
    """The placeholders of a provision's wording, in the current language (cf. kordon.decide.profiles.WORDS)."""
    ev = hit.get("evidence") or {}
    lst = hit.get("list") or {}
    return {
        "licence": lambda: str(ev.get("licence") or _("none")),
        "bound": lambda: _countries(_bound(ev) or ev.get("bound_for") or []) or _("no restricted destination"),
        "origin": lambda: i18n.country(ev.get("origin")) or _("unknown"),
        "list": lambda: list_name(lst.get("id")) or "?",
        "category": lambda: present.category_label(str(ev.get("category") or "")) or "?",
        "code": lambda: _code(ev.get("listed_code") or ev.get("hs_code")) or "?",
        "role": lambda: present.role_label(str(ev.get("role") or "")) or _("party"),
        "destinations": lambda: _countries(ev.get("destinations") or []) or _("any destination"),
    }


@lru_cache(maxsize=1024)
def _pattern(says: str) -> re.Pattern[str]:
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(" ".join(says.split())):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(".*?")
    return re.compile("".join(parts), re.DOTALL)


def provision_for(profile: Any, hit: dict[str, Any]) -> Any | None:
    """The provision (or default) of ``profile`` whose basis the hit recorded: same citation, same wording."""
    basis = hit.get("legal_basis") or {}
    citation, said = basis.get("citation"), " ".join(str(basis.get("says") or "").split())
    rule = hit.get("rule")
    for p in (*[p for p in profile.provisions if rule in p.rule], profile.default):
        if profile.citation(p.act, p.article, p.verify) == citation and _pattern(p.says).fullmatch(said):
            return p
    return None


def _localized_basis(profile: Any, p: Any, hit: dict[str, Any], lang: str) -> tuple[str, str]:
    """(citation, what it means here) of provision ``p`` in ``lang``, its placeholders filled from the hit."""
    citation = profile.localized(profile.acts[p.act], "title", lang)
    if p.article:
        citation += ", " + profile.localized(p, "article", lang)
    if p.verify:
        citation += " " + _("(verify)")
    says = " ".join(profile.localized(p, "says", lang).split())
    words = _words(hit)
    fields = [name for _l, name, _s, _c in string.Formatter().parse(says) if name]
    return citation, says.format_map({name: words[name]() for name in fields if name in words})


def legal_sentence(profile: Any, hit: dict[str, Any]) -> str | None:
    """'Право Казахстана: досмотр — … [Закон …, лицензирование (требует проверки)].' or None when not translatable."""
    lang = i18n.current()
    p = provision_for(profile, hit) if profile is not None and lang != "en" else None
    if p is None:
        return None
    citation, says = _localized_basis(profile, p, hit, lang)
    action = hit.get("action")
    words_of = profile.localized(profile, "action_words", lang)
    verb = next((w for a, w in words_of.items() if getattr(a, "value", a) == action), None) if action else None
    label = profile.localized(profile, "label", lang)
    return f"{label}: " + (f"{verb} — " if verb else "") + f"{says} [{citation}]."


def basis_citation(profile: Any, hit: dict[str, Any]) -> tuple[str, str] | None:
    """The legal basis of a hit (citation, what it says) in the current language, where the profile gives it."""
    lang = i18n.current()
    p = provision_for(profile, hit) if profile is not None and lang != "en" else None
    return None if p is None else _localized_basis(profile, p, hit, lang)


# -- one hit, one reason ---------------------------------------------------------------------------------------------
def hit_params(hit: dict[str, Any], decl: dict[str, Any] | None, here: str | None) -> dict[str, Any]:
    found = present.subject_index(hit.get("subject"))
    item = party = None
    n = None
    if found and decl is not None:
        kind, i = found
        n = i + 1
        rows = decl.get("items" if kind == "items" else "parties") or []
        if i < len(rows):
            item, party = (rows[i], None) if kind == "items" else (None, rows[i])
    return {"ev": hit.get("evidence") or {}, "hit": hit, "n": n, "item": item or {}, "party": party or {}, "here": here or "KZ"}


def explain_hit(rules: Any, hit: dict[str, Any], decl: dict[str, Any] | None, profile: Any | None, here: str | None,
                params: dict[str, Any] | None = None) -> str:
    """A hit's explanation in the current language: the rule's finding, then the profile's legal consequence."""
    stored = str(hit.get("explanation") or "")
    if i18n.current() == "en":
        return stored
    rule = str(hit.get("rule") or "")
    builtin = _builtin(rule, hit)
    if builtin is not None:
        return builtin
    finding = render_finding(pack_rules(rules).get(rule), params or hit_params(hit, decl, here), "")
    if not finding:
        return stored
    if hit.get("legal_basis"):
        sentence = legal_sentence(profile, hit)
        if sentence is None:
            return stored  # the finding alone would drop the consequence the officer must act on
        return f"{finding.rstrip('.')}. {sentence}"
    action = hit.get("action")
    if action:
        return f"{finding} {_('Recommended action:')} {present.action_label(action)}."
    return finding


def explain_reason(rules: Any, reason: dict[str, Any], row: dict[str, Any] | None, profile: Any | None = None) -> str:
    """An EAEU verification reason (documents.mismatch, chain.*, or a goods or party hit on an SNT row) in the
    current language. Goods and party hits on SNT rows carry their list, action and basis in the evidence."""
    ev = reason.get("evidence") or {}
    hit = {"rule": reason.get("code"), "explanation": reason.get("explanation"), "evidence": ev, "list": ev.get("list"),
           "severity": ev.get("severity"), "action": ev.get("action"), "legal_basis": ev.get("legal_basis")}
    params = {"ev": ev, "r": reason, "row": row or {}, "hit": hit, "n": reason.get("row"),
              "item": {"description": (row or {}).get("name")} if (row or {}).get("name") else {}, "party": {},
              "here": "KZ"}
    return explain_hit(rules, hit, None, profile, None, params)
