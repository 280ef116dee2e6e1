"""The `duidan` command: thin click commands over the library (engine/).

Exit codes (docs/determination-format.md): 0 evaluated; 1 a case or the rulebook is invalid (every valid case
is still evaluated); 2 usage error (click's own).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from duidan.cli import collector
from duidan.cli.common import CommandError, FilePath
from duidan.cli.lazy import LazyGroup
from duidan.cli.safety import LIMIT
from duidan.errors import EngineFault, InputError


def fail(message: str) -> None:
    from duidan.sanitize import clean_text

    click.echo(f"error: {clean_text(message)}", err=True)


def load_book(rulebook: str | None):
    from duidan.cache import load_rulebook_cached

    try:
        return load_rulebook_cached(rulebook)
    except InputError as e:
        raise CommandError(f"invalid rulebook: {e.message}") from None


RULEBOOK = click.option("--rulebook", type=FilePath(file_okay=False, readable=False, path_type=str), default=None,
                        help="Rulebook directory (default: the bundled xichang-model rulebook).")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="duidan")
def cli():
    """duidan (对单): accountability decided against the published responsibility lists."""


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=FilePath(path_type=str, readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@RULEBOOK
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True,
              help="durable_rules (the product) or the plain-Python reference evaluator (the oracle).")
@click.option("--explain", is_flag=True, help="Show each recommendation's trace: rules, facts, steps.")
@click.option("--strict", is_flag=True, help="Reject a case that has warnings (undeclared facts, an area "
              "no portfolio covers, a named person not in post) instead of evaluating it.")
@click.option("--redact", is_flag=True, help="Replace people's names with stable pseudonyms in the output "
              "(see docs/privacy.md).")
@LIMIT
def evaluate(cases, fmt, rulebook, engine, explain, strict, redact):
    """Determine one or more case files (YAML or JSON)."""
    starting = collector.paused_while_starting()
    from duidan.api import Evaluator
    from duidan.views.registry import SEPARATORS

    ev = Evaluator(load_book(rulebook), engine=engine)
    bad = 0
    first = True
    for path in cases:   # one bad file, one message: every other file is still evaluated
        out = _evaluate_one(ev, path, fmt, explain, strict, redact)
        starting.done()
        if out is None:
            bad += 1
            continue
        if not first:
            click.echo(SEPARATORS[fmt], nl=False)
        click.echo(out, nl=False)
        first = False
    sys.exit(1 if bad else 0)


def _evaluate_one(ev, path: str, fmt: str, explain: bool, strict: bool, redact: bool) -> str | None:
    """The output for one case file, or None once its error is reported."""
    from duidan.case import load_case
    from duidan.privacy import redact_names
    from duidan.sanitize import clean_text
    from duidan.views.registry import render
    from duidan.warnings import render_warnings, strict_message

    book = ev.rulebook
    try:
        case = load_case(path, book.domain)
        det = ev.evaluate_data(case, path)
    except InputError as e:
        fail(f"invalid case: {e.message}")
        return None
    except EngineFault as e:
        fail(f"{path}: {e}")
        return None
    except Exception as e:  # noqa: BLE001 - a bug on one case must not hide the others
        fail(f"{path}: internal error ({type(e).__name__}: {str(e)[:200]}); please report it")
        return None
    if strict and strict_message(path, det):
        fail(f"invalid case: {strict_message(path, det)}")
        return None
    if redact:
        case, det = redact_names(case, det, book.domain)
    out = render("determination", fmt, det, case, book)
    if explain:
        out += render("explain", fmt, det, book=book, case=case)
    if fmt == "text":
        # user strings (titles, names, descriptions) may hold terminal escapes: neutralised
        out = clean_text(out + render_warnings(det))
    return out


@cli.group(cls=LazyGroup)
def lists():
    """The responsibility lists of the rulebook."""


@lists.command("show")
@click.option("--list", "list_name", type=click.Choice(["primary", "supervisory"]), default=None)
@click.option("--tier", type=str, default=None, help="Only this tier (e.g. township, village_supervision).")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Show the edition in force on this date (default: the newest).")
@RULEBOOK
def lists_show(list_name, tier, on, rulebook):
    """Print the clauses of the lists in force."""
    from duidan.views.text import render_list

    book = load_book(rulebook)
    if tier is not None:
        try:
            tier = book.domain.term("tier", tier)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--tier") from None
    day = on.date() if isinstance(on, dt.datetime) else None
    click.echo(render_list(book, list_name, tier, day), nl=False)


@cli.group(cls=LazyGroup)
def rules():
    """Rule authors' tools."""


@rules.command("check")
@click.argument("directory", required=False, type=FilePath(path_type=str))
def rules_check(directory):
    """Citations resolve, every clause is enforced, every kind handled, no dead rules."""
    from duidan.check import check

    book = load_book(directory)
    rep = check(book)
    where = directory or str(Path(book.source))
    c = rep.counts
    click.echo(f"{book.meta.name} {book.meta.edition} ({where})")
    click.echo(f"  {c['rules']} rules, {c['clauses']} clauses: {c['cited']} enforced by rules, "
               f"{c['not_enforceable']} marked not enforceable")
    for w in rep.warnings:
        click.echo(f"  warning: {w}")
    for p in rep.problems:
        click.echo(f"  problem: {p}", err=True)
    if rep.ok:
        click.echo(f"ok: citations resolve, coverage complete, no dead rules; digest {book.digest}")
        sys.exit(0)
    fail(f"{len(rep.problems)} problem(s) in {where}")
    sys.exit(1)


# Every other command is imported when run (or listed in --help): cli/batch.py imports rich, and
# even the light modules cost a one-case `evaluate` their import (cli/lazy.py).
for _name, _target in {"batch": "batch:batch", "runs": "batch:runs", "diff": "batch:diff", "report": "report:report",
                       "explain": "audit:explain", "replay": "audit:replay", "verify": "audit:verify",
                       "review": "audit:review", "show": "audit:show", "export": "audit:export",
                       "vocab": "inputs:vocab", "schema": "inputs:schema", "new": "inputs:new"}.items():
    cli.add_lazy(_name, f"duidan.cli.{_target}")
for _group, _name, _target in ((lists, "import", "lists_import"), (lists, "diff", "lists_diff"),
                               (rules, "test", "rules_test"), (rules, "new-edition", "rules_new_edition")):
    _group.add_lazy(_name, f"duidan.cli.authoring:{_target}")


def main() -> None:
    collector.own_process()
    cli(prog_name="duidan")
