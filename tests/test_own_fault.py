"""The leader's own fault sets the form; the record says who is held; who did their duty is not held.

Properties over generated cases (tests/strategies.py) on the bundled rulebook, and small worked
cases for each rule of judgement (issue: one case, two investigations as commissions decide it).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.determine import rank

from conftest import RELAXED
from strategies import cases

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=RELAXED)


@pytest.fixture(scope="module")
def ev(bundled):
    return Evaluator(bundled)


def _det(ev, data):
    return ev.evaluate(parse_case(data, "<generated>"))


# ---------------------------------------------------------------- properties

@SETTINGS
@given(data=cases(), pick=st.integers(0, 10**6))
def test_who_reported_up_is_never_accountable_for_that_lapse(ev, data, pick):
    """Why: reporting the problem up (or stopping it) is the duty performed (已履职尽责)."""
    lapses = [f["id"] for f in data["findings"]] + [v["id"] for v in data["violations"]]
    person = data["people"][pick % len(data["people"])]["id"]
    lapse = lapses[pick % len(lapses)]
    more = dict(data, circumstances=[*data["circumstances"],
                                     {"subject": person, "kind": "reported_up", "lapse": lapse}])
    det = _det(ev, more)
    for rec in det.recommendations:
        if rec.subject.id == person and rec.outcome == "accountable" and rec.track != "direct":
            assert lapse not in rec.findings + rec.violations, rec.id
        if rec.subject.id == person and rec.outcome == "exempt" and lapse in rec.findings + rec.violations:
            assert rec.form is None


@SETTINGS
@given(data=cases())
def test_the_violator_is_never_held_as_leader_or_supervisor_of_their_own_violation(ev, data):
    """Why: the violator answers on the direct track; failing to detect oneself is no lapse."""
    det = _det(ev, data)
    violator = {v["id"]: v["person"] for v in data["violations"]}
    for rec in det.recommendations:
        if rec.track in ("primary", "supervisory"):
            for vid in rec.violations:
                assert rec.subject.id != violator[vid], rec.id


@SETTINGS
@given(data=cases(max_violations=2))
def test_raising_only_the_violators_severity_moves_a_leader_by_at_most_the_declared_rungs(ev, bundled, data):
    """Why: gravity adjusts the own-fault rung, it does not replace it (rulebook gravity.max_rungs).
    Compared between the severities that open a track (a minor violation opens none)."""
    lo = copy.deepcopy(data)
    hi = copy.deepcopy(data)
    for v in lo["violations"]:
        v["severity"] = "serious"
    for v in hi["violations"]:
        v["severity"] = "major"
    a, b = _det(ev, lo), _det(ev, hi)
    dom, cap = bundled.domain, bundled.meta.gravity.max_rungs
    before = {(r.track, r.subject.id, r.standing): r for r in a.recommendations}
    for r in b.recommendations:
        if r.track == "direct" or r.subject.kind != "person" or r.outcome != "accountable":
            continue
        old = before.get((r.track, r.subject.id, r.standing))
        if old is None or old.outcome != "accountable":
            continue
        moved = rank(dom, "person", r.form, r.sanction) - rank(dom, "person", old.form, old.sanction)
        assert 0 <= moved <= cap, (r.id, old.form, old.sanction, r.form, r.sanction)


@SETTINGS
@given(data=cases())
def test_no_primary_track_against_a_discipline_body(ev, bundled, data):
    """Why: a discipline body answers on the supervisory track; the primary list binds party bodies.
    (Its people may still be named for their own conduct, e.g. their own copied study notes.)"""
    det = _det(ev, data)
    for rec in det.recommendations:
        if rec.track == "primary" and rec.subject.kind == "unit":
            assert not bundled.domain.is_discipline(rec.subject.tier), rec.id


# ---------------------------------------------------------------- worked cases

def _village(**extra):
    data = {
        "schema": "duidan/case/v1", "case": {"id": "W", "reviewed_on": "2021-06-30"},
        "units": [{"id": "t", "name": "甲镇党委", "tier": "township", "supervisor": "t-jw"},
                  {"id": "t-jw", "name": "甲镇纪委", "tier": "township_discipline", "parent": "t"},
                  {"id": "v", "name": "乙村党支部", "tier": "village", "parent": "t"},
                  {"id": "v-vsc", "name": "乙村村务监督委员会", "tier": "village_supervision", "parent": "v"}],
        "people": [{"id": "ts", "unit": "t", "post": "secretary", "from": "2018-01-01"},
                   {"id": "tm", "unit": "t", "post": "member", "portfolio": ["v-area"], "from": "2018-01-01"},
                   {"id": "jw", "unit": "t-jw", "post": "discipline_secretary", "from": "2018-01-01"},
                   {"id": "vs", "unit": "v", "post": "secretary", "from": "2018-01-01"},
                   {"id": "vm", "unit": "v", "post": "member", "from": "2018-01-01"},
                   {"id": "vc", "unit": "v-vsc", "post": "vsc_chair", "from": "2018-01-01"},
                   {"id": "acc", "unit": "v", "post": "staff", "from": "2018-01-01"}],
        "findings": [], "violations": [], "circumstances": []}
    for k, v in extra.items():
        data[k] = v
    return data


def _held(det, track=None):
    return {(r.track, r.subject.id): r for r in det.recommendations if r.outcome == "accountable"
            and (track is None or r.track == track)}


def test_the_chain_climbs_to_the_township_secretary_and_member_in_charge(ev):
    """Why: a serious village violation reaches the township's first responsible person and the
    member in charge of the village (包村), as it reaches the township discipline committee."""
    det = _det(ev, _village(
        violations=[{"id": "V", "person": "acc", "kind": "misappropriation", "severity": "serious",
                     "date": "2020-12-31", "from": "2020-01-01", "area": "v-area", "facts": {"amount": 90000}}],
        findings=[{"id": "F", "kind": "problem_not_detected", "unit": "t", "date": "2020-12-31",
                   "from": "2020-01-01", "area": "v-area", "persons": ["ts", "tm"]},
                  {"id": "G", "kind": "problem_not_detected", "unit": "t-jw", "date": "2020-12-31",
                   "from": "2020-01-01"}]))
    held = _held(det)
    assert ("primary", "ts") in held and ("primary", "tm") in held and ("supervisory", "jw") in held
    # did not detect (notice) + a serious violation (2 rungs): organisational handling, not the old
    # serious-warning-and-removal floor
    for key in [("primary", "ts"), ("primary", "tm")]:
        assert (held[key].form, held[key].sanction) == ("organizational", None), key
        assert "removal_from_post" not in held[key].measures


def test_a_finding_naming_people_holds_only_them(ev):
    """Why: the record, not the organisation chart, says whose fault it was."""
    det = _det(ev, _village(findings=[
        {"id": "F", "kind": "dual_signature_missing", "unit": "v", "date": "2020-12-31", "persons": ["vc"],
         "facts": {"amount": 10000}}]))
    assert set(_held(det)) == {("supervisory", "vc")}
    assert any(e.person == "vs" and e.reason == "not_named" for e in det.trace.excluded)


def test_a_finding_recorded_at_the_village_supervision_committee_is_matched_to_its_duties(ev):
    """Why: the committee's chair answers for the dual signature wherever the finding is recorded."""
    det = _det(ev, _village(findings=[
        {"id": "F", "kind": "dual_signature_missing", "unit": "v-vsc", "date": "2020-12-31", "facts": {"amount": 10000}}]))
    assert ("supervisory", "vc") in _held(det)


