"""`duidan batch`, `duidan runs`, `duidan diff`: thin commands over engine/batch.py, engine/store.py
and engine/summary.py. The tables are views (duidan.views.tables, chosen by --format through the
renderer registry); only the progress bar, which is about the terminal, lives here.

Exit codes: 0 every record evaluated; 1 some record rejected (every valid one is still evaluated
and stored), or the rulebook or the database cannot be used; 2 usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from duidan.cli.common import CommandError, FilePath, library_errors, width
from duidan.cli.safety import LIMIT
from duidan.errors import EngineFault, InputError
from duidan.sanitize import clean_text

# The store (and sqlalchemy behind it) is imported inside the commands that use it: importing it
# here would cost every `duidan` command, `evaluate` included, a third of a second.
DEFAULT_URL = "sqlite:///duidan.db"   # = duidan.store.DEFAULT_URL (tests/test_batch.py checks)

DB = click.option("--db", default=DEFAULT_URL, envvar="DUIDAN_DB", show_default=True,
                  help="Store URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB (env DUIDAN_DB).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)


def _fail(message: str) -> None:
    raise CommandError(clean_text(message))


def _open(db: str, connections: int = 2, create: bool = True):
    from duidan.store import Store

    with library_errors(db):
        return Store.open(db, connections, create=create)


def _echo_text(out: str, fmt: str) -> None:
    """Text views carry user strings (ids, names, paths, reasons): control characters are
    neutralised before they reach a terminal (engine/sanitize.py); JSON keeps them exact."""
    click.echo(clean_text(out) if fmt == "text" else out, nl=False)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=FilePath(exists=True, readable=False, path_type=Path))
@DB
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Read, evaluate and store in this many worker processes.")
@click.option("--roster", type=FilePath(exists=True, dir_okay=False, readable=False, path_type=Path), default=None,
              help="Units and people (YAML/JSON, as in a case file) for CSV findings.")
@click.option("--rulebook", type=FilePath(file_okay=False, readable=False, path_type=str), default=None,
              help="Rulebook directory (default: the bundled rulebook).")
@click.option("--top", type=click.IntRange(1), default=10, show_default=True,
              help="Clauses and units shown in the summary.")
@click.option("--strict", is_flag=True, help="Reject cases that have warnings (undeclared facts, an area no "
              "portfolio covers, a named person not in post).")
@click.option("--redact", is_flag=True, help="Keep personal data out of the printed summary: reject "
              "reasons (which may quote names) are shown by place only (see docs/privacy.md).")
@LIMIT
def batch(inputs, db, workers, roster, rulebook, top, strict, redact):
    """Evaluate and store many cases: case files, directories, JSON Lines, CSV findings (with --roster).

    The same inputs under the same rulebook make one run: running again adds nothing, and a run
    that was interrupted continues where it stopped. Several processes (on several machines, with a
    PostgreSQL --db) may work on one run at once.
    """
    from duidan.batch import run_batch
    from duidan.cache import load_rulebook_cached as load_rulebook
    from duidan.intake import UsageProblem
    from duidan.store import DatabaseError, StoreError
    from duidan.summary import summarize

    try:
        book = load_rulebook(rulebook)
    except InputError as e:
        _fail(f"invalid rulebook: {e.message}")
    store = _open(db, connections=workers + 2)   # a claim in flight per worker holds a connection
    try:
        with _progress() as report:
            result = run_batch(store, list(inputs), book, roster=roster, workers=workers, progress=report,
                               strict=strict)
        summary = summarize(store, result.run.id, top=top)
    except UsageProblem as e:
        raise click.UsageError(str(e)) from None
    except (StoreError, DatabaseError) as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    except EngineFault as e:
        _fail(str(e))
    finally:
        store.close()
    from duidan.views.registry import render

    _echo_text(render("summary", "text", summary, top=top, width=width(), created=result.created,
                      stored=result.stored, redact=redact), "text")
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


@click.command()
@DB
@FORMAT
def runs(db, fmt):
    """List the stored runs."""
    from duidan.store import DatabaseError

    store = _open(db, create=False)   # a read-only command never creates a database
    try:
        found = [(r, dict(store.counts(r.id), reviews=_review_totals(store.reviews(r.id)))) for r in store.runs()]
    except DatabaseError as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    finally:
        store.close()
    from duidan.views.registry import render

    _echo_text(render("runs", fmt, found, width=width()), fmt)


@click.command()
@click.argument("run_a", type=click.IntRange(1, 2**63 - 1))   # a run id is a 64-bit row id
@click.argument("run_b", type=click.IntRange(1, 2**63 - 1))
@DB
@FORMAT
def diff(run_a, run_b, db, fmt):
    """Which recommendations changed from RUN_A to RUN_B, and why."""
    from duidan.store import DatabaseError
    from duidan.summary import diff as compute

    store = _open(db, create=False)
    try:
        d = compute(store, run_a, run_b)
    except KeyError as e:
        raise click.BadParameter(f"no run {e.args[0]} in {store.url} (see duidan runs)") from None
    except DatabaseError as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    finally:
        store.close()
    from duidan.views.registry import render

    _echo_text(render("diff", fmt, d, width=width()), fmt)


def _review_totals(reviews: list[dict]) -> dict[str, int]:
    from duidan.summary import review_counts

    return review_counts(reviews, {})["reviews"]
