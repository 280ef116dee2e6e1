"""Batch views: the run summary, the list of runs and the diff of two runs, as rich tables (text)
or JSON. Each renderer returns the whole output as a string; the CLI only prints it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

from rich.console import Console
from rich.table import Table

from ..summary import Diff, Summary
from . import labels as L

REJECTS_SHOWN = 20


def _console(width: int | None) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    # Off a terminal (a pipe, a file, CI logs) keep rows whole: 200 columns unless told the width.
    return Console(file=buf, highlight=False, width=width or 200, color_system=None, soft_wrap=False), buf


def _label(key: str) -> str:
    """`township 乡镇(街道)党委`, `disciplinary:warning 党内警告`: the id, then its label."""
    last = key.split(":")[-1]
    zh = L.label(last)
    return f"{key} {zh}" if zh != last else key


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column(title.split(" ")[-1])
    t.add_column("n", justify="right")
    for k, n in counts.items():
        t.add_row(_label(k), str(n))
    return t


def summary_text(s: Summary, top: int = 10, width: int | None = None, created: bool = True,
                 stored: int = 0) -> str:
    console, buf = _console(width)
    r = s.run
    if not created:
        console.print(f"run {r.id} already existed (same inputs, same rulebook); {stored} case(s) added now")
    console.print(f"run {r.id}  rulebook {r.rulebook['name']} {r.rulebook['edition']} ({r.rulebook['digest'][:19]}…)")
    console.print(f"read {s.read}  evaluated {s.evaluated}  rejected {s.rejected}")
    for title, counts in (("recommendations by outcome", s.by_outcome), ("recommendations by track", s.by_track),
                          ("recommendations by tier", s.by_tier), ("accountable by form", s.by_form)):
        if counts:
            console.print(_counts_table(title, counts))
    if s.top_clauses:
        t = Table(title="clauses most often breached", title_justify="left")
        for col in ("clause", "list", "breaches"):
            t.add_column(col, justify="right" if col == "breaches" else "left")
        for clause, lst, n in s.top_clauses:
            t.add_row(clause, _label(lst), str(n))
        console.print(t)
    if s.scorecard:
        t = Table(title="scorecard by unit (对单考核)", title_justify="left")
        for col in ("unit", "tier", "accountable", "clauses breached"):
            t.add_column(col, justify="right" if col == "accountable" else "left")
        for u in s.scorecard[:top]:
            t.add_row(u.unit, _label(u.tier), str(u.recommendations),
                      ", ".join(f"{c}×{n}" for c, n in u.clauses.items()))
        console.print(t)
        if len(s.scorecard) > top:
            console.print(f"… and {len(s.scorecard) - top} more units (--top N shows more)")
    if any(s.reviews.values()):
        console.print("reviews 复核: " + ", ".join(f"{k} {n}" for k, n in s.reviews.items()) + "; most overruled: "
                      + ", ".join(f"{rule} {m + j}/{n}" for rule, n, m, j in s.overruled[:top] if m + j),
                      markup=False)
    for rej in s.rejects[:REJECTS_SHOWN]:
        console.print(f"rejected: {rej['reason']}", soft_wrap=True, markup=False)
    if len(s.rejects) > REJECTS_SHOWN:
        console.print(f"… and {len(s.rejects) - REJECTS_SHOWN} more rejects (table `rejects` in the store)")
    return buf.getvalue()


def summary_json(s: Summary, **_ctx) -> str:
    return json.dumps(plain(s), ensure_ascii=False, indent=1) + "\n"


def runs_text(found: list, width: int | None = None) -> str:
    """`found`: [(Run, counts)] as Store.runs() and Store.counts() give them."""
    console, buf = _console(width)
    t = Table()
    for col in ("run", "started", "state", "rulebook", "read", "evaluated", "rejected", "reviews a/m/r", "inputs"):
        t.add_column(col)
    for r, n in found:
        state = "finished" if r.finished_at else f"incomplete ({n['pending']} pending)"
        inputs = [i["path"] for i in r.inputs]
        shown = inputs[0] + (f" +{len(inputs) - 1}" if len(inputs) > 1 else "") if inputs else ""
        reviews = "/".join(str(x) for x in n.get("reviews", {}).values())
        t.add_row(str(r.id), _time(r.started_at), state,
                  f"{r.rulebook['name']} {r.rulebook['edition']} ({r.rulebook['digest'][:19]}…)",
                  str(r.read if r.read is not None else "…"), str(n["evaluated"]), str(n["rejected"]),
                  reviews, shown)
    console.print(t)
    return buf.getvalue()


def runs_json(found: list, **_ctx) -> str:
    return "".join(json.dumps(dict(plain(r), pending=n["pending"], reviews=n.get("reviews", {})), ensure_ascii=False)
                   + "\n" for r, n in found)


def diff_text(d: Diff, width: int | None = None) -> str:
    console, buf = _console(width)
    for tag, r in (("A", d.a), ("B", d.b)):
        console.print(f"{tag}: run {r.id}  {r.rulebook['name']} {r.rulebook['edition']} "
                      f"({r.rulebook['digest'][:19]}…)  read {r.read}")
    kinds = {k: sum(1 for c in d.changes if c.change == k) for k in ("changed", "added", "removed")}
    console.print(f"recommendations: {kinds['changed']} changed, {kinds['added']} added, "
                  f"{kinds['removed']} removed, {d.unchanged} unchanged")
    if d.cases_only_a or d.cases_only_b:
        console.print(f"cases only in A: {len(d.cases_only_a)}, only in B: {len(d.cases_only_b)}")
    if d.input_changed:
        console.print(f"cases whose record changed: {', '.join(d.input_changed)}", markup=False)
    if d.changes:
        t = Table()
        for col in ("case", "track", "subject", "A", "B", "why"):
            t.add_column(col)
        for c in d.changes:
            rec = c.after or c.before   # people and units by name, beside their ids
            t.add_row(c.case_id, c.track, f"{c.subject} {rec.get('subject_name', '')}".strip(), _decision(c.before),
                      _decision(c.after), "; ".join(c.why))
        console.print(t)
    return buf.getvalue()


def diff_json(d: Diff, **_ctx) -> str:
    return json.dumps(plain(d), ensure_ascii=False, indent=1) + "\n"


def _decision(rec: dict | None) -> str:
    if rec is None:
        return "—"
    if rec["outcome"] != "accountable":
        return rec["outcome"]
    return f"{rec['form']}:{rec['sanction']}" if rec["sanction"] else rec["form"]


def _time(t: dt.datetime | None) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S") if t else ""


def plain(obj) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(obj), ensure_ascii=False, default=str))
