"""`duidan rules test --coverage`: what the scenarios exercise, per list.

A clause is exercised when some scenario's determination cites it in a recommendation; a rule
when it matched in some scenario; a tier section of a list when one of its clauses is exercised;
a lapse kind when a lapse of that kind matched a rule of the list's track. The figure that
`--fail-under` compares is the share of *enforceable* clauses exercised (clauses marked
`enforceable: false` cannot be shown breached by any finding, so no scenario can exercise them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .scenarios import TestRun


@dataclass
class ListCoverage:
    list: str
    enforceable: list[str]
    exercised: list[str]                  # enforceable clauses cited by some recommendation
    unexercised: list[tuple[str, str, str, str]]   # (clause id, tier, role, text) no scenario exercises
    tiers: dict[str, bool]                # tier section -> exercised
    kinds: dict[str, bool]                # lapse/violation kind the track's rules handle -> exercised
    rules: dict[str, bool]                # rule id -> fired

    @property
    def percent(self) -> float:
        return 100.0 * len(self.exercised) / len(self.enforceable) if self.enforceable else 100.0


@dataclass
class Coverage:
    lists: list[ListCoverage]
    direct_rules: dict[str, bool] = field(default_factory=dict)

    @property
    def enforceable(self) -> int:
        return sum(len(c.enforceable) for c in self.lists)

    @property
    def exercised(self) -> int:
        return sum(len(c.exercised) for c in self.lists)

    @property
    def percent(self) -> float:
        return 100.0 * self.exercised / self.enforceable if self.enforceable else 100.0

    @property
    def never_fired(self) -> list[str]:
        out = [r for c in self.lists for r, hit in c.rules.items() if not hit]
        return sorted(out + [r for r, hit in self.direct_rules.items() if not hit])


def coverage(run: TestRun) -> Coverage:
    book = run.rulebook
    cited: set[str] = set()
    fired: set[str] = set()
    kinds_hit: dict[str, set[str]] = {"primary": set(), "supervisory": set(), "direct": set()}
    for res in run.results:
        det, case = res.determination, res.case
        if det is None or case is None:
            continue
        kind_of = {f.id: f.kind for f in case.findings} | {v.id: v.kind for v in case.violations}
        for r in det.recommendations:
            cited.update(c.id for c in r.clauses)
            for m in r.trace.matches:
                fired.add(m.rule)
                kinds_hit[r.track].add(kind_of[m.lapse])
    out = []
    for name in ("primary", "supervisory"):
        lst = book.lists.get(name)
        if lst is None:
            continue
        enforceable, tiers = [], {}
        unexercised = []
        for section in lst.tiers:
            hit = False
            for role in section.roles:
                for c in role.clauses:
                    if not c.enforceable:
                        continue
                    enforceable.append(c.id)
                    if c.id in cited:
                        hit = True
                    else:
                        unexercised.append((c.id, section.tier, role.role, c.text))
            tiers[section.tier] = hit
        rules = {r.id: r.id in fired for r in book.rules if r.track == name}
        handled = sorted({k for r in book.rules if r.track == name for k in r.when.kinds})
        out.append(ListCoverage(
            list=name, enforceable=enforceable, exercised=[c for c in enforceable if c in cited],
            unexercised=unexercised, tiers=tiers, kinds={k: k in kinds_hit[name] for k in handled},
            rules=rules))
    direct = {r.id: r.id in fired for r in book.rules if r.track == "direct"}
    return Coverage(out, direct)
