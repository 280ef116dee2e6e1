"""Views of a determination: the JSON line (the contract) and the investigator's text report.

Rendering is the last step and reads only the determination and the case it came from; it never
decides anything.
"""

from __future__ import annotations

from .case import Case
from .determination import Determination, Recommendation
from .documents import canonical_json
from .domain import TRACKS
from .rulebook import Rulebook
from .views.reason import form_label

OUTCOME_MARK = {"accountable": "■", "exempt": "□", "undetermined": "？"}


def to_json_line(det: Determination) -> str:
    """The canonical bytes the digest is computed over, plus the digest itself."""
    return canonical_json(det.to_dict())


def _subject_line(rec: Recommendation, case: Case, _label) -> str:
    s = rec.subject
    units = {u.id: u for u in case.units}
    unit_name = units[s.unit].name or s.unit
    if s.kind == "unit":
        return f"{s.name or s.id}（{_label(s.tier)}，领导班子）"
    return f"{s.name or s.id}（{unit_name} {_label(s.post)}）"


def render_text(det: Determination, case: Case, book: Rulebook) -> str:
    _label = book.label
    lapses = {f.id: f for f in case.findings} | {v.id: v for v in case.violations}
    out = [f"案件 {det.case}" + (f"　{det.title}" if det.title else ""),
           f"规则库 {det.rulebook.name} {det.rulebook.edition}　审查日 {det.reviewed_on}",
           f"摘要 {det.digest}", ""]
    if not det.recommendations:
        out.append("（无问责建议）")
    for track in TRACKS:
        recs = [r for r in det.recommendations if r.track == track]
        if not recs:
            continue
        out.append(f"【{_label(track)}】")
        for r in recs:
            out.append(f"{OUTCOME_MARK[r.outcome]} {r.id}  {_subject_line(r, case, _label)}")
            verdict = _label(r.outcome)
            if r.outcome == "accountable":
                verdict += "：" + form_label(book, r.form, r.sanction)
                if r.measures:
                    verdict += "，并" + "、".join(_label(m) for m in r.measures)
            grade = r.grade if r.grade not in ("direct", "supervisory") else f"{r.grade}_grade"
            out.append(f"    结论　{verdict}　（{_label(grade)}）")
            if r.outcome != "undetermined":
                out.append(f"    决定　{r.decided_by}")
            for c in r.clauses:
                edition = "清单施行前·国家规定" if c.source == "baseline" else f"{c.edition}版"
                out.append(f"    条款　{c.id}（{edition}）{c.text}")
            if r.basis:
                out.append(f"    依据　{'；'.join(r.basis)}")
            for lid in r.findings + r.violations:
                lapse = lapses[lid]
                period = f"{lapse.start}至{lapse.date}" if lapse.start != lapse.date else f"{lapse.date}"
                desc = f"　{lapse.description}" if lapse.description else ""
                out.append(f"    事实　{lid} {_label(lapse.kind)}（{period}）{desc}")
            if r.circumstances:
                out.append(f"    情节　{'、'.join(_label(c) for c in r.circumstances)}")
            if r.missing:
                out.append(f"    待补　{'、'.join(f'{k}（{_label(k)}）' for k in r.missing)}")
            out.append(f"    理由　{r.reason}")
        out.append("")
    if det.unmatched:
        out.append("【未对应清单条款的问题】" + "、".join(
            f"{lid}（{_label(lapses[lid].kind)}）" for lid in det.unmatched))
    return "\n".join(out).rstrip() + "\n"


def render_list(book: Rulebook, list_name: str | None, tier: str | None, on=None) -> str:
    """The clauses of the lists in force (on `on`, default: the newest edition)."""
    out = []
    for name in ("primary", "supervisory"):
        if list_name and name != list_name or name not in book.lists:
            continue
        lst = book.lists[name]
        ed = lst.edition_at(on) if on else lst.editions[-1]
        if ed is None:
            out.append(f"{lst.title}: no edition in force on {on}")
            continue
        held = book.domain.tier[tier].held_to if tier else None
        sections = [sec for sec in lst.tiers if not tier or sec.tier in (tier, held) or tier in sec.applies_to]
        if not sections:
            continue
        if ed.baseline:
            out.append(f"{lst.title}：{ed.in_force}起、清单施行前，依国家规定的职责（基线）")
        else:
            out.append(f"{lst.title}（{ed.edition}版，{ed.in_force}起施行）")
        for section in sections:
            out.append(f"  {section.title} [{section.tier}]")
            for role in section.roles:
                out.append(f"    {role.title}")
                if ed.baseline:
                    if role.baseline is not None:
                        ids = [c.id for c in role.clauses if book.clause_at(c.id, ed.in_force) is not None]
                        out.append(f"      {role.baseline.text}")
                        out.append(f"      （对应清单条款：{'、'.join(ids)}）")
                    continue
                for c in role.clauses:
                    view = book.clause_at(c.id, ed.in_force)
                    if view is None:
                        continue
                    mark = "" if c.enforceable else "（不可对单）"
                    out.append(f"      {c.id}　{view.text}{mark}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_explain(det: Determination) -> str:
    """The trace behind each recommendation: rules, lapses, relations, baseline, steps; and who
    was left out for not holding the post."""
    lines = ["【推理轨迹】"]
    for r in det.recommendations:
        lines.append(f"  {r.id} {r.subject.id}")
        for m in r.trace.matches:
            state = "" if m.in_force else "（清单当时未施行，不计）"
            lines.append(f"    规则 {m.rule} ← {m.lapse} 经 {m.relation}，{m.effect}，"
                         f"{m.form or '-'}{'/' + m.sanction if m.sanction else ''}{state}")
        base = r.trace.baseline
        if base.form:
            lines.append(f"    基准 {base.form}{'/' + base.sanction if base.sanction else ''}"
                         f"，调整 {r.trace.shift:+d}")
    for e in det.trace.excluded:
        why = ("违纪违法行为人，只在直接责任线上处理" if e.reason == "violator" else
               f"问题期间{e.period.from_}至{e.period.to}未在岗（任职{e.held.from_ or '…'}至{e.held.to or '…'}）")
        lines.append(f"  排除 {e.person}（{e.relation}，{e.lapse}）：{why}")
    return "\n".join(lines) + "\n"
