"""Properties over generated valid cases (tests/strategies.py), on every rulebook we ship."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.case import parse_case
from duidan.determination import Determination
from duidan.determine import rank
from duidan.domain import bundled_domain
from duidan.resolve import held_during

from conftest import RELAXED
from strategies import cases

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=RELAXED)


def _evaluate(ev, data):
    return ev.evaluate(parse_case(data, "<generated>"))


def _shuffled(data, seed):
    rng = random.Random(seed)
    out = dict(data)
    for key in ("units", "people", "findings", "violations", "circumstances"):
        items = list(out[key])
        rng.shuffle(items)
        out[key] = items
    return out


@SETTINGS
@given(data=cases(), seed=st.integers(0, 2**32))
def test_digest_ignores_order_of_the_case_file(engines, data, seed):
    durable, _ = engines
    a = _evaluate(durable, data)
    b = _evaluate(durable, _shuffled(data, seed))
    assert a.digest == b.digest
    assert a.to_dict() == b.to_dict()


@settings(max_examples=300, deadline=None, suppress_health_check=RELAXED)
@given(data=cases())
def test_durable_rules_agrees_with_the_reference_evaluator(engines, data):
    durable, reference = engines
    case = parse_case(data, "<generated>")
    res = durable.resolve(case)
    assert durable.matches(res) == reference.matches(res)
    assert durable.evaluate(case).digest == reference.evaluate(case).digest


def _level(rec):
    """Exempt is below every form; undetermined has no level."""
    if rec.outcome == "exempt":
        return -1
    return rank(bundled_domain(), rec.subject.kind, rec.form, rec.sanction)


def _compare(book, ev, data, kind):
    """Add circumstance `kind` to every subject that has an accountable recommendation."""
    before = _evaluate(ev, data)
    subjects = sorted({r.subject.id for r in before.recommendations if r.outcome == "accountable"})
    if not subjects:
        return []
    more = dict(data, circumstances=list(data["circumstances"]) + [{"subject": s, "kind": kind} for s in subjects])
    after = _evaluate(ev, more)
    assert [(r.track, r.subject.id, r.rules) for r in before.recommendations] == \
           [(r.track, r.subject.id, r.rules) for r in after.recommendations]
    return [(b, a) for b, a in zip(before.recommendations, after.recommendations, strict=True)
            if b.outcome != "undetermined"]


@SETTINGS
@given(data=cases(), kind=st.sampled_from(["obstructed", "falsified", "ignored_repeated_orders", "repeat_offence"]))
def test_a_heavier_circumstance_never_lowers_a_form(book, engines, data, kind):
    for b, a in _compare(book, engines[0], data, kind):
        assert _level(a) >= _level(b), (b.id, b.form, b.sanction, a.form, a.sanction)


@SETTINGS
@given(data=cases(), kind=st.sampled_from(["remedied_loss", "cooperated", "self_reported",
                                           "opposed_on_record", "reform_trial_error", "force_majeure"]))
def test_a_lighter_circumstance_or_exemption_never_raises_a_form(book, engines, data, kind):
    for b, a in _compare(book, engines[0], data, kind):
        assert _level(a) <= _level(b)
        if book.circumstances[kind].effect == "exempt":
            assert a.outcome == "exempt" and a.form is None


@SETTINGS
@given(data=cases())
def test_accountable_recommendations_cite_their_own_list_in_force(book, engines, data):
    det = _evaluate(engines[0], data)
    case = parse_case(data, "<generated>")
    dates = {f.id: f.date for f in case.findings} | {v.id: v.date for v in case.violations}
    for rec in det.recommendations:
        if rec.outcome != "accountable":
            continue
        if rec.track == "direct":
            assert rec.basis, rec.id
            continue
        own = [c for c in rec.clauses if c.list == rec.track]
        assert own, f"{rec.id} cites no clause of the {rec.track} list"
        lapse_editions = {book.lists[rec.track].edition_at(dates[lid]).edition
                          for lid in rec.findings + rec.violations
                          if book.lists[rec.track].edition_at(dates[lid]) is not None}
        for c in own:
            assert c.edition in lapse_editions, (rec.id, c.id, c.edition, lapse_editions)


@SETTINGS
@given(data=cases())
def test_nobody_answers_for_a_period_they_did_not_hold_the_post(engines, data):
    det = _evaluate(engines[0], data)
    case = parse_case(data, "<generated>")
    people = {p.id: p for p in case.people}
    lapses = {f.id: f for f in case.findings} | {v.id: v for v in case.violations}
    for rec in det.recommendations:
        if rec.track == "direct" or rec.subject.kind != "person":
            continue
        for lid in rec.findings + rec.violations:
            lapse = lapses[lid]
            assert held_during(people[rec.subject.id], lapse.start, lapse.date), (rec.id, lid)


def test_review_date_defaults_to_the_latest_date_in_the_case(mini):
    from duidan.api import Evaluator

    data = {"schema": "duidan/case/v1", "case": {"id": "D"}, "units": [{"id": "u", "tier": "township"}],
            "people": [{"id": "p", "unit": "u", "post": "secretary", "from": "2019-01-01", "to": "2023-02-01"}],
            "findings": [{"id": "F", "kind": "plan_perfunctory", "unit": "u", "date": "2021-06-30"}]}
    det = Evaluator(mini).evaluate(parse_case(data, "x"))
    assert det.reviewed_on == dt.date(2023, 2, 1).isoformat()


@SETTINGS
@given(data=cases())
def test_plain_data_is_exactly_what_the_models_write(engines, data):
    """A batch stores the determination built as plain data (Evaluator.evaluate_data), never
    through the models; the models must read it back unchanged, or the two paths would drift."""
    durable, _ = engines
    case = parse_case(data, "<generated>")
    plain = durable.evaluate_data(case)
    validated = Determination.model_validate(plain)
    assert validated.to_dict() == plain
    # evaluate() rebuilds the models from that data without validating (documents.rebuild): the
    # very objects validation would give
    assert durable.evaluate(case) == validated
    assert durable.evaluate(case).to_dict() == plain
    # ... and a worker's single serialisation (digest and text from the same pieces) is exactly
    # the canonical JSON of that data, with the digest digest_of_dict gives
    from duidan.determine import digest_of_dict
    from duidan.documents import canonical_json

    det, text = durable.evaluate_json(case)
    assert det == plain and text == canonical_json(plain) and det["digest"] == digest_of_dict(plain)
