"""Packing (engine/packing.py): whatever the text and whatever objects are shared, unpacking gives
back the exact text; damaged values are errors with a message, never wrong text."""

from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.documents import canonical_json
from duidan.packing import Packer, PackError, unpack

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                    st.text(alphabet=st.sampled_from('ab"\\{}[]:,$ref 条款\u2028'), max_size=8))
JSON = st.recursive(SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4),
    st.dictionaries(st.text(alphabet=st.sampled_from('ab$ref"{'), max_size=4), kids, max_size=4)), max_leaves=25)


def _subvalues(v):
    yield v
    if isinstance(v, dict):
        for x in v.values():
            yield from _subvalues(x)
    elif isinstance(v, list):
        for x in v:
            yield from _subvalues(x)


@settings(max_examples=400, deadline=None)
@given(value=JSON, data=st.data())
def test_unpack_gives_back_the_exact_text(value, data):
    text = canonical_json(value)
    subs = [canonical_json(s) for s in _subvalues(value)]
    shared = data.draw(st.lists(st.sampled_from(subs), max_size=5)) + data.draw(st.lists(st.text(max_size=6), max_size=2))
    packer = Packer()
    packer.DICT_BYTES = 16             # learn a dictionary after the first value, to exercise that path too
    for _ in range(3):
        packed, contents = packer.pack(text, shared)
        asked = []
        assert unpack(packed, lambda key, asked=asked, got=contents: asked.append(key) or got.get(key)) == text
        assert set(asked) == set(contents)   # the rows a value names are exactly the rows it needs


def test_a_shared_object_is_stored_once_and_referenced():
    clause = {"id": "P-1", "text": "领导班子对职责范围内的党风廉政建设负全面领导责任"}
    det = {"recommendations": [{"clauses": [clause]}, {"clauses": [clause]}]}
    text = canonical_json(det)
    packed, contents = Packer().pack(text, [canonical_json(clause)])
    assert list(contents.values()) == [canonical_json(clause)]
    inner = zlib.decompress(packed[1:]).decode()
    assert "领导班子" not in inner and inner.count('{"$ref":') == 2
    with pytest.raises(PackError, match="not in the store"):
        unpack(packed)


def test_a_text_that_holds_a_reference_is_never_packed_by_reference():
    text = canonical_json({"a": {"$ref": "0123456789abcdef"}, "b": {"x": 1}})
    packed, contents = Packer().pack(text, [canonical_json({"x": 1})])
    assert contents == {} and unpack(packed) == text


@pytest.mark.parametrize("value", [b"", b"q123", b"z" + b"not zlib", b"z" + zlib.compress(b"\xff\xfe"),
                                   b"z" + zlib.compress(b"{}")[:-3], b"Z0123456789abcdef" + zlib.compress(b"{}")])
def test_damaged_values_are_errors(value):
    with pytest.raises(PackError):
        unpack(value)


def test_a_value_that_would_expand_without_bound_is_refused(monkeypatch):
    import duidan.packing as packing

    monkeypatch.setattr(packing, "MAX_TEXT", 1000)
    with pytest.raises(PackError, match="expands beyond"):
        unpack(b"z" + zlib.compress(b"[" + b"0," * 5000 + b"0]"))
    assert json.loads(unpack(b"z" + zlib.compress(b"[0]"))) == [0]
