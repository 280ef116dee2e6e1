"""Explain a recommendation, and why someone was *not* held: views over the stored trace.

An explanation reads what a determination recorded (its recommendations' traces, the case-level
trace of people left out) together with the case it came from and the rulebook it was made
under. The one thing it recomputes is the per-condition evaluation of each matched rule, with the
reference semantics (engine/reference.py) over the very same candidate facts the engine saw
(engine/facts.py): the engine only says *that* a rule matched; an auditor wants each condition
and the value it met. Both are the same semantics; `tests/test_audit.py` checks that every
recomputed match holds on every condition.

Everything here returns plain data (dicts and lists, JSON-ready); the Chinese text is a view
(engine/views/audit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .case import Case
from .errors import InputError, unknown
from .facts import FACT_PREFIX, working_memory
from .reference import fact_holds
from .resolve import Resolution
from .rulebook import Rule, Rulebook

UNIT_RELATIONS = ("unit", "supervising_body")


@dataclass
class Source:
    """What an explanation reads: the case, its determination (as JSON data), the rulebook, and
    the reviews stored beside it (empty for a case file)."""

    case: Case
    det: dict
    book: Rulebook
    where: str                         # "run 3" or the case file's path
    run_id: int | None = None
    reviews: list[dict] = field(default_factory=list)
    _res: Resolution | None = None

    @property
    def resolution(self) -> Resolution:
        if self._res is None:
            from .api import Evaluator  # resolve exactly as evaluation does (the public front door)

            self._res = Evaluator(self.book, "reference").resolve(self.case, self.where)
        return self._res


# ---------------------------------------------------------------- the rulebook's words
#
# Labels, member posts and sanctions are read through these few functions only: they are the
# rulebook's data (rules/domain.yaml), and views receive labels in the data they render.

def labeller(book: Rulebook) -> Callable[[str | None], str]:
    """The Chinese label of an id (tier, post, kind, form, sanction, circumstance…), for views."""
    return book.label


def member_posts(book: Rulebook) -> frozenset[str]:
    return frozenset(book.domain.member_posts)


def sanctions(book: Rulebook) -> list[str]:
    return list(book.domain.ladders.sanction)


def labels_of(data, label: Callable[[str | None], str]) -> dict[str, str]:
    """Every id in `data` that has a label: what a view needs to show it in Chinese."""
    out: dict[str, str] = {}

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, str) and x not in out and len(x) < 64:
            shown = label(x)
            if shown and shown != x:
                out[x] = shown
    walk(data)
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- conditions (reference semantics)

def conditions(rule: Rule, f: dict) -> list[dict]:
    """Every condition of `rule` on candidate fact `f`, in the rule's order, with the value met.
    The conjunction of `holds` is exactly reference.candidate_matches(rule, f)."""
    w, s = rule.when, rule.subject
    out = [_cond("on", "lapse", "eq", w.on, f["on"], f["on"] == w.on),
           _cond("kind", "kind", "in", list(w.kinds), f["kind"], f["kind"] in w.kinds)]
    if w.tiers:
        out.append(_cond("lapse_tier", "ltier", "in", list(w.tiers), f["ltier"], f["ltier"] in w.tiers))
    if w.severities:
        sev = f.get("severity")
        out.append(_cond("severity", "severity", "in", list(w.severities), sev, sev in w.severities))
    out.append(_cond("relation", "relation", "eq", s.relation, f["relation"], f["relation"] == s.relation))
    if s.tiers:
        out.append(_cond("subject_tier", "stier", "in", list(s.tiers), f["stier"], f["stier"] in s.tiers))
    if s.posts:
        post = f.get("post")
        out.append(_cond("post", "post", "in", list(s.posts), post, post in s.posts))
    for t in w.facts:
        out.append(_cond("fact", t.fact, t.op, t.value, f.get(FACT_PREFIX + t.fact), fact_holds(t, f)))
    if w.facts_any:
        parts = [_cond("fact", t.fact, t.op, t.value, f.get(FACT_PREFIX + t.fact), fact_holds(t, f))
                 for t in w.facts_any]
        out.append({"test": "facts_any", "name": "any", "op": "any", "expected": parts,
                    "actual": None, "holds": any(p["holds"] for p in parts)})
    return out


def _cond(test: str, name: str, op: str, expected, actual, holds: bool) -> dict:
    return {"test": test, "name": name, "op": op, "expected": expected, "actual": actual, "holds": bool(holds)}


# ---------------------------------------------------------------- explain

def explain(src: Source, rec_id: str | None = None) -> dict:
    """The whole chain behind each recommendation of the determination (or only `rec_id`)."""
    recs = src.det["recommendations"]
    if rec_id is not None:
        recs = [r for r in recs if r["id"] == rec_id or r["id"].rsplit("/", 1)[-1] == rec_id]
        if not recs:
            raise InputError.one(src.where, "recommendation",
                                 unknown("recommendation", rec_id, [r["id"] for r in src.det["recommendations"]]))
    data = {
        "case": {"id": src.det["case"], "title": src.det.get("title", ""), "reviewed_on": src.det["reviewed_on"],
                 "digest": src.det.get("digest", "")},
        "rulebook": src.det["rulebook"],
        "where": src.where,
        "run": src.run_id,
        "recommendations": [_explain_rec(src, r) for r in recs],
    }
    data["labels"] = labels_of(data, labeller(src.book))
    return data


def _explain_rec(src: Source, rec: dict) -> dict:
    case, book = src.case, src.book
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    lapses = {lp.id: lp for lp in src.resolution.lapses}
    wm = working_memory(src.resolution)
    fact_of = {}
    for f in wm.facts:
        h = wm.candidates[f["id"]]
        fact_of[(h.lapse, h.relation, h.subject_kind, h.subject)] = f
    s = rec["subject"]
    rules = []
    for m in rec["trace"]["matches"]:
        rule = book.rule_index[m["rule"]]
        f = fact_of.get((m["lapse"], m["relation"], s["kind"], s["id"]))
        conds = conditions(rule, f) if f is not None else []
        rules.append({"rule": rule.id, "title": rule.title, "track": rule.track, "lapse": m["lapse"],
                      "relation": m["relation"], "effect": m["effect"], "form": m["form"],
                      "sanction": m["sanction"], "grade": rule.grade, "in_force": m["in_force"],
                      "clauses": m["clauses"], "basis": list(rule.basis), "conditions": conds,
                      "holds": bool(conds) and all(c["holds"] for c in conds)})
    lapse_ids = rec["findings"] + rec["violations"]
    why = []
    for m in rec["trace"]["matches"]:
        lp = lapses[m["lapse"]]
        why.append(_why_chosen(s, m["relation"], lp, units, people))
    return {
        "id": rec["id"], "track": rec["track"], "standing": rec["standing"],
        "subject": _subject(s, units),
        "lapses": [_lapse(lapses[lid], case, units, people) for lid in lapse_ids],
        "rules": rules,
        "clauses": [{k: c[k] for k in ("id", "list", "edition", "text", "tier", "role", "source") if k in c} for c in rec["clauses"]],
        "why": _dedupe(why),
        "circumstances": {
            "baseline": rec["trace"]["baseline"],
            "steps": [dict(st, note=_note(case, s["id"], st["circumstance"])) for st in rec["trace"]["steps"]],
            "shift": rec["trace"]["shift"],
        },
        "decision": {"outcome": rec["outcome"], "form": rec["form"], "sanction": rec["sanction"],
                     "measures": rec["measures"], "grade": rec["grade"], "decided_by": rec["decided_by"],
                     "missing": rec.get("missing", []), "basis": rec["basis"]},
        "reason": rec["reason"],
        "reviews": [r for r in src.reviews if r["rec_id"] == rec["id"]],
    }


def _dedupe(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for it in items:
        key = (it["lapse"], it["relation"])
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


def _note(case: Case, sid: str, kind: str) -> str:
    return next((c.note for c in case.circumstances if c.subject == sid and c.kind == kind), "")


def _subject(s: dict, units) -> dict:
    u = units.get(s["unit"])
    return {"kind": s["kind"], "id": s["id"], "name": s.get("name", ""), "unit": s["unit"],
            "unit_name": u.name if u else "", "tier": s["tier"], "post": s.get("post")}


def _lapse(lp, case: Case, units, people) -> dict:
    return {"id": lp.id, "on": lp.on, "kind": lp.kind, "unit": lp.unit, "unit_name": units[lp.unit].name,
            "tier": lp.tier, "from": lp.start.isoformat(), "date": lp.date.isoformat(), "area": lp.area,
            "severity": lp.severity, "facts": dict(lp.facts),
            "violator": lp.violator, "violator_name": people[lp.violator].name if lp.violator else None,
            "description": _description(case, lp.id)}


def _description(case: Case, lid: str) -> str:
    for x in [*case.findings, *case.violations]:
        if x.id == lid:
            return x.description
    return ""


def _why_chosen(s: dict, relation: str, lp, units, people) -> dict:
    """Why this subject answers for this lapse: the relation resolve found, in the case's terms."""
    here = units[lp.unit]
    out = {"lapse": lp.id, "relation": relation, "period": {"from": lp.start.isoformat(), "to": lp.date.isoformat()}}
    if s["kind"] == "person":
        p = people[s["id"]]
        out["held"] = {"from": p.from_.isoformat() if p.from_ else None, "to": p.to.isoformat() if p.to else None}
        out["post"] = p.post
        out["unit"] = p.unit
        out["unit_name"] = units[p.unit].name
        out["portfolio"] = list(p.portfolio)
    out["area"] = lp.area
    out["lapse_unit"] = here.id
    out["lapse_unit_name"] = here.name
    return out


