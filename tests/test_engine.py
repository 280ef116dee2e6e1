"""Unit tests of the pipeline's parts: documents, resolve, compile, the durable wrapper, determine."""

from __future__ import annotations

import datetime as dt

import pytest

from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.compile import candidate_pattern, compile_rules
from duidan.determine import shift_form
from duidan.documents import parse_text
from duidan.domain import bundled_domain
from duidan.durable_engine import DurableEvaluator, fnv1_32
from duidan.errors import EngineFault, InputError
from duidan.facts import WorkingMemory
from duidan.resolve import Holder, resolve, supervisors_of
from duidan.rulebook import Rule, load_rulebook

from conftest import MINI

DOM = bundled_domain()


def case(**over):
    data = {"schema": "duidan/case/v1", "case": {"id": "U-1"},
            "units": [{"id": "town", "tier": "township", "supervisor": "jw"},
                      {"id": "jw", "tier": "township_discipline", "parent": "town"},
                      {"id": "vil", "tier": "village", "parent": "town"},
                      {"id": "vsc", "tier": "village_supervision", "parent": "vil"}],
            "people": [{"id": "old", "unit": "town", "post": "secretary", "from": "2018-01-01", "to": "2020-12-31"},
                       {"id": "new", "unit": "town", "post": "secretary", "from": "2021-01-01"},
                       {"id": "m", "unit": "town", "post": "member", "portfolio": ["finance"]},
                       {"id": "x", "unit": "vil", "post": "staff"},
                       {"id": "c", "unit": "vsc", "post": "vsc_chair"}],
            "findings": [{"id": "F", "kind": "plan_perfunctory", "unit": "town", "date": "2021-03-31",
                          "from": "2020-10-01", "area": "finance"}]}
    data.update(over)
    return parse_case(data, "<test>")


# ---------------------------------------------------------------- documents

def test_yaml_on_is_a_key_not_a_boolean_and_tags_are_refused():
    assert parse_text("on: finding\nflag: yes\nreal: true", "x") == {"on": "finding", "flag": "yes", "real": True}
    with pytest.raises(InputError, match="not allowed"):
        parse_text("a: !!python/name:os.system", "x")
    with pytest.raises(InputError, match="duplicate key 'a'"):
        parse_text("a: 1\na: 2", "x")


def test_chinese_aliases_are_accepted():
    c = parse_case({"schema": "duidan/case/v1", "case": {"id": "Z"},
                    "units": [{"id": "u", "tier": "乡镇"}],
                    "people": [{"id": "p", "unit": "u", "post": "书记"}],
                    "findings": [{"id": "F", "kind": "压案不查", "unit": "u", "date": "2022-01-01"}],
                    "circumstances": [{"subject": "p", "kind": "积极配合"}]}, "x")
    assert (c.units[0].tier, c.people[0].post, c.findings[0].kind, c.circumstances[0].kind) == \
        ("township", "secretary", "clue_shelved", "cooperated")


def test_fact_types_are_checked_at_load():
    for bad in ({"amount": "9"}, {"count": 2.5}, {"falsified": "yes"}, {"similarity": 1.5},
                {"copied_from": "neighbour"}, {"amount": float("nan")}, {"days_overdue": -1}):
        with pytest.raises(InputError):
            case(findings=[{"id": "F", "kind": "clue_shelved", "unit": "jw", "date": "2022-01-01", "facts": bad}])


# ---------------------------------------------------------------- resolve

def test_only_holders_during_the_period_are_candidates():
    res = resolve(case(), load_rulebook(MINI).domain)
    heads = {h.subject for h in res.holders if h.relation == "unit_head"}
    assert heads == {"old", "new"}                     # the period 2020-10..2021-03 spans both
    area = {h.subject for h in res.holders if h.relation == "area_member"}
    assert area == {"m"}
    late = case(findings=[{"id": "F", "kind": "plan_perfunctory", "unit": "town", "date": "2022-03-31"}])
    res = resolve(late, DOM)
    assert {h.subject for h in res.holders if h.relation == "unit_head"} == {"new"}
    assert [e.person for e in res.excluded] == ["old"]


def test_a_village_is_supervised_by_its_committee_and_its_townships_bodies():
    c = case()
    units = {u.id: u for u in c.units}
    assert supervisors_of(units["vil"], units, DOM) == ["jw", "vsc"]
    assert supervisors_of(units["town"], units, DOM) == ["jw"]


def test_the_violator_is_not_their_own_leader():
    c = case(people=[{"id": "s", "unit": "town", "post": "secretary"}],
             findings=[], violations=[{"id": "V", "person": "s", "kind": "gifts", "date": "2022-01-01",
                                       "severity": "serious"}])
    res = resolve(c, DOM)
    assert {(h.relation, h.subject) for h in res.holders if h.subject_kind == "person"} == {("violator", "s")}


