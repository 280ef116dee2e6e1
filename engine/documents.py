"""Reading YAML/JSON documents safely and turning validation failures into :class:`InputError`.

YAML goes through `yaml.safe_load` only: tags that construct Python objects are refused, so a
rulebook or a case file is data and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .errors import InputError, field_path, unknown


class Model(BaseModel):
    """Strict base: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _iso_date(v: Any) -> dt.date:
    # YAML gives date objects; JSON and CSV give strings. Timestamps and datetimes are refused so
    # that a typo cannot silently become a different day.
    if isinstance(v, dt.datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got a date and time {v.isoformat()!r}")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date (YYYY-MM-DD), got {v!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# libyaml's parser when PyYAML has it (it does in the wheels): same safe constructors, ~10x faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):
    """safe_load, plus: duplicate keys are errors (the last one silently winning hides mistakes)."""


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads on/off/yes/no as booleans (`on: finding` would become `True: finding`). Keep the
# YAML 1.2 rule: only true/false are booleans.
_SafeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
import re as _re  # noqa: E402

_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", _re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_text(text: str, file: str, *, json_only: bool = False) -> Any:
    """Parse YAML (a superset of JSON) or JSON text; syntax errors become InputError with a line."""
    if json_only:
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError.one(file, f"line {e.lineno}, column {e.colno}", f"invalid JSON: {e.msg}") from None
    try:
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = e.problem or e.context or "invalid YAML"
        if "could not determine a constructor" in str(e):
            problem = "YAML tags that construct objects are not allowed"
        raise InputError.one(file, where, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as e:
        raise InputError.one(file, "(document)", f"invalid YAML: {e}") from None


def read_document(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError.one(str(path), "(file)", "no such file") from None
    except IsADirectoryError:
        raise InputError.one(str(path), "(file)", "is a directory, expected a file") from None
    except OSError as e:
        raise InputError.one(str(path), "(file)", f"cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError.one(str(path), f"byte {e.start}", "not UTF-8 text") from None
    return parse_text(text, str(path), json_only=path.suffix.lower() == ".json")


def validate(model: type[BaseModel], data: Any, file: str, prefix: tuple = (), context: dict | None = None):
    """Validate `data` against `model`; every problem is reported with its field path. `context`
    carries the Domain that vocabulary fields are checked against (engine/domain.py)."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputError.one(file, field_path(prefix), f"expected a mapping, got {kind}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False):
            loc = prefix + tuple(err["loc"])
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            if err["type"] == "extra_forbidden":
                msg = _extra_message(model, err["loc"])
            elif err["type"] == "missing":
                msg = "required field is missing"
            problems.append((field_path(loc), msg))
        raise InputError(file, problems) from None


def _extra_message(model: type[BaseModel], loc: tuple) -> str:
    """'unknown key' with the closest key the model at that location accepts."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        current = _inner_model(field.annotation) if field else None
    valid = []
    if current is not None and hasattr(current, "model_fields"):
        for name, f in current.model_fields.items():
            valid.append(f.alias or name)
    return unknown("key", loc[-1], valid) if valid else f"unknown key {loc[-1]!r}"


def _inner_model(annotation: Any):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def canonical_json(obj: Any) -> str:
    """The one serialisation digests are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(o: Any):
    if isinstance(o, dt.date):
        return o.isoformat()
    if isinstance(o, BaseModel):
        return o.model_dump(mode="json", by_alias=True, exclude_none=False)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not serialisable: {type(o).__name__}")


def sha256(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
