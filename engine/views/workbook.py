"""A run as a workbook (openpyxl): 问责建议, 对单考核, 条款, 退回 — Chinese headers, names not
ids, frozen header rows, filters, column widths. Text that a spreadsheet would take for a formula
(a cell beginning with = + - @) is stored with a leading apostrophe, as text."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..runreport import RunReport
from .run import REC_HEADERS, run_view
from .zipfix import deterministic_zip

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WIDTHS = {"理由": 60, "条文": 60, "原因": 60, "对照条款": 24, "违反条款": 36, "问题": 14, "处理方式": 22}


def safe(value):
    """A value as a cell will hold it: text that could be read as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list]) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEE8DD")
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        ws.append([safe(v) for v in row])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 1)}"
    for i, h in enumerate(headers, 1):
        longest = max([len(str(h)) * 2] + [min(len(str(r[i - 1])), 60) * 2 for r in rows[:500]])
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(h, min(max(longest, 8), 40))
        if h in WIDTHS:
            for cell in ws[get_column_letter(i)][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def render_xlsx(rep: RunReport) -> bytes:
    view = run_view(rep)
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "问责建议", list(REC_HEADERS), [[r[h] for h in REC_HEADERS] for r in view.recommendations])
    _sheet(wb, "对单考核", ["单位", "层级", "应予处理", "违反条款"],
           [[u["name"], u["tier"], u["recommendations"], u["clauses"]] for u in view.scorecard])
    _sheet(wb, "条款", ["条款", "清单", "条文", "违反次数"],
           [[c["id"], c["list"], c["text"], c["count"]] for c in view.clauses])
    _sheet(wb, "退回", ["来源", "行", "案件", "阶段", "原因"],
           [[x["source"], x["line"], x["case_id"] or "", x["stage"], x["reason"]] for x in view.rejects])
    started = rep.summary.run.started_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    stamp = started.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.creator = "duidan"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue(), modified=stamp.isoformat() + "Z")
