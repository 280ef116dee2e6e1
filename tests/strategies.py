"""Hypothesis strategies for valid case files (as plain dicts, the way a user writes them).

The generator builds a small administrative world (a township with its discipline committee, a
village with its supervision committee, a department with its stationed group), people whose
tenures may change hands, findings of every kind and violations, so that every rule family gets
exercised.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from duidan import vocab as V

UNITS = [
    {"id": "city", "name": "市委", "tier": "city", "supervisor": "cdi"},
    {"id": "cdi", "name": "市纪委监委", "tier": "city_discipline", "parent": "city"},
    {"id": "dept", "name": "市财政局党组", "tier": "department", "parent": "city", "supervisor": "stg"},
    {"id": "stg", "name": "派驻第三纪检监察组", "tier": "stationed_group", "parent": "cdi"},
    {"id": "ent", "name": "某国企党委", "tier": "enterprise", "parent": "city", "supervisor": "stg"},
    {"id": "town", "name": "某镇党委", "tier": "township", "parent": "city", "supervisor": "town-jw"},
    {"id": "town-jw", "name": "某镇纪委", "tier": "township_discipline", "parent": "town"},
    {"id": "vil", "name": "某村党支部", "tier": "village", "parent": "town"},
    {"id": "vil-vsc", "name": "某村村务监督委员会", "tier": "village_supervision", "parent": "vil"},
]
POSTS_BY_TIER = {
    "city": ["secretary", "deputy_secretary", "member", "staff"],
    "department": ["secretary", "member", "staff"],
    "enterprise": ["secretary", "member", "staff"],
    "township": ["secretary", "deputy_secretary", "member", "staff"],
    "village": ["secretary", "member", "staff"],
    "city_discipline": ["discipline_secretary", "discipline_member"],
    "stationed_group": ["discipline_secretary", "discipline_member"],
    "township_discipline": ["discipline_secretary", "discipline_member"],
    "village_supervision": ["vsc_chair", "vsc_member"],
}
AREAS = ["finance", "projects", "education", "land"]
START = dt.date(2016, 6, 1)


def _day(draw, lo=0, hi=2400):
    return START + dt.timedelta(days=draw(st.integers(lo, hi)))


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
        facts["copied_from"] = draw(st.sampled_from(V.COMMON_FACTS["copied_from"]))
    if draw(st.booleans()):
        facts["similarity"] = draw(st.sampled_from([0.2, 0.5, 0.8, 0.95, 1.0, 0.00001, 1e-300, 0.7999999999999999]))
    if draw(st.booleans()):
        facts["consequence"] = draw(st.sampled_from(V.COMMON_FACTS["consequence"]))
    for flag in ("repeated", "falsified", "reported"):
        if draw(st.integers(0, 3)) == 0:
            facts[flag] = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:
        facts["years"] = draw(st.integers(1, 6))
    if draw(st.integers(0, 6)) == 0:
        facts["note_text"] = "不参与判断的附加事实"
    return facts


@st.composite
def cases(draw, max_people=12, max_findings=6, max_violations=2):
    people = []
    n = draw(st.integers(1, max_people))
    for i in range(n):
        unit = draw(st.sampled_from(UNITS))
        post = draw(st.sampled_from(POSTS_BY_TIER[unit["tier"]]))
        p = {"id": f"p{i}", "name": f"人员{i}", "unit": unit["id"], "post": post}
        if post not in ("staff",) and draw(st.booleans()):
            p["portfolio"] = sorted(draw(st.sets(st.sampled_from(AREAS), max_size=2)))
        if draw(st.booleans()):
            start = _day(draw)
            p["from"] = start.isoformat()
            if draw(st.booleans()):
                p["to"] = (start + dt.timedelta(days=draw(st.integers(0, 1500)))).isoformat()
        people.append(p)
    findings = []
    for i in range(draw(st.integers(0, max_findings))):
        end = _day(draw, 200)
        f = {"id": f"F{i}", "kind": draw(st.sampled_from(V.LAPSE_KINDS)),
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
        end = _day(draw, 200)
        v = {"id": f"V{i}", "person": draw(st.sampled_from(people))["id"],
             "kind": draw(st.sampled_from(V.VIOLATION_KINDS)), "date": end.isoformat(),
             "severity": draw(st.sampled_from(V.SEVERITIES)), "facts": draw(fact_dicts())}
        if draw(st.booleans()):
            v["area"] = draw(st.sampled_from(AREAS))
        violations.append(v)
    subjects = [p["id"] for p in people] + [u["id"] for u in UNITS]
    circumstances = [{"subject": draw(st.sampled_from(subjects)), "kind": draw(st.sampled_from(V.CIRCUMSTANCE_KINDS))}
                     for _ in range(draw(st.integers(0, 3)))]
    return {"schema": "duidan/case/v1", "case": {"id": f"GEN-{draw(st.integers(0, 10**6))}"},
            "units": [dict(u) for u in UNITS], "people": people, "findings": findings,
            "violations": violations, "circumstances": circumstances}
