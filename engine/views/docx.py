"""The recommendation document as a Word file (python-docx), from the outline in document.py."""

from __future__ import annotations

import datetime as dt
import io
import re

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from .document import Document, numeral
from .zipfix import deterministic_zip

# Official documents set headings in 黑体 / 楷体 and the body in 仿宋; Word falls back to any CJK
# font the reader's machine has when these are missing.
BODY, LEVEL1, LEVEL2, TITLE = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"


# Characters XML 1.0 cannot hold (control characters a case description might carry).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _run(p, text: str):
    return p.add_run(_NOT_XML.sub("", text))


def _font(run, east_asian: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    run.font.name = "Times New Roman"
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _heading(doc, text: str, level: int, east_asian: str, size: float) -> None:
    p = doc.add_heading(level=level)
    _font(_run(p, text), east_asian, size)


def _para(doc, text: str, size: float = 14, indent: bool = True, align=None) -> None:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    _font(_run(p, text), BODY, size)


def render_docx(d: Document, reviewed_on: dt.date | None = None) -> bytes:
    doc = new_docx()
    props = doc.core_properties
    props.title = d.title
    props.author = "duidan"
    stamp = dt.datetime.combine(reviewed_on or dt.date(2000, 1, 1), dt.time())
    props.created = props.modified = stamp
    props.last_modified_by = "duidan"
    props.revision = 1

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(_run(p, d.title), TITLE, 22, bold=True)
    for label, value in d.meta:
        _para(doc, f"{label}：{value}", size=10.5, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, d.preface)
    for part in d.parts:
        _heading(doc, f"{part.number}{part.heading}", 1, LEVEL1, 16)
        for sec in part.sections:
            _heading(doc, sec.heading, 2, LEVEL2, 15)
            for _kind, text in sec.numbered():
                _para(doc, text)
    n = len(d.parts)
    if d.pending:
        _heading(doc, f"{numeral(n + 1)}、尚待补充调查的事项", 1, LEVEL1, 16)
        for i, text in enumerate(d.pending, 1):
            _para(doc, f"{i}. {text}")
        n += 1
    if d.unmatched:
        _heading(doc, f"{numeral(n + 1)}、未对应清单条款的问题", 1, LEVEL1, 16)
        for i, text in enumerate(d.unmatched, 1):
            _para(doc, f"{i}. {text}")
    for note in d.notes:
        _para(doc, f"注：{note}", size=10.5)
    buf = io.BytesIO()
    doc.save(buf)
    return deterministic_zip(buf.getvalue())

