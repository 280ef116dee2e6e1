"""The only module that imports durable_rules. It uses the engine in the safe pattern of
docs/durable-rules.md, because used naively it gives wrong, order-dependent answers:

- only the C extension: the ruleset is created from a dict written as JSON (never the global
  decorator DSL), and no durable `Host` exists, so no thread ever runs (the default Host runs
  actions on background threads);
- no joins or negations (engine/facts.py says why): each rule is one pattern over one candidate
  fact, so no trigger pattern is needed (the differential test against the reference decided);
- a case's facts, sorted by id, only the candidates some rule can match, go in one `assert_facts`;
  the pending actions are read by our own loop (start_action_for_state,
  complete_and_start_action), never through durable's do_actions, which serialised the session
  state and called back into Python for every firing;
- a sentinel rule fires once per case, because `delete_state` crashes on a session where no
  action ran; one live session at a time, deleted after the case (1024-session cap);
- fact ids checked unique under the engine's 32-bit FNV hash;
- the result is the sorted set of (rule, matched facts): never the firing order;
- a session is deleted only once every pending action completed: when the engine fails a batch
  (error 303, more than 64 sibling range tests passed by one fact) no action has run, and
  delete_state would crash the process ("double free or corruption") instead of reporting it.
"""

from __future__ import annotations

import json
import math
import threading
from decimal import Decimal
from functools import lru_cache

import durable_rules_engine as _engine
import orjson as _orjson

from .compile import SENTINEL, compile_rules
from .errors import EngineFault
from .facts import Match, WorkingMemory
from .rulebook import Rule

# ---------------------------------------------------------------- numbers the engine can read
#
# The engine's own JSON reader (src/rules/json.c) reads a number as: optional '-', digits, then
# only after a '.' an exponent. So `1e-05` (Python's text for 0.00001), `1e+16`, `5e-324` or `8e-1`
# stop after the `1`: the rest of the fact no longer parses, the engine fails the batch half-way
# (error 309) or crashes the process in do_actions. `Infinity` does not parse; `NaN` is read as
# null; integers past 64 bits are clamped. Every value handed to the engine therefore goes through
# engine_json(), which writes floats in positional notation (`0.00001`, `1e16` as
# `10000000000000000.0`) -- the same double, so the reference evaluator sees the same number.
# Non-finite numbers and integers beyond 2**63 never reach it: the case loader rejects them.

def _float_text(x: float) -> str:
    if not math.isfinite(x):
        raise EngineFault(f"a non-finite number ({x!r}) reached the rules engine")
    text = repr(x)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")      # exact digits of the shortest repr, no exponent
        if "." not in text:
            text += ".0"
    return text


def _int_text(n: int) -> str:
    if not -(2**63) <= n < 2**63:
        raise EngineFault(f"an integer beyond 64 bits ({str(n)[:30]}…) reached the rules engine")
    return str(n)


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode   # made once, not per fact


def _plain(obj) -> bool:
    """True when json.dumps writes `obj` as the engine reads it: no float in exponent notation,
    nothing non-finite, no integer past 64 bits, nothing but JSON types."""
    t = type(obj)
    if t is str or t is bool or obj is None:
        return True
    if t is int:
        return -(2**63) <= obj < 2**63
    if t is float:
        return math.isfinite(obj) and "e" not in repr(obj)
    if t is dict:
        return all(type(k) is str and _plain(v) for k, v in obj.items())
    if t is list or t is tuple:
        return all(_plain(v) for v in obj)
    return False


def engine_json(obj) -> str:
    """JSON text the engine's reader reads as Python reads it (numbers positional, no exponent)."""
    if _plain(obj):   # the common case: one C-speed dumps (same bytes as the writer below)
        return _COMPACT(obj)
    return _engine_json(obj)


