"""The `duidan` command: thin click commands over the library (engine/).

Exit codes (CONTRACT.md §2): 0 evaluated; 1 a case or the rulebook is invalid (every valid case
is still evaluated); 2 usage error (click's own).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from duidan.cli.lazy import LazyGroup
from duidan.errors import EngineFault, InputError


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)


def load_book(rulebook: str | None):
    from duidan.cache import load_rulebook_cached

    try:
        return load_rulebook_cached(rulebook)
    except InputError as e:
        fail(f"invalid rulebook: {e.message}")
        sys.exit(1)


RULEBOOK = click.option("--rulebook", type=click.Path(file_okay=False, path_type=str), default=None,
                        help="Rulebook directory (default: the bundled xichang-model rulebook).")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="duidan")
def cli():
    """duidan (对单): accountability decided against the published responsibility lists."""


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@RULEBOOK
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True,
              help="durable_rules (the product) or the plain-Python reference evaluator (the oracle).")
@click.option("--explain", is_flag=True, help="Show each recommendation's trace: rules, facts, steps.")
def evaluate(cases, fmt, rulebook, engine, explain):
    """Determine one or more case files (YAML or JSON)."""
    from duidan.api import Evaluator
    from duidan.case import load_case
    from duidan.render import render_explain, render_text, to_json_line

    ev = Evaluator(load_book(rulebook), engine=engine)
    bad = 0
    first = True
    for path in cases:
        try:
            case = load_case(path, ev.rulebook.domain)
            det = ev.evaluate(case, path)
        except InputError as e:
            fail(f"invalid case: {e.message}")
            bad += 1
            continue
        except EngineFault as e:
            fail(f"{path}: {e}")
            bad += 1
            continue
        if fmt == "json":
            click.echo(to_json_line(det))
        else:
            if not first:
                click.echo("─" * 60)
            click.echo(render_text(det, case, ev.rulebook), nl=False)
            if explain:
                click.echo(render_explain(det), nl=False)
        first = False
    sys.exit(1 if bad else 0)


@cli.group()
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
    from duidan.render import render_list

    book = load_book(rulebook)
    if tier is not None:
        try:
            tier = book.domain.term("tier", tier)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--tier") from None
    day = on.date() if isinstance(on, dt.datetime) else None
    click.echo(render_list(book, list_name, tier, day), nl=False)


@cli.group()
def rules():
    """Rule authors' tools."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=str))
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


# Imported when run: cli/batch.py imports rich, which `evaluate` must not pay for (cli/lazy.py).
for _name in ("batch", "runs", "diff"):
    cli.add_lazy(_name, f"duidan.cli.batch:{_name}")

from duidan.cli import authoring  # noqa: E402  (rule authors' commands)

authoring.register(lists, rules)


def main() -> None:
    cli(prog_name="duidan")
