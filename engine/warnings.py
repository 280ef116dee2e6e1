"""Things in a valid case that probably do not mean what the writer meant. Nothing silent: each is
a warning in the determination (`warnings`, part of the decision record and of its digest), shown
in the text report, and `--strict` turns them into rejects.

- an undeclared fact (`金额: 250000` instead of `amount`): kept, but no rule reads it, so the
  answer may silently be milder than meant;
- an `area` no portfolio covers, of anyone in the lapse's unit or its parent unit: the member it
  was meant for is silently not found;
- a person named in a finding's `persons` who was not in post during the lapse: they are left out.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .case import Case
from .errors import closest
from .resolve import Resolution, held_during
from .rulebook import Rulebook

_HINTS: dict[tuple[str, str], str | None] = {}   # (rulebook digest, undeclared name) -> its hint
_HINTS_MAX = 10_000                               # names come from input: a cache that cannot grow without bound


def _fact_hint(rulebook: Rulebook, name: str) -> str | None:
    """The declared fact an undeclared name probably means (a batch meets the same few names in
    every case: difflib per name per case was a tenth of determining)."""
    key = (rulebook.digest, name)
    if key not in _HINTS:
        if len(_HINTS) >= _HINTS_MAX:
            _HINTS.clear()
        _HINTS[key] = _chinese_names(rulebook).get(name) or closest(name, rulebook.facts)
    return _HINTS[key]


@lru_cache(maxsize=4096)
def _closest_area(area: str, areas: tuple[str, ...]) -> str | None:
    # A batch meets the same few areas and portfolios in case after case (difflib was a tenth of
    # determining them); bounded, since both come from input.
    return closest(area, areas)


def _chinese_names(rulebook: Rulebook) -> dict[str, str]:
    """The Chinese names writers use for declared facts (their labels, less any unit: 金额（元） ->
    金额), for the did-you-mean."""
    import re

    out = {}
    for f in rulebook.domain.facts:
        for part in re.split(r"[/／]", re.sub(r"[（(][^）)]*[）)]", "", f.label or "")):
            if part.strip():
                out[part.strip()] = f.id
    return out


def collect_warnings(case: Case, rulebook: Rulebook, resolution: Resolution) -> list[dict[str, Any]]:
    """[{kind, where (field path), message (Chinese / English), value}], sorted. The path names a
    finding by its id (`findings[F1].area`), not its position: the digest covers the warnings and
    must not depend on the order of the file."""
    out: list[dict[str, Any]] = []
    declared = rulebook.facts
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    portfolios: dict[str, set[str]] = {}   # unit -> the areas its people have in their portfolios
    for p in case.people:
        portfolios.setdefault(p.unit, set()).update(p.portfolio)
    for section, items in (("findings", case.findings), ("violations", case.violations)):
        for item in items:
            for name in item.facts:
                if name in declared:
                    continue
                hint = _fact_hint(rulebook, name)
                tip = f"；是否应为 {hint}? / did you mean {hint!r}?" if hint else ""
                out.append({"kind": "undeclared_fact", "where": f"{section}[{item.id}].facts.{name}",
                            "message": f"规则库未声明事实 {name!r}，不参与判断 / fact {name!r} is not "
                                       f"declared by the rulebook, so no rule reads it{tip}",
                            "value": name})
            if item.area is not None:
                unit_id = item.unit if section == "findings" else people[item.person].unit
                here = units[unit_id]
                areas = portfolios.get(unit_id, set()) | portfolios.get(here.parent or "", set())
                if item.area not in areas:
                    hint = _closest_area(item.area, tuple(sorted(areas)))
                    tip = f"；是否应为 {hint}? / did you mean {hint!r}?" if hint else ""
                    out.append({"kind": "area_unmatched", "where": f"{section}[{item.id}].area",
                                "message": f"领域 {item.area!r} 不在 {unit_id} 及其上级单位任何人的分管范围内 / "
                                           f"no one in {unit_id} or its parent unit has {item.area!r} "
                                           f"in their portfolio, so no member answers for this area{tip}",
                                "value": item.area})
    for f in case.findings:
        for pid in sorted(set(f.persons)):
            p = people[pid]
            if not held_during(p, f.start, f.date):
                out.append({"kind": "person_not_in_post", "where": f"findings[{f.id}].persons[{pid}]",
                            "message": f"{pid} 在 {f.start}..{f.date} 期间不在岗（任职 {p.from_ or '…'}.."
                                       f"{p.to or '…'}），不予列入 / {pid} was not in post during the "
                                       f"lapse ({f.start}..{f.date}; held it {p.from_ or '…'}..{p.to or '…'}) "
                                       "and is left out",
                            "value": pid})
    return sorted(out, key=lambda w: (w["where"], w["kind"]))


def render_warnings(det: dict) -> str:
    """The warnings block of the text report (empty when there are none)."""
    warnings = det.get("warnings") or []
    if not warnings:
        return ""
    lines = [f"警告 warnings ({len(warnings)})"]
    for w in warnings:
        lines.append(f"  ! {w['where']}: {w['message']}")
    return "\n".join(lines) + "\n"


def strict_message(file: str, det: dict) -> str | None:
    """The reject message under --strict, or None when there is nothing to warn about."""
    warnings = det.get("warnings") or []
    if not warnings:
        return None
    shown = "; ".join(f"{w['where']}: {w['message']}" for w in warnings[:5])
    more = f" (and {len(warnings) - 5} more)" if len(warnings) > 5 else ""
    return f"{file}: rejected under --strict: {shown}{more}"
