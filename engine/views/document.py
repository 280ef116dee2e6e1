"""The recommendation document (问责建议) as data: one outline per case, rendered by both the
.docx and the HTML views so the two never say different things.

Numbering follows the official style: 一、 for each subject, （一） for its sections, 1. for items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..case import Case
from ..rulebook import Rulebook
from . import labels as L
from .facts import CaseIndex, baseline
from .text import verdict

NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")

# Section headings, in order. The facts section is named for what it holds: lapses of duty on the
# primary and supervisory tracks, the violation itself on the direct track.
BASIC, FACTS, FACTS_DIRECT, BASIS, CIRCUMSTANCES, HANDLING, EXECUTION, APPEAL = (
    "基本情况", "问责事实", "违纪违法事实", "依据", "情节", "建议的处理方式", "执行要求", "申诉权利")


def section_titles(track: str) -> list[str]:
    return [BASIC, FACTS_DIRECT if track == "direct" else FACTS, BASIS, CIRCUMSTANCES, HANDLING, EXECUTION, APPEAL]


# The appeal and execution provisions the document cites. A rulebook with an instruments table
# supplies them (provisions `accountability_regulation/appeal` and `/execution`, cited in the edition
# in force at review, with its own verified flag); otherwise these are used. The article numbers
# could not be checked against a published copy of the 2019 text, so the document says so.
ACCOUNTABILITY_APPEAL = {
    "text": "对问责决定不服的，可以自收到问责决定之日起1个月内，向问责决定机关提出书面申诉。"
            "问责决定机关接到书面申诉后，应当在1个月内作出申诉处理决定，并以书面形式告知。申诉期间，不停止问责决定的执行。",
    "ref": "accountability_regulation/appeal",
    "cite": "《中国共产党问责条例》（2019）第20条",
    "verified": False,
}
ACCOUNTABILITY_EXECUTION = {
    "text": "问责决定作出后，应当及时向被问责党组织、被问责领导干部及其所在党组织宣布并督促执行；"
            "有关问责情况应当向组织部门通报，问责决定材料归入被问责领导干部档案；"
            "涉及组织调整或者组织处理的，应当在1个月内办理完毕相应手续。",
    "ref": "accountability_regulation/execution",
    "cite": "《中国共产党问责条例》（2019）第16条",
    "verified": False,
}
UNVERIFIED = "（条文序号与期限未能对照公开文本核实，出具前请核对）"
DISCIPLINE_APPEAL = ("对党纪处分不服的，可以依照《中国共产党章程》第四条规定的党员权利和"
                     "《中国共产党党员权利保障条例》的有关规定，向作出处分决定的党组织或其上级组织提出申诉。")
EDUCATION_APPEAL = "批评教育类处理不是问责决定，不适用问责决定的申诉程序；本人对处理有异议的，可以向实施处理的党组织说明情况。"


@dataclass
class Section:
    number: str              # （一）
    title: str
    blocks: list[tuple[str, str]] = field(default_factory=list)   # ("p", text) or ("item", text), in order

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def item(self, text: str) -> None:
        self.blocks.append(("item", text))

    def numbered(self) -> list[tuple[str, str]]:
        """The blocks with items numbered 1. 2. … in order: what both renderers print."""
        out, n = [], 0
        for kind, text in self.blocks:
            if kind == "item":
                n += 1
                out.append(("item", f"{n}. {text}"))
            else:
                out.append(("p", text))
        return out


@dataclass
class ChainNode:
    kind: str                # lapse | rule | clause | subject | form
    title: str
    detail: str = ""
    muted: bool = False      # a match that does not count (list not in force)


@dataclass
class Part:
    number: str              # 一、
    heading: str             # 张某（红旗村党支部 书记）
    rec_id: str
    track: str
    outcome: str
    sections: list[Section]
    chain: list[list[ChainNode]]     # columns of the diagram: lapses → rules → clauses → subject → form


@dataclass
class Document:
    title: str
    case_id: str
    meta: list[tuple[str, str]]      # (label, value) lines under the title
    preface: str
    parts: list[Part]
    pending: list[str]               # undetermined tracks: what still has to be found
    unmatched: list[str]
    notes: list[str]


def build_document(det: dict, case: Case, book: Rulebook) -> Document:
    """Everything the 问责建议 says, from the determination (plain data), its case and the rulebook's
    labels."""
    ix = CaseIndex(case, book)
    recs = det["recommendations"]
    decided = [r for r in recs if r["outcome"] != "undetermined"]
    parts = [_part(numeral(i + 1) + "、", r, ix, book) for i, r in enumerate(decided)]
    pending = [f"{ix.subject_line(r['subject'])}的{L.label(r['track'], book)}已立项，尚需查明："
               f"{'、'.join(L.label(k, book) for k in r.get('missing', [])) or '相关履职事实'}"
               f"（涉及{'、'.join(r['findings'] + r['violations'])}）"
               for r in recs if r["outcome"] == "undetermined"]
    unmatched = [f"{lid} {L.label(ix.lapses[lid].kind, book)}（{ix.period(lid)}）" for lid in det["unmatched"]]
    title = f"关于{det.get('title') or det['case']}的问责建议"
    meta = [("案件编号", det["case"]), ("审查日", str(det["reviewed_on"])),
            ("规则库", f"{det['rulebook']['name']} {det['rulebook']['edition']}"), ("摘要", det["digest"])]
    preface = (f"经对照党风廉政建设主体责任清单、监督责任清单审查，本案{len(decided)}名（个）责任对象的处理建议如下"
               + (f"；另有{len(pending)}项责任尚待补充调查。" if pending else "。"))
    notes = []
    if any(L.form_class(r["track"], r["form"], book, r["subject"]["kind"]) == L.ACCOUNTABILITY
           for r in decided if r["outcome"] == "accountable"):
        notes.append("执行要求、申诉权利所引《中国共产党问责条例》条文，凡标注未核实的，出具前请对照正式文本核对。")
    return Document(title, det["case"], meta, preface, parts, pending, unmatched, notes)


def _part(number: str, r: dict, ix: CaseIndex, book: Rulebook) -> Part:
    titles = section_titles(r["track"])
    secs = [Section(f"（{NUMERALS[i]}）", t) for i, t in enumerate(titles)]
    basic, facts, basis, circ, handling, execution, appeal = secs
    s = r["subject"]
    name = ix.subject_name(s)
    kind = s["kind"]
    track, outcome, grade, trace = r["track"], r["outcome"], r["grade"], r["trace"]
    cls = L.form_class(track, r["form"], book, kind) if outcome == "accountable" else ""

    # 基本情况
    if kind == "person":
        post = L.label(s.get("post"), book)
        basic.p(f"{name}，{ix.unit_name(s['unit'])}{post}。")
        tenure = ix.tenure(s)
        basic.item(f"问题发生时职务：{ix.unit_name(s['unit'])}{post}")
        basic.item(f"任职时间：{tenure or '案卷未载'}")
        basic.item(f"现任职务：{ix.post_now(s)}")
    else:
        basic.p(f"{name}，{L.label(s['tier'], book)}，作为领导班子整体接受审查。")
    basic.item(f"责任类型：{L.label(track, book)}" + (f"，{L.grade_label(grade, book)}" if track != "direct" else ""))

    # 问责事实 / 违纪违法事实: prose built from the case
    for lid in r["findings"] + r["violations"]:
        lapse = ix.lapses[lid]
        what = L.label(lapse.kind, book)
        where = ix.unit_name(getattr(lapse, "unit", None) or s["unit"])
        if getattr(lapse, "person", None):
            who = ix.people.get(lapse.person)
            where = f"{ix.unit_name(who.unit)}{L.label(who.post, book)}{who.name or who.id}" if who else where
        facts_text = "，".join(ix.lapse_facts(lid))
        sentence = f"{ix.period(lid)}期间，{where}存在“{what}”问题"
        if lapse.description:
            sentence += f"：{lapse.description}"
        if facts_text:
            sentence += f"（{facts_text}）"
        facts.item(sentence.rstrip("。") + f"。〔{lid}〕")
    if kind == "person" and ix.tenure(s):
        facts.p(f"上述问题发生期间，{name}任{ix.unit_name(s['unit'])}{L.label(s.get('post'), book)}"
                                f"（任职{ix.tenure(s)}），对问题负有{L.grade_label(grade, book)}。")

    # 依据: each clause quoted in its edition, each article cited
    for c in r["clauses"]:
        lst = book.lists.get(c["list"])
        title = lst.title if lst is not None else L.label(c["list"], book)
        basis.item(f"《{title}》（{L.edition_text(c['edition'], book)}）{c['id']}：“{c['text']}”")
    for b in r["basis"]:
        basis.item(_cite(b))
    if not basis.blocks:
        basis.p("无。")

    # 情节
    for c in ix.circumstances_of(s):
        info = book.circumstances.get(c.kind)
        step = next((st for st in trace["steps"] if st["circumstance"] == c.kind), None)
        effect = ("依规可免予问责" if step and step["effect"] == "exempt" else
                  f"{L.label(step['effect'], book)}{step['steps']}档" if step else "未作调整")
        cite = f"（{'；'.join(_cite(b) for b in info.basis)}）" if info is not None and info.basis else ""
        note = f"：{c.note}" if c.note else ""
        circ.item(f"{L.circumstance_text(c.kind, book)}{note}，{effect}{cite}。")
    for lid in r["violations"]:
        v = ix.lapses[lid]
        circ.item(f"{lid}情节{L.label(v.severity, book)}" + (
            f"，{'，'.join(x for x in ix.lapse_facts(lid) if not x.startswith('情节'))}" if v.facts else "") + "。")
    base_form, base_sanction = baseline(r)
    base = L.form_text(base_form, base_sanction, book, kind)
    if base_form:
        circ.p(f"按所对照的规则，基准处理为{base}；综合上述情节，净调整{trace['shift']:+d}档。"
                               if trace["steps"] else f"按所对照的规则，基准处理为{base}；无从轻、从重或免责情节。")

    # 建议的处理方式
    if outcome == "exempt":
        handling.p(f"建议对{name}免予问责。")
        handling.p(L.plain(r.get("reason", "")))
        execution.p("免予问责，不涉及执行。")
        appeal.p("免予问责，不涉及申诉。")
    else:
        handling.p(f"建议对{name}{verdict(r, book).replace('应予', '予以', 1)}。")
        handling.item(f"处理性质：{_class_text(cls)}")
        handling.item(f"处理方式：{L.form_text(r['form'], r['sanction'], book, kind)}")
        if r["measures"]:
            handling.item(f"附加措施：{'、'.join(L.label(m, book) for m in r['measures'])}")
        handling.item(f"建议提出：{_proposer(r, ix)}")
        handling.item(f"决定（实施）主体：{r['decided_by']}")
        handling.p(f"理由：{L.plain(r.get('reason', ''))}")
        _execution(execution, appeal, r, cls, book, ix.reviewed_on)
    heading = (f"{name}（{ix.unit_name(s['unit'])} {L.label(s.get('post'), book)}）" if kind == "person"
               else f"{name}（领导班子）")
    return Part(number, heading,
                r["id"], track, outcome, secs, _chain(r, ix, book))


def _class_text(cls: str) -> str:
    return {L.ACCOUNTABILITY: "问责（《中国共产党问责条例》第八条规定的问责方式）",
            L.EDUCATION: "批评教育类处理（不属于《中国共产党问责条例》第八条规定的问责方式）",
            L.DISCIPLINE: "纪律处分（直接责任人）",
            L.ORGANIZATIONAL: "组织处理（直接责任人）"}.get(cls, cls)


def provision_cite(book: Rulebook, provision: dict, day) -> str:
    """`依据：…` for an appeal or execution provision: from the rulebook's instruments table when it
    has one (the edition in force on `day`), else the built-in citation; flagged when unverified."""
    table = getattr(book, "instruments", None)
    if table is not None and provision["ref"] in table.refs:
        c = table.cite(provision["ref"], day)
        if c is not None:
            return f"依据：《{c.title}》（{c.edition}）{c.article}" + ("" if c.verified else UNVERIFIED)
    return "依据：" + provision["cite"] + ("" if provision["verified"] else UNVERIFIED)


def _execution(execution: Section, appeal: Section, r: dict, cls: str, book: Rulebook, day) -> None:
    if cls == L.ACCOUNTABILITY:
        execution.item(ACCOUNTABILITY_EXECUTION["text"])
        if r["subject"]["kind"] == "person":
            execution.item("受到问责的领导干部应当向问责决定机关写出书面检讨，并在民主生活会或者其他党的会议上作出深刻检查。")
        appeal.p(ACCOUNTABILITY_APPEAL["text"])
        appeal.p(provision_cite(book, ACCOUNTABILITY_APPEAL, day))
    elif cls == L.DISCIPLINE:
        execution.item("依照《中国共产党纪律处分条例》规定的权限和程序作出处分决定，处分决定向本人宣布并归入本人档案。")
        appeal.p(DISCIPLINE_APPEAL)
    else:
        execution.item(f"由{r['decided_by']}，处理情况记录在案。")
        appeal.p(EDUCATION_APPEAL)
    for m in r["measures"]:
        execution.item({
            "rectification_deadline": "限期整改：明确整改时限，整改完成后书面报告整改情况。",
            "case_referral": "移送审查调查：将问题线索移送有管辖权的纪检监察机关依规依纪依法审查调查。",
            "removal_from_post": "免职：按干部管理权限办理免职手续。",
        }.get(m, f"{L.label(m, book)}：按干部管理权限办理。"))
    if cls == L.ACCOUNTABILITY:
        execution.p(provision_cite(book, ACCOUNTABILITY_EXECUTION, day))


def _proposer(r: dict, ix: CaseIndex) -> str:
    """Who proposes: the discipline body the case names as supervising the subject's unit (or its
    parent's); a discipline body itself is proposed on by the one above it."""
    own = r["subject"]["unit"]
    unit = ix.units.get(own)
    seen = set()
    while unit is not None and unit.id not in seen:
        seen.add(unit.id)
        if unit.supervisor and unit.supervisor in ix.units and unit.supervisor != own:
            return f"{ix.unit_name(unit.supervisor)}（调查后提出建议）"
        unit = ix.units.get(unit.parent) if unit.parent else None
    return "上级纪检监察机关（调查后提出建议）"


