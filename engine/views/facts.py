"""What views look up in a case: names, posts, tenures, lapses and circumstances, as phrases."""

from __future__ import annotations

from ..case import Case, Person
from ..rulebook import Rulebook
from . import labels as L


def baseline(rec: dict) -> tuple[str | None, str | None]:
    """The (form, sanction) a recommendation started from, before circumstances."""
    b = rec["trace"]["baseline"]
    return b["form"], b["sanction"]


class CaseIndex:
    """A case's units, people and lapses by id, and what views say about a recommendation's subject
    (plain data, as in the determination)."""

    def __init__(self, case: Case, book: Rulebook | None = None):
        self.case = case
        self.book = book
        self.units = {u.id: u for u in case.units}
        self.people = {p.id: p for p in case.people}
        self.lapses = {f.id: f for f in case.findings} | {v.id: v for v in case.violations}
        self.reviewed_on = case.reviewed_on

    def unit_name(self, uid: str) -> str:
        u = self.units.get(uid)
        return (u.name or u.id) if u else uid

    def person(self, subject: dict) -> Person | None:
        return self.people.get(subject["id"]) if subject["kind"] == "person" else None

    def subject_name(self, s: dict) -> str:
        return s.get("name") or s["id"]

    def subject_line(self, s: dict) -> str:
        if s["kind"] == "unit":
            return f"{self.subject_name(s)}（{L.label(s['tier'], self.book)}，领导班子）"
        return f"{self.subject_name(s)}（{self.unit_name(s['unit'])} {L.label(s.get('post'), self.book)}）"

    def tenure(self, s: dict) -> str:
        """`2017-05-01至2020-12-31` / `2022-03-01起至今`; empty for a unit or an unrecorded tenure."""
        p = self.person(s)
        if p is None or (p.from_ is None and p.to is None):
            return ""
        start = p.from_.isoformat() if p.from_ else "任职起始日未载"
        if p.to is None:
            return f"{start}起至今"
        return f"{start}至{p.to.isoformat()}"

    def post_now(self, s: dict) -> str:
        """What the case says about the post now (at review): still held, or left on a date."""
        p = self.person(s)
        if p is None:
            return ""
        if p.to is None or p.to >= self.reviewed_on:
            return f"现仍任{self.unit_name(p.unit)}{L.label(p.post, self.book)}"
        return f"已于{p.to.isoformat()}离任，现任职务案卷未载"

    def period(self, lid: str) -> str:
        lapse = self.lapses[lid]
        return f"{lapse.start}至{lapse.date}" if lapse.start != lapse.date else f"{lapse.date}"

    def lapse_facts(self, lid: str) -> list[str]:
        lapse = self.lapses[lid]
        out = []
        severity = getattr(lapse, "severity", None)
        if severity:
            out.append(f"情节{L.label(severity, self.book)}")
        # In the order the rulebook declares its facts (then by name): the same however the case
        # file, or a stored case's canonical JSON, ordered them.
        order = {f.id: i for i, f in enumerate(self.book.domain.facts)} if self.book is not None else {}
        keys = sorted(lapse.facts, key=lambda k: (order.get(k, len(order)), k))
        out += [L.fact_text(k, lapse.facts[k]) for k in keys]
        return out

    def lapse_line(self, lid: str) -> str:
        lapse = self.lapses[lid]
        extra = "，".join([self.period(lid), *self.lapse_facts(lid)])
        desc = f"　{lapse.description}" if lapse.description else ""
        return f"{lid} {L.label(lapse.kind, self.book)}（{extra}）{desc}"

    def circumstances_of(self, s: dict):
        return [c for c in self.case.circumstances if c.subject == s["id"]]
