"""The working memory of one case: one flat, typed *candidate* fact per (lapse, possible subject).

A candidate carries the lapse's attributes (kind, tier, severity, facts) and the subject's
(relation, tier, post), so every rule is a single pattern over one fact. The pairing is done by
resolve, in Python, on purpose: in durable_rules 2.0.28 every rule's join expression is a test
the joined fact must pass, and a fact passing more than 64 of them fails the whole case with
error 303 (measured here: 64 join rules run, 65 fail) -- a 151-rule rulebook could not run as
joins. Its join and negation paths are also where its order-dependent bugs live (docs/durable-rules.md,
problem 3). Alpha tests over one fact, equality first, are the part of the engine that is sound.

Both evaluators (durable_rules and the plain-Python reference) consume exactly these dicts, so
they can only disagree on matching, never on input. Fact ids are short positional ids (`c0`, `c1`)
assigned in canonical (sorted) order: the same case gives the same ids whatever the order of its
file, and short ids keep the engine's 32-bit hash identity collision-free (checked anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .resolve import Holder, Lapse, Resolution

FACT_PREFIX = "f_"  # case facts live under a prefix so a fact named "type" cannot clash


class Match(NamedTuple):
    """One rule firing: the decision's unit of evidence. Sorted sets of these are canonical."""

    rule: str
    lapse: str
    relation: str
    subject_kind: str
    subject: str


@dataclass(frozen=True)
class WorkingMemory:
    facts: list[dict]               # sorted by id
    candidates: dict[str, Holder]   # fact id -> the (lapse, subject) pair it stands for

    def match(self, rule_id: str, fact_id: str) -> Match:
        h = self.candidates[fact_id]
        return Match(rule_id, h.lapse, h.relation, h.subject_kind, h.subject)


def candidate_fact(fid: str, lapse: Lapse, h: Holder) -> dict:
    d = {"id": fid, "type": "candidate", "lid": lapse.id, "on": lapse.on, "kind": lapse.kind,
         "ltier": lapse.tier, "relation": h.relation, "stier": h.tier}
    if lapse.severity is not None:
        # Accumulated minor violations open tracks as a graver one; the violator is still judged
        # on what they did.
        own = lapse.own_severity if h.relation == "violator" and lapse.own_severity else lapse.severity
        d["severity"] = own
    if h.post is not None:
        d["post"] = h.post
    for name, value in lapse.facts:
        d[FACT_PREFIX + name] = value
    return d


def working_memory(res: Resolution, keys: frozenset[tuple[str, str, str]] | None = None) -> WorkingMemory:
    """The candidates of `res`; with `keys`, only those whose (on, relation, kind) is in it (the
    engine is sent nothing else: engine/compile.py), under the same ids as in the whole memory."""
    lapses = {lp.id: lp for lp in res.lapses}
    facts, candidates = [], {}
    for i, h in enumerate(res.holders):   # holders are sorted: ids follow canonical order
        lapse = lapses[h.lapse]
        if keys is not None and (lapse.on, h.relation, lapse.kind) not in keys:
            continue
        fid = f"c{i}"
        candidates[fid] = h
        facts.append(candidate_fact(fid, lapse, h))
    facts.sort(key=lambda f: f["id"])
    return WorkingMemory(facts, candidates)
