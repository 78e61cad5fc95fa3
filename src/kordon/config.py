"""Settings: where kordon screens, what counts as restricted, which lists and rules to use.

Read from a YAML file (``--config`` or ``KORDON_CONFIG``); every field has a default so that
kordon runs with no file at all.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kordon.models.codes import normalise_country

# The diversion hubs named by the UK Office of Trade Sanctions Implementation (OTSI, Department for
# Business and Trade) in its guidance of 7 Jan 2025 (see docs/rules.md for the source).
DEFAULT_DIVERSION_HUBS = ["AM", "CN", "HK", "MO", "IN", "IL", "KZ", "KG", "MY", "MN", "RS", "TH", "TR", "AE", "UZ", "VN"]


class LaneThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yellow: float = Field(25.0, ge=0, le=100, description="Score from which a declaration goes to the yellow lane")
    red: float = Field(60.0, ge=0, le=100, description="Score from which a declaration goes to the red lane")
    # Random selection keeps risk-based targeting honest: traders cannot learn that a clean profile
    # always means green. The draw is a hash of seed and declaration id, so it can be replayed.
    random_rate: float = Field(0.01, ge=0, le=1, description="Share of green declarations selected at random for inspection (0 switches it off)")
    random_seed: str = Field("kordon", min_length=1, description="Seed of the random selection; change it to change who is drawn")
    random_lane: str = Field("red", pattern="^(yellow|red)$", description="Lane a randomly selected declaration goes to")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    screening_country: str = "KZ"
    restricted_destinations: list[str] = Field(default_factory=lambda: ["RU", "BY"])
    diversion_hubs: list[str] = Field(default_factory=lambda: list(DEFAULT_DIVERSION_HUBS))
    # Countries whose exporters are bound by the Russia controls: goods of their origin re-exported
    # from a transit country are what the EBRD "Eurasian roundabout" measures.
    sanctioning_countries: list[str] = Field(
        default_factory=lambda: [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
            "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "US", "GB", "JP", "KR", "TW",
            "CH", "NO", "CA", "AU", "NZ", "SG",
        ]
    )
    lanes: LaneThresholds = Field(default_factory=LaneThresholds)
    lists: list[str] = Field(default_factory=list, description="Extra goods list files or folders (CSV or YAML)")
    use_bundled_lists: bool = True
    rules: list[str] = Field(default_factory=list, description="Extra rule pack files that override or extend the bundled pack")
    history: bool = Field(True, description="Let the red-flag rules use the history of stored declarations")
    history_refresh_seconds: float = Field(
        1.0, ge=0, description="How often a running process takes in declarations other processes stored (0: before every screening)")
    profile: str | None = Field(
        "kz_customs", description="Jurisdiction profile whose law turns findings into actions: a bundled id "
        "(kz_customs, eu_exporter, us_person, bank_kz, uk_exporter) or the path of a profile file")
    database_url: str = Field(default_factory=lambda: os.environ.get("KORDON_DATABASE_URL", "sqlite:///kordon.db"))
    # Where the bulk jobs (parties screen, rescreen) run: in this process, or on Apache Spark (docs/scale.md).
    engine: str = Field(default_factory=lambda: os.environ.get("KORDON_ENGINE", "local"), pattern="^(local|spark)$",
                        description="local | spark")
    spark_master: str = Field(default_factory=lambda: os.environ.get("KORDON_SPARK_MASTER", "local[*]"),
                              description="Spark master (local[2], spark://host:7077, yarn); ignored under spark-submit")
    spark_conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings, e.g. spark.executor.memory")

    @field_validator("screening_country")
    @classmethod
    def _country(cls, value: str) -> str:
        return normalise_country(value)

    @field_validator("restricted_destinations", "diversion_hubs", "sanctioning_countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return [normalise_country(v) for v in value]


class SettingsError(ValueError):
    """The settings file cannot be read or does not validate; the message names the file and the field."""


# A settings file is a few dozen lines; these bound what a hostile or mistaken file can make the reader do.
MAX_SETTINGS_BYTES = 1_000_000
MAX_SETTINGS_DEPTH = 20


def load_settings(path: str | Path | None = None, **overrides: object) -> Settings:
    path = path or os.environ.get("KORDON_CONFIG")
    data: dict = {}
    if path:
        data = _read_yaml(Path(path))
        base = Path(path).parent
        for key in ("lists", "rules"):
            paths = data.get(key, [])
            if isinstance(paths, list):
                data[key] = [str((base / p).resolve()) if isinstance(p, str) and not Path(p).is_absolute() else p for p in paths]
        profile = data.get("profile")
        if isinstance(profile, str) and profile.endswith((".yaml", ".yml")) and not Path(profile).is_absolute():
            data["profile"] = str((base / profile).resolve())
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(_explain(exc, path)) from None


def _read_yaml(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > MAX_SETTINGS_BYTES:
            raise SettingsError(f"{path}: {size} bytes; a settings file is at most {MAX_SETTINGS_BYTES}")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SettingsError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SettingsError(f"{path}:{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise SettingsError(f"{path}: nested too deeply") from None
    if data is None and not text.strip():
        raise SettingsError(f"{path}: the settings file is empty")
    if data is None:  # only comments: every setting at its default
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: the settings file must be a mapping")
    if _depth(data) > MAX_SETTINGS_DEPTH:
        raise SettingsError(f"{path}: nested more than {MAX_SETTINGS_DEPTH} levels deep")
    return data


def _depth(value: object) -> int:
    """Nesting depth of parsed YAML; shared nodes (anchors and aliases) are measured once."""
    heights: dict[int, int] = {}

    def height(node: object, level: int) -> int:
        if not isinstance(node, (dict, list)) or level > MAX_SETTINGS_DEPTH:
            return 0
        if id(node) not in heights:
            children = node.values() if isinstance(node, dict) else node
            heights[id(node)] = 1 + max((height(c, level + 1) for c in children), default=0)
        return heights[id(node)]

    return height(value, 0)


def _explain(exc: ValidationError, path: str | Path | None) -> str:
    """One line per problem: the field, what is wrong, and for an unknown key the closest known one."""
    where = f"{path}: " if path else "settings: "
    lines = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            lines.append(f"unknown setting {loc!r}" + _suggest(e["loc"]))
        else:
            lines.append(f"{loc}: {e['msg']}")
    return where + "; ".join(lines)


def _suggest(loc: tuple) -> str:
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(model.model_fields)})"
