"""The docs/ pages keep their promises: the glossary lists the vocabulary the engine accepts, the
walk-throughs of docs/rulebook-format.md work as written, the digest recipe of
docs/determination-format.md reproduces the digest, links resolve, and nothing in the repository
cites a document that is not in it."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys

import pytest

import duidan
from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.check import check
from duidan.documents import parse_text
from duidan.rulebook import bundled_path, load_rulebook
from duidan.views.text import to_json_line

from conftest import ROOT

DOCS = ROOT / "docs"


def _glossary_script():
    spec = importlib.util.spec_from_file_location("glossary_script", ROOT / "scripts" / "glossary.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _section(page: str, heading: str) -> str:
    """The text of `## heading` up to the next `## ` heading."""
    text = (DOCS / page).read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    nxt = text.find("\n## ", start + 1)
    return text[start: nxt if nxt != -1 else len(text)]


def _blocks(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def _copy_bundled(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(bundled_path(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return root


def _add_rules_file(root, name: str, text: str) -> None:
    (root / "rules" / name).write_text(text, encoding="utf-8")
    meta = root / "rulebook.yaml"
    old = meta.read_text(encoding="utf-8")
    new = old.replace("rules/direct.yaml]", f"rules/direct.yaml, rules/{name}]")
    assert new != old
    meta.write_text(new, encoding="utf-8")


# ---------------------------------------------------------------- the glossary


def test_the_glossary_tables_are_generated_from_the_bundled_rulebook():
    """Why: a glossary typed by hand drifts from the vocabulary; this one is the script's output,
    so a changed domain.yaml fails here until `python scripts/glossary.py --write` is run."""
    script = _glossary_script()
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    fresh = script.replace_generated(text, script.tables(load_rulebook(ROOT / "rules")))
    assert fresh == text, "docs/glossary.md is out of date: run python scripts/glossary.py --write"


def test_the_glossary_lists_every_id_of_the_bundled_domain():
    """Why: the glossary is where a user looks up what `vsc_chair` or `clue_shelved` means; an id
    missing there is an id nobody can look up."""
    dom = load_rulebook(ROOT / "rules").domain
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    ids = [x.id for group in (dom.tiers, dom.posts, dom.relations, dom.lapse_kinds, dom.violation_kinds,
                              dom.severities, dom.circumstance_kinds, dom.facts, dom.sanctions, dom.measures)
           for x in group]
    ids += dom.ladders.person + dom.ladders.unit + ["primary", "supervisory", "direct", "overall_leadership",
                                                    "principal_leadership", "important_leadership",
                                                    "accountable", "exempt", "undetermined"]
    missing = [i for i in ids if f"`{i}`" not in text]
    assert not missing
    for term in [t.label for t in dom.tiers] + [p.label for p in dom.posts]:
        assert term in text, term   # and each with its Chinese name


# ---------------------------------------------------------------- the walk-throughs


def test_adding_a_tier_as_the_rulebook_format_page_shows(tmp_path):
    """Why: the page promises a tier is rulebook data only; its blocks, applied as written, must
    give a rulebook that checks clean and decides a case at the new tier."""
    domain_block, section_block, rules_block = _blocks(_section("rulebook-format.md", "Walk-through: adding a tier"), "yaml")
    root = _copy_bundled(tmp_path)
    domain = root / "domain.yaml"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("\nposts:", "\n" + domain_block + "\nposts:", 1), encoding="utf-8")
    primary = root / "lists" / "primary.yaml"
    primary.write_text(primary.read_text(encoding="utf-8").rstrip() + "\n" + section_block, encoding="utf-8")
    _add_rules_file(root, "community.yaml", rules_block)

    book = load_rulebook(root)
    assert check(book).ok
    case = parse_case({
        "schema": "duidan/case/v1", "case": {"id": "COM-DOC"},
        "units": [{"id": "town", "tier": "township"}, {"id": "town-jw", "tier": "township_discipline", "parent": "town"},
                  {"id": "com", "tier": "城市社区", "parent": "town"}],
        "people": [{"id": "s", "unit": "com", "post": "secretary"},
                   {"id": "j", "unit": "town-jw", "post": "discipline_secretary"}],
        "findings": [{"id": "F1", "kind": "warning_education_missing", "unit": "com", "date": "2023-03-31"}],
    }, "community", book.domain)
    det = Evaluator(book).evaluate(case)
    rec = next(r for r in det.recommendations if r.subject.id == "s")
    assert (rec.outcome, rec.form, [c.id for c in rec.clauses]) == ("accountable", "criticism", ["P-COM-2.1"])
    assert any(h.relation == "supervising_head" and h.subject == "j"
               for h in Evaluator(book, "reference").resolve(case).holders)


def test_adding_a_lapse_kind_as_the_rulebook_format_page_shows(tmp_path):
    """Why: the issue's bar is 'a lapse kind is rulebook data plus at most one line of code'; the
    page's blocks, applied as written, need none, and its example case decides as the page says."""
    kind_block, rules_block, case_block = _blocks(_section("rulebook-format.md", "Walk-through: adding a lapse kind"), "yaml")
    root = _copy_bundled(tmp_path)
    domain = root / "domain.yaml"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("\nlapse_kinds:\n", "\nlapse_kinds:\n" + kind_block, 1), encoding="utf-8")
    book_without_rule = load_rulebook(root)
    assert any("integrity_talks_missing" in p for p in check(book_without_rule, probe_engine=False).problems)

    _add_rules_file(root, "talks.yaml", rules_block)
    book = load_rulebook(root)
    assert check(book).ok
    case = parse_case(parse_text(case_block, "talks.yaml"), "talks.yaml", book.domain)
    assert case.findings[0].kind == "integrity_talks_missing"   # the Chinese label resolved
    for engine in ("durable", "reference"):
        det = Evaluator(book, engine).evaluate(case)
        rec = next(r for r in det.recommendations if r.subject.id == "s")
        assert (rec.outcome, rec.form) == ("accountable", "talk")
        assert [(c.id, c.edition) for c in rec.clauses] == [("P-TWN-2.3", "2022-03")]


