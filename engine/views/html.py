"""HTML reports: the recommendation document of a case (with its chain drawn), and a run's report
with charts. Jinja2 with autoescaping on: every string from a case is escaped. Self-contained:
inline CSS, inline SVG charts from pygal, no script, no remote font."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import jinja2
import pygal
from lxml import etree
from pygal.style import Style

from ..case import Case
from ..rulebook import Rulebook
from ..runreport import RunReport
from . import labels as L
from .document import build_document, numeral
from .run import form_key_label, run_view

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True,
)

CJK_FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
             '"WenQuanYi Micro Hei", sans-serif')


def render_case_html(det: dict, case: Case, book: Rulebook) -> str:
    doc = build_document(det, case, book)
    n = len(doc.parts)
    extra = [numeral(n + 1), numeral(n + 1 + (1 if doc.pending else 0))]
    return _ENV.get_template("case.html.j2").render(title=doc.title, doc=doc, extra_numbers=extra)


def render_run_html(rep: RunReport) -> str:
    view = run_view(rep)
    charts = {
        "by_tier": _stacked("各层级处理方式", rep.forms_by_tier, rep, "tier"),
        "by_track": _stacked("各责任线处理方式", rep.forms_by_track, rep, "track"),
        "clauses": _bars("违反次数最多的清单条款", [(c["id"], c["count"]) for c in view.clauses]),
    }
    return _ENV.get_template("run.html.j2").render(title=view.title, r=view, charts=charts)


def _style() -> Style:
    return Style(font_family=CJK_FONTS, title_font_family=CJK_FONTS, label_font_family=CJK_FONTS,
                 major_label_font_family=CJK_FONTS, legend_font_family=CJK_FONTS, value_font_family=CJK_FONTS,
                 tooltip_font_family=CJK_FONTS, no_data_font_family=CJK_FONTS, no_data_font_size=20,
                 background="white", plot_background="white", title_font_size=16, legend_font_size=12,
                 label_font_size=12, major_label_font_size=12)


def _config(**kw) -> dict:
    # js=[]: pygal would otherwise link its tooltip script from the network.
    return {"style": _style(), "js": [], "disable_xml_declaration": True, "no_data_text": "无数据",
            "width": 640, "height": 360, "print_values": False} | kw



def _stacked(title: str, groups: dict[str, Counter], rep: RunReport, what: str) -> str:
    chart = pygal.StackedBar(**_config(x_label_rotation=20 if what == "tier" else 0, width=900, height=460,
                                       legend_at_bottom=True, legend_at_bottom_columns=4,
                                       truncate_legend=-1, truncate_label=-1))
    chart.title = title
    keys = sorted(groups)
    chart.x_labels = [_wide(L.label(k, rep.book)) for k in keys]
    forms = sorted({f for c in groups.values() for f in c})
    for f in forms:
        chart.add(_wide(form_key_label(f, rep.book)), [groups[k].get(f, 0) or None for k in keys])
    chart.y_labels = list(range(0, max([sum(c.values()) for c in groups.values()], default=0) + 1))
    return _svg(chart, f"{what}")


def _wide(text: str) -> str:
    """pygal lays out text assuming every character is 0.6em wide; a Chinese character is 1em. Pad
    with trailing spaces (which SVG does not draw) so that labels and legends get the room they take."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return text + " " * -(-wide * 7 // 10)


def _bars(title: str, pairs: list[tuple[str, int]]) -> str:
    chart = pygal.HorizontalBar(**_config(show_legend=False))
    chart.title = title
    pairs = list(reversed(pairs))   # horizontal bars draw bottom-up; the most breached on top
    chart.x_labels = [p[0] for p in pairs]
    chart.add("违反次数", [p[1] for p in pairs])
    chart.y_labels = list(range(0, max([p[1] for p in pairs], default=0) + 1))   # counts: whole numbers
    return _svg(chart, "clauses")


def _svg(chart, name: str) -> str:
    """pygal's SVG without its script, comments or random id: inert, and the same bytes each time."""
    root = etree.fromstring(chart.render(is_unicode=True).encode("utf-8"))
    old = root.get("id", "")
    for el in root.xpath("//svg:script", namespaces={"svg": "http://www.w3.org/2000/svg"}):
        el.getparent().remove(el)
    for c in root.xpath("//comment()"):
        c.getparent().remove(c)
    text = etree.tostring(root, encoding="unicode")
    return text.replace(old, f"chart-{name}") if old else text

