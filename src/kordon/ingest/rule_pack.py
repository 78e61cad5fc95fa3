"""Rule packs: the versioned YAML that gives every rule its title, weight, rationale and source.

The code of a rule lives in ``kordon.screen``; what it weighs and why it exists is data, so a
risk analyst can re-weigh or disable a rule without touching code. Loading validates every
entry and names the file and line of anything wrong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kordon.ingest.errors import ListFileError

REQUIRED = ("id", "title", "weight", "rationale", "source")


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    weight: float
    rationale: str
    source: str
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    # How a jurisdiction profile decides this rule's hits (kordon.decide.profiles.KeySpec), on the copies of the
    # pack's rules that a profile runs (CompiledProfile.plan); None on the pack's own: the rule's own actions.
    way: Any = field(default=None, compare=False, repr=False)


@dataclass
class RulePack:
    version: str
    rules: dict[str, RuleSpec]
    sha256: str
    sources: list[str]
    texts: list[str] = field(default_factory=list)  # the YAML texts, in merge order, for snapshots

    def enabled(self) -> list[RuleSpec]:
        return [r for r in self.rules.values() if r.enabled]

    def merged(self, other: "RulePack") -> "RulePack":
        """Rules of `other` override or extend these ones."""
        rules = dict(self.rules)
        rules.update(other.rules)
        digest = hashlib.sha256((self.sha256 + other.sha256).encode()).hexdigest()
        return RulePack(f"{self.version}+{other.version}", rules, digest, self.sources + other.sources, self.texts + other.texts)


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping so that errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_rule_pack(text: str, source: str, known_rules: set[str] | None = None) -> RulePack:
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ListFileError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise ListFileError(f"{source}: a rule pack is a mapping with 'version' and a list 'rules'")
    if not doc.get("version"):
        raise ListFileError(f"{source}:{doc.get('__line__', 1)}: field 'version' is missing")
    rules: dict[str, RuleSpec] = {}
    for raw in doc["rules"]:
        spec = _rule_spec(raw, source, known_rules)
        if spec.id in rules:
            raise ListFileError(f"{source}:{raw.get('__line__', '?')}: rule {spec.id!r} appears twice")
        rules[spec.id] = spec
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RulePack(str(doc["version"]), rules, digest, [source], [text])


def _rule_spec(raw: object, source: str, known_rules: set[str] | None) -> RuleSpec:
    """One rule of a pack, checked field by field; errors name the file and line."""
    if not isinstance(raw, dict):
        raise ListFileError(f"{source}: every rule must be a mapping")
    where = f"{source}:{raw.get('__line__', '?')}"
    for key in REQUIRED:
        if raw.get(key) in (None, ""):
            raise ListFileError(f"{where}: rule {raw.get('id', '?')!r} has no {key!r}")
    rule_id = str(raw["id"])
    if known_rules is not None and rule_id not in known_rules:
        raise ListFileError(f"{where}: unknown rule id {rule_id!r}; known rules are listed by 'kordon rules'")
    weight = raw["weight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 100:
        raise ListFileError(f"{where}: rule {rule_id!r} has weight {weight!r}; a weight is a number from 0 to 100")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ListFileError(f"{where}: rule {rule_id!r}: 'params' must be a mapping")
    return RuleSpec(
        id=rule_id,
        title=str(raw["title"]),
        weight=float(weight),
        rationale=str(raw["rationale"]).strip(),
        source=str(raw["source"]).strip(),
        enabled=bool(raw.get("enabled", True)),
        params={k: v for k, v in params.items() if k != "__line__"},
    )


def load_rule_pack(path: str | Path, known_rules: set[str] | None = None) -> RulePack:
    path = Path(path)
    return parse_rule_pack(path.read_text(encoding="utf-8"), str(path), known_rules)


def bundled_rule_pack(known_rules: set[str] | None = None) -> RulePack:
    """Every pack file shipped in kordon/data/rules, merged in name order (core.yaml first)."""
    folder = resources.files("kordon") / "data" / "rules"
    names = sorted((p.name for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda n: (n != "core.yaml", n))
    pack: RulePack | None = None
    for name in names:
        part = parse_rule_pack((folder / name).read_text(encoding="utf-8"), f"kordon:data/rules/{name}", known_rules)
        pack = part if pack is None else pack.merged(part)
    assert pack is not None, "kordon ships at least core.yaml"
    return pack
