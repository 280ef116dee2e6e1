"""The working memory of one case: resolved lapses and holders as flat, typed fact dicts.

Both evaluators (durable_rules and the plain-Python reference) consume exactly these dicts, so
they can only disagree on matching, never on input. Fact ids are short positional ids (`l0`,
`h3`) assigned in canonical (sorted) order: the same case gives the same ids whatever the order
of its file, and short ids keep the engine's 32-bit hash identity collision-free (checked anyway).
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
    facts: list[dict]             # sorted by id
    lapses: dict[str, Lapse]      # fact id -> lapse
    holders: dict[str, Holder]    # fact id -> holder

    def match(self, rule_id: str, lapse_fact: str, holder_fact: str) -> Match:
        h = self.holders[holder_fact]
        assert self.lapses[lapse_fact].id == h.lapse
        return Match(rule_id, h.lapse, h.relation, h.subject_kind, h.subject)


def lapse_fact(fid: str, lapse: Lapse) -> dict:
    d = {"id": fid, "type": "lapse", "lid": lapse.id, "on": lapse.on, "kind": lapse.kind, "tier": lapse.tier}
    if lapse.severity is not None:
        d["severity"] = lapse.severity
    for name, value in lapse.facts:
        d[FACT_PREFIX + name] = value
    return d


def holder_fact(fid: str, h: Holder) -> dict:
    d = {"id": fid, "type": "holder", "lid": h.lapse, "relation": h.relation, "tier": h.tier}
    if h.post is not None:
        d["post"] = h.post
    return d


def working_memory(res: Resolution) -> WorkingMemory:
    facts, lapses, holders = [], {}, {}
    for i, lapse in enumerate(res.lapses):
        fid = f"l{i}"
        lapses[fid] = lapse
        facts.append(lapse_fact(fid, lapse))
    for i, h in enumerate(res.holders):
        fid = f"h{i}"
        holders[fid] = h
        facts.append(holder_fact(fid, h))
    facts.sort(key=lambda f: f["id"])
    return WorkingMemory(facts, lapses, holders)
