"""Jurisdiction profiles: whose law turns a finding into an action, as versioned YAML data.

A screening finding (a hit) is evidence; what a user may or must do about it depends on the law
that binds that user. A Kazakh customs post refuses goods only where Kazakh law says so, an EU
exporter is bound by Regulation 833/2014, a US person by the EAR and OFAC, a Kazakh bank by its own
law plus the reach of US secondary sanctions and its correspondents' terms. A profile says, rule by
rule and case by case, which action follows and on which legal basis — and says so when a list is a
foreign one, a risk indicator but no legal ground.

The YAML is validated here (pydantic); every error names the file, the line and the field. The
bundled profiles live in ``kordon/data/profiles``; ``kordon.decide.profiles`` applies them.
"""

from __future__ import annotations

import hashlib
import re
import string
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kordon.ingest.errors import ListFileError
from kordon.models.codes import normalise_country
from kordon.models.decision import Action

Kind = Literal["binding", "exposure", "contractual", "risk_indicator"]
# Kinds of basis on which a profile may refuse: law that binds the user, foreign law that reaches it
# (secondary sanctions), or contracts it has signed (correspondent banking). Never a mere indicator.
REFUSING_KINDS = ("binding", "exposure", "contractual")
# Placeholders a provision's wording may use; filled from the hit's evidence.
FIELDS = {"licence", "bound", "origin", "list", "category", "code", "role", "destinations"}
PROFILE_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# Languages a profile's texts may be given in besides English (``title_ru``, ``says_kk``, ...); the web
# workspace shows them to officers, English where a text is missing.
TEXT_LANGUAGES = ("ru", "kk")


