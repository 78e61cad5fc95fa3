"""Settings: where kordon screens, what counts as restricted, which lists and rules to use.

Read from a YAML file (``--config`` or ``KORDON_CONFIG``); every field has a default so that
kordon runs with no file at all.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kordon.models.codes import normalise_country

# The diversion hubs named by the UK Office of Trade Sanctions Implementation (OTSI, Department for
# Business and Trade) in its guidance of 7 Jan 2025 (see docs/rules.md for the source).
DEFAULT_DIVERSION_HUBS = ["AM", "CN", "HK", "MO", "IN", "IL", "KZ", "KG", "MY", "MN", "RS", "TH", "TR", "AE", "UZ", "VN"]


class LaneThresholds(BaseModel):
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


def load_settings(path: str | Path | None = None, **overrides: object) -> Settings:
    path = path or os.environ.get("KORDON_CONFIG")
    data: dict = {}
    if path:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: the settings file must be a mapping")
        base = Path(path).parent
        data["lists"] = [str((base / p).resolve()) if not Path(p).is_absolute() else p for p in data.get("lists", [])]
        data["rules"] = [str((base / p).resolve()) if not Path(p).is_absolute() else p for p in data.get("rules", [])]
        profile = data.get("profile")
        if isinstance(profile, str) and profile.endswith((".yaml", ".yml")) and not Path(profile).is_absolute():
            data["profile"] = str((base / profile).resolve())
    data.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.model_validate(data)
