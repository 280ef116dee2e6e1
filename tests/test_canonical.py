"""The determination's canonical JSON written by orjson (documents.canonical_json_plain) is
json's canonical text byte for byte, for the data it is used on: the digest of every stored and
printed determination depends on it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.case import parse_case
from duidan.documents import canonical_json, canonical_json_plain

from conftest import RELAXED
from strategies import cases

# JSON-native values without floats: what a determination is made of (any text, any key, integers
# to the edges of 64 bits and past them, where orjson refuses and json writes).
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(value=plain)
def test_orjson_writes_what_json_writes_on_plain_data(value):
    assert canonical_json_plain(value) == canonical_json(value)


def test_every_code_point_is_escaped_alike():
    text = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    assert canonical_json_plain([text, {text: 1}]) == canonical_json([text, {text: 1}])
    # a lone surrogate is refused by orjson and written by json, as before
    assert canonical_json_plain("\ud800") == json.dumps("\ud800", ensure_ascii=False)


def _floats(value, path="$"):
    if isinstance(value, float):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _floats(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _floats(v, f"{path}[{i}]")


@settings(max_examples=100, deadline=None, suppress_health_check=RELAXED)
@given(data=cases())
def test_a_determination_holds_no_float(engines, data):
    """canonical_json_plain's precondition: orjson writes some floats differently from json (1e-05
    as 0.00001), so a float anywhere in a determination would change its bytes. Generated cases
    carry float facts (0.00001, 5e-324): none may reach the determination."""
    durable, _ = engines
    det = durable.evaluate_data(parse_case(data, "<generated>"))
    assert list(_floats(det)) == []
