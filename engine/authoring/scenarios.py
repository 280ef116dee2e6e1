"""`duidan rules test`: scenarios that say how a rulebook must decide, checked against how it does.

A scenario file (`<rulebook>/tests/*.yaml`, schema `duidan/rulestest/v1`) holds scenarios in the
spirit of OpenFisca's YAML tests and `opa test`: a case (inline, or a path to a case file) and the
recommendations the author expects, each with a `why` line, plus an optional `not` list of
recommendations that must not be made. A file may share units and people (`setup`) among its
scenarios, so each scenario only states the lapses it is about.

Only the fields an expectation gives are compared (OpenFisca's way): a scenario about who answers
need not restate the form, so recalibrating a form breaks only the scenarios about that form.
`clauses` compares as a set. When an expectation fails, the trace step where expectation and
determination part is named: no candidate, no rule matched (and the closest rule's first failing
condition), outcome, baseline form, circumstance step, clauses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..api import Evaluator
from ..case import Case, load_case, parse_case
from ..determination import Determination, Recommendation
from ..documents import Model, read_document, validate
from ..errors import InputError
from ..facts import working_memory
from ..reference import fact_holds
from ..rulebook import Rulebook

TEST_SCHEMA = "duidan/rulestest/v1"
COMPARED = ("outcome", "form", "sanction", "grade", "measures", "clauses", "missing")


class Expect(Model):
    subject: str
    track: Literal["primary", "supervisory", "direct"]
    outcome: Literal["accountable", "exempt", "undetermined"] = "accountable"
    form: str | None = None
    sanction: str | None = None
    grade: str | None = None
    measures: list[str] | None = None
    clauses: list[str] | None = None
    missing: list[str] | None = None
    why: str = Field(min_length=1)


class NotExpect(Model):
    subject: str
    track: Literal["primary", "supervisory", "direct"] | None = None
    outcome: Literal["accountable", "exempt", "undetermined"] | None = None
    why: str = Field(min_length=1)


class Setup(Model):
    units: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []


class InlineCase(Model):
    reviewed_on: Any = None
    units: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    circumstances: list[dict[str, Any]] = []


class Scenario(Model):
    name: str = Field(pattern=r"^[^\s/]{1,80}$")
    title: str = ""
    case: InlineCase | str               # inline, or a case file path relative to the test file
    expect: list[Expect] = []
    not_: list[NotExpect] = Field(default=[], alias="not")


class ScenarioFile(Model):
    schema_: Literal["duidan/rulestest/v1"] = Field(alias="schema")
    title: str = ""
    setup: Setup = Setup()
    scenarios: list[Scenario] = Field(min_length=1)


# ---------------------------------------------------------------- results

@dataclass
class Failure:
    expected: dict                 # the expectation (or the `not` entry) as written
    actual: dict | None            # the recommendation it was compared with, in the same terms
    step: str                      # the trace step where they part
    detail: str                    # why, in one or two sentences
    negative: bool = False         # a `not` entry that was violated


@dataclass
class ScenarioResult:
    file: str
    name: str
    title: str
    determination: Determination | None
    case: Case | None
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None       # the scenario could not be evaluated (bad case)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures


@dataclass
class TestRun:
    rulebook: Rulebook
    results: list[ScenarioResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


def scenario_files(directory: Path) -> list[Path]:
    return sorted((directory / "tests").glob("*.yaml"))


def run_tests(book: Rulebook, directory: Path, *, engine: str = "durable", only: str | None = None) -> TestRun:
    """Evaluate every scenario under `directory/tests` against `book` (`only`: those whose name
    matches this regular expression, as `opa test --run` selects tests)."""
    import re

    try:
        pattern = re.compile(only) if only else None
    except re.error as e:
        raise InputError.one("--run", "(pattern)", f"not a regular expression: {e}") from None
    files = scenario_files(directory)
    if not files:
        raise InputError.one(str(directory / "tests"), "(directory)",
                             "no scenario files (tests/*.yaml) beside this rulebook")
    ev = Evaluator(book, engine=engine)   # type: ignore[arg-type]
    results: list[ScenarioResult] = []
    seen: dict[str, str] = {}
    for path in files:
        sf = validate(ScenarioFile, read_document(path), str(path))
        if sf.schema_ != TEST_SCHEMA:   # pragma: no cover - Literal already enforces it
            raise InputError.one(str(path), "schema", f"expected {TEST_SCHEMA!r}")
        for i, sc in enumerate(sf.scenarios):
            if sc.name in seen:
                raise InputError.one(str(path), f"scenarios[{i}].name",
                                     f"duplicate scenario name {sc.name!r} (also in {seen[sc.name]})")
            seen[sc.name] = path.name
            if pattern is not None and not pattern.search(sc.name):
                continue
            results.append(_run_one(ev, book, path, sf, sc))
    return TestRun(book, results)


def _case_of(path: Path, sf: ScenarioFile, sc: Scenario, book: Rulebook) -> Case:
    if isinstance(sc.case, str):
        return load_case((path.parent / sc.case).resolve(), book.domain)
    c = sc.case
    header: dict[str, Any] = {"id": sc.name, "title": sc.title}
    if c.reviewed_on is not None:
        header["reviewed_on"] = c.reviewed_on
    data = {"schema": "duidan/case/v1", "case": header,
            "units": [*sf.setup.units, *c.units], "people": [*sf.setup.people, *c.people],
            "findings": c.findings, "violations": c.violations, "circumstances": c.circumstances}
    return parse_case(data, f"{path}: scenario {sc.name}", book.domain)


def _run_one(ev: Evaluator, book: Rulebook, path: Path, sf: ScenarioFile, sc: Scenario) -> ScenarioResult:
    res = ScenarioResult(file=path.name, name=sc.name, title=sc.title, determination=None, case=None)
    try:
        case = _case_of(path, sf, sc, book)
        det = ev.evaluate(case, f"{path}: scenario {sc.name}")
    except InputError as e:
        res.error = e.message
        return res
    res.case, res.determination = case, det
    for e in sc.expect:
        f = _check_expect(e, det, case, book)
        if f:
            res.failures.append(f)
    for n in sc.not_:
        for r in det.recommendations:
            if r.subject.id == n.subject and n.track in (None, r.track) and n.outcome in (None, r.outcome):
                res.failures.append(Failure(
                    expected=n.model_dump(by_alias=True, exclude_none=True), actual=summary(r),
                    step="unexpected recommendation",
                    detail=f"rules {', '.join(r.rules)} chose {r.subject.id} for "
                           f"{', '.join(r.findings + r.violations)}", negative=True))
    return res


def summary(r: Recommendation) -> dict:
    """A recommendation in the terms an expectation is written in."""
    return {"subject": r.subject.id, "track": r.track, "outcome": r.outcome, "form": r.form,
            "sanction": r.sanction, "grade": r.grade, "measures": list(r.measures),
            "clauses": sorted({c.id for c in r.clauses}), "missing": list(r.missing), "rules": list(r.rules)}


def _differences(e: Expect, actual: dict) -> list[str]:
    """The fields the expectation gives (outcome always) that the recommendation does not meet."""
    out = []
    for k in COMPARED:
        want = getattr(e, k)
        if want is None:
            continue
        got = actual[k]
        if isinstance(want, list):
            if sorted(set(want)) != sorted(set(got)):
                out.append(k)
        elif want != got:
            out.append(k)
    return out


def _check_expect(e: Expect, det: Determination, case: Case, book: Rulebook) -> Failure | None:
    same = [r for r in det.recommendations if r.subject.id == e.subject and r.track == e.track]
    expected = e.model_dump(exclude_none=True)
    if not same:
        step, detail = why_no_recommendation(e, det, case, book)
        return Failure(expected, None, step, detail)
    best = min(same, key=lambda r: (len(_differences(e, summary(r))), r.id))
    actual = summary(best)
    diffs = _differences(e, actual)
    if not diffs:
        return None
    step, detail = _parting_step(e, best, diffs, book)
    return Failure(expected, actual, step, detail)


def _parting_step(e: Expect, r: Recommendation, diffs: list[str], book: Rulebook) -> tuple[str, str]:
    t = r.trace
    if "outcome" in diffs:
        if r.outcome == "exempt":
            kinds = [s.circumstance for s in t.steps if s.effect == "exempt"]
            return "circumstance step", f"exempted by {', '.join(kinds)}"
        if r.standing == "opened":
            return "opened track", f"a violation opened the track but no finding settles it; missing {', '.join(r.missing)}"
        if r.standing == "out_of_force":
            return "edition", "no clause the matched rules cite is in force on the lapse date (or it was repealed by review)"
        if e.outcome == "exempt":
            return "circumstance step", "no exempting circumstance applies to this subject"
        return "outcome", f"{r.outcome} (standing {r.standing})"
    if "form" in diffs or "sanction" in diffs:
        base = (t.baseline.form, t.baseline.sanction)
        forms = "; ".join(f"{m.rule} ← {m.lapse}: {m.form}{'/' + m.sanction if m.sanction else ''}"
                          for m in t.matches)
        if base != (e.form, e.sanction if e.form == "disciplinary" else None):
            return "baseline form", f"the heaviest matched rule gives {base[0]}{'/' + base[1] if base[1] else ''} ({forms})"
        shifts = ", ".join(f"{s.circumstance} {s.effect} {s.steps}" for s in t.steps) or "none"
        return "circumstance step", f"baseline {base[0]} moved {t.shift:+d} by {shifts}"
    if "clauses" in diffs:
        want, got = set(e.clauses or ()), {c.id for c in r.clauses}
        parts = []
        if want - got:
            parts.append(f"not cited: {', '.join(sorted(want - got))}")
        if got - want:
            parts.append(f"also cited: {', '.join(sorted(got - want))}")
        cites = "; ".join(f"{m.rule} cites {', '.join(book.rule_index[m.rule].cites)}"
                          for m in t.matches if m.rule in book.rule_index)
        return "clauses", f"{'; '.join(parts)} ({cites}; only clauses in force on the lapse date count)"
    if "missing" in diffs:
        return "opened track", (f"the opening rules {', '.join(m.rule for m in t.matches)} name "
                                f"{', '.join(r.missing)} as the findings that would settle it")
    if "measures" in diffs:
        return "baseline form", "measures are the union of the matched rules' measures: " + (
            "; ".join(f"{m.rule}: {', '.join(book.rule_index[m.rule].measures) or 'none'}"
                      for m in t.matches if m.rule in book.rule_index))
    return "grade", f"grade {r.grade} comes from the matched rules {', '.join(r.rules)}"


# ---------------------------------------------------------------- why no recommendation

_CONDITIONS = ("track", "on", "relation", "kind", "lapse tier", "severity", "subject tier", "post", "facts",
               "facts_any")


def why_no_recommendation(e: Expect, det: Determination, case: Case, book: Rulebook) -> tuple[str, str]:
    """The rule that came closest to choosing the expected subject, and its first failing test."""
    from ..resolve import resolve

    res = resolve(case, book.domain, book.meta.accumulation)
    wm = working_memory(res)
    mine = [f for f in wm.facts if wm.candidates[f["id"]].subject == e.subject]
    if not mine:
        gone = [x for x in det.trace.excluded if x.person == e.subject]
        if gone:
            g = gone[0]
            why = ("the violator answers on the direct track only" if g.reason == "violator" else
                   f"the finding names others ({g.lapse}): the record says whose fault it was" if g.reason == "not_named" else
                   f"not in post during {g.period.from_}..{g.period.to} (held it {g.held.from_ or '…'}..{g.held.to or '…'})")
            return "candidates", f"{e.subject} is left out: {why}"
        return "candidates", (f"no lapse in the case relates to {e.subject} by any relation "
                              f"(same unit, area portfolio, supervising body, named person, violator)")
    other = [r for r in det.recommendations if r.subject.id == e.subject]
    best: tuple[int, str, str] | None = None
    for rule in book.rules:
        for f in mine:
            passed, failing = _first_failing(rule, e.track, f)
            key = (passed, rule.id, f["lid"])
            if failing and (best is None or key[0] > best[0]):
                best = (passed, rule.id, f"{failing} (lapse {f['lid']}, relation {f['relation']})")
    also = f"; on other tracks: {', '.join(sorted({r.track for r in other}))}" if other else ""
    if best is None:
        return "no match", f"no rule on track {e.track} matched {e.subject}{also}"
    if best[0] <= _CONDITIONS.index("relation"):
        how = ", ".join(sorted({f"{f['relation']} of {f['lid']}" for f in mine}))
        return "no match", (f"no {e.track} rule chooses a subject related as {e.subject} is ({how}); "
                            f"rules choose by subject.relation{also}")
    return "no match", f"closest rule {best[1]} fails at {best[2]}{also}"


def _first_failing(rule, track: str, f: dict) -> tuple[int, str | None]:
    w, s = rule.when, rule.subject
    checks = (
        rule.track == track,
        f["on"] == w.on,
        f["relation"] == s.relation,
        f["kind"] in w.kinds,
        not w.tiers or f["ltier"] in w.tiers,
        not w.severities or f.get("severity") in w.severities,
        not s.tiers or f["stier"] in s.tiers,
        not s.posts or f.get("post") in s.posts,
        all(fact_holds(t, f) for t in w.facts),
        not w.facts_any or any(fact_holds(t, f) for t in w.facts_any),
    )
    for i, ok in enumerate(checks):
        if not ok:
            what = _CONDITIONS[i]
            shown = {"kind": f"kind {f['kind']} not in {w.kinds}", "lapse tier": f"lapse tier {f['ltier']} not in {w.tiers}",
                     "relation": f"relation {f['relation']} is not {s.relation}",
                     "subject tier": f"subject tier {f['stier']} not in {s.tiers}",
                     "post": f"post {f.get('post')} not in {s.posts}", "facts": "a `facts` test is false",
                     "facts_any": "no `facts_any` test holds", "severity": f"severity {f.get('severity')} not in {w.severities}",
                     "on": f"rule is on {w.on}s", "track": f"rule is on track {rule.track}"}[what]
            return i, shown
    return len(checks), None
