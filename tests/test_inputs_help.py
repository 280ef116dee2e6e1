"""Help for the people who write case files: JSON Schemas (shipped, generated from the models,
valid for every example), `duidan vocab`, Chinese did-you-mean, `duidan new case`."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from duidan.api import Evaluator
from duidan.case import load_case, parse_case
from duidan.cli.main import cli
from duidan.documents import canonical_json, parse_text, read_document
from duidan.domain import bundled_domain
from duidan.errors import InputError
from duidan.schemas import KINDS, schema_text
from duidan.skeleton import case_skeleton

from conftest import ROOT

DOM = bundled_domain()

EXAMPLES = sorted((ROOT / "cases").glob("*.yaml"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("kind", KINDS)
def test_the_shipped_schema_is_the_generated_one(kind):
    shipped = (ROOT / "docs" / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(kind), "regenerate: duidan schema KIND > docs/schema/KIND.schema.json"
    assert run("schema", kind).output == shipped
    jsonschema.Draft202012Validator.check_schema(json.loads(shipped))


def test_every_example_and_its_determination_validate_against_the_schemas(bundled):
    case_v = jsonschema.Draft202012Validator(json.loads(schema_text("case")))
    det_v = jsonschema.Draft202012Validator(json.loads(schema_text("determination")))
    ev = Evaluator(bundled)
    assert EXAMPLES
    for path in EXAMPLES:
        data = json.loads(canonical_json(read_document(path)))
        errors = [e.message for e in case_v.iter_errors(data)]
        assert not errors, (path.name, errors[:3])
        det = ev.evaluate(load_case(path), str(path)).to_dict()
        errors = [e.message for e in det_v.iter_errors(det)]
        assert not errors, (path.name, errors[:3])


def test_the_case_schema_rejects_what_the_loader_rejects():
    v = jsonschema.Draft202012Validator(json.loads(schema_text("case")))
    data = json.loads(canonical_json(read_document(EXAMPLES[0])))
    for broken in (dict(data, units=[]), dict(data, extra=1), {k: x for k, x in data.items() if k != "case"}):
        assert list(v.iter_errors(broken)), broken.keys()
        with pytest.raises(InputError):
            parse_case(broken, "<broken>")


def test_new_case_is_a_valid_case_that_evaluates(tmp_path, bundled):
    text = case_skeleton()
    case = parse_case(parse_text(text, "skeleton.yaml"), "skeleton.yaml")
    det = Evaluator(bundled).evaluate(case)
    assert det.recommendations, "the skeleton shows what a decision looks like"
    out = tmp_path / "new.yaml"
    assert run("new", "case", "-o", out).exit_code == 0
    assert run("evaluate", out).exit_code == 0
    r = run("new", "case", "-o", out)
    assert r.exit_code == 1 and "not overwritten" in r.output


def test_vocab_lists_every_id_and_every_chinese_alias():
    r = run("vocab", "--format", "json")
    assert r.exit_code == 0
    table = json.loads(r.output)
    assert [e["id"] for e in table["tier"]] == list(DOM.ids("tier"))
    named = {(k, term) for k, entries in table.items() for e in entries for term in [e["name"], *e["aliases"]]}
    group = {"tier": "tier", "post": "post", "lapse": "lapse kind", "violation": "violation kind",
             "severity": "severity", "circumstance": "circumstance kind"}
    for kind, g in group.items():
        for zh in DOM.aliases(g):   # every Chinese term accepted on input is listed, as a name or alias
            assert (kind, zh) in named, (kind, zh)
    text = run("vocab", "lapse").output
    assert "dual_signature_missing" in text and "双签字缺失" in text
    r = run("vocab", "tiers")
    assert r.exit_code == 2 and "did you mean 'tier'" in r.output


@pytest.mark.parametrize("field, value, needles", [
    ("tier", "乡镇党", ["'乡镇' (township)", "duidan vocab tier"]),
    ("kind", "双签缺失", ["'双签字缺失' (dual_signature_missing)"]),
    ("kind", "dual_signature_mising", ["'dual_signature_missing'"]),
])
def test_unknown_terms_get_the_closest_chinese_and_english(tmp_path, field, value, needles):
    text = (ROOT / "cases" / "village_dual_signature.yaml").read_text(encoding="utf-8")
    text = text.replace("tier: township,", f"tier: {value},") if field == "tier" else \
        text.replace("kind: dual_signature_missing", f"kind: {value}")
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    r = run("evaluate", p)
    assert r.exit_code == 1
    for n in needles:
        assert n in r.output, r.output


def test_a_list_of_valid_values_is_never_cut_mid_word(tmp_path):
    text = (ROOT / "cases" / "village_dual_signature.yaml").read_text(encoding="utf-8")
    p = tmp_path / "c.yaml"
    p.write_text(text.replace("kind: dual_signature_missing", "kind: zzzzzzzzzzzzzzzzzz"), encoding="utf-8")
    out = run("evaluate", p).output
    listed = out.split("expected one of: ")[1].split(" (duidan vocab")[0]
    assert set(listed.split(", ")) == set(DOM.ids("lapse kind")), listed