# ---------------------------------------------------------------- compile and the durable wrapper

def _rule(i=0, **over):
    data = {"id": f"R{i}", "title": "t", "track": "primary", "when": {"on": "finding", "kinds": ["plan_perfunctory"]},
            "subject": {"relation": "unit_head"}, "grade": "principal_leadership", "form": "talk", "cites": ["X-1"]}
    data.update(over)
    return Rule.model_validate(data)


def test_compiled_rules_are_one_pattern_and_guard_missing_facts():
    rule = _rule(when={"on": "finding", "kinds": ["clue_shelved", "plan_perfunctory"],
                       "facts": [{"fact": "amount", "op": "ne", "value": 5}]})
    defs, keys = compile_rules([rule])
    assert [next(iter(p)) for p in defs["R0"]["all"]] == ["c"]
    # the candidates worth sending: a rule tests on, relation and kind by equality
    assert keys == {("finding", "unit_head", "clue_shelved"), ("finding", "unit_head", "plan_perfunctory")}
    conds = candidate_pattern(rule)["$and"]
    assert {"$or": [{"kind": "clue_shelved"}, {"kind": "plan_perfunctory"}]} in conds
    assert {"$and": [{"$ex": {"f_amount": 1}}, {"$neq": {"f_amount": 5}}]} in conds
    assert "$done" in defs


def test_fnv_replica_matches_the_engines_known_collision():
    assert fnv1_32("lapse-b47bf4cf9b89") == fnv1_32("lapse-7d66452eccda")
    assert fnv1_32("c1") != fnv1_32("c2")


def test_colliding_fact_ids_are_refused_before_the_engine_sees_them():
    ev = DurableEvaluator("collide", [_rule()])
    h = Holder("F", "unit_head", "person", "p", "u", "township", "secretary")
    base = {"type": "candidate", "lid": "F", "on": "finding", "kind": "plan_perfunctory", "ltier": "township",
            "relation": "unit_head", "stier": "township"}
    a, b = "lapse-b47bf4cf9b89", "lapse-7d66452eccda"
    wm = WorkingMemory([dict(base, id=a), dict(base, id=b)], {a: h, b: h})
    with pytest.raises(EngineFault, match="collide"):
        ev.evaluate(wm)


def test_many_rules_and_sessions_without_firing():
    """More than 64 rules (the engine's join limit) and >1024 cases (its live-session cap), many of
    them firing nothing (where a naive delete_state crashes)."""
    rules = [_rule(i) for i in range(150)] + [_rule(999, when={"on": "finding", "kinds": ["clue_shelved"]})]
    ev = DurableEvaluator("many", rules)
    h = Holder("F", "unit_head", "person", "p", "u", "township", "secretary")
    fact = {"id": "c0", "type": "candidate", "lid": "F", "on": "finding", "ltier": "township",
            "relation": "unit_head", "stier": "township"}
    for i in range(1100):
        kind = "plan_perfunctory" if i % 3 == 0 else "sanction_not_executed"
        got = ev.evaluate(WorkingMemory([dict(fact, kind=kind)], {"c0": h}))
        assert len(got) == (150 if kind == "plan_perfunctory" else 0)


def test_unicode_and_nested_fact_values_survive_the_engine():
    book = load_rulebook(MINI)
    data = case(findings=[{"id": "问题一", "kind": "plan_perfunctory", "unit": "town", "date": "2022-05-01",
                           "facts": {"copied_from": "peer", "备注": "中文附加事实"}}])
    a = Evaluator(book).evaluate(data)
    b = Evaluator(book, "reference").evaluate(data)
    assert a.digest == b.digest and a.recommendations
    assert a.trace.undeclared_facts == {"问题一": ["备注"]}


# ---------------------------------------------------------------- determine

def test_ladders_shift_and_clamp():
    assert shift_form(DOM, "person", "admonition", None, 1) == ("organizational", None)
    assert shift_form(DOM, "person", "organizational", None, 1) == ("disciplinary", "warning")
    assert shift_form(DOM, "person", "talk", None, -1) == ("talk", None)
    assert shift_form(DOM, "person", "disciplinary", "expulsion", 2) == ("disciplinary", "expulsion")
    assert shift_form(DOM, "unit", "notice", None, 1) == ("reorganization", None)
    assert len(DOM.ladder("person")) == 11 and len(DOM.ladder("unit")) == 3


def test_clause_is_cited_in_the_edition_in_force():
    book = load_rulebook(MINI)
    assert book.clause_at("P-TWN-2.1", dt.date(2021, 1, 1)).text == "亲自部署"
    assert book.clause_at("P-TWN-2.1", dt.date(2022, 3, 1)).text == "亲自部署、亲自过问"
    assert book.clause_at("P-TWN-2.2", dt.date(2021, 1, 1)) is None
    assert book.clause_at("P-TWN-2.1", dt.date(2017, 12, 31)) is None


