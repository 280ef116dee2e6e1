"""Hypothesis strategies for valid case files (as plain dicts, the way a user writes them).

The generator builds a small administrative world (a township with its discipline committee, a
village with its supervision committee, a department with its stationed group), people whose
tenures may change hands, findings of every kind and violations, so that every rule family gets
exercised.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from duidan.check import probe_world
from duidan.domain import bundled_domain

DOM = bundled_domain()   # the vocabulary generated cases draw from: the bundled rulebook's

# The world generated cases live in, derived from the declared tiers: every party tier's unit with
# the discipline bodies that may supervise it (engine/check.py probe_world), so a rulebook that
# declares another tier gets it exercised too.
UNITS = [{k: v for k, v in u.items()} for u in probe_world(DOM)["units"]]
STAFF = [p.id for p in DOM.posts if p.id not in DOM.head_posts and p.id not in DOM.member_posts]
POSTS_BY_TIER = {t.id: [*t.head, *t.members, *(STAFF if t.list == "primary" else [])] for t in DOM.tiers}
AREAS = ["finance", "projects", "education", "land"]
START = dt.date(2016, 6, 1)


def _day(draw, lo=0, hi=2400, start=START):
    return start + dt.timedelta(days=draw(st.integers(lo, hi)))


@st.composite
def fact_dicts(draw):
    facts = {}
    if draw(st.booleans()):
        # floats Python writes in exponent notation (0.00001 -> 1e-05) once crashed durable_rules
        facts["amount"] = draw(st.one_of(st.integers(0, 2_000_000), st.sampled_from([0.00001, 5e-324, 1e15, 49999.99999999999])))
    if draw(st.booleans()):
        facts["count"] = draw(st.integers(0, 40))
    if draw(st.booleans()):
        facts["days_overdue"] = draw(st.integers(0, 400))
    if draw(st.booleans()):
        facts["copied_from"] = draw(st.sampled_from(DOM.fact["copied_from"].values))
    if draw(st.booleans()):
        facts["similarity"] = draw(st.sampled_from([0.2, 0.5, 0.8, 0.95, 1.0, 0.00001, 1e-300, 0.7999999999999999]))
    if draw(st.booleans()):
        facts["consequence"] = draw(st.sampled_from(DOM.fact["consequence"].values))
    for flag in ("repeated", "falsified", "reported"):
        if draw(st.integers(0, 3)) == 0:
            facts[flag] = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        facts["years"] = draw(st.integers(1, 6))
    if draw(st.integers(0, 6)) == 0:
        facts["note_text"] = "不参与判断的附加事实"
    return facts


@st.composite
def cases(draw, max_people=12, max_findings=6, max_violations=2, start=START, span=2400):
    """`start`/`span`: the days dates are drawn from (default 2016-06 to 2022-12)."""
    people = []
    n = draw(st.integers(1, max_people))
    for i in range(n):
        unit = draw(st.sampled_from(UNITS))
        post = draw(st.sampled_from(POSTS_BY_TIER[unit["tier"]]))
        p = {"id": f"p{i}", "name": f"人员{i}", "unit": unit["id"], "post": post}
        if post not in STAFF and draw(st.booleans()):
            p["portfolio"] = sorted(draw(st.sets(st.sampled_from(AREAS), max_size=2)))
        if draw(st.booleans()):
            took = _day(draw, 0, span, start)
            p["from"] = took.isoformat()
            if draw(st.booleans()):
                p["to"] = (took + dt.timedelta(days=draw(st.integers(0, 1500)))).isoformat()
        people.append(p)
    findings = []
    for i in range(draw(st.integers(0, max_findings))):
        end = _day(draw, 200, span, start)
        f = {"id": f"F{i}", "kind": draw(st.sampled_from(DOM.ids("lapse kind"))),
             "unit": draw(st.sampled_from(UNITS))["id"], "date": end.isoformat(), "facts": draw(fact_dicts())}
        if draw(st.booleans()):
            f["from"] = (end - dt.timedelta(days=draw(st.integers(0, 720)))).isoformat()
        if draw(st.booleans()):
            f["area"] = draw(st.sampled_from(AREAS))
        if draw(st.integers(0, 3)) == 0:
            f["persons"] = sorted(draw(st.sets(st.sampled_from([p["id"] for p in people]), max_size=2)))
        findings.append(f)
    violations = []
    for i in range(draw(st.integers(0 if findings else 1, max_violations))):
        end = _day(draw, 200, span, start)
        v = {"id": f"V{i}", "person": draw(st.sampled_from(people))["id"],
             "kind": draw(st.sampled_from(DOM.ids("violation kind"))), "date": end.isoformat(),
             "severity": draw(st.sampled_from(DOM.ids("severity"))), "facts": draw(fact_dicts())}
        if draw(st.booleans()):
            v["area"] = draw(st.sampled_from(AREAS))
        violations.append(v)
    subjects = [p["id"] for p in people] + [u["id"] for u in UNITS]
    circumstances = [{"subject": draw(st.sampled_from(subjects)), "kind": draw(st.sampled_from(DOM.ids("circumstance kind")))}
                     for _ in range(draw(st.integers(0, 3)))]
    return {"schema": "duidan/case/v1", "case": {"id": f"GEN-{draw(st.integers(0, 10**6))}"},
            "units": [dict(u) for u in UNITS], "people": people, "findings": findings,
            "violations": violations, "circumstances": circumstances}


def paths(obj, prefix=()):
    """Every field path in a document (for mutation tests)."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, prefix + (i,))
