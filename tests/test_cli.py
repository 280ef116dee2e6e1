"""The commands as a user runs them (through click's CliRunner), including every kind of bad input:
each must give exit 1 and a one-paragraph message naming the file and field, never a traceback."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from duidan.cli.main import cli

from conftest import MINI

GOOD = """\
schema: duidan/case/v1
case: {id: CLI-1, title: 测试}
units:
  - {id: town, name: 某镇党委, tier: township, supervisor: town-jw}
  - {id: town-jw, name: 某镇纪委, tier: township_discipline, parent: town}
people:
  - {id: p1, name: 张某, unit: town, post: secretary, from: 2019-01-01}
  - {id: p3, name: 王某, unit: town-jw, post: discipline_secretary}
findings:
  - {id: F1, kind: plan_perfunctory, unit: town, date: 2021-06-30, facts: {copied_from: peer}}
"""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "good.yaml"
    p.write_text(GOOD, encoding="utf-8")
    return p


def test_evaluate_json_is_the_contract_and_stable(good):
    a = run("evaluate", good, "--format", "json", "--rulebook", MINI)
    b = run("evaluate", good, "--format", "json", "--rulebook", MINI)
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    det = json.loads(a.output)
    assert det["schema"] == "duidan/determination/v1" and det["case"] == "CLI-1"
    assert det["digest"].startswith("sha256:") and det["rulebook"]["name"] == "mini"
    rec = det["recommendations"][0]
    for key in ("id", "track", "subject", "grade", "outcome", "form", "sanction", "measures", "decided_by",
                "clauses", "basis", "findings", "violations", "rules", "circumstances", "reason"):
        assert key in rec


def test_evaluate_text_report_names_clause_and_reason(good):
    r = run("evaluate", good, "--rulebook", MINI)
    assert r.exit_code == 0
    assert "P-TWN-2.1" in r.output and "张某" in r.output and "理由" in r.output


def test_reference_engine_gives_the_same_bytes(good):
    a = run("evaluate", good, "--format", "json", "--rulebook", MINI)
    b = run("evaluate", good, "--format", "json", "--rulebook", MINI, "--engine", "reference")
    assert a.output == b.output


BAD_CASES = {
    "broken_yaml": ("schema: duidan/case/v1\ncase: {id: X\n", ["line", "invalid YAML"]),
    "wrong_type": (GOOD.replace("date: 2021-06-30", "date: yesterday"), ["findings[0].date", "ISO date"]),
    "unknown_kind": (GOOD.replace("plan_perfunctory", "plan_perfunctorry"),
                     ["findings[0].kind", "did you mean 'plan_perfunctory'"]),
    "unknown_key": (GOOD.replace("title: 测试", "titel: 测试"), ["case.titel", "did you mean 'title'"]),
    "dangling_unit": (GOOD.replace("unit: town, date", "unit: twon, date"), ["findings[0].unit", "'town'"]),
    "reversed_dates": (GOOD.replace("date: 2021-06-30,", "date: 2021-06-30, from: 2022-01-01,"),
                       ["findings[0].from", "after it ends"]),
    "reversed_tenure": (GOOD.replace("from: 2019-01-01}", "from: 2019-01-01, to: 2018-01-01}"),
                        ["people[0].to"]),
    "empty_file": ("", ["expected a mapping"]),
    "no_findings": (GOOD.split("findings:")[0], ["at least one finding or one violation"]),
    "bad_fact": (GOOD.replace("copied_from: peer", "amount: '9'"), ["amount", "expected a number"]),
    "python_tag": ("schema: !!python/object/apply:os.system [echo hi]\n", ["not allowed"]),
    "wrong_schema": (GOOD.replace("duidan/case/v1", "duidan/case/v9"), ["schema"]),
    "dangling_supervisor": (GOOD.replace("supervisor: town-jw", "supervisor: town"), ["units[0].supervisor"]),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_case_gives_exit_1_and_a_clear_message(tmp_path, name):
    text, expected = BAD_CASES[name]
    p = tmp_path / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    r = run("evaluate", p, "--format", "json", "--rulebook", MINI)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert str(p) in r.stderr and "Traceback" not in r.stderr
    for fragment in expected:
        assert fragment in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_valid_cases_are_still_evaluated_beside_an_invalid_one(tmp_path, good):
    bad = tmp_path / "bad.yaml"
    bad.write_text("[]", encoding="utf-8")
    r = run("evaluate", good, bad, good, "--format", "json", "--rulebook", MINI)
    assert r.exit_code == 1
    assert len(r.stdout.splitlines()) == 2
    assert "bad.yaml" in r.stderr


def test_missing_file_and_json_case(tmp_path, good):
    r = run("evaluate", tmp_path / "nope.yaml", "--rulebook", MINI)
    assert r.exit_code == 1 and "no such file" in r.stderr
    import yaml

    j = tmp_path / "case.json"
    j.write_text(json.dumps(yaml.safe_load(GOOD), default=str, ensure_ascii=False), encoding="utf-8")
    a = run("evaluate", j, "--format", "json", "--rulebook", MINI)
    b = run("evaluate", good, "--format", "json", "--rulebook", MINI)
    assert a.exit_code == 0 and json.loads(a.output)["digest"] == json.loads(b.output)["digest"]


def test_usage_error_is_exit_2(good):
    assert run("evaluate", good, "--format", "xml").exit_code == 2
    assert run("evaluate").exit_code == 2


def test_rules_check_fails_on_a_dangling_citation(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(MINI, book)
    rules = book / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("cites: [P-TWN-1.1]", "cites: [P-TWN-1.9]"),
                     encoding="utf-8")
    r = run("rules", "check", book)
    assert r.exit_code == 1
    assert "P-TWN-1.9" in r.stderr and "rule P-PLAN-TEAM.cites[0]" in r.stderr
    assert "did you mean 'P-TWN-1.1'" in r.stderr


def test_rules_check_reports_coverage_gaps(tmp_path):
    r = run("rules", "check", MINI)
    assert r.exit_code == 1
    assert "handled by no rule" in r.stderr


def test_rulebook_errors_name_file_and_field(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(MINI, book)
    rules = book / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("relation: unit_head, posts", "relation: unit_haed, posts", 1),
                     encoding="utf-8")
    r = run("rules", "check", book)
    assert r.exit_code == 1 and "rules[0].subject.relation" in r.stderr and "unit_head" in r.stderr
    assert run("rules", "check", tmp_path / "missing").exit_code == 1


def test_lists_show_filters_by_list_and_tier():
    r = run("lists", "show", "--rulebook", MINI, "--list", "primary", "--tier", "village")
    assert r.exit_code == 0 and "P-TWN-2.1" in r.output and "S-TDI" not in r.output
    old = run("lists", "show", "--rulebook", MINI, "--on", "2020-01-01")
    assert "P-TWN-2.2" not in old.output and "亲自部署" in old.output
    assert run("lists", "show", "--tier", "twonship").exit_code == 2


def test_rules_check_runs_the_rulebook_on_the_engine_and_finds_its_limits(tmp_path):
    """65 range tests passed by one fact overflow durable_rules' stack (error 303) at run time;
    `rules check` must find that before a case does."""
    book = tmp_path / "book"
    shutil.copytree(MINI, book)
    extra = "".join(f"""
  - id: X-{i}
    title: 阈值{i}
    track: supervisory
    when:
      on: finding
      kinds: [clue_shelved]
      facts: [{{fact: days_overdue, op: gte, value: {i}}}]
    subject: {{relation: unit_head, tiers: [township_discipline]}}
    grade: supervisory
    form: talk
    cites: [S-TDI-2.1]
""" for i in range(70))
    with open(book / "rules.yaml", "a", encoding="utf-8") as f:
        f.write(extra)
    from duidan.check import check
    from duidan.rulebook import load_rulebook

    rep = check(load_rulebook(book))
    problems = [p for p in rep.problems if "durable_rules" in p]
    assert problems and "303" in problems[0], rep.problems


def test_evaluate_in_process_leaves_the_collector_alone(good):
    # Only the `duidan` program pauses and freezes the collector while evaluate starts
    # (cli/collector.py); a test or a program running the command keeps its own as it was.
    import gc

    frozen = gc.get_freeze_count()
    assert run("evaluate", good).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_evaluate_program_resumes_the_collector_after_its_first_case(good, tmp_path):
    import os
    import subprocess
    import sys

    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('GC', gc.isenabled(), gc.get_freeze_count() > 0))\n"
            f"sys.argv = ['duidan', 'evaluate', {str(good)!r}, {str(good)!r}, '--format', 'json']\n"
            "from duidan.cli.main import main\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg")))
    assert r.returncode == 0, r.stderr[-500:]
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and lines[0] == lines[1]   # both cases written, the same bytes
    assert lines[2] == "GC True True"
