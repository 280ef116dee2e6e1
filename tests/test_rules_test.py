"""`duidan rules test`: scenarios beside a rulebook, their failures explained, and coverage."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from click.testing import CliRunner

from duidan.authoring.coverage import coverage
from duidan.authoring.scenarios import run_tests
from duidan.cli.main import cli
from duidan.rulebook import bundled_path, load_rulebook

from conftest import ROOT


@pytest.fixture(scope="module")
def bundled_run(bundled):
    return run_tests(bundled, bundled_path())


def test_the_bundled_scenarios_pass(bundled_run):
    failed = [(r.name, r.error, r.failures) for r in bundled_run.results if not r.passed]
    assert not failed
    assert len(bundled_run.results) >= 60   # one per duty family per tier


def test_the_bundled_scenarios_cover_at_least_90_percent_of_enforceable_clauses(bundled_run, bundled):
    cov = coverage(bundled_run)
    enforceable = [cid for cid, (_, _, _, c) in bundled.clause_index.items() if c.enforceable]
    assert cov.enforceable == len(enforceable)          # clauses marked not enforceable are left out
    assert cov.percent >= 90, [u[0] for c in cov.lists for u in c.unexercised]
    for c in cov.lists:
        assert all(c.tiers.values()), c.tiers            # every tier section of both lists


def test_every_bundled_expectation_says_why_and_dates_lapses_from_mid_2022(bundled):
    """The lists are being re-dated to one 2022 edition: scenarios keep clear of the old editions."""
    import datetime as dt

    import yaml

    for path in sorted((ROOT / "rules" / "tests").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for sc in doc["scenarios"]:
            for e in sc.get("expect", []) + sc.get("not", []):
                assert e["why"].strip(), (path.name, sc["name"])
            for lapse in sc["case"].get("findings", []) + sc["case"].get("violations", []):
                for key in ("date", "from"):
                    if key in lapse:
                        assert dt.date(2022, 6, 1) <= lapse[key] <= dt.date(2025, 12, 31), (sc["name"], lapse)


def test_the_bundled_scenarios_ship_with_the_package():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"tests/*.yaml"' in pyproject


def test_cli_coverage_and_fail_under_on_the_bundled_rulebook():
    r = CliRunner().invoke(cli, ["rules", "test", "--coverage", "--fail-under", "90"])
    assert r.exit_code == 0, r.output
    assert "0 failed" in r.output
    assert "primary list: clauses" in r.output and "supervisory list: clauses" in r.output
    assert "rules never fired" in r.output
    assert "enforceable clauses exercised" in r.output


SCENARIOS = textwrap.dedent("""\
    schema: duidan/rulestest/v1
    setup:
      units:
        - {id: town, tier: township, supervisor: town-jw}
        - {id: town-jw, tier: township_discipline, parent: town}
      people:
        - {id: sec, unit: town, post: secretary, from: 2022-01-01}
        - {id: mem, unit: town, post: member, portfolio: [land], from: 2022-01-01}
        - {id: old, unit: town, post: member, portfolio: [land], from: 2019-01-01, to: 2021-12-31}
    scenarios:
      - name: right
        case:
          findings: [{id: F1, kind: plan_perfunctory, unit: town, date: 2023-03-31}]
        expect:
          - {subject: sec, track: primary, clauses: [P-TWN-1.2, P-TWN-2.2], why: the secretary approves the plan}
      - name: wrong-form
        case:
          findings: [{id: F1, kind: plan_perfunctory, unit: town, date: 2023-03-31}]
        expect:
          - {subject: sec, track: primary, form: admonition, clauses: [P-TWN-1.2, P-TWN-2.2], why: deliberately wrong}
      - name: wrong-circumstance
        case:
          findings: [{id: F1, kind: cadre_selection_lapse, unit: town, date: 2023-03-31}]
          circumstances: [{subject: sec, kind: cooperated}]
        expect:
          - {subject: sec, track: primary, form: notice, why: the baseline is notice but cooperation lowers it}
      - name: wrong-person
        case:
          findings: [{id: F1, kind: plan_perfunctory, unit: town, date: 2023-03-31}]
        expect:
          - {subject: mem, track: primary, why: deliberately wrong as the plan is not his}
      - name: predecessor
        case:
          findings: [{id: F1, kind: problem_not_detected, unit: town, area: land, date: 2023-03-31, from: 2023-01-01}]
        expect:
          - {subject: old, track: primary, why: deliberately wrong as he left before}
      - name: wrong-not
        case:
          findings: [{id: F1, kind: plan_perfunctory, unit: town, date: 2023-03-31}]
        not:
          - {subject: sec, track: primary, why: deliberately wrong}
      - name: by-path
        case: ../case.yaml
        expect:
          - {subject: sec, track: primary, clauses: [P-TWN-1.2, P-TWN-2.2], why: the same case from a file}
    """)

CASE = textwrap.dedent("""\
    schema: duidan/case/v1
    case: {id: from-a-file}
    units: [{id: town, tier: township}]
    people: [{id: sec, unit: town, post: secretary}]
    findings: [{id: F1, kind: summary_perfunctory, unit: town, date: 2023-12-31}]
    """)


@pytest.fixture(scope="module")
def authored(tmp_path_factory):
    """The bundled rules under the author's own scenarios, some of them deliberately wrong."""
    d = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests"))
    (d / "tests").mkdir()
    (d / "tests" / "mine.yaml").write_text(SCENARIOS, encoding="utf-8")
    (d / "case.yaml").write_text(CASE, encoding="utf-8")
    return d


