"""Rule data -> durable_rules JSON rulesets (no engine import: the output is plain data).

Each rule becomes one pattern over a candidate fact (engine/facts.py), preceded by a trigger
pattern (docs/durable-rules.md):

    all: [ go  (type $go, bucket k)     -- asserted last, after the case's facts
           c   (type candidate, on, kind, ltier, severity, relation, stier, post, facts...) ]

Equality tests come first and range tests last: equality is dispatched by hash, while more than
64 sibling range tests on one fact overflow the engine's stack (error 303).

Every condition on a case fact is guarded by `$ex`, so a missing fact makes the test false in the
engine exactly as in the reference evaluator (engine/reference.py).
"""

from __future__ import annotations

from typing import Any

from .facts import FACT_PREFIX
from .rulebook import FactTest, Rule

GO_BUCKET = 200      # at most ~257 rules may share one identical pattern (engine error 108)
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


def compile_rules(rules: list[Rule]) -> tuple[dict[str, dict], int]:
    """{rule id: durable rule definition without `run`}, and the number of trigger buckets."""
    out: dict[str, dict] = {}
    for i, rule in enumerate(rules):
        go = {"go": {"$and": [{"type": "$go"}, {"bucket": i // GO_BUCKET}]}}
        out[rule.id] = {"all": [go, {"c": candidate_pattern(rule)}]}
    out[SENTINEL] = {"pri": 65535, "all": [{"m": {"type": SENTINEL}}]}
    buckets = max(1, (len(rules) - 1) // GO_BUCKET + 1)
    return out, buckets
