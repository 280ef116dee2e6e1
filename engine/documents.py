"""Reading YAML/JSON documents safely and turning validation failures into :class:`InputError`.

YAML goes through `yaml.safe_load` only: tags that construct Python objects are refused, so a
rulebook or a case file is data and nothing else.
"""


import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import orjson as _orjson
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from .errors import InputError, field_path, shorten, unknown


class Model(BaseModel):
    """Strict base: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def _iso_date(v: Any) -> dt.date:
    # YAML gives date objects; JSON and CSV give strings. Timestamps and datetimes are refused so
    # that a typo cannot silently become a different day.
    if isinstance(v, dt.datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got a date and time {v.isoformat()!r}")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        from .spellings import loose_date

        try:
            return dt.date.fromisoformat(loose_date(v))
        except ValueError:
            hint = closest_date(v) if len(v.strip()) == 10 else None
            if hint:
                raise ValueError(f"{v!r} is not a date; the closest valid date is {hint}") from None
    raise ValueError(f"expected an ISO date (YYYY-MM-DD), got {v!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# libyaml's parser when PyYAML has it (it does in the wheels): same safe constructors, ~10x faster.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):
    """safe_load, plus: duplicate keys are errors (the last one silently winning hides mistakes)."""


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a plain value, got {kind}", key_node.start_mark)
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads on/off/yes/no as booleans (`on: finding` would become `True: finding`), `1:30` as
# the sexagesimal 90, `010` as octal 8 and `1e-05` as text. Keep the YAML 1.2 (core schema) rules:
# only true/false are booleans; integers are decimal (or 0o/0x); floats may have an exponent.
_YAML11_NUMBERS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_SafeLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in _YAML11_NUMBERS]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+.0123456789"))

MAX_DIGITS = 4300   # Python refuses to read longer integers (a guard against quadratic conversion)


def _construct_int(loader: _SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    digits = len(text.lstrip("+-"))
    if digits > 300:
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {digits} digits; numbers here have at most 300", node.start_mark)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_timestamp(loader: _SafeLoader, node: yaml.ScalarNode):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as e:
        text = loader.construct_scalar(node)
        hint = closest_date(text)
        tip = f"; the closest valid date is {hint}" if hint else ""
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a date ({e}){tip}", node.start_mark) from None


_SafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def closest_date(text: str) -> str | None:
    """2022-02-30 -> 2022-02-28: the last valid day of the month meant (the commonest typo)."""
    import calendar

    m = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(text))
    if not m:
        return None
    y, mo, d = int(m[1]), min(max(int(m[2]), 1), 12), max(int(m[3]), 1)
    if y < 1:
        return None
    return dt.date(y, mo, min(d, calendar.monthrange(y, mo)[1])).isoformat()


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _JSONProblem(f"duplicate key {k!r}")
        out[k] = v
    return out


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 300:
        raise _JSONProblem(f"an integer of {len(text.lstrip('-'))} digits; numbers here have at most 300")
    return int(text)


def _json_constant(name: str):
    raise _JSONProblem(f"{name} is not a JSON number")


class _JSONProblem(ValueError):
    pass


def parse_text(text: str, file: str, *, json_only: bool = False) -> Any:
    """Parse YAML (a superset of JSON) or JSON text; syntax errors become InputError with a line.
    The result is checked against the limits (engine/limits.py) before anything else uses it."""
    from .limits import check_tree, current

    lim = current()
    if len(text) > lim.max_bytes:
        raise InputError.one(file, "(document)", f"{len(text):,} characters, over the limit (max_bytes)")
    if json_only:
        try:
            data = json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int,
                              parse_constant=_json_constant)
        except json.JSONDecodeError as e:
            raise InputError.one(file, f"line {e.lineno}, column {e.colno}", f"invalid JSON: {e.msg}") from None
        except _JSONProblem as e:
            raise InputError.one(file, "(document)", f"invalid JSON: {e}") from None
        except RecursionError:
            raise InputError.one(file, "(document)", f"nested more than {lim.max_depth} levels deep "
                                                     "(limit max_depth)") from None
        check_tree(data, file, lim)
        return data
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(document)"
        problem = e.problem or e.context or "invalid YAML"
        if "could not determine a constructor" in str(e):
            problem = "YAML tags that construct objects are not allowed"
        raise InputError.one(file, where, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as e:
        raise InputError.one(file, "(document)", f"invalid YAML: {shorten(str(e))}") from None
    except RecursionError:
        raise InputError.one(file, "(document)", f"nested more than {lim.max_depth} levels deep "
                                                 "(limit max_depth)") from None
    except (ValueError, TypeError, OverflowError) as e:   # a scalar no constructor could read
        raise InputError.one(file, "(document)", f"invalid YAML: {shorten(str(e))}") from None
    check_tree(data, file, lim)
    return data


def read_document(path: Path) -> Any:
    from .limits import read_regular

    raw = read_regular(Path(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError.one(str(path), f"byte {e.start}", "not UTF-8 text") from None
    return parse_text(text, str(path), json_only=Path(path).suffix.lower() == ".json")


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


def rebuild(model: type[BaseModel], data: dict) -> BaseModel:
    """`model` back from `data`, the JSON dump (`model_dump(mode="json", by_alias=True)`) of an
    instance that was validated by this very code, without validating it again: nested models,
    dates, floats and tuples are restored from the field types, nothing is checked. Only for bytes
    known to be such a dump (the rulebook cache: a SHA-256 over the text, a key over the code).
    A field type it does not know raises TypeError, so the caller falls back to validating."""
    values = {}
    for name, key, convert in _plan(model):
        if key in data:
            values[name] = data[key] if convert is None else convert(data[key])
    if len(values) < len(model.__pydantic_fields__) or not _plain_model(model):
        return model.model_construct(**values)   # it fills the defaults in
    return _construct(model, values)


_setattr = object.__setattr__


def _construct(model: type[BaseModel], values: dict) -> BaseModel:
    """`model.model_construct(**values)` when `values` holds every field by name: the instance state
    it sets, without its search of aliases and defaults, which was half of rebuilding a rulebook."""
    m = model.__new__(model)
    _setattr(m, "__dict__", values)
    _setattr(m, "__pydantic_fields_set__", set(values))
    _setattr(m, "__pydantic_extra__", None)
    _setattr(m, "__pydantic_private__", None)
    return m


@cache
def _plain_model(model: type[BaseModel]) -> bool:
    """Whether model_construct would do no more than _construct: no extra fields kept, no private
    attributes, no post-init hook, not a root model."""
    return (model.model_config.get("extra") != "allow" and not model.__private_attributes__
            and not model.__pydantic_post_init__ and not model.__pydantic_root_model__)


_JSON_NATIVE = (str, int, bool, Any)


@cache
def _plan(model: type[BaseModel]) -> tuple:
    return tuple((name, f.alias or name,
                  _tagged(f.annotation, f.discriminator) if f.discriminator else _converter(f.annotation))
                 for name, f in model.model_fields.items() if not f.exclude)


def _tagged(union: Any, tag: Any):
    """A union of models told apart by the Literal value of their field `tag`."""
    import typing

    if not isinstance(tag, str):
        raise TypeError(f"rebuild: no conversion for a callable discriminator on {union!r}")
    by_value, key = {}, tag
    for member in typing.get_args(union):
        f = member.model_fields[tag]
        key = f.alias or tag
        for value in typing.get_args(f.annotation):
            by_value[value] = member
    return lambda v: rebuild(by_value[v[key]], v)


def _converter(ann: Any):
    """The function from JSON to a value of type `ann`, or None where the JSON value is the value."""
    import types
    import typing

    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Annotated:
        tag = next((m.discriminator for m in args[1:] if getattr(m, "discriminator", None)), None)
        return _converter(args[0]) if tag is None else _tagged(args[0], tag)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return lambda v: rebuild(ann, v)
    if ann is dt.date:
        return dt.date.fromisoformat
    if ann is float:
        return float
    if ann in _JSON_NATIVE or origin is typing.Literal:
        return None
    if origin is list:
        f = _converter(args[0])
        return list if f is None else (lambda v: [f(x) for x in v])
    if origin is dict and args[0] is str:
        f = _converter(args[1])
        return dict if f is None else (lambda v: {k: f(x) for k, x in v.items()})
    if origin is tuple and ... not in args:
        fs = [_converter(a) for a in args]
        return lambda v: tuple(x if f is None else f(x) for f, x in zip(fs, v, strict=True))
    if origin in (typing.Union, types.UnionType):
        # smart-mode unions keep a JSON value whose type is a member as it is (3 stays int in
        # `int | float`); only a lone `float` turns an integer into a float
        fs = [None if a is float and int in args else _converter(a) for a in args if a is not type(None)]
        if all(f is None for f in fs):
            return None
        if len(fs) == 1:
            return lambda v: None if v is None else fs[0](v)
    raise TypeError(f"rebuild: no conversion for field type {ann!r}")


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
    return _CANONICAL(obj)


def _default(o: Any):
    if isinstance(o, dt.date):
        return o.isoformat()
    if isinstance(o, BaseModel):
        return o.model_dump(mode="json", by_alias=True, exclude_none=False)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not serialisable: {type(o).__name__}")


# One encoder, made once: json.dumps with any option builds a new JSONEncoder per call, and a
# batch makes about seventy calls a case. encode() is exactly what dumps() returns.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default).encode


def canonical_json_plain(obj: Any) -> str:
    """canonical_json, three to four times faster, for data of the determination's kind: str,
    int, bool, None, lists and str-keyed dicts, no float (the determination format has no
    non-integer number). orjson writes exactly json's bytes for those (checked on every code point
    and on every bundled and generated determination, tests/test_properties.py); it writes some
    floats differently (1e-05 as 0.00001) and NaN as null, so data that may hold a float goes
    through canonical_json. Anything orjson refuses (an integer past 64 bits, a lone surrogate,
    a key that is not a string) is written by canonical_json, which decides what such data gives."""
    try:
        return _orjson.dumps(obj, option=_orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:
        return canonical_json(obj)


def sha256(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