def test_reported_fact_exempts_the_named_with_the_duty_performed(ev):
    """Why: a subject with nothing left against them is exempt, with the clause they fulfilled."""
    det = _det(ev, _village(findings=[
        {"id": "F", "kind": "problem_not_reported", "unit": "v", "date": "2020-12-31", "persons": ["vs"],
         "facts": {"reported": True}}]))
    recs = [r for r in det.recommendations if r.subject.id == "vs"]
    assert recs and all(r.outcome == "exempt" and r.form is None for r in recs)
    assert "已履职尽责" in recs[0].reason and recs[0].clauses


def test_direct_track_stays_disciplinary_and_merges_several_violations(ev):
    """Why: 纪律处分条例: several violations one sanction above the gravest; 从轻 within the sanction;
    never down into organisational handling."""
    det = _det(ev, _village(
        violations=[{"id": "V1", "person": "acc", "kind": "gifts", "severity": "minor", "date": "2020-06-30"},
                    {"id": "V2", "person": "acc", "kind": "gifts", "severity": "minor", "date": "2020-09-30"}],
        circumstances=[{"subject": "acc", "kind": "remedied_loss"}]))
    rec = next(r for r in det.recommendations if r.track == "direct")
    assert (rec.form, rec.sanction) == ("disciplinary", "serious_warning")   # warning, merged +1, 从轻 within


