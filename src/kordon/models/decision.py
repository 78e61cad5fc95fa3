"""What screening returns: hits with explanations, and the decision they lead to."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Lane(str, Enum):
    green = "green"
    yellow = "yellow"
    red = "red"


class Action(str, Enum):
    release = "release"
    check_documents = "check_documents"
    inspect = "inspect"
    deny = "deny"


ACTION_ORDER = [Action.release, Action.check_documents, Action.inspect, Action.deny]
LANE_ORDER = [Lane.green, Lane.yellow, Lane.red]


class Severity(str, Enum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ListRef(BaseModel):
    id: str
    version: str
    entry: str | None = Field(None, description="The list entry that matched: an HS code or a list entity id")


class LegalBasis(BaseModel):
    """Why a hit leads to its action under the law that binds the user (a jurisdiction profile)."""

    profile: str = Field(description="Profile id, e.g. kz_customs")
    kind: str = Field(description="binding (law that binds the user), exposure (foreign law that can reach the user, e.g. "
                                  "secondary sanctions), contractual (correspondent-bank terms), risk_indicator (evidence only)")
    citation: str = Field(description="The act and article in words a user can look up; '(verify)' where kordon is not sure")
    says: str | None = Field(None, description="What the act requires here, in plain words")
    url: str | None = None


class Hit(BaseModel):
    """One finding about one part of a declaration, with one plain-language explanation."""

    model_config = ConfigDict(frozen=False)

    rule: str = Field(description="Rule id, e.g. goods.chpl")
    severity: Severity
    subject: str = Field(description="Which part of the declaration: items[2], parties[1], route, declaration")
    explanation: str = Field(description="One sentence an officer can act on")
    list: ListRef | None = None
    score: float = Field(0.0, ge=0, le=100, description="This hit's contribution to the declaration's risk score")
    action: Action | None = Field(None, description="The least action this hit requires on its own, if any")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Fields and values that triggered the rule")
    source: str | None = Field(None, description="Published source of the rule (red-flag guidance, legal basis)")
    legal_basis: LegalBasis | None = Field(None, description="The action's legal basis under the decision's profile")
    rule_action: Action | None = Field(
        None, description="Under a profile: the rule's own action, before the profile decided (deciding the hit again under "
                          "another profile starts from it)")


class Decision(BaseModel):
    declaration_id: str
    lane: Lane
    action: Action
    score: float = Field(ge=0, le=100)
    hits: list[Hit] = Field(default_factory=list)
    list_versions: dict[str, str] = Field(default_factory=dict, description="Every list the screening consulted, id → version")
    rules_version: str | None = None
    profile: str | None = Field(None, description="Jurisdiction profile whose law decided the actions (kordon rules shows it)")
    profile_version: str | None = None
    screened_at: dt.datetime | None = None
    history_upto: int | None = Field(
        None, description="The red-flag rules saw the history of every declaration version stored up to this row (store key)"
    )
    random_selection: dict[str, Any] | None = Field(
        None, description="Rate and outcome of the random inspection selection, when one was made (the seed and draw stay on the server)"
    )
