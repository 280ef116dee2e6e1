"""The bundled example cases give their reviewed, expected outcomes (cases/expected/)."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from duidan.api import Evaluator
from duidan.cli.main import cli
from duidan.determination import Determination
from duidan.expectations import summarize, without_reasons
from duidan.views.text import to_json_line

from conftest import ROOT

CASES = sorted((ROOT / "cases").glob("*.yaml"))


def test_there_are_enough_examples():
    assert len(CASES) >= 8
    assert {p.name for p in (ROOT / "cases" / "expected").glob("*.yaml")} == {p.name for p in CASES}


@pytest.fixture(scope="module")
def durable(bundled):
    return Evaluator(bundled)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_example_case_gives_its_expected_outcome(durable, path):
    expected = yaml.safe_load((ROOT / "cases" / "expected" / path.name).read_text(encoding="utf-8"))
    assert summarize(durable.evaluate_file(path)) == without_reasons(expected)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_expected_decision_says_why(path):
    """An expectation is a person's judgement, not a snapshot: each carries its reason."""
    expected = yaml.safe_load((ROOT / "cases" / "expected" / path.name).read_text(encoding="utf-8"))
    for rec in expected["recommendations"]:
        why = rec.get("why", "")
        assert isinstance(why, str) and len(why) >= 10 and not why.startswith("TODO"), (path.name, rec["subject"])


def test_examples_cover_the_brief(durable):
    """Both lists, every tier, one case two investigations, a change of hands, exemption, aggravation."""
    dets = [durable.evaluate_file(p) for p in CASES]
    recs = [r for d in dets for r in d.recommendations]
    assert {r.track for r in recs} == {"primary", "supervisory", "direct"}
    tiers = {r.subject.tier for r in recs if r.outcome == "accountable"}
    assert tiers >= {"city", "department", "township", "enterprise", "village", "city_discipline",
                     "stationed_group", "township_discipline", "village_supervision"}
    assert any(r.outcome == "exempt" for r in recs)
    assert any(r.trace.shift > 0 for r in recs)
    assert any(r.outcome == "undetermined" and r.missing for r in recs)
    assert any(d.trace.excluded for d in dets)


def test_evaluate_all_examples_twice_gives_identical_json():
    args = ["evaluate", *map(str, CASES), "--format", "json"]
    a = CliRunner().invoke(cli, args)
    b = CliRunner().invoke(cli, args)
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    lines = a.output.splitlines()
    assert len(lines) == len(CASES)
    for line in lines:   # valid against the contract's model, and re-serialises to the same bytes
        det = Determination.model_validate(json.loads(line))
        assert to_json_line(det.to_dict()) == line


def test_bundled_rulebook_passes_rules_check():
    r = CliRunner().invoke(cli, ["rules", "check"])
    assert r.exit_code == 0, r.output
    assert "ok:" in r.output


def test_bundled_spreadsheet_example_batches_with_its_one_bad_row(tmp_path):
    batch_dir = ROOT / "cases" / "batch"
    r = CliRunner().invoke(cli, ["batch", str(batch_dir / "findings.csv"), "--roster", str(batch_dir / "roster.yaml"),
                                 "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert r.exit_code == 1, r.output
    assert "read 5  evaluated 4  rejected 1" in r.output
    assert "findings.csv: line 7, 超期天数: expected a number, got 'abc'" in r.output


def test_explain_shows_the_rules_behind_and_who_was_left_out():
    from duidan.rulebook import load_rulebook
    from duidan.views.labels import label

    book = load_rulebook()
    r = CliRunner().invoke(cli, ["evaluate", str(ROOT / "cases" / "township_secretary_changed.yaml"), "--explain"])
    assert r.exit_code == 0
    # In Chinese: the rule by its title, the relation by the rulebook's label (ids stay in the JSON).
    head = label("unit_head", book)
    assert "【推理轨迹】" in r.output
    assert f"规则「{book.rule_index['PRI-TWN-RISK-EDU-HEAD'].title}」← 问题 F1，经{head}" in r.output
    # 何某 took the post after the lapse ended: left out, with the dates that say why.
    assert (f"排除 何某（{head}，问题 F1）：问题期间（2020-07-01至2021-06-30）不在该岗位"
            "（任职2022-03-01至今）") in r.output


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_plain_data_of_an_example_is_what_the_models_write(durable, path):
    from duidan.case import load_case
    from duidan.determine import digest_of_dict
    from duidan.documents import canonical_json

    plain = durable.evaluate_data(load_case(path, durable.rulebook.domain))
    assert Determination.model_validate(plain).to_dict() == plain == durable.evaluate_file(path).to_dict()
    det, text = durable.evaluate_json(load_case(path, durable.rulebook.domain))   # a worker's single serialisation
    assert det == plain and text == canonical_json(plain) and det["digest"] == digest_of_dict(plain)
