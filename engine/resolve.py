"""Who held which post when, and who supervises whom: the candidates a rule may choose among.

Each lapse (a finding, or a violation placed in its violator's unit) gets the list of
(relation, subject) pairs it could concern. Only people who held their post at some time in the
lapse's period (`from`..`date`, both days included) are candidates for leadership or supervisory
relations; everyone left out for that reason is recorded, so that "why not this person?" has an
answer later. Everything is sorted, so the result does not depend on the order of the case file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from .case import Case, Person, PostHeld, Unit
from .domain import Domain


# Lapse, Holder and Excluded are named tuples: a case makes hundreds of them and sorts them, and
# tuples are built, hashed and compared in C (as frozen, ordered dataclasses they were a third of
# resolving). Their order is their fields' order, as before.
class Lapse(NamedTuple):
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
    own_severity: str | None = None   # as recorded, where accumulation changed `severity`


class Holder(NamedTuple):
    lapse: str
    relation: str
    subject_kind: str          # "person" | "unit"
    subject: str
    unit: str                  # the subject's own unit (a unit subject: itself)
    tier: str
    post: str | None           # None for units


class Excluded(NamedTuple):
    lapse: str
    relation: str
    person: str
    reason: str                # "not_in_post" | "violator" | "not_named"
    held: tuple                # (from, to) of the person's tenure, ISO dates or None
    period: tuple              # (from, to) of the lapse


@dataclass
class Resolution:
    lapses: list[Lapse]
    holders: list[Holder]
    excluded: list[Excluded] = field(default_factory=list)
    undeclared_facts: dict[str, list[str]] = field(default_factory=dict)  # lapse id -> fact names kept aside


class Tenure(NamedTuple):
    """One post a person held, over a period: the main one or one of `posts`."""

    unit: str
    post: str
    portfolio: tuple[str, ...]
    from_: dt.date | None
    to: dt.date | None


def posts_of(p: Person) -> list[Tenure]:
    """Every post `p` held: the main one (`unit`, `post`, `from`, `to`) and any in `posts`."""
    return [Tenure(p.unit, p.post, tuple(p.portfolio), p.from_, p.to),
            *(Tenure(h.unit, h.post, tuple(h.portfolio), h.from_, h.to) for h in p.posts)]


def held_during(p: Person | PostHeld | Tenure, start: dt.date, end: dt.date) -> bool:
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


def accumulated(case: Case, accumulation) -> dict[str, str]:
    """Violation id -> the severity it opens tracks as, where several lesser violations in one unit
    within a declared window count as one graver violation (不正之风滋长蔓延)."""
    out: dict[str, str] = {}
    people = {p.id: p for p in case.people}
    for acc in accumulation or ():
        by_unit: dict[str, list] = {}
        for v in case.violations:
            if v.severity == acc.severity:
                by_unit.setdefault(people[v.person].unit, []).append(v)
        for vs in by_unit.values():
            vs = sorted(vs, key=lambda v: (v.date, v.id))
            for v in vs:
                # the window ending on this violation's date
                within = [w for w in vs if 0 <= (v.date - w.date).days < acc.window_days]
                if len(within) >= acc.count:
                    for w in within:
                        out[w.id] = acc.as_severity
    return out


def resolve(case: Case, dom: Domain, accumulation=None) -> Resolution:
    """Pair every lapse with each subject a relation can reach. The mechanisms are fixed here;
    which posts head or sit on a tier's team, and who supervises whom, come from `dom`.
    `accumulation` (the rulebook's): several minor violations in one unit within a window open
    tracks as one serious violation would; the violation keeps its own severity on the direct
    track through `Lapse.own_severity`."""
    declared_facts = dom.fact
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    posts = {p.id: posts_of(p) for p in case.people}
    staff_by_unit: dict[str, list[tuple[Person, Tenure]]] = {}
    for p in sorted(case.people, key=lambda p: p.id):
        for post in posts[p.id]:
            staff_by_unit.setdefault(post.unit, []).append((p, post))

    lapses: list[Lapse] = []
    undeclared: dict[str, list[str]] = {}
    for f in case.findings:
        given = dict(f.facts)
        if f.persons and "named_persons" in declared_facts:
            # Derived from the record: how many people the finding names (rules tell a unit's own
            # document from one person's own copied notes by it).
            given["named_persons"] = len(set(f.persons))
        facts, extra = _split_facts(given, declared_facts)
        if extra:
            undeclared[f.id] = extra
        lapses.append(Lapse(f.id, "finding", f.kind, f.unit, units[f.unit].tier, f.start, f.date, f.area,
                            None, facts))
    grown = accumulated(case, accumulation)
    for v in case.violations:
        facts, extra = _split_facts(v.facts, declared_facts)
        if extra:
            undeclared[v.id] = extra
        unit = people[v.person].unit
        lapses.append(Lapse(v.id, "violation", v.kind, unit, units[unit].tier, v.start, v.date, v.area,
                            grown.get(v.id, v.severity), facts, v.person,
                            v.severity if v.id in grown else None))
    lapses.sort()

    holders: set[Holder] = set()
    excluded: set[Excluded] = set()
    named = {f.id: sorted(set(f.persons)) for f in case.findings}
    leader_posts = dom.head_posts | dom.member_posts
    # A finding that names a leader or supervisor holds those it names and no one else: the record,
    # not the organisation chart, says whose fault it was. A finding naming only staff (the doer of
    # a copied text, say) leaves the leaders to be found by their relation, as an unnamed one does.
    record_only = {f.id: set(f.persons) for f in case.findings
                   if any(h.post in leader_posts for pid in f.persons for h in posts[pid])}
    # Whose own violation a finding is about: those linked by `violations`, and, for the detection
    # duties the domain declares (not detected, not reported), the violators of the violations in
    # the same unit during the finding's period. Nobody fails to detect or report their own act.
    own: dict[str, set[str]] = {}
    detection = set(dom.detection_kinds)
    for f in case.findings:
        mine = {v.person for v in case.violations if v.id in f.violations}
        if f.kind in detection and not f.violations:
            mine |= {v.person for v in case.violations
                     if v.start <= f.date and v.date >= f.start
                     and f.unit in {x.unit for x in posts[v.person]}}
        own[f.id] = mine

    def person(lapse: Lapse, relation: str, p: Person, post: Tenure):
        if p.id == lapse.violator or p.id in own.get(lapse.id, ()):
            # The violator answers for the violation on the direct track, not as its own leader
            # or supervisor.
            exclude(lapse, relation, p, post, "violator")
        elif lapse.id in record_only and p.id not in record_only[lapse.id]:
            exclude(lapse, relation, p, post, "not_named")
        elif held_during(post, lapse.start, lapse.date):
            holders.add(Holder(lapse.id, relation, "person", p.id, post.unit, units[post.unit].tier, post.post))
        else:
            exclude(lapse, relation, p, post, "not_in_post")

    def exclude(lapse: Lapse, relation: str, p: Person, post: Tenure, reason: str):
        held = (post.from_.isoformat() if post.from_ else None, post.to.isoformat() if post.to else None)
        excluded.add(Excluded(lapse.id, relation, p.id, reason, held, (lapse.start.isoformat(), lapse.date.isoformat())))

    def unit_subject(lapse: Lapse, relation: str, u: Unit):
        holders.add(Holder(lapse.id, relation, "unit", u.id, u.id, u.tier, None))

    # A finding that names someone for failing to detect or report (a detection kind) puts the
    # violations of that unit (or of the units under it) in its period in their remit: the record
    # says they answered for that area.
    remit: dict[str, set[str]] = defaultdict(set)
    for f in case.findings:
        if f.kind not in detection or not f.persons:
            continue
        for v in case.violations:
            vunit = units[people[v.person].unit]
            if (vunit.id == f.unit or vunit.parent == f.unit) and v.start <= f.date and v.date >= f.start:
                remit[v.id].update(f.persons)

    def covers(lapse: Lapse, p: Person, post: Tenure) -> bool:
        # A named member answers for the area: the record put it in their remit.
        return ((lapse.area is not None and lapse.area in post.portfolio) or p.id in named.get(lapse.id, ())
                or p.id in remit.get(lapse.id, ()))

    bodies_under = discipline_children(units, dom)
    supervisors = {uid: supervisors_of(units[uid], units, dom, bodies_under) for uid in {lp.unit for lp in lapses}}
    for lapse in lapses:
        here = units[lapse.unit]
        tier = dom.tier[here.tier]
        unit_subject(lapse, "unit", here)
        for p, post in staff_by_unit.get(here.id, []):
            if post.post in tier.head:
                person(lapse, "unit_head", p, post)
            elif post.post in tier.members:
                person(lapse, "area_member" if covers(lapse, p, post) else "other_member", p, post)
        if here.parent in units:
            parent_tier = dom.tier[units[here.parent].tier]
            for p, post in staff_by_unit.get(here.parent, []):
                if post.post in parent_tier.head:
                    person(lapse, "parent_head", p, post)
                elif post.post in parent_tier.members and covers(lapse, p, post):
                    person(lapse, "parent_area_member", p, post)
        for sid in supervisors[here.id]:
            body = units[sid]
            unit_subject(lapse, "supervising_body", body)
            for p, post in staff_by_unit.get(sid, []):
                if post.post in dom.tier[body.tier].head:
                    person(lapse, "supervising_head", p, post)
        for pid in named.get(lapse.id, []):
            for post in posts[pid]:
                person(lapse, "named_person", people[pid], post)
        if lapse.violator:
            p = people[lapse.violator]
            # The violator answers for their own conduct whatever post they held.
            holders.add(Holder(lapse.id, "violator", "person", p.id, p.unit, units[p.unit].tier, p.post))
    return Resolution(lapses, sorted(holders), sorted(excluded), undeclared)


def _split_facts(facts: dict, declared: dict) -> tuple[tuple, list[str]]:
    kept = tuple(sorted((k, v) for k, v in facts.items() if k in declared))
    extra = sorted(k for k in facts if k not in declared)
    return kept, extra
