"""Numbers durable_rules' JSON reader mishandles (docs/durable-rules.md, "Numbers the engine's parser
mishandles"): exponent notation without a fraction (`1e-05`, `1e+16`, `8e-1`), non-finite values,
integers past 64 bits. Every such value must reach the engine in a form it reads as Python does, so
the durable path and the reference evaluator agree on it."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from duidan.case import load_case, parse_case
from duidan.documents import read_document
from duidan.durable_engine import engine_json

from conftest import RELAXED, ROOT

COPIED = ROOT / "cases" / "township_copied_plans.yaml"
DUAL = ROOT / "cases" / "village_dual_signature.yaml"

# Python writes each of these in exponent notation with an integral mantissa: the engine's reader
# stops at the `e` (measured: 0.00001 crashed `duidan evaluate` with SIGSEGV, 1e-05 gave error 309).
EXPONENT_FLOATS = [0.00001, 1e-5, 5e-324, 1e-300, 8e-1 / 1e4, 2e-7, 1e16, 1e22, 1e300, -1e-05]


@pytest.mark.parametrize("x", EXPONENT_FLOATS + [0.1, 2.5e-07, 1.5e300, -0.0, 0.0, 123.456])
def test_engine_json_writes_every_float_positionally_and_exactly(x):
    text = engine_json({"v": x})
    assert "e" not in text.lower(), "the engine's reader does not understand an exponent without a fraction"
    assert json.loads(text)["v"] == x, "positional notation must be the same double"


@settings(max_examples=2000, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**70), 2**70),
                                 st.booleans(), st.text(max_size=5)), max_size=6))
def test_a_batch_of_facts_is_written_as_the_careful_writer_writes_it(values):
    """The engine's batch is written by orjson when every case-fact value is plain: its text must
    be exactly engine_json's, whatever the values (exponent floats and 64-bit overflows included)."""
    from duidan.durable_engine import _batch_json

    facts = [{"id": f"c{i}", "type": "candidate", "f_v": v} for i, v in enumerate(values)]
    try:
        expected = engine_json(facts)
    except Exception as e:   # noqa: BLE001  what the careful writer refuses, the batch refuses too
        with pytest.raises(type(e)):
            _batch_json(facts)
        return
    assert _batch_json(facts) == expected


def test_non_finite_numbers_never_reach_the_engine():
    from duidan.errors import EngineFault

    for x in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(EngineFault):
            engine_json([x])
    with pytest.raises(EngineFault):
        engine_json(2**64)


def _with_fact(path: Path, finding: int, name: str, value):
    data = read_document(path)
    data = copy.deepcopy(data)
    data["findings"][finding].setdefault("facts", {})[name] = value
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=RELAXED)
@given(x=st.floats(0, 1))
@example(x=0.00001)
@example(x=5e-324)
@example(x=1e-300)
@example(x=0.8)
@example(x=0.7999999999999999)
@example(x=2.5e-07)
def test_durable_and_reference_agree_on_any_ratio(engines, x):
    durable, reference = engines
    data = _with_fact(COPIED, 0, "similarity", x)
    data["findings"][0]["facts"].pop("copied_from", None)    # so the similarity decides
    case = parse_case(data, "<similarity>")
    res = durable.resolve(case)
    assert durable.matches(res) == reference.matches(res)


@settings(max_examples=40, deadline=None, suppress_health_check=RELAXED)
@given(x=st.floats(0, 2**53 - 1))
@example(x=0.00001)
@example(x=1e15)
@example(x=5e-324)
@example(x=49999.99999999999)
@example(x=50000.0)
@example(x=200000.00000000003)
def test_durable_and_reference_agree_on_any_amount(engines, x):
    durable, reference = engines
    case = parse_case(_with_fact(DUAL, 0, "amount", x), "<amount>")
    res = durable.resolve(case)
    assert durable.matches(res) == reference.matches(res)


def test_the_reported_crash_is_gone(tmp_path):
    """The reproduction: `similarity: 0.00001` made `duidan evaluate` exit 139 (SIGSEGV). Run in a
    subprocess, since a regression would kill the test process."""
    text = COPIED.read_text(encoding="utf-8").replace("similarity: 0.92", "similarity: 0.00001")
    case = tmp_path / "small.yaml"
    case.write_text(text, encoding="utf-8")
    amount = tmp_path / "amount.yaml"
    amount.write_text(DUAL.read_text(encoding="utf-8").replace("amount: 52000", "amount: 1e-05"),
                      encoding="utf-8")
    for path in (case, amount):
        for engine in ("durable", "reference"):
            p = subprocess.run([sys.executable, "-m", "duidan.cli", "evaluate", "--format", "json",
                                "--engine", engine, str(path)], capture_output=True, text=True, timeout=120)
            assert p.returncode == 0, (path.name, engine, p.returncode, p.stderr[-500:])
    load_case(amount)   # YAML 1.2 reads 1e-05 as a number (YAML 1.1 read it as a string)
