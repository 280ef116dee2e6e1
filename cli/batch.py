"""`duidan batch`, `duidan runs`, `duidan diff`: thin commands over engine/batch.py, engine/store.py
and engine/summary.py. Rendering (progress bar, tables) happens here and only here.

Exit codes: 0 every record evaluated; 1 some record rejected (every valid one is still evaluated
and stored), or the rulebook or the database cannot be used; 2 usage error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from duidan.errors import EngineFault, InputError

# The store (and sqlalchemy behind it) is imported inside the commands that use it: importing it
# here would cost every `duidan` command, `evaluate` included, a third of a second.
DEFAULT_URL = "sqlite:///duidan.db"   # = duidan.store.DEFAULT_URL (tests/test_batch.py checks)

DB = click.option("--db", default=DEFAULT_URL, envvar="DUIDAN_DB", show_default=True,
                  help="Store URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB (env DUIDAN_DB).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
REJECTS_SHOWN = 20


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _open(db: str, connections: int = 2):
    from duidan.store import Store, StoreError

    try:
        return Store.open(db, connections)
    except StoreError as e:
        _fail(str(e))


def _console() -> Console:
    # Off a terminal (a pipe, a file, CI logs) rich would wrap tables at 80 columns; keep rows whole.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _label(key: str) -> str:
    from duidan.domain import bundled_domain

    last = key.split(":")[-1]
    zh = bundled_domain().label(last)
    return f"{key} {zh}" if zh != last else key


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@DB
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Evaluate in this many processes.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Units and people (YAML/JSON, as in a case file) for CSV findings.")
@click.option("--rulebook", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Rulebook directory (default: the bundled rulebook).")
@click.option("--top", type=click.IntRange(1), default=10, show_default=True,
              help="Clauses and units shown in the summary.")
def batch(inputs, db, workers, roster, rulebook, top):
    """Evaluate and store many cases: case files, directories, JSON Lines, CSV findings (with --roster).

    The same inputs under the same rulebook make one run: running again adds nothing, and a run
    that was interrupted continues where it stopped. Several processes (on several machines, with a
    PostgreSQL --db) may work on one run at once.
    """
    from duidan.batch import run_batch
    from duidan.intake import UsageProblem
    from duidan.rulebook import load_rulebook
    from duidan.store import DatabaseError, StoreError
    from duidan.summary import summarize

    try:
        book = load_rulebook(rulebook)
    except InputError as e:
        _fail(f"invalid rulebook: {e.message}")
    store = _open(db, connections=workers + 2)   # a claim in flight per worker holds a connection
    try:
        with _progress() as report:
            result = run_batch(store, list(inputs), book, roster=roster, workers=workers, progress=report)
        summary = summarize(store, result.run.id, top=top)
    except UsageProblem as e:
        raise click.UsageError(str(e)) from None
    except (StoreError, DatabaseError) as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    except EngineFault as e:
        _fail(str(e))
    finally:
        store.close()
    console = _console()
    if not result.created:
        console.print(f"run {result.run.id} already existed (same inputs, same rulebook); "
                      f"{result.stored} case(s) added now")
    _print_summary(console, summary, top)
    sys.exit(1 if summary.rejected else 0)


class _progress:
    """A rich progress bar on stderr when it is a terminal; a no-op callback otherwise."""

    def __enter__(self):
        if not sys.stderr.isatty():
            return lambda phase, done, total: None
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        self.tasks = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in self.tasks:
                self.tasks[phase] = self.bar.add_task({"read": "reading", "evaluate": "evaluating"}[phase])
            self.bar.update(self.tasks[phase], completed=done, total=total)

        return report

    def __exit__(self, *exc):
        if hasattr(self, "bar"):
            self.bar.stop()


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column(title.split(" ")[-1])
    t.add_column("n", justify="right")
    for k, n in counts.items():
        t.add_row(_label(k), str(n))
    return t


def _print_summary(console: Console, s, top: int) -> None:
    r = s.run
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
                      + ", ".join(f"{rule} {m + j}/{n}" for rule, n, m, j in s.overruled[:top] if m + j))
    for rej in s.rejects[:REJECTS_SHOWN]:
        console.print(f"rejected: {rej['reason']}", soft_wrap=True)
    if len(s.rejects) > REJECTS_SHOWN:
        console.print(f"… and {len(s.rejects) - REJECTS_SHOWN} more rejects (table `rejects` in the store)")


@click.command()
@DB
@FORMAT
def runs(db, fmt):
    """List the stored runs."""
    from duidan.store import DatabaseError

    store = _open(db)
    try:
        found = [(r, dict(store.counts(r.id), reviews=_review_totals(store.reviews(r.id)))) for r in store.runs()]
    except DatabaseError as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    finally:
        store.close()
    if fmt == "json":
        for r, n in found:
            click.echo(json.dumps(dict(_plain(r), pending=n["pending"], reviews=n["reviews"]), ensure_ascii=False))
        return
    t = Table()
    for col in ("run", "started", "state", "rulebook", "read", "evaluated", "rejected", "reviews a/m/r", "inputs"):
        t.add_column(col)
    for r, n in found:
        state = "finished" if r.finished_at else f"incomplete ({n['pending']} pending)"
        inputs = [i["path"] for i in r.inputs]
        shown = inputs[0] + (f" +{len(inputs) - 1}" if len(inputs) > 1 else "") if inputs else ""
        t.add_row(str(r.id), _time(r.started_at), state,
                  f"{r.rulebook['name']} {r.rulebook['edition']} ({r.rulebook['digest'][:19]}…)",
                  str(r.read if r.read is not None else "…"), str(n["evaluated"]), str(n["rejected"]),
                  "/".join(str(x) for x in n["reviews"].values()), shown)
    _console().print(t)


@click.command()
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@DB
@FORMAT
def diff(run_a, run_b, db, fmt):
    """Which recommendations changed from RUN_A to RUN_B, and why."""
    from duidan.store import DatabaseError
    from duidan.summary import diff as compute

    store = _open(db)
    try:
        d = compute(store, run_a, run_b)
    except KeyError as e:
        raise click.BadParameter(f"no run {e.args[0]} in {store.url} (see duidan runs)") from None
    except DatabaseError as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(_plain(d), ensure_ascii=False, indent=1))
        return
    console = _console()
    for tag, r in (("A", d.a), ("B", d.b)):
        console.print(f"{tag}: run {r.id}  {r.rulebook['name']} {r.rulebook['edition']} "
                      f"({r.rulebook['digest'][:19]}…)  read {r.read}")
    kinds = {k: sum(1 for c in d.changes if c.change == k) for k in ("changed", "added", "removed")}
    console.print(f"recommendations: {kinds['changed']} changed, {kinds['added']} added, "
                  f"{kinds['removed']} removed, {d.unchanged} unchanged")
    if d.cases_only_a or d.cases_only_b:
        console.print(f"cases only in A: {len(d.cases_only_a)}, only in B: {len(d.cases_only_b)}")
    if d.input_changed:
        console.print(f"cases whose record changed: {', '.join(d.input_changed)}")
    if not d.changes:
        return
    t = Table()
    for col in ("case", "track", "subject", "A", "B", "why"):
        t.add_column(col)
    for c in d.changes:
        rec = c.after or c.before   # people and units by name, beside their ids
        t.add_row(c.case_id, c.track, f"{c.subject} {rec.get('subject_name', '')}".strip(), _decision(c.before),
                  _decision(c.after), "; ".join(c.why))
    console.print(t)


def _review_totals(reviews: list[dict]) -> dict[str, int]:
    from duidan.summary import review_counts

    return review_counts(reviews, [])["reviews"]


def _decision(rec: dict | None) -> str:
    if rec is None:
        return "—"
    if rec["outcome"] != "accountable":
        return rec["outcome"]
    return f"{rec['form']}:{rec['sanction']}" if rec["sanction"] else rec["form"]


def _time(t: dt.datetime | None) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S") if t else ""


def _plain(obj) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(obj), ensure_ascii=False, default=str))
