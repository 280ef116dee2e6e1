"""Views of a determination as text: the JSON line (the contract) and the investigator's report,
all in Chinese (ids stay in the JSON).

Rendering is the last step and reads only the determination (as plain data, as the JSON line
holds it), the case it came from and the rulebook's labels; it never decides anything.
"""

from __future__ import annotations

import re

from ..case import Case
from ..documents import canonical_json
from ..rulebook import Rulebook
from . import labels as L
from .facts import CaseIndex, baseline

OUTCOME_MARK = {"accountable": "■", "exempt": "□", "undetermined": "？"}
TRACKS = ("primary", "supervisory", "direct")


def to_json_line(det: dict) -> str:
    """The canonical bytes the digest is computed over, plus the digest itself."""
    return canonical_json(det)


def verdict(rec: dict, book: Rulebook | None = None) -> str:
    """The conclusion, naming the kind of handling: 批评教育类处理, 问责, or 纪律处分 for the violator."""
    outcome, form, sanction = rec["outcome"], rec["form"], rec["sanction"]
    if outcome != "accountable":
        return L.label(outcome, book)
    kind = rec["subject"]["kind"]
    cls = L.form_class(rec["track"], form, book, kind)
    if cls == L.DISCIPLINE:
        text = f"应予纪律处分：{L.label(sanction, book) if sanction else L.label(form, book)}"
    elif cls == L.EDUCATION:
        text = f"予以批评教育类处理：{L.form_text(form, sanction, book, kind)}（不属问责条例第8条规定的问责方式）"
    elif cls == L.ORGANIZATIONAL:
        text = f"予以组织处理：{L.form_text(form, sanction, book, kind)}"
    else:
        text = f"应予问责：{L.form_text(form, sanction, book, kind)}"
    if rec["measures"]:
        text += "，并" + "、".join(L.label(m, book) for m in rec["measures"])
    return text