def _placeholders_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _same_placeholders(english: str, translations: dict[str, str | None]) -> None:
    """A translation names the same facts of the hit as the English text (no placeholder lost or invented)."""
    wanted = _placeholders_of(english)
    for key, text in translations.items():
        if text is None:
            continue
        try:
            got = _placeholders_of(text)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        if got != wanted:
            raise ValueError(f"{key} uses placeholders {sorted(got)} but the English text uses {sorted(wanted)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Act(_Strict):
    """A legal act (or a guidance document) a profile cites."""

    title: str = Field(min_length=3, description="Full title as a user would look it up")
    title_ru: str | None = Field(None, min_length=3, description="The official Russian title, where there is one")
    title_kk: str | None = Field(None, min_length=3, description="The official Kazakh title, where there is one")
    url: str | None = None
    note: str | None = None


# Rules whose hits record the lists the item itself is exactly on (evidence `exact_on`): the only ones `item_on` can ask about.
ITEM_ON_RULES = frozenset({"route.foreign_origin_reexport"})


class When(_Strict):
    """Conditions on a hit; all given ones must hold. A list value means 'any of'."""

    list: tuple[str, ...] | None = Field(None, description="The list the hit matched (goods or sanctions list id)")
    category: tuple[str, ...] | None = Field(None, description="Any of the list entry's categories")
    precision: Literal["exact", "may_fall_under"] | None = None
    illustrative: bool | None = None
    licence: bool | None = Field(None, description="A licence is declared for the item")
    bound: bool | None = Field(None, description="Bound for a destination the measure covers (restricted destination, consignee or end user)")
    origin_in: tuple[str, ...] | None = Field(None, description="Country of origin in these ISO2 codes or groups")
    bound_only: tuple[str, ...] | None = Field(
        None, description="Bound (as in `bound`) only for these ISO2 codes, e.g. [BY]: where another act covers them")
    item_on: tuple[str, ...] | None = Field(
        None, description="The item has an exact, non-illustrative entry on one of these lists, as the hit's evidence "
                          "`exact_on` says (rules that record it: " + ", ".join(sorted(ITEM_ON_RULES)) + ")")
    role: tuple[str, ...] | None = None
    match: Literal["match", "possible"] | None = Field(None, description="parties.sanctions: a match or a possible match")
    severity: tuple[str, ...] | None = None
    declaration_type: tuple[str, ...] | None = Field(
        None, description="export, re-export, transit or import, where the hit's evidence says (route.foreign_origin_reexport)")

    @field_validator("list", "category", "origin_in", "bound_only", "item_on", "role", "severity", "declaration_type",
                     mode="before")
    @classmethod
    def _many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Provision(_Strict):
    """One case: for these rules, when the conditions hold, this action on this basis."""

    rule: tuple[str, ...] = Field(min_length=1, description="Rule ids the provision speaks for")
    when: When = Field(default_factory=lambda: When())
    action: Action | Literal["rule"] | None = Field(
        description="The action the law requires; 'rule' keeps the rule's own; null: no action of its own (the score decides)")
    at_most: Action | None = Field(None, description="Cap on the action (e.g. a rule's own deny where the measure does not apply)")
    kind: Kind
    act: str = Field(description="Key of the act in the profile's 'acts'")
    article: str | None = Field(None, description="Article, annex or section; leave out what you are not sure of")
    verify: bool = Field(False, description="kordon is not sure of the citation: it is shown with '(verify)'")
    says: str = Field(min_length=3, description="What it means here, in plain words; may use {licence}, {bound}, {origin}, ...")
    says_ru: str | None = Field(None, min_length=3, description="'says' in Russian, with the same placeholders")
    says_kk: str | None = Field(None, min_length=3, description="'says' in Kazakh, with the same placeholders")
    article_ru: str | None = None
    article_kk: str | None = None
    line: int = 0

    @field_validator("rule", mode="before")
    @classmethod
    def _rules(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("says")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        for _, name, _, _ in string.Formatter().parse(value):
            if name is not None and name not in FIELDS:
                raise ValueError(f"unknown placeholder {{{name}}}; known: {', '.join(sorted(FIELDS))}")
        return value

    @model_validator(mode="after")
    def _translations(self) -> Provision:
        _same_placeholders(self.says, {"says_ru": self.says_ru, "says_kk": self.says_kk})
        return self

    @model_validator(mode="after")
    def _item_on_where_recorded(self) -> Provision:
        if self.when.item_on is not None and not ITEM_ON_RULES.issuperset(self.rule):
            raise ValueError(f"item_on is read from a hit's evidence `exact_on`, which only {', '.join(sorted(ITEM_ON_RULES))} "
                             f"records; not {', '.join(r for r in self.rule if r not in ITEM_ON_RULES)}")
        return self

    @model_validator(mode="after")
    def _refusal_needs_law(self) -> Provision:
        if self.action == Action.deny and self.kind not in REFUSING_KINDS:
            raise ValueError("a provision that refuses (action: deny) needs a legal basis, not a risk indicator "
                             f"(kind is {self.kind!r}; use one of {', '.join(REFUSING_KINDS)})")
        return self


class DefaultProvision(_Strict):
    action: Action | Literal["rule"] | None = "rule"
    kind: Kind = "risk_indicator"
    act: str
    article: str | None = None
    verify: bool = False
    says: str = Field(min_length=3)
    says_ru: str | None = Field(None, min_length=3)
    says_kk: str | None = Field(None, min_length=3)
    article_ru: str | None = None
    article_kk: str | None = None

    @model_validator(mode="after")
    def _translations(self) -> DefaultProvision:
        _same_placeholders(self.says, {"says_ru": self.says_ru, "says_kk": self.says_kk})
        return self

    @model_validator(mode="after")
    def _refusal_needs_law(self) -> DefaultProvision:
        if self.action == Action.deny and self.kind not in REFUSING_KINDS:
            raise ValueError("the default provision may not refuse on a risk indicator")
        return self


class Profile(_Strict):
    """A jurisdiction profile: who is bound, by which acts, and what each finding means for them."""

    id: str
    version: str = Field(min_length=1)
    title: str
    title_ru: str | None = Field(None, min_length=3)
    title_kk: str | None = Field(None, min_length=3)
    label: str = Field(description="Short name shown before the legal basis in explanations, e.g. 'Kazakh law'")
    label_ru: str | None = Field(None, min_length=2)
    label_kk: str | None = Field(None, min_length=2)
    jurisdiction: str
    user: str = Field(description="Who this profile is for")
    provenance: str
    published: str | None = None
    action_words: dict[Action, str] = Field(description="What each action means for this user, in their words")
    action_words_ru: dict[Action, str] | None = None
    action_words_kk: dict[Action, str] | None = None
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="Named groups of countries (EU, ...)")
    foreign_lists: tuple[str, ...] = Field(default=(), description="Lists that are only risk indicators under this law")
    acts: dict[str, Act]
    provisions: tuple[Provision, ...]
    default: DefaultProvision
    # Set on load, not in the file.
    sha256: str = ""
    source: str = ""
    text: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not PROFILE_ID.match(value):
            raise ValueError("a profile id is lower case letters, digits and '_' (e.g. kz_customs)")
        return value

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(normalise_country(c) for c in v) for k, v in value.items()}

    @field_validator("action_words", "action_words_ru", "action_words_kk")
    @classmethod
    def _all_actions(cls, value: dict[Action, str] | None) -> dict[Action, str] | None:
        if value is None:
            return value
        missing = [a.value for a in Action if a not in value]
        if missing:
            raise ValueError(f"no wording for action(s) {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _references(self) -> Profile:
        cited: list[Provision | DefaultProvision] = [*self.provisions, self.default]
        for p in cited:
            if p.act not in self.acts:
                where = f"line {p.line}: " if isinstance(p, Provision) and p.line else ""
                raise ValueError(f"{where}act {p.act!r} is not among the profile's acts ({', '.join(self.acts)})")
        for p in self.provisions:
            for code in p.when.origin_in or ():
                if code not in self.groups and not re.fullmatch(r"[A-Z]{2}", code):
                    raise ValueError(f"line {p.line}: origin_in {code!r} is neither an ISO2 code nor a group of the profile")
            lists = set(p.when.list or ())
            if p.kind == "binding" and lists and lists <= set(self.foreign_lists):
                # A foreign list is no law of this jurisdiction; what can make it decisive is the reach of
                # that foreign law (exposure) or a contract (correspondent banking), and the profile must say which.
                raise ValueError(f"line {p.line}: cites {sorted(lists)} as binding law, but the profile marks them as foreign "
                                 "lists; use kind exposure or contractual, or risk_indicator")
        return self

    def localized(self, obj: Any, field: str, lang: str) -> Any:
        """``field`` of this profile (or of one of its acts or provisions) in ``lang``; English where not given."""
        if lang in TEXT_LANGUAGES:
            found = getattr(obj, f"{field}_{lang}", None)
            if found:
                return found
        return getattr(obj, field)

    def missing_texts(self, lang: str) -> list[str]:
        """The texts this profile lacks in ``lang`` (a shipped profile lacks none: a test says so)."""
        parts: list[tuple[str, Any, str]] = [("", self, f) for f in ("title", "label", "action_words")]
        parts += [(f"acts.{k}.", a, "title") for k, a in self.acts.items()]
        parts += [(f"line {p.line}: ", p, "says") for p in self.provisions] + [("default.", self.default, "says")]
        parts += [(f"line {p.line}: ", p, "article") for p in self.provisions if p.article]
        if self.default.article:
            parts.append(("default.", self.default, "article"))
        return [f"{where}{field}_{lang}" for where, obj, field in parts if not getattr(obj, f"{field}_{lang}", None)]

    def citation(self, act: str, article: str | None, verify: bool) -> str:
        text = self.acts[act].title + (f", {article}" if article else "")
        return text + (" (verify)" if verify else "")

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "title": self.title, "jurisdiction": self.jurisdiction,
                "user": self.user, "provisions": len(self.provisions), "sha256": self.sha256, "source": self.source}


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping so that errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _line_of(doc: dict, loc: tuple) -> int | None:
    """The line of the innermost mapping an error location points into."""
    node: Any = doc
    line = doc.get("__line__")
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "__line__" in node:
            line = node["__line__"]
    return line


