"""Case files (`schema: duidan/case/v1`), loaded strictly.

Everything a case refers to must resolve inside the file; dates must be in order; common facts
must have the contract's types. A case that passes here can be evaluated without further checks.
"""


import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .documents import IsoDate, Model, read_document, validate
from .domain import Domain, FactDecl, bundled_domain
from .errors import InputError, unknown
from .rulebook import CircumstanceKind, LapseKind, Post, Severity, Tier, ViolationKind

CASE_SCHEMA = "duidan/case/v1"

# An id is shown on terminals and used as a key: no spaces, no slash, no control characters (C0,
# DEL, C1), no bidirectional overrides or isolates (they reorder what a reader sees) and no
# zero-width characters (two ids that look the same must be the same).
ID_PATTERN = (r"^[^\s/\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
              r"\ufeff]{1,80}$")

Scalar = bool | int | float | str


class Unit(Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str = ""
    tier: Tier
    parent: str | None = None
    supervisor: str | None = None
    # The party organisation that manages this unit's leaders (干部管理权限), when it is not the
    # parent: it decides organisational handling and sanctions of those leaders.
    managed_by: str | None = None


class PostHeld(Model):
    """One post a person held, over a period (a post history entry)."""

    unit: str
    post: Post
    portfolio: list[str] = []
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None


class Person(Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str = ""
    unit: str
    post: Post
    portfolio: list[str] = []
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    # A public official (公职人员) also receives a 政务处分 beside a party sanction on the direct track.
    public_official: bool = False
    # Other posts held, before, after or at the same time as the main one (unit/post above): a
    # person answers for a lapse through whichever post they held during its period.
    posts: list[PostHeld] = []


class _Lapse(Model):
    """What findings and violations share: a period ending on `date`, facts, a description."""

    date: IsoDate
    from_: IsoDate | None = Field(default=None, alias="from")
    area: str | None = None
    facts: dict[str, Scalar] = {}
    description: str = ""

    @property
    def start(self) -> dt.date:
        return self.from_ or self.date


class Finding(_Lapse):
    id: str = Field(pattern=ID_PATTERN)
    kind: LapseKind
    unit: str
    persons: list[str] = []
    violations: list[str] = []   # the violations this finding is about (their violators are not held by it)


class Violation(_Lapse):
    id: str = Field(pattern=ID_PATTERN)
    person: str
    kind: ViolationKind
    severity: Severity
    # One violation committed by several people together (a group banquet, a shared fraud):
    # `group` names it, `role` says who organised it and who took part.
    group: str | None = None
    role: Literal["organiser", "participant"] | None = None


class Circumstance(Model):
    subject: str
    kind: CircumstanceKind
    note: str = ""
    lapse: str | None = None   # the finding or violation it concerns; none: all of the subject's


class CaseHeader(Model):
    id: str = Field(pattern=ID_PATTERN)
    title: str = ""
    reviewed_on: IsoDate | None = None


class Case(Model):
    schema_: Literal["duidan/case/v1"] = Field(alias="schema")
    case: CaseHeader
    units: list[Unit] = Field(min_length=1)
    people: list[Person] = []
    findings: list[Finding] = []
    violations: list[Violation] = []
    circumstances: list[Circumstance] = []

    @property
    def reviewed_on(self) -> dt.date:
        """The review date: given, or the latest date in the case (never today's date)."""
        if self.case.reviewed_on:
            return self.case.reviewed_on
        return max(_all_dates(self))


def _all_dates(case: Case) -> list[dt.date]:
    out = []
    for p in case.people:
        out += [d for d in (p.from_, p.to) if d]
    for f in [*case.findings, *case.violations]:
        out += [d for d in (f.from_, f.date) if d]
    return out or [dt.date(1970, 1, 1)]


def fact_value_problem(name: str, value: Any, declared: dict[str, FactDecl]) -> str | None:
    """Why `value` is not a valid value of fact `name`, or None. Undeclared facts are kept as-is."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number, got {value!r}"   # never kept, declared or not
    decl = declared.get(name)
    return None if decl is None else decl.value_problem(value)


def check_references(case: Case, file: str, domain: Domain | None = None) -> None:
    """Every id referenced resolves inside the file; ids unique; dates in order."""
    problems: list[tuple[str, str]] = []
    units = {u.id for u in case.units}
    people = {p.id for p in case.people}

    def dup(section: str, items):
        seen = set()
        for i, it in enumerate(items):
            if it.id in seen:
                problems.append((f"{section}[{i}].id", f"duplicate id {it.id!r}"))
            seen.add(it.id)

    dup("units", case.units)
    dup("people", case.people)
    dup("findings", case.findings)
    dup("violations", case.violations)
    lapse_ids = [f.id for f in case.findings] + [v.id for v in case.violations]
    if len(set(lapse_ids)) != len(lapse_ids):
        problems.append(("violations", "a violation id repeats a finding id; ids must be unique"))

    def ref(path: str, value: str | None, valid: set[str], what: str):
        if value is not None and value not in valid:
            problems.append((path, unknown(what, value, sorted(valid))))

    dom = domain or bundled_domain()
    for section, items in (("findings", case.findings), ("violations", case.violations)):
        for i, item in enumerate(items):
            for name, value in item.facts.items():
                problem = fact_value_problem(name, value, dom.fact)
                if problem:
                    problems.append((f"{section}[{i}].facts.{name}", problem))
    by_id = {u.id: u for u in case.units}
    for i, u in enumerate(case.units):
        ref(f"units[{i}].parent", u.parent, units, "unit")
        ref(f"units[{i}].supervisor", u.supervisor, units, "unit")
        ref(f"units[{i}].managed_by", u.managed_by, units, "unit")
        if u.parent == u.id:
            problems.append((f"units[{i}].parent", "a unit cannot be its own parent"))
        sup = by_id.get(u.supervisor) if u.supervisor else None
        if sup is not None and not dom.is_discipline(sup.tier):
            problems.append((f"units[{i}].supervisor",
                             f"{sup.id!r} is a {sup.tier} unit; a supervisor is a discipline body "
                             f"({', '.join(dom.tiers_of('supervisory'))})"))
    _check_parent_cycles(case, problems)
    for i, p in enumerate(case.people):
        ref(f"people[{i}].unit", p.unit, units, "unit")
        if p.from_ and p.to and p.from_ > p.to:
            problems.append((f"people[{i}].to", f"left the post ({p.to}) before taking it ({p.from_})"))
        for j, h in enumerate(p.posts):
            ref(f"people[{i}].posts[{j}].unit", h.unit, units, "unit")
            if h.from_ and h.to and h.from_ > h.to:
                problems.append((f"people[{i}].posts[{j}].to", f"left the post ({h.to}) before taking it ({h.from_})"))
    for i, f in enumerate(case.findings):
        ref(f"findings[{i}].unit", f.unit, units, "unit")
        for j, pid in enumerate(f.persons):
            ref(f"findings[{i}].persons[{j}]", pid, people, "person")
        violation_ids = {v.id for v in case.violations}
        for j, vid in enumerate(f.violations):
            ref(f"findings[{i}].violations[{j}]", vid, violation_ids, "violation")
        if f.from_ and f.from_ > f.date:
            problems.append((f"findings[{i}].from", f"the period starts ({f.from_}) after it ends ({f.date})"))
    for i, v in enumerate(case.violations):
        ref(f"violations[{i}].person", v.person, people, "person")
        if v.from_ and v.from_ > v.date:
            problems.append((f"violations[{i}].from", f"the period starts ({v.from_}) after it ends ({v.date})"))
    for i, c in enumerate(case.circumstances):
        ref(f"circumstances[{i}].subject", c.subject, units | people, "subject (unit or person)")
        ref(f"circumstances[{i}].lapse", c.lapse, set(lapse_ids), "finding or violation")
    if not case.findings and not case.violations:
        problems.append(("findings", "a case needs at least one finding or one violation"))
    if case.case.reviewed_on:
        for i, f in enumerate([*case.findings, *case.violations]):
            if f.date > case.case.reviewed_on:
                section = "findings" if i < len(case.findings) else "violations"
                k = i if i < len(case.findings) else i - len(case.findings)
                problems.append((f"{section}[{k}].date", f"after the review date {case.case.reviewed_on}"))
    if problems:
        raise InputError(file, problems)


def _check_parent_cycles(case: Case, problems: list) -> None:
    from .limits import current

    longest = current().max_chain
    parent = {u.id: u.parent for u in case.units}
    depth: dict[str, int] = {}   # chain length above each unit, so the check is linear
    for start in sorted(parent):
        seen, cur, chain = set(), start, []
        while cur is not None and cur in parent and cur not in depth:
            if cur in seen:
                problems.append(("units", f"the parent chain of {start!r} loops back on itself"))
                return
            seen.add(cur)
            chain.append(cur)
            cur = parent[cur]
        base = depth.get(cur, 0) if cur is not None else 0
        for n, u in enumerate(reversed(chain), 1):
            depth[u] = base + n
        if depth.get(start, 0) > longest:
            problems.append(("units", f"the parent chain of {start!r} is {depth[start]} units long, over the "
                                      f"limit of {longest} (limit max_chain)"))
            return


def parse_case(data: Any, file: str, domain: Domain | None = None) -> Case:
    """Validate already-parsed data (YAML, JSON, a JSON Lines record, a CSV-built dict) against the
    vocabulary of `domain` (a rulebook's; default the bundled one)."""
    if isinstance(data, dict) and "schema" in data and data["schema"] != CASE_SCHEMA:
        raise InputError.one(file, "schema", f"expected {CASE_SCHEMA!r}, got {data['schema']!r}")
    case = validate(Case, data, file, context={"domain": domain} if domain is not None else None)
    check_references(case, file, domain)
    return case


def load_case(path: str | Path, domain: Domain | None = None) -> Case:
    path = Path(path)
    return parse_case(read_document(path), str(path), domain)