def _cite(b: str) -> str:
    """`中国共产党问责条例(2019) 第8条` → `《中国共产党问责条例》（2019）第8条`."""
    head, _, rest = b.partition(" ")
    name, paren, year = head.partition("(")
    if not name or name.startswith("《"):
        return b
    year = f"（{year.rstrip(')')}）" if paren else ""
    return f"《{name}》{year}{rest}"


def _chain(r: dict, ix: CaseIndex, book: Rulebook) -> list[list[ChainNode]]:
    lapses, rules, clauses = [], [], []
    seen: set[str] = set()
    for m in r["trace"]["matches"]:
        lid = m["lapse"]
        if lid not in seen:
            seen.add(lid)
            lapses.append(ChainNode("lapse", f"{lid} {L.label(ix.lapses[lid].kind, book)}", ix.period(lid)))
        rules.append(ChainNode("rule", L.label(m["rule"], book),
                               f"依据{lid}：{L.label(m['relation'], book)}，{L.label(m['effect'], book)}"
                               + ("" if m["in_force"] else "（清单当时未施行，不计）"), muted=not m["in_force"]))
    for c in r["clauses"]:
        if c["id"] not in seen:
            seen.add(c["id"])
            clauses.append(ChainNode("clause", c["id"], f"{L.label(c['list'], book)}清单 {L.edition_text(c['edition'], book)}"))
    s = r["subject"]
    subject = [ChainNode("subject", ix.subject_name(s), ix.tenure(s) or L.label(s["tier"], book))]
    form = [ChainNode("form", verdict(r, book) if r["outcome"] == "accountable" else L.label(r["outcome"], book),
                      L.grade_label(r["grade"], book))]
    return [col for col in (lapses, rules, clauses, subject, form) if col]
