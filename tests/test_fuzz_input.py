"""Fault injection on case files: any mutation of a valid case is either still valid (and then it
is evaluated, durable agreeing with the reference) or an InputError naming a field. Nothing else
may escape, since the CLI turns only InputError into a message."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.case import parse_case
from duidan.documents import parse_text
from duidan.errors import InputError

from conftest import RELAXED
from strategies import cases, paths

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                 st.text(max_size=8), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.just("2021-02-30"), st.just(dt.date(2021, 1, 1)), st.just("书记"), st.just("p0"), st.just("town"))


def _set(obj, path, value, delete=False):
    if not path:
        return value
    parent = obj
    for p in path[:-1]:
        parent = parent[p]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return obj


@st.composite
def mutated(draw):
    import copy

    data = copy.deepcopy(draw(cases(max_people=5, max_findings=3, max_violations=1)))
    for _ in range(draw(st.integers(1, 3))):
        where = list(paths(data))
        path = draw(st.sampled_from(where))
        if path and draw(st.booleans()):
            data = _set(data, path, None, delete=True)
        else:
            data = _set(data, path, draw(JUNK))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=RELAXED)
@given(data=mutated())
def test_mutated_cases_are_evaluated_or_rejected_cleanly(engines, data):
    durable, reference = engines
    try:
        case = parse_case(data, "<fuzz>")
    except InputError as e:
        assert e.problems and all(path for path, _ in e.problems)
        assert "<fuzz>" in e.message
        return
    try:
        a = durable.evaluate(case, "<fuzz>")
    except InputError:
        return  # a rulebook-declared fact of the wrong type
    assert a.digest == reference.evaluate(case, "<fuzz>").digest


@settings(max_examples=200, deadline=None, suppress_health_check=RELAXED)
@given(text=st.text(max_size=200))
def test_arbitrary_text_parses_or_gives_an_input_error(text):
    try:
        data = parse_text(text, "<fuzz>")
        parse_case(data, "<fuzz>")
    except InputError as e:
        assert e.message.startswith("<fuzz>: ") and e.problems


@settings(max_examples=150, deadline=None, suppress_health_check=RELAXED)
@given(data=st.data())
def test_mutated_rulebooks_load_or_fail_with_a_message_and_never_crash_the_engine(tmp_path_factory, data):
    """Rule files are user input too: a mutated rule file loads (and then runs on the engine
    through `rules check`'s probe) or is refused with a file and a field path."""
    import copy
    import shutil

    import yaml

    from duidan.check import check
    from duidan.rulebook import load_rulebook

    from conftest import MINI

    book = tmp_path_factory.mktemp("book")
    shutil.copytree(MINI, book, dirs_exist_ok=True)
    rules = yaml.safe_load((MINI / "rules.yaml").read_text(encoding="utf-8"))
    mutated_rules = copy.deepcopy(rules)
    for _ in range(data.draw(st.integers(1, 3))):
        where = [p for p in paths(mutated_rules) if p]
        if not where:   # every key deleted by an earlier mutation: nothing left to change
            break
        path = data.draw(st.sampled_from(where))
        value = data.draw(st.one_of(JUNK, st.sampled_from(["unit_head", "notice", "gte", "amount", "P-TWN-2.1",
                                                            "disciplinary", "violation", "open", 65535])))
        if data.draw(st.booleans()):
            mutated_rules = _set(mutated_rules, path, None, delete=True)
        else:
            mutated_rules = _set(mutated_rules, path, value)
    (book / "rules.yaml").write_text(yaml.safe_dump(mutated_rules, allow_unicode=True), encoding="utf-8")
    try:
        loaded = load_rulebook(book)
    except InputError as e:
        assert e.problems and str(book) in e.message
        return
    report = check(loaded)   # compiles onto durable_rules and runs the probe; problems are data
    assert not [p for p in report.problems if "disagree" in p], report.problems
