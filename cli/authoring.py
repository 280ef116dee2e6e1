"""Rule authors' commands: `lists import`, `lists diff`, `rules test`, `rules new-edition`.

Thin: parse, call one library function (duidan.authoring), render (duidan.views.authoring), map
InputError to a one-line message and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from duidan.cli.common import FilePath
from duidan.errors import InputError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("test")
@click.argument("directory", required=False, type=FilePath(path_type=str))
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Report which clauses, rules, tiers and lapse kinds the scenarios exercise.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when fewer than PCT% of the enforceable clauses are exercised.")
@click.option("--engine", type=click.Choice(["durable", "reference"]), default="durable", show_default=True)
@click.option("--run", "only", default=None, metavar="REGEX", help="Only the scenarios whose name matches REGEX.")
@click.option("-v", "--verbose", is_flag=True, help="Show every scenario's title.")
def rules_test(directory, show_coverage, fail_under, engine, only, verbose):
    """Run the scenarios in DIRECTORY/tests/*.yaml (default: the bundled rulebook's)."""
    from duidan.authoring.coverage import coverage
    from duidan.authoring.scenarios import run_tests
    from duidan.rulebook import bundled_path, load_rulebook
    from duidan.views.authoring import render_coverage, render_test_run

    root = Path(directory) if directory else bundled_path()
    try:
        run = run_tests(load_rulebook(root), root, engine=engine, only=only)
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




def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint=option)
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


@click.command("import")
@click.argument("file", type=FilePath(path_type=str))
@click.option("--list", "list_name", type=click.Choice(["primary", "supervisory"]), required=True)
@click.option("--edition", required=True, help='The edition this table is, e.g. "2024-01".')
@click.option("--in-force", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day it comes into force (default: the first day of the edition's year or month).")
@click.option("--map", "maps", multiple=True, metavar="COL=FIELD",
              help="Read column COL as FIELD (tier, role, seq, text, basis) when its header is not recognised.")
@click.option("--alias", "aliases", multiple=True, metavar="NAME=ID",
              help="Read tier or post NAME as the declared ID (e.g. 工业园区=enterprise, 第一责任人=principal).")
@click.option("--rulebook", type=FilePath(file_okay=False, path_type=str), default=None,
              help="A rulebook whose tier names to use; if it holds this list, the table is its new edition.")
@click.option("--title", default=None, help="The list's title (default: the file name).")
@click.option("-o", "--output", required=True, type=FilePath(file_okay=False, path_type=str),
              help="Rulebook directory to write lists/<list>.yaml into.")
def lists_import(file, list_name, edition, in_force, maps, aliases, rulebook, title, output):
    """Read a list published as a Word/Excel/CSV table into list YAML."""
    from duidan.authoring.listimport import dump_list, import_list
    from duidan.rulebook import load_rulebook

    try:
        book = load_rulebook(rulebook) if rulebook else None
        existing = book.lists.get(list_name) if book else None
        rep = import_list(file, list_name=list_name, edition=edition,
                          in_force=in_force.date() if in_force else None, mapping=_pairs(maps, "--map"),
                          aliases=_pairs(aliases, "--alias"), book=book, existing=existing, title=title)
    except InputError as e:
        _fail(e.message)
    out = Path(output) / "lists" / f"{list_name}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_list(rep.list, Path(file).name), encoding="utf-8")
    tiers = sorted({t for _, t, _, _ in rep.clauses})
    click.echo(f"wrote {out}: {len(rep.clauses)} clauses, tiers {', '.join(tiers)}")
    if rep.actions:
        click.echo(f"edition {edition} of the {list_name} list:")
        for a in rep.actions:
            click.echo(f"  {a}")
        for c in rep.confirm:
            click.echo(f"  matched by wording: {c}")
    else:
        for cid, tier, role, text in rep.clauses:
            click.echo(f"  {cid:<14} {tier}/{role}  {text[:30]}{'…' if len(text) > 30 else ''}")



@click.command("diff")
@click.argument("a", type=FilePath(path_type=str))
@click.argument("b", required=False, type=FilePath(path_type=str))
@click.option("--from", "old_edition", default=None, help="The old edition (default: A's newest, or its previous one if B is not given).")
@click.option("--to", "new_edition", default=None, help="The new edition (default: the newest).")
@click.option("--html", "as_html", is_flag=True, help="A standalone HTML page instead of text.")
def lists_diff(a, b, old_edition, new_edition, as_html):
    """What changed between two editions, clause by clause: A and B are list files or rulebook directories."""
    from duidan.authoring.editions import diff
    from duidan.views.authoring import render_list_diff, render_list_diff_html

    try:
        diffs = diff(a, b, old_edition=old_edition, new_edition=new_edition)
    except InputError as e:
        _fail(e.message)
    click.echo((render_list_diff_html if as_html else render_list_diff)(diffs), nl=False)


@click.command("new-edition")
@click.argument("directory", type=FilePath(file_okay=False, path_type=str))
@click.option("--edition", required=True, help='The new edition\'s name, e.g. "2025-01".')
@click.option("--in-force", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="The day it comes into force.")
def rules_new_edition(directory, edition, in_force):
    """Start a new edition of a rulebook's lists (comments in the files are kept)."""
    from duidan.authoring.editions import new_edition

    try:
        changed = new_edition(directory, edition, in_force.date())
    except InputError as e:
        _fail(e.message)
    for path in changed:
        click.echo(f"updated {path}")
    click.echo(f"edition {edition} in force from {in_force.date()}: add `revisions`, `since` and `until` to its clauses, "
               f"or import the new table with `duidan lists import --rulebook {directory}`")
