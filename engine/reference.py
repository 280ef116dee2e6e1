"""The plain-Python reference evaluator: the oracle the durable_rules path is checked against.

It reads the same rule data and the same working memory as the engine and applies the
documented semantics directly: a rule matches a candidate (lapse, subject) when every condition
holds; a test on a missing fact is false (except `exists: false`).
"""

from __future__ import annotations

from .facts import FACT_PREFIX, Match, WorkingMemory
from .rulebook import FactTest, GravityFact, Rule


def fact_holds(t: FactTest | GravityFact, fact: dict) -> bool:
    prop = FACT_PREFIX + t.fact
    if t.op == "exists":
        return (prop in fact) == t.value
    if prop not in fact:
        return False
    v = fact[prop]
    if t.op == "eq":
        return v == t.value
    if t.op == "ne":
        return v != t.value
    if t.op == "in":
        return v in t.value
    if isinstance(v, (bool, str)) or isinstance(t.value, (bool, str)):
        return False  # ordering is only defined between numbers (loading guarantees this anyway)
    return {"gt": v > t.value, "gte": v >= t.value, "lt": v < t.value, "lte": v <= t.value}[t.op]


def candidate_matches(rule: Rule, f: dict) -> bool:
    w, s = rule.when, rule.subject
    return (f["on"] == w.on and f["relation"] == s.relation and f["kind"] in w.kinds
            and (not w.tiers or f["ltier"] in w.tiers)
            and (not w.severities or f.get("severity") in w.severities)
            and (not s.tiers or f["stier"] in s.tiers)
            and (not s.posts or f.get("post") in s.posts)
            and all(fact_holds(t, f) for t in w.facts)
            and (not w.facts_any or any(fact_holds(t, f) for t in w.facts_any)))


def evaluate(rules: list[Rule], wm: WorkingMemory) -> list[Match]:
    return sorted({wm.match(rule.id, f["id"]) for rule in rules for f in wm.facts if candidate_matches(rule, f)})
