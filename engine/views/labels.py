"""One lookup for every Chinese label a view prints.

A label comes from the rulebook: a form's `label`, a rule's `title`, a circumstance's `label`, and
every other id from its domain (rules/domain.yaml). Views never read those tables directly.
"""

from __future__ import annotations

import re

from ..rulebook import Rulebook


def _fallback(key: str) -> str:
    """Views without a rulebook at hand (a stored summary) label ids by the bundled domain."""
    from ..domain import bundled_domain

    return bundled_domain().label(key)


# The kinds of handling a recommendation can be (issue: report forms as what they are).
EDUCATION = "批评教育类处理"      # talk, criticism, written self-criticism: not 问责条例 第8条 forms
ACCOUNTABILITY = "问责"           # the forms of 问责条例 第8条
DISCIPLINE = "纪律处分"           # the violator's sanction on the direct track
ORGANIZATIONAL = "组织处理"       # the violator's non-disciplinary handling on the direct track


def label(key: str | None, book: Rulebook | None = None, *, subject: str = "person") -> str:
    """The Chinese label of an id: a form (for a `subject` of kind person/unit), a rule (its title),
    a circumstance, tier, post, relation, kind, outcome or grade. Unknown ids come back unchanged."""
    if not key:
        return ""
    if book is not None:
        form = book.forms.get((subject, key)) or book.forms.get(("person", key))
        if form is not None:
            return form.label
        rule = book.rule_index.get(key)
        if rule is not None:
            return rule.title
        own = getattr(book, "label", None)          # a rulebook that carries its own labels
        if own is not None and own(key) != key:
            return own(key)
        circ = book.circumstances.get(key)
        if circ is not None and _fallback(key) == key:
            return circ.label
    found = _fallback(key)
    return found


def circumstance_text(kind: str, book: Rulebook | None) -> str:
    """A circumstance as its full description in the rulebook (第17–19条 wording)."""
    if book is not None and kind in book.circumstances:
        return book.circumstances[kind].label
    return label(kind)


def grade_label(grade: str, book: Rulebook | None = None) -> str:
    """A grade of responsibility; `direct` and `supervisory` share their ids with tracks, so their
    grade labels are filed as `direct_grade` / `supervisory_grade` where a rulebook has them."""
    if grade in ("direct", "supervisory"):
        found = label(f"{grade}_grade", book)
        if found != f"{grade}_grade":
            return found
    return label(grade, book)


def form_text(form: str | None, sanction: str | None, book: Rulebook | None = None,
              subject: str = "person") -> str:
    if form is None:
        return "无"
    text = label(form, book, subject=subject)
    if form == "disciplinary" and sanction:
        text += f"（{label(sanction, book)}）"
    return text


EDUCATION_FORMS = ("talk", "criticism", "written_self_criticism")


def _is_article_8(form: str, book: Rulebook | None, subject: str) -> bool:
    """Is `form` one of the forms of 问责条例 第8条? Read from what the rulebook cites for the form:
    a citation in text, or a reference into the rulebook's instruments table. A form the rulebook
    cites nothing for falls back to the list: all but talk, criticism, written self-criticism."""
    info = book.forms.get((subject, form)) if book is not None else None
    if info is None or not info.basis:
        return form not in EDUCATION_FORMS
    return any(_cites_article_8(str(b), book) for b in info.basis)


def _cites_article_8(basis: str, book: Rulebook) -> bool:
    if "问责条例" in basis and "第8条" in basis:
        return True
    table = getattr(book, "instruments", None)
    if table is not None and basis in table.refs:
        inst, prov = table.provision(basis)
        newest = inst.editions[-1].edition
        return "问责条例" in inst.title and prov.articles.get(newest) == "第8条"
    return False


def edition_text(edition: str, book: Rulebook | None = None) -> str:
    """A list edition as cited: `2018-01版`; a named edition (the national baseline a list is held
    to before it was issued) by its label."""
    return f"{edition}版" if edition[:1].isdigit() else label(edition, book)


def form_class(track: str, form: str | None, book: Rulebook | None = None, subject: str = "person") -> str:
    """What kind of handling a form is: 批评教育类处理, 问责 (问责条例 第8条), or, for the violator
    on the direct track, 纪律处分 / 组织处理. Read from the form's cited basis in the rulebook."""
    if form is None:
        return ""
    if track == "direct":
        if form == "disciplinary":
            return DISCIPLINE
        return ORGANIZATIONAL if _is_article_8(form, book, subject) else EDUCATION
    return ACCOUNTABILITY if _is_article_8(form, book, subject) else EDUCATION


_ID_GLOSS = re.compile(r"(?<![A-Za-z0-9_])([a-z][a-z0-9_]*)（([^（）]*)）")


def plain(sentence: str) -> str:
    """A sentence written as `id（label）` pairs, with the ids dropped: `problem_not_detected（应发现
    未发现）` → `应发现未发现`. For reason sentences written before labels moved to the view."""
    return _ID_GLOSS.sub(lambda m: m.group(2), sentence)


def amount_text(value) -> str:
    """An amount in yuan, as a person reads it: 380000 → 38万元; 52000 → 5.2万元; 800 → 800元."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if abs(value) >= 10000:
        wan = value / 10000
        return f"{wan:g}万元" if float(wan).is_integer() or abs(wan) < 1000 else f"{value:,.0f}元"
    return f"{value:g}元"


FACT_LABELS = {
    "amount": "涉及金额", "count": "笔数/次数", "years": "持续年数", "people": "涉及人数",
    "days_overdue": "逾期天数", "repeated": "屡查屡犯", "copied_from": "照搬来源", "similarity": "雷同比例",
    "consequence": "后果", "reported": "已报告", "falsified": "弄虚作假",
}
_FACT_VALUES = {
    "previous_year": "上年材料", "peer": "同级单位材料", "template": "模板",
    "none": "无明显后果", "bad_influence": "造成不良影响", "serious_loss": "造成严重损失", "major_loss": "造成重大损失",
}


def fact_text(name: str, value) -> str:
    """One fact of a finding or violation as a short Chinese phrase."""
    what = FACT_LABELS.get(name, name)
    if name == "amount":
        return f"{what}{amount_text(value)}"
    if isinstance(value, bool):
        return what if value else f"非{what}"
    if name == "similarity" and isinstance(value, (int, float)):
        return f"{what}{value:.0%}"
    if name in ("copied_from", "consequence"):
        return _FACT_VALUES.get(str(value), str(value)) if name == "consequence" else f"{what}：{_FACT_VALUES.get(str(value), value)}"
    unit = {"count": "", "years": "年", "people": "人", "days_overdue": "天"}.get(name, "")
    return f"{what}{value:g}{unit}" if isinstance(value, (int, float)) else f"{what}：{value}"