def _engine_json(obj) -> str:
    if isinstance(obj, str):
        return json.dumps(obj, ensure_ascii=False)
    if obj is None or isinstance(obj, bool):
        return json.dumps(obj)
    if isinstance(obj, int):
        return _int_text(obj)
    if isinstance(obj, float):
        return _float_text(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + _engine_json(v)
                              for k, v in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(_engine_json(v) for v in obj) + "]"
    raise EngineFault(f"cannot hand a {type(obj).__name__} to the rules engine")


def _batch_json(facts: list[dict]) -> str:
    """A case's facts as one JSON array the engine reads as Python does. Every property but the
    case facts (`f_...`) is an id string our own code wrote, so only values that are not strings
    need a look; when one is a number json.dumps would write in a form the engine misreads, the
    careful writer writes the batch. Otherwise orjson writes it: for these values (strings, booleans, integers
    within 64 bits, floats Python writes without an exponent) its bytes are json.dumps's, at a
    fraction of the cost (checked on millions of floats, and by the differential test)."""
    for f in facts:
        for v in f.values():
            if type(v) is not str and not _plain_number(v):
                return engine_json(facts)
    return _orjson.dumps(facts).decode("utf-8")


def _plain_number(v) -> bool:
    t = type(v)
    if t is float:
        return math.isfinite(v) and "e" not in repr(v)
    if t is int:
        return -(2**63) <= v < 2**63
    return t is str or t is bool or v is None


@lru_cache(maxsize=65536)
def _fnv1_32(s: str) -> int:
    # Fact ids are positional (c0, c1, ...): the same few hundred strings in every case.
    return fnv1_32(s)


def fnv1_32(s: str) -> int:
    """durable_rules' 32-bit FNV-1 identity hash (C `char` is signed: bytes >= 0x80 sign-extend)."""
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        if b >= 0x80:
            b -= 256
        h = ((h ^ (b & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


MAX_ABANDONED = 256   # well under the engine's 1024 live sessions per ruleset

_registered: dict[str, DurableEvaluator] = {}
_lock = threading.Lock()   # sessions are one-at-a-time per process; callers may be threads


class DurableEvaluator:
    """Evaluates working memories against one rulebook's rules, one case session at a time."""

    def __init__(self, name: str, rules: list[Rule]):
        compiled = compile_rules(rules)
        self.name = name
        self.keys = compiled.keys   # the (on, relation, kind) some rule tests
        try:
            self._handle = _engine.create_ruleset(name, engine_json(compiled.rules))
        except Exception as e:  # an engine limit (e.g. error 108) on a valid-looking rulebook
            raise EngineFault(f"durable_rules refused the compiled rulebook: {e}") from e
        self._abandoned = 0   # sessions the engine failed on, left alive (it allows 1024 per ruleset)
        self._counter = 0

    def evaluate(self, wm: WorkingMemory) -> list[Match]:
        with _lock:
            return self._evaluate(wm)

    def _evaluate(self, wm: WorkingMemory) -> list[Match]:
        if self._abandoned >= MAX_ABANDONED:
            raise EngineFault(f"durable_rules failed on {self._abandoned} cases in this process; the rulebook "
                              f"exceeds the engine's limits (run `duidan rules check`)")
        # Only candidates some rule could match go to the engine: every rule tests `on`,
        # `relation` and `kind` by equality (engine/compile.py), so any other candidate matches
        # nothing. The reference evaluator sees them all; the differential test keeps us honest.
        keys = self.keys
        facts = [f for f in wm.facts if (f["on"], f["relation"], f["kind"]) in keys]
        seen: dict[int, str] = {}
        for f in facts:
            h = _fnv1_32(f["id"])
            if seen.setdefault(h, f["id"]) != f["id"]:
                raise EngineFault(f"fact ids {seen[h]!r} and {f['id']!r} collide under the engine's hash")
        self._counter += 1
        sid = f"s{self._counter}"
        batch = [{"sid": sid, **f} for f in facts]
        batch.append({"sid": sid, "type": SENTINEL, "id": SENTINEL})
        text = _batch_json(batch)
        handle = self._handle
        fired: list[tuple[str, str]] = []
        done = False
        try:
            code, state = _engine.assert_facts(handle, text)
            if code == 2:
                raise EngineFault("durable_rules saw a duplicate fact")
            # code 1 (some fact matched nothing) is normal. The pending actions are read here, one
            # after another, instead of through durable.engine's do_actions, which builds a
            # closure, serialises the session state and calls back into Python per firing. Each
            # message is {rule id: {pattern name: the matched fact as we sent it}}.
            msg = _engine.start_action_for_state(handle, state)
            msg = msg[1] if msg is not None else None
            while msg is not None:
                (rule_id, matched), = _orjson.loads(msg).items()
                if rule_id != SENTINEL:
                    fired.append((rule_id, matched["c"]["id"]))
                msg = _engine.complete_and_start_action(handle, state)
            done = True
            return sorted({wm.match(rule, fid) for rule, fid in fired})
        except EngineFault:
            raise
        except Exception as e:  # the engine's own errors, e.g. error 303 on a rulebook past its limits
            raise EngineFault(f"durable_rules refused the case: {e}") from e
        finally:
            # Only a session whose actions all completed can be deleted: the last
            # complete_and_start_action frees the session's action context and clears its
            # pointers; on any other session, delete_state frees uninitialised pointers and
            # crashes the process (docs/durable-rules.md). The sentinel guarantees one action per
            # session. A session the engine failed on is left behind; its sid is never reused.
            if done:
                _engine.delete_state(handle, sid)
            else:
                self._abandoned += 1


def evaluator_for(digest: str, rules: list[Rule]) -> DurableEvaluator:
    """One registered ruleset per rulebook content, per process (registration cannot be undone)."""
    with _lock:
        ev = _registered.get(digest)
        if ev is None:
            ev = DurableEvaluator("duidan_" + digest.split(":")[-1][:16], rules)
            _registered[digest] = ev
        return ev
