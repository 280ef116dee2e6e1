"""The domain is rulebook data: a tier of one's own needs no code; labels are views, forms are decisions;
the public API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duidan
from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.check import check
from duidan.documents import read_document
from duidan.rulebook import bundled_path, load_rulebook

COMMUNITY_TIER = """
  - {id: community, label: 社区党委, aliases: [城市社区], list: primary, head: [secretary], members: [deputy_secretary, member],
     supervised_by: [township_discipline], supervision_via_parent: true}
"""

COMMUNITY_SECTION = """
  - tier: community
    title: 城市社区党委
    roles:
      - role: principal
        title: 社区党委书记
        clauses:
          - id: P-COM-2.1
            text: 每季度至少组织1次社区党员廉政警示教育，建立教育台账。
            basis: [关于实行党风廉政建设责任制的规定(2010) 第6条]
"""

COMMUNITY_RULES = """schema: duidan/rules/v1
rules:
  - id: PRI-COM-EDU-HEAD
    title: 社区廉政警示教育未常态化（社区党委书记）
    track: primary
    when: {on: finding, kinds: [warning_education_missing], tiers: [community]}
    subject: {relation: unit_head, tiers: [community]}
    grade: principal_leadership
    form: criticism
    cites: [P-COM-2.1]
"""

CASE = {
    "schema": "duidan/case/v1", "case": {"id": "COM-1", "reviewed_on": "2023-06-30"},
    "units": [{"id": "town", "tier": "township"}, {"id": "town-jw", "tier": "township_discipline", "parent": "town"},
              {"id": "com", "name": "某社区党委", "tier": "城市社区", "parent": "town"}],
    "people": [{"id": "s", "name": "社区书记", "unit": "com", "post": "secretary", "from": "2020-01-01"},
               {"id": "j", "name": "镇纪委书记", "unit": "town-jw", "post": "discipline_secretary"}],
    "findings": [{"id": "F1", "kind": "warning_education_missing", "unit": "com", "date": "2023-03-31"}],
}


def _copy_bundled(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(bundled_path(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return root


def test_a_tier_of_ones_own_is_rulebook_data_only(tmp_path):
    """Why: a county with 社区 or 高校 must bring its tier without a code change (issue: domain as data)."""
    root = _copy_bundled(tmp_path)
    domain = root / "domain.yaml"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("\nposts:", COMMUNITY_TIER + "\nposts:", 1), encoding="utf-8")
    primary = root / "lists" / "primary.yaml"
    primary.write_text(primary.read_text(encoding="utf-8").rstrip() + "\n" + COMMUNITY_SECTION, encoding="utf-8")
    (root / "rules" / "community.yaml").write_text(COMMUNITY_RULES, encoding="utf-8")
    meta = root / "rulebook.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("rules/direct.yaml]", "rules/direct.yaml, rules/community.yaml]"),
                    encoding="utf-8")

    book = load_rulebook(root)
    rep = check(book)
    assert rep.ok, rep.problems                  # the probe world now has a community unit too
    case = parse_case(CASE, "community.yaml", book.domain)
    assert case.units[2].tier == "community"     # the alias 城市社区 resolved to the declared id
    for engine in ("durable", "reference"):
        det = Evaluator(book, engine).evaluate(case)
        rec = next(r for r in det.recommendations if r.subject.id == "s")
        assert (rec.track, rec.outcome, rec.form) == ("primary", "accountable", "criticism")
        assert [c.id for c in rec.clauses] == ["P-COM-2.1"]
    # The township's discipline committee supervises the community (supervision_via_parent).
    holders = Evaluator(book, "reference").resolve(case)
    assert any(h.relation == "supervising_head" and h.subject == "j" for h in holders.holders)


def test_a_label_is_a_view_and_a_form_is_a_decision(tmp_path):
    """Why: relabelling must not make `diff` report changes no decision made; changing a form must.
    (A case whose first recommendation is a secretary's: its sentence carries the post's label.)"""
    case_path = "cases/township_secretary_changed.yaml"
    base = duidan.evaluate(case_path)

    relabelled = _copy_bundled(tmp_path / "a")
    domain = relabelled / "domain.yaml"
    domain.write_text(domain.read_text(encoding="utf-8").replace("label: 书记,", "label: 党支部书记,"), encoding="utf-8")
    det = duidan.evaluate(case_path, load_rulebook(relabelled))
    assert det.digest == base.digest
    assert det.recommendations[0].reason != base.recommendations[0].reason
    assert "党支部书记" in det.recommendations[0].reason

    reformed = _copy_bundled(tmp_path / "b")
    rules = reformed / "rules" / "primary.yaml"
    data = read_document(rules)   # YAML 1.2: `on:` stays a key (PyYAML's safe_load would read True)
    rule_id = base.recommendations[0].rules[0]
    for r in data["rules"]:
        if r["id"] == rule_id:
            r["form"] = "admonition"
    rules.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")   # JSON is YAML
    det = duidan.evaluate(case_path, load_rulebook(reformed))
    assert det.digest != base.digest


def test_the_public_api(tmp_path):
    """Why: the README's five-line example is the library's promise."""
    assert {"evaluate", "load_case", "load_rulebook", "batch"} <= set(duidan.__all__)
    book = duidan.load_rulebook()
    case = duidan.load_case("cases/village_dual_signature.yaml", book.domain)
    det = duidan.evaluate(case, book)
    assert det.to_dict()["schema"] == "duidan/determination/v1" and det.recommendations
    assert duidan.evaluate("cases/village_dual_signature.yaml").digest == det.digest
    result = duidan.batch(["cases/village_dual_signature.yaml"], db=f"sqlite:///{tmp_path / 'd.db'}")
    assert result.run.evaluated == 1


def test_a_post_of_ones_own_is_held_and_redacted_under_that_rulebook(tmp_path):
    """Why: the main post was re-validated against the bundled vocabulary while resolving, and the
    redacted case while rendering, so a county's own post (文书 here) crashed `evaluate` with an
    internal error and `--redact` with a traceback. Both now use the rulebook's own domain."""
    from click.testing import CliRunner

    from duidan.cli.main import cli

    root = _copy_bundled(tmp_path)
    domain = root / "domain.yaml"
    domain.write_text(domain.read_text(encoding="utf-8").replace(
        "\n  - {id: staff,", "\n  - {id: clerk, label: 文书, aliases: []}\n  - {id: staff,", 1), encoding="utf-8")
    case = tmp_path / "clerk.yaml"
    case.write_text(Path("cases/banquet_2013.yaml").read_text(encoding="utf-8").replace("post: staff", "post: clerk"), encoding="utf-8")
    assert "clerk" in case.read_text(encoding="utf-8")
    for extra in ([], ["--redact"]):
        r = CliRunner().invoke(cli, ["evaluate", "--rulebook", str(root), str(case), "--format", "json", *extra])
        assert r.exit_code == 0, r.output
        det = json.loads(r.output)
        assert det["recommendations"], det
