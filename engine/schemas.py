"""JSON Schemas of the case file and the determination, generated from the models that read and
write them (so they cannot drift). Shipped as docs/schema/*.schema.json for editors (YAML language
servers and JSON editors validate and complete a case file with them); `duidan schema KIND` prints
the same text."""

from __future__ import annotations

import json

KINDS = ("case", "determination")


def json_schema(kind: str) -> dict:
    if kind == "case":
        from .case import Case

        schema = Case.model_json_schema(by_alias=True, mode="validation")
        schema["$id"] = "https://duidan.invalid/schema/case.schema.json"
    elif kind == "determination":
        from .determination import Determination

        schema = Determination.model_json_schema(by_alias=True, mode="serialization")
        schema["$id"] = "https://duidan.invalid/schema/determination.schema.json"
    else:
        raise ValueError(f"unknown schema {kind!r}; one of: {', '.join(KINDS)}")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