def test_failures_name_the_step_where_expectation_and_decision_part(authored):
    run = run_tests(load_rulebook(authored), authored)
    by = {r.name: r for r in run.results}
    assert by["right"].passed and by["by-path"].passed
    assert [f.step for f in by["wrong-form"].failures] == ["baseline form"]
    assert "PRI-TWN-DOCS-HEAD" in by["wrong-form"].failures[0].detail     # the rule that set the baseline
    assert [f.step for f in by["wrong-circumstance"].failures] == ["circumstance step"]
    assert "cooperated" in by["wrong-circumstance"].failures[0].detail
    assert [f.step for f in by["wrong-person"].failures] == ["no match"]    # candidate, but no rule chose him
    assert by["wrong-person"].failures[0].actual is None
    assert [f.step for f in by["predecessor"].failures] == ["candidates"]   # not in post: left out
    assert "not in post" in by["predecessor"].failures[0].detail
    assert [f.step for f in by["wrong-not"].failures] == ["unexpected recommendation"]
    assert not run.passed


def test_cli_prints_expected_and_actual_side_by_side_and_exits_1(authored):
    r = CliRunner().invoke(cli, ["rules", "test", str(authored)])
    assert r.exit_code == 1
    assert "PASS right" in r.output and "FAIL wrong-form" in r.output
    line = next(x for x in r.output.splitlines() if x.strip().startswith("≠ form"))
    assert "admonition" in line and "talk" in line                     # expected | actual on one line
    assert "parts at: baseline form" in r.output
    assert "5 failed" in r.output


def test_fail_under_fails_a_rulebook_whose_scenarios_cover_little(authored):
    r = CliRunner().invoke(cli, ["rules", "test", str(authored), "--fail-under", "90"])
    assert r.exit_code == 1
    assert "not exercised: P-CITY-1.1" in r.output       # every unexercised enforceable clause is listed
    assert "is under 90%" in r.output


def test_a_rulebook_without_scenarios_or_with_a_bad_scenario_is_one_line_error(tmp_path):
    d = tmp_path / "book"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests"))
    r = CliRunner().invoke(cli, ["rules", "test", str(d)])
    assert r.exit_code == 1 and "no scenario files" in r.output
    (d / "tests").mkdir()
    (d / "tests" / "bad.yaml").write_text(SCENARIOS.replace(", why: the secretary approves the plan", ""), encoding="utf-8")
    r = CliRunner().invoke(cli, ["rules", "test", str(d)])
    assert r.exit_code == 1
    assert "scenarios[0].expect[0].why: required field is missing" in r.output
    assert "Traceback" not in r.output


def test_run_selects_scenarios_by_name(authored):
    r = CliRunner().invoke(cli, ["rules", "test", str(authored), "--run", "^(right|by-path)$"])
    assert r.exit_code == 0, r.output            # the failing scenarios are not run
    assert "2 passed, 0 failed" in r.output
