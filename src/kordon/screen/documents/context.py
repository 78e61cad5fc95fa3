"""What the SNT verification consults: its rule pack, the prohibiting states, the origin signs, the
profile's verdict table and, optionally, the declaration screening context (goods lists, party index)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from kordon.ingest.rule_pack import RulePack, parse_rule_pack
from kordon.screen.context import ScreeningContext
from kordon.screen.documents.goods import ScreeningMemo


def _data(name: str) -> tuple[str, dict[str, Any]]:
    text = (resources.files("kordon") / "data" / "eaeu" / name).read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def verdict_table_texts(lang: str) -> dict[str, str]:
    """Every basis of the SNT verdict tables (English, whitespace folded, as recorded) → its ``basis_<lang>``."""
    if lang == "en":
        return {}
    _, verdicts = _data("verdicts.yaml")
    found: dict[str, str] = {}
    for table in (verdicts.get("profiles") or {}).values():
        for entry in (table.get("findings") or {}).values():
            if isinstance(entry, dict) and entry.get("basis") and entry.get(f"basis_{lang}"):
                found[" ".join(str(entry["basis"]).split())] = str(entry[f"basis_{lang}"])
    return found


@dataclass
class DocumentContext:
    rules: RulePack
    prohibiting: dict[str, str]  # country code → name
    prohibiting_version: str
    destinations: frozenset[str]  # where the origin test applies (RU, BY)
    signs: dict[str, str]  # origin sign → class (import | domestic | other)
    profile: str
    profile_version: str
    verdict_table: dict[str, dict[str, Any]]
    screening: ScreeningContext | None = None  # goods and party rules; None leaves them out (and says so)
    extras: dict[str, Any] = field(default_factory=dict)
    # Goods and party findings per party and row, for this context's lists and profile (None: screen every SNT afresh).
    memo: ScreeningMemo | None = field(default_factory=ScreeningMemo)

    def controlled(self, code: str, day: dt.date) -> bool:
        """Goods on any control list in force that day (through the screening context's goods index)."""
        if self.screening is None:
            return False
        from kordon.index.hs import edition_for

        return bool(self.screening.goods.lookup(code, edition_for(day), day))

    def versions(self) -> dict[str, str]:
        out = {"eaeu_rules": self.rules.version, "prohibiting_states": self.prohibiting_version,
               "profile": f"{self.profile} {self.profile_version}",
               "eaeu_verdicts": str(self.extras.get("verdict_table_version", ""))}
        if self.screening is not None:
            out.update(self.screening.list_versions())
            out["rules"] = self.screening.rules.version
        return out


PROFILES = ("kz_customs", "eu_exporter", "us_person", "uk_exporter", "bank_kz")  # the bundled ones; a profile file works too


class UnknownProfile(ValueError):
    pass


def build_document_context(profile: str = "kz_customs", screening: ScreeningContext | None = None,
                           restricted: list[str] | None = None) -> DocumentContext:
    from kordon.screen.documents import checks  # noqa: F401 - registers the rules
    from kordon.screen.documents.registry import DOC_RULES

    text, _ = _data("rules.yaml")
    pack = parse_rule_pack(text, "kordon:data/eaeu/rules.yaml", set(DOC_RULES))
    _, states = _data("prohibiting_states.yaml")
    _, signs = _data("origin_signs.yaml")
    _, verdicts = _data("verdicts.yaml")
    # kz_customs reads the SRC's own table; every other jurisdiction profile its provisions for the reason codes.
    table = verdicts["profiles"].get(profile) or {"findings": {}}
    from kordon.ingest.profiles import bundled_profile_names

    if profile not in bundled_profile_names() and profile not in verdicts["profiles"]:
        raise UnknownProfile(f"unknown profile {profile!r} for the SNT verification; known: {', '.join(sorted(bundled_profile_names()))}")
    destinations = frozenset(restricted) if restricted is not None else frozenset(states["destinations"])
    from kordon.decide.profiles import load_profile

    # The jurisdiction profile (kordon/data/profiles) decides the goods and party hits; its version is the verdict's.
    version = load_profile(profile).version
    return DocumentContext(
        rules=pack, prohibiting=dict(states["states"]), prohibiting_version=str(states["version"]), destinations=destinations,
        signs={str(k): v["class"] for k, v in signs["signs"].items()}, profile=profile,
        profile_version=str(version), verdict_table=table["findings"], screening=screening,
        extras={"verdict_table_version": str(verdicts["version"])})