# ---------------------------------------------------------------- why not

def find_subject(case: Case, who: str, where: str) -> tuple[str, str]:
    """(kind, id) of a person or unit named by id or by its (unique) name."""
    for kind, items in (("person", case.people), ("unit", case.units)):
        for x in items:
            if x.id == who:
                return kind, x.id
    named = [(k, x.id) for k, items in (("person", case.people), ("unit", case.units)) for x in items
             if x.name and x.name == who]
    if len(named) == 1:
        return named[0]
    ids = [p.id for p in case.people] + [u.id for u in case.units]
    if len(named) > 1:
        raise InputError.one(where, "--why-not", f"{who!r} names several: {', '.join(i for _, i in named)}; give the id")
    raise InputError.one(where, "--why-not", unknown("person or unit", who, ids))


def why_not(src: Source, who: str) -> dict:
    """For every rule that could concern `who`, on every lapse of a kind it handles, the first
    condition that failed; or what happened to the match when none failed."""
    case, book, res = src.case, src.book, src.resolution
    kind, sid = find_subject(case, who, src.where)
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    wm = working_memory(res)
    mine = {}
    any_fact = {}
    for f in wm.facts:
        h = wm.candidates[f["id"]]
        any_fact.setdefault(h.lapse, f)
        if h.subject == sid and h.subject_kind == kind:
            mine[(h.lapse, h.relation)] = f
    excluded = {(e.lapse, e.relation): e.reason for e in res.excluded if e.person == sid}
    subj_unit = units[people[sid].unit] if kind == "person" else units[sid]
    subj_post = people[sid].post if kind == "person" else None
    recs = [r for r in src.det["recommendations"] if r["subject"]["id"] == sid and r["subject"]["kind"] == kind]

    items = []
    for rule in book.rules:
        person_rule = rule.subject.relation not in UNIT_RELATIONS
        if person_rule != (kind == "person"):
            continue
        fits = ((not rule.subject.tiers or subj_unit.tier in rule.subject.tiers)
                and (not rule.subject.posts or subj_post in rule.subject.posts))
        for lp in res.lapses:
            if lp.on != rule.when.on or lp.kind not in rule.when.kinds:
                continue
            rel = rule.subject.relation
            f = mine.get((lp.id, rel))
            if f is None and not fits and (lp.id, rel) not in excluded:
                continue   # neither its relation nor its subject filter reaches them: not their rule
            item = {"rule": rule.id, "title": rule.title, "track": rule.track, "lapse": lp.id,
                    "lapse_kind": lp.kind, "relation": rel}
            if f is not None:
                failed = next((c for c in conditions(rule, f) if not c["holds"]), None)
                if failed is None:
                    item.update(_matched(rule, lp.id, recs))
                else:
                    item.update(status="failed", failed=failed)
            else:
                lapse_conds = [c for c in conditions(rule, any_fact[lp.id])
                               if c["test"] in ("on", "kind", "lapse_tier", "severity", "fact", "facts_any")]
                failed = next((c for c in lapse_conds if not c["holds"]), None)
                if failed is not None and failed["test"] in ("lapse_tier", "severity"):
                    item.update(status="failed", failed=failed)
                elif (lp.id, rel) in excluded and lp.violator == sid:
                    item.update(status="failed", failed={"test": "violator", "name": "relation", "op": "eq",
                                                         "expected": rel, "actual": "violator", "holds": False})
                elif (lp.id, rel) in excluded:
                    p = people[sid]
                    item.update(status="failed", failed={
                        "test": "tenure", "name": "held", "op": "during",
                        "expected": [lp.start.isoformat(), lp.date.isoformat()],
                        "actual": [p.from_.isoformat() if p.from_ else None, p.to.isoformat() if p.to else None],
                        "note": excluded[(lp.id, rel)], "holds": False})
                else:
                    item.update(status="failed", failed={"test": "relation", "name": "relation", "op": "eq",
                                                         "expected": rel, "actual": None, "holds": False,
                                                         "why": _not_reached(rel, kind, sid, lp, units, people,
                                                                             member_posts(book))})
            items.append(item)
    subject = ({"kind": "person", "id": sid, "name": people[sid].name, "unit": subj_unit.id,
                "unit_name": subj_unit.name, "post": subj_post} if kind == "person"
               else {"kind": "unit", "id": sid, "name": subj_unit.name, "unit": sid, "unit_name": subj_unit.name,
                     "post": None})
    data = {"case": {"id": src.det["case"], "title": src.det.get("title", "")}, "where": src.where,
            "run": src.run_id, "rulebook": src.det["rulebook"], "subject": subject,
            "held": [{"id": r["id"], "track": r["track"], "outcome": r["outcome"], "form": r["form"],
                      "sanction": r["sanction"]} for r in recs],
            "rules": items}
    data["labels"] = labels_of(data, labeller(book))
    return data