def test_an_opened_track_stays_open_until_a_finding_it_names_establishes_it():
    book = load_rulebook(MINI)
    c = case(people=[{"id": "s", "unit": "town", "post": "secretary"}, {"id": "x", "unit": "town", "post": "staff"}],
             findings=[{"id": "F", "kind": "pressure_not_transmitted", "unit": "town", "date": "2021-01-01"}],
             violations=[{"id": "V", "person": "x", "kind": "misappropriation", "date": "2021-01-01",
                          "severity": "serious"}])
    det = Evaluator(book).evaluate(c)
    recs = [(r.track, r.subject.id, r.outcome) for r in det.recommendations]
    # the mini rulebook has no rule establishing pressure_not_transmitted: the track stays open
    assert ("primary", "s", "undetermined") in recs
    assert det.unmatched == ["F"]


def test_a_duty_repealed_before_review_is_not_held_against_anyone(mini):
    data = dict(schema="duidan/case/v1", case={"id": "R"}, units=[{"id": "u", "tier": "township"}],
                people=[{"id": "s", "unit": "u", "post": "secretary"}],
                findings=[{"id": "F", "kind": "deployment_lacking", "unit": "u", "date": "2021-06-30"}])
    before = Evaluator(mini).evaluate(parse_case(dict(data, case={"id": "R", "reviewed_on": "2022-01-01"}), "x"))
    after = Evaluator(mini).evaluate(parse_case(dict(data, case={"id": "R", "reviewed_on": "2022-06-01"}), "x"))
    assert [(r.outcome, r.form) for r in before.recommendations] == [("accountable", "talk")]
    assert before.recommendations[0].clauses[0].edition == "2018-01"
    assert [r.outcome for r in after.recommendations] == ["undetermined"]
    assert "从旧兼从轻" in after.recommendations[0].reason


def test_an_engine_failure_is_an_error_not_a_crash():
    """70 range tests passed by one fact: durable_rules fails the batch with error 303. The wrapper
    reports it and keeps the process alive (deleting that session would crash it)."""
    rules = [_rule(i, when={"on": "finding", "kinds": ["clue_shelved"],
                            "facts": [{"fact": "days_overdue", "op": "gte", "value": i}]}) for i in range(70)]
    ev = DurableEvaluator("limits", rules)
    h = Holder("F", "unit_head", "person", "p", "u", "township", "secretary")
    fact = {"id": "c0", "type": "candidate", "lid": "F", "on": "finding", "kind": "clue_shelved",
            "ltier": "township", "relation": "unit_head", "stier": "township"}
    for _ in range(3):
        with pytest.raises(EngineFault, match="303"):
            ev.evaluate(WorkingMemory([dict(fact, f_days_overdue=1000)], {"c0": h}))
    assert len(ev.evaluate(WorkingMemory([dict(fact, f_days_overdue=10)], {"c0": h}))) == 11


def test_a_rulebook_may_declare_facts_of_its_own(tmp_path):
    import shutil

    book_dir = tmp_path / "book"
    shutil.copytree(MINI, book_dir)
    meta = book_dir / "rulebook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "facts:\n  - {fact: households, type: integer}\n",
                    encoding="utf-8")
    rules = book_dir / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "when: {on: finding, kinds: [plan_perfunctory], tiers: [township]}",
        "when: {on: finding, kinds: [plan_perfunctory], tiers: [township],"
        " facts: [{fact: households, op: gte, value: 100}]}"), encoding="utf-8")
    book = load_rulebook(book_dir)
    data = {"schema": "duidan/case/v1", "case": {"id": "H"}, "units": [{"id": "u", "tier": "township"}],
            "people": [{"id": "s", "unit": "u", "post": "secretary"}],
            "findings": [{"id": "F", "kind": "plan_perfunctory", "unit": "u", "date": "2022-06-30",
                          "facts": {"households": 120}}]}
    for engine in ("durable", "reference"):
        det = Evaluator(book, engine).evaluate(parse_case(data, "x", book.domain))
        assert "P-PLAN-HEAD" in det.recommendations[0].rules
    data["findings"][0]["facts"]["households"] = "120"
    with pytest.raises(InputError, match=r"findings\[0\].facts.households: expected a number"):
        parse_case(data, "x", book.domain)   # a case is checked against the rulebook it is read with
    bad = meta.read_text(encoding="utf-8").replace("households, type: integer", "households, type: integr")
    meta.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=r"facts\[0\].type"):
        load_rulebook(book_dir)
