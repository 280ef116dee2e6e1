"""The only module that imports durable_rules. It wraps the engine in the safe pattern of
docs/durable-rules.md, because used naively it gives wrong, order-dependent answers:

- one thread-free Host per process (the default Host runs actions on background threads);
- rulesets registered from dicts (never the global decorator DSL);
- every rule's first pattern is a trigger asserted last; a case's facts are sorted by id and sent
  in one `assert_facts`, and actions are run with `do_actions`;
- a sentinel rule fires once per case, because `delete_state` crashes on a session where no
  action ran; one live session at a time, deleted after the case (1024-session cap);
- fact ids checked unique under the engine's 32-bit FNV hash; action errors swallowed into the
  session state are checked and raised;
- actions take exactly one parameter (two would make them asynchronous);
- the result is the sorted set of (rule, matched facts): never the firing order;
- no joins between patterns (engine/facts.py says why): each rule tests one candidate fact;
- a session is deleted only if the sentinel ran: when the engine fails a batch (error 303, more
  than 64 sibling range tests passed by one fact) no action has run, and delete_state would crash
  the process ("double free or corruption") instead of reporting the error.
"""

from __future__ import annotations

import json
import threading

import durable_rules_engine
from durable.engine import Host

from .compile import SENTINEL, compile_rules
from .errors import EngineFault
from .facts import Match, WorkingMemory
from .rulebook import Rule


class _SyncHost(Host):
    def _run(self):  # no dispatch/timer threads: actions run only inside our own calls
        pass


def fnv1_32(s: str) -> int:
    """durable_rules' 32-bit FNV-1 identity hash (C `char` is signed: bytes >= 0x80 sign-extend)."""
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        if b >= 0x80:
            b -= 256
        h = ((h ^ (b & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


MAX_ABANDONED = 256   # well under the engine's 1024 live sessions per ruleset

_host: _SyncHost | None = None
_registered: dict[str, DurableEvaluator] = {}
_lock = threading.Lock()   # sessions are one-at-a-time per process; callers may be threads


class DurableEvaluator:
    """Evaluates working memories against one rulebook's rules, one case session at a time."""

    def __init__(self, name: str, rules: list[Rule]):
        global _host
        definitions, self._buckets = compile_rules(rules)
        for rule_id, d in definitions.items():
            d["run"] = self._recorder(rule_id) if rule_id != SENTINEL else self._sentinel
        if _host is None:
            _host = _SyncHost()
        self.name = name
        self._host = _host
        # register_rulesets deletes `run` from the dicts it is given; they are not used again.
        try:
            self._host.register_rulesets({name: definitions})
        except Exception as e:  # an engine limit (e.g. error 108) on a valid-looking rulebook
            raise EngineFault(f"durable_rules refused the compiled rulebook: {e}") from e
        self._ruleset = self._host.get_ruleset(name)
        self._fired: list[tuple[str, str]] | None = None
        self._sentinel_ran = False
        self._abandoned = 0   # sessions the engine failed on, left alive (it allows 1024 per ruleset)
        self._counter = 0

    def _recorder(self, rule_id: str):
        def action(c):  # exactly one parameter: two would make durable_rules treat it as async
            self._fired.append((rule_id, c.c["id"]))
        return action

    def _sentinel(self, c):
        self._sentinel_ran = True

    def evaluate(self, wm: WorkingMemory) -> list[Match]:
        with _lock:
            return self._evaluate(wm)

    def _evaluate(self, wm: WorkingMemory) -> list[Match]:
        if self._abandoned >= MAX_ABANDONED:
            raise EngineFault(f"durable_rules failed on {self._abandoned} cases in this process; the rulebook "
                              f"exceeds the engine's limits (run `duidan rules check`)")
        self._counter += 1
        sid = f"s{self._counter}"
        seen: dict[int, str] = {}
        for f in wm.facts:
            h = fnv1_32(f["id"])
            if seen.setdefault(h, f["id"]) != f["id"]:
                raise EngineFault(f"fact ids {seen[h]!r} and {f['id']!r} collide under the engine's hash")
        batch = [dict(f, sid=sid) for f in wm.facts]   # already sorted by id
        batch += [{"sid": sid, "type": "$go", "id": f"$go{b}", "bucket": b} for b in range(self._buckets)]
        batch.append({"sid": sid, "type": SENTINEL, "id": SENTINEL})
        self._fired, self._sentinel_ran = [], False
        try:
            code, offset = durable_rules_engine.assert_facts(
                self._ruleset._handle, json.dumps(batch, ensure_ascii=False))
            if code == 2:
                raise EngineFault("durable_rules saw a duplicate fact")
            # code 1 (some fact matched nothing) is normal; run the pending actions regardless.
            errors: list = []
            self._ruleset.do_actions(offset, lambda e, s: errors.append(e))
            if errors and errors[0]:
                raise EngineFault(f"durable_rules action failed: {errors[0]}")
            state = self._host.get_state(self.name, sid)
            if "exception" in state:
                raise EngineFault(f"a rule action failed inside durable_rules: {str(state['exception'])[:300]}")
            return sorted({wm.match(rule, fid) for rule, fid in self._fired})
        except EngineFault:
            raise
        except Exception as e:  # the engine's own errors, e.g. error 303 on a rulebook past its limits
            raise EngineFault(f"durable_rules refused the case: {e}") from e
        finally:
            self._fired = None
            # Only a session in which an action ran can be deleted: on any other, delete_state
            # frees uninitialised pointers and crashes the process (docs/durable-rules.md). A session the engine
            # failed on is left behind; its sid is never reused.
            if self._sentinel_ran:
                self._host.delete_state(self.name, sid)
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