def _matched(rule: Rule, lapse: str, recs: list[dict]) -> dict:
    for r in recs:
        for m in r["trace"]["matches"]:
            if m["rule"] == rule.id and m["lapse"] == lapse:
                if r["outcome"] == "exempt":
                    return {"status": "exempt", "recommendation": r["id"],
                            "circumstances": [s["circumstance"] for s in r["trace"]["steps"] if s["effect"] == "exempt"]}
                if not m["in_force"]:
                    return {"status": "out_of_force", "recommendation": r["id"]}
                return {"status": "held", "recommendation": r["id"], "outcome": r["outcome"]}
    return {"status": "matched", "recommendation": None}


def _not_reached(rel: str, kind: str, sid: str, lp, units, people, members: frozenset[str]) -> dict:
    """Why resolve did not pair this subject with this lapse under `rel`: data for the view."""
    here = units[lp.unit]
    out = {"relation": rel, "lapse_unit": here.id, "lapse_unit_name": here.name, "area": lp.area}
    if kind == "person":
        p = people[sid]
        out.update(unit=p.unit, unit_name=units[p.unit].name, post=p.post, portfolio=list(p.portfolio))
        if rel == "area_member" and p.unit == here.id and p.post in members:
            out["reason"] = "no_area" if lp.area is None else "portfolio"
        elif rel == "parent_area_member" and p.unit == here.parent and p.post in members:
            out["reason"] = "no_area" if lp.area is None else "portfolio"
        elif rel == "other_member" and p.unit == here.id and p.post in members:
            out["reason"] = "covers_area"
        elif rel in ("unit_head", "area_member", "other_member"):
            out["reason"] = "not_post" if p.unit == here.id else "not_unit"
        elif rel == "parent_area_member":
            out["reason"] = "not_parent"
        elif rel == "supervising_head":
            out["reason"] = "not_supervising_head"
        elif rel == "named_person":
            out["reason"] = "not_named"
        elif rel == "violator":
            out.update(reason="not_violator", violator=lp.violator,
                       violator_name=people[lp.violator].name if lp.violator else None)
    else:
        out["reason"] = "not_lapse_unit" if rel == "unit" else "not_supervising"
        out["unit_name"] = units[sid].name
    return out
