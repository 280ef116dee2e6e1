"""Scoring determinations against published outcomes (cases/published/).

A directory of case files plus an `expected.yaml` (one key per case id: `expect` — subject, track,
form, sanction — and an optional `not` list) is scored in-process:

- **recall**: expected (subject, track) pairs held `accountable` on that track (`any`: any track);
- **form within one rung**: of the found ones with a published form, how many land within one
  rung of it on the ladder (talk < criticism < written self-criticism < notice < admonition <
  organizational < warning < serious warning < removal from party posts < probation < expulsion;
  inspection < notice < reorganization for units); `disciplinary` with `sanction: any` is right for
  any sanction;
- **exact form**: the same, with no tolerance;
- **wrongly held**: subjects listed under `not` that are held accountable;
- **uncited**: accountable recommendations citing no clause (no regulation basis on the direct
  track).

The ladder is the published cases' own (fixed here, not the rulebook's), so that a rulebook
cannot move the yardstick it is measured with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

PERSON = ["talk", "criticism", "written_self_criticism", "notice", "admonition", "organizational"]
SANCTION = ["warning", "serious_warning", "removal_from_party_posts", "probation", "expulsion"]
UNIT = ["inspection", "notice", "reorganization"]
DISCIPLINARY_ANY = "disciplinary:any"


def rung(subject_kind: str, form: str | None, sanction: str | None) -> int | None:
    if subject_kind == "unit":
        return UNIT.index(form) if form in UNIT else None
    if form == "disciplinary":
        return len(PERSON) + (SANCTION.index(sanction) if sanction in SANCTION else 0)
    return PERSON.index(form) if form in PERSON else None


def expected_rung(exp: dict, is_unit: bool):
    form = exp.get("form", "any")
    if form == "any":
        return None
    if is_unit:
        return UNIT.index(form)
    if form == "disciplinary":
        s = exp.get("sanction", "any")
        return DISCIPLINARY_ANY if s == "any" else len(PERSON) + SANCTION.index(s)
    return PERSON.index(form)


@dataclass
class CaseScore:
    case: str
    found: int = 0
    total: int = 0
    form_ok: int = 0
    exact: int = 0
    form_total: int = 0
    wrongly_held: int = 0
    uncited: int = 0
    failed: str = ""
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.failed:
            return f"{self.case}: evaluate failed: {self.failed}"
        return f"{self.case}: {'ok' if not self.notes else '; '.join(self.notes)}"


@dataclass
class Score:
    cases: list[CaseScore]

    def _sum(self, attr: str) -> int:
        return sum(getattr(c, attr) for c in self.cases)

    @property
    def recall(self) -> float:
        t = self._sum("total")
        return self._sum("found") / t if t else 0.0

    @property
    def within_one(self) -> float:
        t = self._sum("form_total")
        return self._sum("form_ok") / t if t else 0.0

    @property
    def exact(self) -> float:
        t = self._sum("form_total")
        return self._sum("exact") / t if t else 0.0

    @property
    def wrongly_held(self) -> int:
        return self._sum("wrongly_held")

    @property
    def uncited(self) -> int:
        return self._sum("uncited")

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if c.failed)

    def meets(self, recall: float = 0.90, within_one: float = 0.80) -> bool:
        return (self.failed == 0 and self.recall >= recall and self.within_one >= within_one
                and self.wrongly_held == 0 and self.uncited == 0)

    def table(self) -> str:
        rows = [("measure", "value"),
                ("recall (held, right track)", f"{self.recall:.2f} ({self._sum('found')}/{self._sum('total')})"),
                ("form within one rung", f"{self.within_one:.2f} ({self._sum('form_ok')}/{self._sum('form_total')})"),
                ("exact form", f"{self.exact:.2f} ({self._sum('exact')}/{self._sum('form_total')})"),
                ("wrongly held", str(self.wrongly_held)),
                ("uncited", str(self.uncited)),
                ("failed cases", str(self.failed))]
        w = max(len(r[0]) for r in rows)
        out = [f"| {a.ljust(w)} | {b} |" for a, b in rows]
        out.insert(1, f"|{'-' * (w + 2)}|-------|")
        return "\n".join(out)


def score_case(det: dict, exp: dict) -> CaseScore:
    """Score one determination (as data: Determination.to_dict()) against its expectations."""
    cs = CaseScore(case=det.get("case", "?"))
    recs = [r for r in det.get("recommendations", []) if r.get("outcome") == "accountable"]
    cs.uncited = sum(1 for r in recs if not (r.get("clauses") if r.get("track") != "direct" else r.get("basis")))
    for e in exp.get("expect", []):
        cs.total += 1
        hits = [r for r in recs if r["subject"]["id"] == e["subject"]
                and (e["track"] == "any" or r.get("track") == e["track"])]
        if not hits:
            cs.notes.append(f"missing {e['subject']}/{e['track']}")
            continue
        cs.found += 1
        want = expected_rung(e, hits[0]["subject"]["kind"] == "unit")
        if want is None:
            continue
        cs.form_total += 1
        got = max((g for g in (rung(r["subject"]["kind"], r.get("form"), r.get("sanction")) for r in hits)
                   if g is not None), default=None)
        if want == DISCIPLINARY_ANY:
            exact = got is not None and got >= len(PERSON)
            ok = got is not None and got >= len(PERSON) - 1
        else:
            ok = got is not None and abs(got - want) <= 1
            exact = got == want
        cs.form_ok += ok
        cs.exact += exact
        if not ok:
            cs.notes.append(f"{e['subject']} form {[(r.get('form'), r.get('sanction')) for r in hits]} "
                            f"want {e.get('form')}/{e.get('sanction', '')}")
    for s in exp.get("not", []):
        if any(r["subject"]["id"] == s for r in recs):
            cs.wrongly_held += 1
            cs.notes.append(f"held {s} accountable, should not")
    return cs


def score_directory(directory: str | Path, evaluator=None) -> Score:
    """Score every case file in `directory` (k*.yaml beside expected.yaml) with `evaluator` (an
    api.Evaluator; default the bundled rulebook). A case that fails to evaluate counts as failed,
    its expectations as missed."""
    from .api import Evaluator
    from .errors import EngineFault, InputError

    directory = Path(directory)
    ev = evaluator or Evaluator()
    expected = yaml.safe_load((directory / "expected.yaml").read_text(encoding="utf-8")) or {}
    out = []
    for path in sorted(p for p in directory.glob("*.yaml") if p.name != "expected.yaml"):
        try:
            det = ev.evaluate_file(path).to_dict()
        except (InputError, EngineFault) as e:
            case_id = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("case", {}).get("id", path.stem)
            exp = expected.get(case_id, {})
            out.append(CaseScore(case=case_id, total=len(exp.get("expect", [])), failed=str(e).splitlines()[0]))
            continue
        out.append(score_case(det, expected.get(det["case"], {})))
    return Score(out)


def judging_rulebook(book, workdir: str | Path):
    """`book`, or — while its lists have no edition in force for the oldest published lapses
    (2013) — a copy (under `workdir`) whose first list edition is back-dated to 2010, so that a
    score measures the judgement, not the dates. Returns (rulebook, back-dated?)."""
    import datetime as dt
    import re
    import shutil

    from .rulebook import load_rulebook

    oldest = dt.date(2013, 1, 1)
    if all(lst.edition_at(oldest) is not None for lst in book.lists.values()):
        return book, False
    src = Path(book.source) if book.source else None
    if src is None or not src.is_dir():
        from .rulebook import bundled_path
        src = bundled_path()
    copy = Path(workdir) / "rules"
    shutil.copytree(src, copy)
    for lst in book.lists.values():
        first = lst.editions[0]
        for path in (copy / "lists").glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            new = re.sub(rf"in_force: {first.in_force.isoformat()}", "in_force: 2010-01-01", text, count=1)
            path.write_text(new, encoding="utf-8")
    return load_rulebook(copy), True