def parse_profile(text: str, source: str, known_rules: set[str] | None = None) -> Profile:
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ListFileError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(doc, dict):
        raise ListFileError(f"{source}: a profile is a mapping with id, version, acts, provisions and default")
    raw = _strip_lines(doc)
    provisions = doc.get("provisions")
    if isinstance(provisions, list):
        raw["provisions"] = [{**_strip_lines(p), "line": p.get("__line__", 0)} if isinstance(p, dict) else p for p in provisions]
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)
        lines = []
        for e in first:
            loc = tuple(e["loc"])
            where = _line_of(doc, loc)
            field = ".".join(str(p) for p in loc) or "(profile)"
            lines.append(f"{source}:{where or '?'}: {field}: {e['msg']}")
        raise ListFileError("; ".join(lines)) from None
    if known_rules is not None:
        for p in profile.provisions:
            unknown = [r for r in p.rule if r not in known_rules]
            if unknown:
                raise ListFileError(f"{source}:{p.line}: unknown rule id(s) {unknown}; known rules are listed by 'kordon rules'")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return profile.model_copy(update={"sha256": digest, "source": source, "text": text})


def bundled_profile_names() -> list[str]:
    folder = resources.files("kordon") / "data" / "profiles"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_profile(name_or_path: str | Path, known_rules: set[str] | None = None) -> Profile:
    """A bundled profile by id (``kz_customs``) or a profile file by path."""
    text_name = str(name_or_path)
    if text_name.endswith((".yaml", ".yml")) or "/" in text_name or "\\" in text_name:
        path = Path(text_name)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ListFileError(f"{path}: cannot read the profile file: {exc.strerror or exc}") from exc
        return parse_profile(text, str(path), known_rules)
    if text_name not in bundled_profile_names():
        raise ListFileError(f"unknown profile {text_name!r}; bundled profiles: {', '.join(bundled_profile_names())}, "
                            "or give the path of a profile file")
    folder = resources.files("kordon") / "data" / "profiles"
    return parse_profile((folder / f"{text_name}.yaml").read_text(encoding="utf-8"), f"kordon:data/profiles/{text_name}.yaml",
                         known_rules)
