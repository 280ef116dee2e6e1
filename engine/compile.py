"""Rule data -> durable_rules JSON rulesets (no engine import: the output is plain data).

Each rule becomes one pattern over a candidate fact (engine/facts.py):

    all: [ c  (type candidate, on, relation, kind, ltier, severity, stier, post, facts...) ]

No trigger pattern any more. The trigger (`$go`, asserted last) protected joins and negations
from the engine's order-dependent left-activation path (docs/durable-rules.md); rules here carry
neither, so every rule is an alpha chain ending in its action. Dropping it was decided by the
differential test against the reference evaluator (tests/test_properties.py and the larger run
in docs/performance.md), not assumed.

Equality tests come first and range tests last: equality is dispatched by hash, while more than
64 sibling range tests on one fact overflow the engine's stack (error 303).

Every condition on a case fact is guarded by `$ex`, so a missing fact makes the test false in the
engine exactly as in the reference evaluator (engine/reference.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .facts import FACT_PREFIX
from .rulebook import FactTest, Rule

SENTINEL = "$done"   # fires once per case, so delete_state never meets an action-less session (docs/durable-rules.md)


def _one_of(prop: str, values: list) -> dict:
    if len(values) == 1:
        return {prop: values[0]}
    return {"$or": [{prop: v} for v in values]}


def fact_condition(t: FactTest) -> dict:
    prop = FACT_PREFIX + t.fact
    exists = {"$ex": {prop: 1}}
    if t.op == "exists":
        return exists if t.value else {"$nex": {prop: 1}}
    if t.op == "eq":
        test = {prop: t.value}
    elif t.op == "in":
        test = _one_of(prop, t.value)
    else:
        op = {"ne": "$neq", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}[t.op]
        test = {op: {prop: t.value}}
    return {"$and": [exists, test]}


def candidate_pattern(rule: Rule) -> dict:
    w, s = rule.when, rule.subject
    conds: list[Any] = [{"type": "candidate"}, {"on": w.on}, {"relation": s.relation}, _one_of("kind", w.kinds)]
    if w.tiers:
        conds.append(_one_of("ltier", w.tiers))
    if w.severities:
        conds.append(_one_of("severity", w.severities))
    if s.tiers:
        conds.append(_one_of("stier", s.tiers))
    if s.posts:
        conds.append(_one_of("post", s.posts))
    conds += [fact_condition(t) for t in w.facts]
    if w.facts_any:
        conds.append({"$or": [fact_condition(t) for t in w.facts_any]})
    return {"$and": conds}


class Compiled(NamedTuple):
    rules: dict[str, dict]                     # rule id -> durable rule definition (no `run`)
    keys: frozenset[tuple[str, str, str]]      # the (on, relation, kind) some rule tests


def compile_rules(rules: list[Rule]) -> Compiled:
    """The durable_rules ruleset of `rules`, and the candidate keys any of them can match: every
    rule tests `on`, `relation` and `kind` by equality, so a candidate outside `keys` matches
    nothing and is not sent to the engine."""
    out: dict[str, dict] = {}
    keys = set()
    for rule in rules:
        out[rule.id] = {"all": [{"c": candidate_pattern(rule)}]}
        keys.update((rule.when.on, rule.subject.relation, k) for k in rule.when.kinds)
    out[SENTINEL] = {"pri": 65535, "all": [{"m": {"type": SENTINEL}}]}
    return Compiled(out, frozenset(keys))
