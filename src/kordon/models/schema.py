"""JSON Schema of the declaration format, generated from the pydantic models (never written by hand)."""

from __future__ import annotations

from typing import Any

from kordon.models.declaration import FORMAT_VERSION, Declaration
from kordon.models.decision import Decision


def declaration_schema() -> dict[str, Any]:
    schema = Declaration.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://kordon.dev/schema/declaration-v{FORMAT_VERSION}.json"
    schema["title"] = f"kordon declaration, format v{FORMAT_VERSION}"
    return schema


def decision_schema() -> dict[str, Any]:
    schema = Decision.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kordon decision"
    return schema
