"""JSON Schemas of the case file and the determination, generated from the models that read and
write them (so they cannot drift). Shipped as docs/schema/*.schema.json for editors (YAML language
servers and JSON editors validate and complete a case file with them); `duidan schema KIND` prints
the same text."""

from __future__ import annotations

import json

KINDS = ("case", "determination")


# Which case-file fields hold a vocabulary term: ($defs model, property) -> the domain's term kind.
_TERMS = {("Unit", "tier"): "tier", ("Person", "post"): "post", ("Finding", "kind"): "lapse kind",
          ("Violation", "kind"): "violation kind", ("Violation", "severity"): "severity",
          ("Circumstance", "kind"): "circumstance kind"}


def json_schema(kind: str, book=None) -> dict:
    """The schema; a case file's vocabulary fields list the ids and Chinese terms of `book`'s
    domain (default: the bundled rulebook's), so editors complete them."""
    if kind == "case":
        from .case import Case
        from .domain import bundled_domain

        schema = Case.model_json_schema(by_alias=True, mode="validation")
        schema["$id"] = "https://duidan.invalid/schema/case.schema.json"
        dom = book.domain if book is not None else bundled_domain()
        for (model, prop), term_kind in _TERMS.items():
            props = schema.get("$defs", {}).get(model, {}).get("properties", {})
            if prop in props:
                ids = list(dom.ids(term_kind))
                title = props[prop].get("title")
                props[prop] = {"type": "string", "enum": ids + [a for a in dom.aliases(term_kind) if a not in ids]}
                if title:
                    props[prop]["title"] = title
    elif kind == "determination":
        from .determination import Determination

        schema = Determination.model_json_schema(by_alias=True, mode="serialization")
        schema["$id"] = "https://duidan.invalid/schema/determination.schema.json"
    else:
        raise ValueError(f"unknown schema {kind!r}; one of: {', '.join(KINDS)}")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(kind: str, book=None) -> str:
    return json.dumps(json_schema(kind, book), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