def test_several_minor_violations_open_the_tracks_as_one_serious(ev):
    """Why: 不正之风滋长蔓延: three minor violations in a unit within a year (rulebook accumulation)."""
    vios = [{"id": f"V{i}", "person": "acc", "kind": "public_funds_dining", "severity": "minor",
             "date": d} for i, d in enumerate(["2020-03-31", "2020-06-30", "2020-09-30"])]
    det = _det(ev, _village(violations=vios))
    assert any(r.track == "supervisory" and r.subject.id == "jw" for r in det.recommendations)
    det2 = _det(ev, _village(violations=vios[:2]))
    assert not any(r.track == "supervisory" for r in det2.recommendations)
    direct = next(r for r in det.recommendations if r.track == "direct")
    assert direct.sanction != "removal_from_party_posts"   # judged on own (minor) acts, merged +1


def test_decided_by_names_who_proposes_and_who_decides(ev):
    """Why: organisational handling is proposed by the discipline body and decided by the
    organisation managing the cadre (问责条例 第12条)."""
    det = _det(ev, _village(
        violations=[{"id": "V", "person": "acc", "kind": "misappropriation", "severity": "serious",
                     "date": "2020-12-31", "from": "2020-01-01"}],
        findings=[{"id": "F", "kind": "problem_not_detected", "unit": "v", "date": "2020-12-31", "from": "2020-01-01",
                   "persons": ["vs"]}]))
    rec = _held(det)[("primary", "vs")]
    assert rec.decided_by == "甲镇纪委提出建议，甲镇党委决定"
    assert rec.category == "组织处理"


def test_a_post_history_answers_through_the_post_held_at_the_time(ev):
    """Why: a person who moved posts answers for the lapse through the post they held then."""
    data = _village(findings=[{"id": "F", "kind": "risk_prevention_weak", "unit": "v", "date": "2019-06-30"}])
    data["people"].append({"id": "mover", "unit": "t", "post": "member", "from": "2020-01-01",
                           "posts": [{"unit": "v", "post": "secretary", "from": "2017-01-01", "to": "2019-12-31"}]})
    held = _held(_det(ev, data), "primary")
    assert ("primary", "mover") in held and ("primary", "vs") in held


def test_reported_up_discharges_only_the_lapse_it_names(ev):
    """Why: reporting one problem up does not excuse another lapse of the same person."""
    data = _village(findings=[
        {"id": "F1", "kind": "problem_not_reported", "unit": "v", "date": "2020-12-31", "persons": ["vs"]},
        {"id": "F2", "kind": "rectification_perfunctory", "unit": "v", "date": "2020-12-31", "persons": ["vs"]}],
        circumstances=[{"subject": "vs", "kind": "reported_up", "lapse": "F1", "note": "已书面报告镇纪委"}])
    recs = [r for r in _det(ev, data).recommendations if r.subject.id == "vs"]
    assert [(r.outcome, r.findings) for r in recs] == [("accountable", ["F2"])]
