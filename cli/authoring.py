"""Rule authors' commands: `lists import`, `lists diff`, `rules test`, `rules new-edition`.

Thin: parse, call one library function (duidan.authoring), render (duidan.views.authoring), map
InputError to a one-line message and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from duidan.errors import InputError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=str))
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Report which clauses, rules, tiers and lapse kinds the scenarios exercise.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when fewer than PCT% of the enforceable clauses are exercised.")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True)
@click.option("-v", "--verbose", is_flag=True, help="Show every scenario's title.")
def rules_test(directory, show_coverage, fail_under, engine, verbose):
    """Run the scenarios in DIRECTORY/tests/*.yaml (default: the bundled rulebook's)."""
    from duidan.authoring.coverage import coverage
    from duidan.authoring.scenarios import run_tests
    from duidan.rulebook import bundled_path, load_rulebook
    from duidan.views.authoring import render_coverage, render_test_run

    root = Path(directory) if directory else bundled_path()
    try:
        run = run_tests(load_rulebook(root), root, engine=engine)
    except InputError as e:
        _fail(e.message)
    click.echo(render_test_run(run, verbose=verbose), nl=False)
    ok = run.passed
    if show_coverage or fail_under is not None:
        cov = coverage(run)
        click.echo(render_coverage(cov), nl=False)
        if fail_under is not None and cov.percent < fail_under:
            click.echo(f"error: coverage {cov.percent:.1f}% is under {fail_under:g}%", err=True)
            ok = False
    sys.exit(0 if ok else 1)


def register(lists: click.Group, rules: click.Group) -> None:
    rules.add_command(rules_test)
