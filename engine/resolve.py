"""Who held which post when, and who supervises whom: the candidates a rule may choose among.

Each lapse (a finding, or a violation placed in its violator's unit) gets the list of
(relation, subject) pairs it could concern. Only people who held their post at some time in the
lapse's period (`from`..`date`, both days included) are candidates for leadership or supervisory
relations; everyone left out for that reason is recorded, so that "why not this person?" has an
answer later. Everything is sorted, so the result does not depend on the order of the case file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .case import Case, Person, Unit
from .domain import Domain


@dataclass(frozen=True, order=True)
class Lapse:
    id: str
    on: str                    # "finding" | "violation"
    kind: str
    unit: str                  # where it happened (for a violation: the violator's unit)
    tier: str
    start: dt.date
    date: dt.date
    area: str | None
    severity: str | None
    facts: tuple               # ((name, value), ...) sorted; only declared facts reach the engine
    violator: str | None = None


@dataclass(frozen=True, order=True)
class Holder:
    lapse: str
    relation: str
    subject_kind: str          # "person" | "unit"
    subject: str
    unit: str                  # the subject's own unit (a unit subject: itself)
    tier: str
    post: str | None           # None for units


@dataclass(frozen=True, order=True)
class Excluded:
    lapse: str
    relation: str
    person: str
    reason: str                # "not_in_post" | "violator"
    held: tuple                # (from, to) of the person's tenure, ISO dates or None
    period: tuple              # (from, to) of the lapse


@dataclass
class Resolution:
    lapses: list[Lapse]
    holders: list[Holder]
    excluded: list[Excluded] = field(default_factory=list)
    undeclared_facts: dict[str, list[str]] = field(default_factory=dict)  # lapse id -> fact names kept aside


def held_during(p: Person, start: dt.date, end: dt.date) -> bool:
    """Did `p` hold the post at any time in [start, end]? Open ends mean 'since ever' / 'still'."""
    return (p.from_ is None or p.from_ <= end) and (p.to is None or p.to >= start)


def supervisors_of(unit: Unit, units: dict[str, Unit], dom: Domain,
                   bodies_under: dict[str, list[str]] | None = None, _seen: frozenset = frozenset()) -> list[str]:
    """The discipline bodies supervising `unit`: its named supervisor, discipline bodies set up
    under it (parent == unit), and, for a tier declared `supervision_via_parent` (a village), also
    the bodies supervising its parent."""
    if bodies_under is None:
        bodies_under = discipline_children(units, dom)
    out = set(bodies_under.get(unit.id, ()))
    if unit.supervisor:
        out.add(unit.supervisor)
    if dom.tier[unit.tier].supervision_via_parent and unit.parent in units and unit.parent not in _seen:
        out.update(supervisors_of(units[unit.parent], units, dom, bodies_under, _seen | {unit.id}))
    out.discard(unit.id)
    return sorted(out)


def discipline_children(units: dict[str, Unit], dom: Domain) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u in units.values():
        if u.parent is not None and dom.is_discipline(u.tier):
            out.setdefault(u.parent, []).append(u.id)
    return out


def resolve(case: Case, dom: Domain) -> Resolution:
    """Pair every lapse with each subject a relation can reach. The mechanisms are fixed here;
    which posts head or sit on a tier's team, and who supervises whom, come from `dom`."""
    declared_facts = dom.fact
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    staff_by_unit: dict[str, list[Person]] = {}
    for p in sorted(case.people, key=lambda p: p.id):
        staff_by_unit.setdefault(p.unit, []).append(p)

    lapses: list[Lapse] = []
    undeclared: dict[str, list[str]] = {}
    for f in case.findings:
        facts, extra = _split_facts(f.facts, declared_facts)
        if extra:
            undeclared[f.id] = extra
        lapses.append(Lapse(f.id, "finding", f.kind, f.unit, units[f.unit].tier, f.start, f.date, f.area,
                            None, facts))
    for v in case.violations:
        facts, extra = _split_facts(v.facts, declared_facts)
        if extra:
            undeclared[v.id] = extra
        unit = people[v.person].unit
        lapses.append(Lapse(v.id, "violation", v.kind, unit, units[unit].tier, v.start, v.date, v.area,
                            v.severity, facts, v.person))
    lapses.sort()

    holders: set[Holder] = set()
    excluded: set[Excluded] = set()
    named = {f.id: sorted(set(f.persons)) for f in case.findings}

    def person(lapse: Lapse, relation: str, p: Person):
        held = (p.from_.isoformat() if p.from_ else None, p.to.isoformat() if p.to else None)
        period = (lapse.start.isoformat(), lapse.date.isoformat())
        if p.id == lapse.violator:
            # The violator answers for the violation on the direct track, not as its own leader
            # or supervisor.
            excluded.add(Excluded(lapse.id, relation, p.id, "violator", held, period))
        elif held_during(p, lapse.start, lapse.date):
            holders.add(Holder(lapse.id, relation, "person", p.id, p.unit, units[p.unit].tier, p.post))
        else:
            excluded.add(Excluded(lapse.id, relation, p.id, "not_in_post", held, period))

    def unit_subject(lapse: Lapse, relation: str, u: Unit):
        holders.add(Holder(lapse.id, relation, "unit", u.id, u.id, u.tier, None))

    bodies_under = discipline_children(units, dom)
    supervisors = {uid: supervisors_of(units[uid], units, dom, bodies_under) for uid in {lp.unit for lp in lapses}}
    for lapse in lapses:
        here = units[lapse.unit]
        tier = dom.tier[here.tier]
        unit_subject(lapse, "unit", here)
        for p in staff_by_unit.get(here.id, []):
            if p.post in tier.head:
                person(lapse, "unit_head", p)
            elif p.post in tier.members:
                covers = lapse.area is not None and lapse.area in p.portfolio
                person(lapse, "area_member" if covers else "other_member", p)
        if here.parent in units and lapse.area is not None:
            parent_tier = dom.tier[units[here.parent].tier]
            for p in staff_by_unit.get(here.parent, []):
                if p.post in parent_tier.members and lapse.area in p.portfolio:
                    person(lapse, "parent_area_member", p)
        for sid in supervisors[here.id]:
            body = units[sid]
            unit_subject(lapse, "supervising_body", body)
            for p in staff_by_unit.get(sid, []):
                if p.post in dom.tier[body.tier].head:
                    person(lapse, "supervising_head", p)
        for pid in named.get(lapse.id, []):
            person(lapse, "named_person", people[pid])
        if lapse.violator:
            p = people[lapse.violator]
            # The violator answers for their own conduct whatever post they held.
            holders.add(Holder(lapse.id, "violator", "person", p.id, p.unit, units[p.unit].tier, p.post))
    return Resolution(lapses, sorted(holders), sorted(excluded), undeclared)


def _split_facts(facts: dict, declared: dict) -> tuple[tuple, list[str]]:
    kept = tuple(sorted((k, v) for k, v in facts.items() if k in declared))
    extra = sorted(k for k in facts if k not in declared)
    return kept, extra
