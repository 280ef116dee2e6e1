"""The plain-Python reference evaluator: the oracle the durable_rules path is checked against.

It reads the same rule data and the same working memory as the engine and applies the
documented semantics directly: a rule matches (lapse, holder) when the holder belongs to the
lapse and every condition holds; a test on a missing fact is false (except `exists: false`).
"""

from __future__ import annotations

from .facts import FACT_PREFIX, Match, WorkingMemory
from .rulebook import FactTest, Rule


def fact_holds(t: FactTest, fact: dict) -> bool:
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


def lapse_matches(rule: Rule, f: dict) -> bool:
    w = rule.when
    return (f["on"] == w.on and f["kind"] in w.kinds
            and (not w.tiers or f["tier"] in w.tiers)
            and (not w.severities or f.get("severity") in w.severities)
            and all(fact_holds(t, f) for t in w.facts)
            and (not w.facts_any or any(fact_holds(t, f) for t in w.facts_any)))


def holder_matches(rule: Rule, h: dict) -> bool:
    s = rule.subject
    return (h["relation"] == s.relation
            and (not s.tiers or h["tier"] in s.tiers)
            and (not s.posts or h.get("post") in s.posts))


def evaluate(rules: list[Rule], wm: WorkingMemory) -> list[Match]:
    lapse_facts = [f for f in wm.facts if f["type"] == "lapse"]
    holders_by_lapse: dict[str, list[dict]] = {}
    for f in wm.facts:
        if f["type"] == "holder":
            holders_by_lapse.setdefault(f["lid"], []).append(f)
    out = set()
    for rule in rules:
        for lf in lapse_facts:
            if not lapse_matches(rule, lf):
                continue
            for hf in holders_by_lapse.get(lf["lid"], []):
                if holder_matches(rule, hf):
                    out.add(wm.match(rule.id, lf["id"], hf["id"]))
    return sorted(out)