# ---------------------------------------------------------------- the determination page


def test_the_digest_recipe_of_the_determination_page_reproduces_the_digest():
    """Why: an auditor checks a stored determination with nothing but the page; the recipe must be
    exactly the engine's."""
    recipe = _blocks(_section("determination-format.md", "What the digest covers"), "python")[0]
    det = duidan.evaluate(ROOT / "cases" / "township_copied_plans.yaml")
    exec(compile(recipe, "determination-format.md", "exec"), {"line": to_json_line(det.to_dict())})  # asserts inside
    body = json.loads(to_json_line(det.to_dict()))
    body["recommendations"][0]["reason"] = "relabelled"       # the sentence is outside the digest
    body.pop("digest")
    for rec in body["recommendations"]:
        rec.pop("reason")
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest() == det.digest


def test_the_readme_python_example_runs(tmp_path):
    """Why: the README's five-line example is the library's front door. It runs as a user runs
    it: in a fresh interpreter, from a directory holding the examples."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(block.strip().splitlines()) == 5
    (tmp_path / "cases").symlink_to(ROOT / "cases")
    r = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    form_and_digest, evaluated = r.stdout.splitlines()
    assert form_and_digest.startswith("notice sha256:")   # the dual-signature case: 通报批评
    assert evaluated == str(len(list((ROOT / "cases").glob("*.yaml"))))


# ---------------------------------------------------------------- links and citations


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")) + ["../README.md"])
def test_relative_links_resolve(page):
    """Why: a doc that links to a missing page sends the reader nowhere."""
    path = (DOCS / page).resolve()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{page}: {target}"


def test_nothing_cites_a_document_outside_the_repository():
    """Why: a user who clones the repository has docs/, not the project's private notes; every
    pointer must lead to a file that ships."""
    outside = [name + ".md" for name in ("CONTRACT", "DOMAIN", "DURABLE_RULES")]
    hits = []
    for top in ("engine", "cli", "rules", "tests", "scripts", "docs"):
        for f in (ROOT / top).rglob("*"):
            if f.is_file() and f.suffix in (".py", ".md", ".yaml", ".yml", ".toml", ".json"):
                text = f.read_text(encoding="utf-8", errors="replace")
                hits += [f"{f.relative_to(ROOT)}: {n}" for n in outside if n in text]
    for f in (ROOT / "README.md", ROOT / "pyproject.toml"):
        hits += [f"{f.name}: {n}" for n in outside if n in f.read_text(encoding="utf-8")]
    assert not hits
    for f in list((ROOT / "engine").rglob("*.py")) + list((ROOT / "cli").rglob("*.py")) + list((ROOT / "rules").rglob("*.yaml")):
        for cited in re.findall(r"docs/([a-z_-]+\.md)", f.read_text(encoding="utf-8")):
            assert (DOCS / cited).exists(), f"{f.relative_to(ROOT)} cites docs/{cited}"