def render_text(det: dict, case: Case, book: Rulebook | None = None) -> str:
    ix = CaseIndex(case, book)
    rb = det["rulebook"]
    out = [f"案件 {det['case']}" + (f"　{det['title']}" if det.get("title") else ""),
           f"规则库 {rb['name']} {rb['edition']}　审查日 {det['reviewed_on']}",
           f"摘要 {det['digest']}", ""]
    if not det["recommendations"]:
        out.append("（无问责建议）")
    for track in TRACKS:
        recs = [r for r in det["recommendations"] if r["track"] == track]
        if not recs:
            continue
        out.append(f"【{L.label(track, book)}】")
        for r in recs:
            subject = r["subject"]
            out.append(f"{OUTCOME_MARK[r['outcome']]} {ix.subject_line(subject)}　编号 {r['id']}")
            tenure = ix.tenure(subject)
            if tenure:
                out.append(f"    任职　{tenure}")
            out.append(f"    结论　{verdict(r, book)}　（{L.grade_label(r['grade'], book)}）")
            if r["outcome"] != "undetermined":
                out.append(f"    决定　{r['decided_by']}")
            for c in r["clauses"]:
                out.append(f"    条款　{c['id']}（{L.edition_text(c['edition'], book)}）{c['text']}")
            if r["basis"]:
                out.append(f"    依据　{'；'.join(r['basis'])}")
            for lid in r["findings"] + r["violations"]:
                out.append(f"    事实　{ix.lapse_line(lid)}")
            for c in ix.circumstances_of(subject):
                step = next((s for s in r["trace"]["steps"] if s["circumstance"] == c.kind), None)
                move = f"（{L.label(step['effect'], book)}{step['steps']}档）" if step and step["effect"] != "exempt" else (
                    "（免予问责）" if step else "")
                note = f"：{c.note}" if c.note else ""
                out.append(f"    情节　{L.circumstance_text(c.kind, book)}{move}{note}")
            if r.get("missing"):
                out.append(f"    待补　{'、'.join(L.label(k, book) for k in r['missing'])}")
            out.append(f"    理由　{L.plain(r.get('reason', ''))}")
        out.append("")
    if det["unmatched"]:
        out.append("【未对应清单条款的问题】" + "、".join(
            f"{lid}（{L.label(ix.lapses[lid].kind, book)}）" for lid in det["unmatched"]))
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
            out.append(f"{lst.title}：{on} 无施行中的版本")
            continue
        # A tier held to another tier's section (villages to the township's) sees that section too,
        # where the rulebook declares it.
        domain = getattr(book, "domain", None)
        held = domain.tier[tier].held_to if tier and domain is not None else None
        sections = [sec for sec in lst.tiers if not tier or sec.tier in (tier, held) or tier in sec.applies_to]
        if not sections:
            continue
        out.append(f"{lst.title}（{ed.edition}版，{ed.in_force}起施行）")
        for section in sections:
            out.append(f"  {section.title}（{L.label(section.tier, book)}）")
            for role in section.roles:
                out.append(f"    {role.title}")
                for c in role.clauses:
                    view = book.clause_at(c.id, ed.in_force)
                    if view is None:
                        continue
                    mark = "" if c.enforceable else "（不可对单）"
                    out.append(f"      {c.id}　{view.text}{mark}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_explain(det: dict, book: Rulebook | None = None, case: Case | None = None) -> str:
    """The trace behind each recommendation: rules, lapses, relations, baseline, steps; and who
    was left out for not holding the post."""
    lines = ["【推理轨迹】"]
    for r in det["recommendations"]:
        subject, trace = r["subject"], r["trace"]
        lines.append(f"  {r['id']} {subject.get('name') or subject['id']}")
        for m in trace["matches"]:
            state = "" if m["in_force"] else "（清单当时未施行，不计）"
            form = L.form_text(m["form"], m["sanction"], book, subject["kind"]) if m["form"] else "（不定处理方式）"
            lines.append(f"    规则「{L.label(m['rule'], book)}」← 问题 {m['lapse']}，经{L.label(m['relation'], book)}，"
                         f"{L.label(m['effect'], book)}，{form}{state}")
        base_form, base_sanction = baseline(r)
        if base_form:
            base = L.form_text(base_form, base_sanction, book, subject["kind"])
            lines.append(f"    基准 {base}，情节调整 {trace['shift']:+d}档")
        for s in trace["steps"]:
            exempt = s["effect"] == "exempt"
            lines.append(f"    情节 {L.label(s['circumstance'], book)}：{'免予问责' if exempt else L.label(s['effect'], book)}"
                         + ("" if exempt else f"{s['steps']}档"))
    people = {p.id: p.name for p in case.people if p.name} if case is not None else {}
    for e in det["trace"].get("excluded", []):
        pid, relation, lapse, why = _excluded(e)
        lines.append(f"  排除 {people.get(pid, pid)}（{L.label(relation, book)}，问题 {lapse}）：{why}")
    return "\n".join(lines) + "\n"


_NOT_IN_POST = re.compile(r"not in post during (\S+)\.\.(\S+) \(held it (\S+)\.\.(\S+)\)")


def _excluded(e: dict) -> tuple[str, str, str, str]:
    """(person, relation, lapse, why in Chinese) of a person the resolver left out. Reads both the
    record (reason not_in_post / violator, with the periods) and the older form (the reason as an
    English sentence)."""
    reason = e.get("reason", "")
    if "period" in e:
        why = _VIOLATOR if reason == "violator" else _not_in_post(
            e["period"].get("from"), e["period"].get("to"), e["held"].get("from"), e["held"].get("to"))
    elif reason.startswith("the violator"):
        why = _VIOLATOR
    else:
        m = _NOT_IN_POST.match(reason)
        why = _not_in_post(*m.groups()) if m else reason
    return e["person"], e["relation"], e["lapse"], why


_VIOLATOR = "违纪违法行为人在直接责任线上承担责任"


def _not_in_post(start, end, held_from, held_to) -> str:
    def clean(x):
        return "" if x in (None, "…") else str(x)

    return (f"问题期间（{clean(start)}至{clean(end)}）不在该岗位"
            f"（任职{clean(held_from) or '不详'}至{clean(held_to) or '今'}）")
