"""The one table of renderers: (view, format) → function. Commands choose by `--format` (or by
the output file's kind) and never branch on the format themselves.

Views and the object each renders:
  determination  determination (+ case, rulebook)   text, json
  explain        determination (+ rulebook)         text
  summary        summary.Summary                    text, json
  runs           [(store.Run, counts)]              text, json
  diff           summary.Diff                       text, json
  case_report    determination (+ case, rulebook)   html, docx
  run_report     runreport.RunReport                html, xlsx

A determination is rendered from its plain data (`Determination.to_dict()`, `Evaluator.evaluate_data`,
a stored one as read back): the text is a view over the data, so no models are built for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _determination_text(det, case, book=None, **_ctx) -> str:
    from .text import render_text

    return render_text(det, case, book)


def _determination_json(det, *_args, **_ctx) -> str:
    from .text import to_json_line

    return to_json_line(det) + "\n"


def _explain_text(det, book=None, case=None, **_ctx) -> str:
    from .text import render_explain

    return render_explain(det, book, case)


def _case_html(det, case, book, **_ctx) -> str:
    from .html import render_case_html

    return render_case_html(det, case, book)


def _case_docx(det, case, book, **_ctx) -> bytes:
    from .document import build_document
    from .docx import render_docx

    return render_docx(build_document(det, case, book), case.reviewed_on)


def _run_html(rep, **_ctx) -> str:
    from .html import render_run_html

    return render_run_html(rep)


def _run_xlsx(rep, **_ctx) -> bytes:
    from .workbook import render_xlsx

    return render_xlsx(rep)


def _tables(name: str) -> Callable[..., str]:
    def render(*args, **ctx):
        from . import tables

        return getattr(tables, name)(*args, **ctx)

    return render


# Renderers import their libraries (jinja2, pygal, python-docx, openpyxl, rich) only when called:
# `duidan evaluate` must not pay for the reports.
RENDERERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("determination", "text"): _determination_text,
    ("determination", "json"): _determination_json,
    ("explain", "text"): _explain_text,
    ("explain", "json"): lambda det, **_ctx: "",     # the JSON line carries the trace already
    ("summary", "text"): _tables("summary_text"),
    ("summary", "json"): _tables("summary_json"),
    ("runs", "text"): _tables("runs_text"),
    ("runs", "json"): _tables("runs_json"),
    ("diff", "text"): _tables("diff_text"),
    ("diff", "json"): _tables("diff_json"),
    ("case_report", "html"): _case_html,
    ("case_report", "docx"): _case_docx,
    ("run_report", "html"): _run_html,
    ("run_report", "xlsx"): _run_xlsx,
}


# Between the reports of several cases in one output: a rule for people, nothing for JSON Lines.
SEPARATORS = {"text": "─" * 60 + "\n", "json": ""}


def formats(view: str) -> list[str]:
    return [f for (v, f) in RENDERERS if v == view]


def render(view: str, fmt: str, *args, **ctx) -> str | bytes:
    """Render `view` in `fmt`; KeyError names what exists when the pair is unknown."""
    try:
        fn = RENDERERS[(view, fmt)]
    except KeyError:
        raise KeyError(f"no {fmt} renderer for {view}; have: {', '.join(formats(view)) or 'none'}") from None
    return fn(*args, **ctx)
