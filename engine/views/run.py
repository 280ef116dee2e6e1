"""A run report as rows of Chinese labels and names: what the HTML page and the workbook share."""

from __future__ import annotations

from dataclasses import dataclass

from ..runreport import RunReport
from . import labels as L


@dataclass
class RunView:
    title: str
    meta: list[tuple[str, str]]
    read: int
    evaluated: int
    rejected: int
    accountable: int
    recommendations: list[dict]     # Chinese headers → values, names not ids
    clauses: list[dict]             # id, list, text, count
    scorecard: list[dict]           # name, tier, recommendations, clauses
    rejects: list[dict]
    review_status: dict[str, str | int]


def form_key_label(key: str, book=None) -> str:
    form, _, sanction = key.partition(":")
    return L.form_text(form, sanction or None, book) if form != "None" else "无"


REC_HEADERS = ("案件", "编号", "责任线", "责任对象", "单位", "层级", "职务", "责任类型", "结论", "处理性质",
               "处理方式", "附加措施", "对照条款", "问题", "理由")


def run_view(rep: RunReport) -> RunView:
    s = rep.summary
    book = rep.book
    recs = []
    for r in rep.recommendations:
        kind = r["subject_kind"]
        accountable = r["outcome"] == "accountable"
        recs.append(dict(zip(REC_HEADERS, (
            r["case_id"], r["rec_id"], L.label(r["track"], book), r["subject_name"] or r["subject"], r["unit_name"],
            L.label(r["tier"], book), L.label(r["post"], book) if r["post"] else "领导班子", L.grade_label(r["grade"], book),
            L.label(r["outcome"], book),
            L.form_class(r["track"], r["form"], book, kind) if accountable else "",
            L.form_text(r["form"], r["sanction"], book, kind) if accountable else "",
            "、".join(L.label(m, book) for m in r["measures"].split()),
            "、".join(r["clauses"].split()),
            "、".join((r["findings"] + " " + r["violations"]).split()),
            L.plain(r["reason"]),
        ), strict=True)))
    clauses = [{"id": c, "list": L.label(lst, book), "text": rep.clause_texts.get(c, ""), "count": n}
               for c, lst, n in s.top_clauses]
    scorecard = [{"name": rep.unit_names.get(u.unit, u.unit), "tier": L.label(u.tier, book),
                  "recommendations": u.recommendations,
                  "clauses": "、".join(f"{c}×{n}" for c, n in u.clauses.items())} for u in s.scorecard]
    run = s.run
    meta = [("批次", str(run.id)), ("规则库", f"{run.rulebook['name']} {run.rulebook['edition']}"),
            ("规则库摘要", run.rulebook["digest"]),
            ("开始", run.started_at.strftime("%Y-%m-%d %H:%M") if run.started_at else ""),
            ("状态", "已完成" if run.finished_at else "未完成")]
    review = {L.label(k, book): v for k, v in rep.review_status.items()}
    return RunView(f"对单问责批次报告（批次 {run.id}）", meta, s.read, s.evaluated, s.rejected,
                   sum(1 for r in rep.recommendations if r["outcome"] == "accountable"), recs, clauses, scorecard,
                   [dict(x) for x in s.rejects], review)
