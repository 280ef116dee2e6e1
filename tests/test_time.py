"""Time: lapses are judged under the duties and instruments in force when they happened (从旧兼从轻),
from the national baseline before the lists on, over generated cases dated 2011–2025."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings

from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.determination import EditionStep, NotInForceStep

from conftest import RELAXED
from strategies import cases

CITATION = re.compile(r"^(?P<title>[^()]+)\((?P<edition>[^()]+)\)")
SPAN = cases(start=dt.date(2011, 1, 1), span=5300)   # 2011-01 .. 2025-07


def _editions(book):
    return {inst.title: inst for inst in book.instruments.instruments}


@settings(max_examples=80, deadline=None, suppress_health_check=RELAXED)
@given(data=SPAN)
def test_citations_follow_the_date(bundled, data):
    ev = Evaluator(bundled, "reference")
    case = parse_case(data, "<generated>", bundled.domain)
    det = ev.evaluate(case)
    review = case.reviewed_on
    lapse_dates = {f.id: f.date for f in case.findings} | {v.id: v.date for v in case.violations}
    baseline_from = min(e.in_force for lst in bundled.lists.values() for e in lst.editions)
    instruments = _editions(bundled)
    for rec in det.recommendations:
        dates = [lapse_dates[lid] for lid in rec.findings + rec.violations]
        # No lapse after the baseline is shelved for want of a list edition: only clauses with no
        # national counterpart (`since` a later edition) can be out of force then.
        for st in rec.why:
            if isinstance(st, NotInForceStep) and dt.date.fromisoformat(st.date) >= baseline_from:
                rule_cites = {c for m in rec.trace.matches if m.lapse == st.lapse
                              for c in bundled.rule_index[m.rule].cites}
                assert all(bundled.clause_index[c][3].since for c in rule_cites), (rec.id, st)
        # Every clause is cited in the edition in force on one of its lapses' dates, never later
        # than the review.
        for c in rec.clauses:
            lst = bundled.lists[c.list]
            editions = {lst.edition_at(d).edition for d in dates if lst.edition_at(d)}
            assert c.edition in editions, (rec.id, c.id, c.edition, editions)
            assert next(e for e in lst.editions if e.edition == c.edition).in_force <= review
        # Every instrument is cited in the edition in force on a lapse date, or a later lighter one.
        lighter = {st.edition for st in rec.why if isinstance(st, EditionStep) and st.effect == "lighter_later_edition"}
        for text in rec.basis:
            m = CITATION.match(text)
            assert m, text
            inst = instruments[m["title"]]
            then = {inst.edition_at(d).edition for d in dates if inst.edition_at(d)}
            assert m["edition"] in then | lighter, (rec.id, text, then)
            assert inst.edition(m["edition"]).in_force <= review, (rec.id, text, review)


def test_the_county_bureau_case_is_judged_under_the_rules_of_its_time(bundled):
    """Kickbacks 2012–2015, a secretary who did not detect them, a stationed group that shelved a
    report: both tracks accountable against the baseline duties; the violator under 纪律处分条例(2003)."""
    det = Evaluator(bundled).evaluate_file("cases/bureau_kickbacks_2012.yaml")
    by = {(r.track, r.subject.id): r for r in det.recommendations if r.outcome == "accountable"}
    secretary, group_head, violator = by[("primary", "p1")], by[("supervisory", "p3")], by[("direct", "p2")]
    for rec in (secretary, group_head):
        assert rec.clauses and all(c.source == "baseline" for c in rec.clauses)
        assert not any("问责条例" in b for b in rec.basis)          # not in force until 2016-07-08
        assert "清单尚未施行" in rec.reason
    assert any("关于实行党风廉政建设责任制的规定(2010)" in b for b in secretary.basis)
    assert "中国共产党纪律处分条例(2003) 第85条" in violator.basis


def test_a_later_lighter_edition_applies_on_the_direct_track(bundled, tmp_path):
    """A major banquet in 2013 proposes probation; 纪律处分条例(2003) 第81条 allows at most 撤销党内职务."""
    det = Evaluator(bundled).evaluate_file("cases/banquet_2013.yaml")
    rec = next(r for r in det.recommendations if r.track == "direct")
    assert (rec.form, rec.sanction) == ("disciplinary", "removal_from_party_posts")
    assert any(isinstance(st, EditionStep) and st.edition == "2003" for st in rec.why)


def test_a_citation_of_an_article_the_edition_does_not_have_is_refused(tmp_path):
    """问责条例(2019) has 26 articles: a rule citing 第27条 is a clear error naming the file and field,
    and a citation by text that exists resolves to the provision it belongs to."""
    import shutil

    import pytest

    from duidan.errors import InputError
    from duidan.rulebook import bundled_path, load_rulebook

    root = tmp_path / "rules"
    shutil.copytree(bundled_path(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    rules = root / "rules" / "primary.yaml"
    text = rules.read_text(encoding="utf-8")
    first = "basis: [accountability_regulation/situations"
    assert first in text
    rules.write_text(text.replace(first, "basis: [中国共产党问责条例(2019) 第27条", 1), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_rulebook(root)
    assert "primary.yaml" in e.value.message and ".basis[0]" in e.value.message
    assert "has 26 articles; 第27条 does not exist" in e.value.message
    rules.write_text(text.replace(first, "basis: [中国共产党问责条例(2019) 第7条第8项", 1), encoding="utf-8")
    assert load_rulebook(root).digest == load_rulebook().digest   # the same provision, by its text
