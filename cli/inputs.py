"""`duidan vocab`, `duidan schema`, `duidan new case`: help for the people who write case files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from duidan.cli.common import FilePath
from duidan.errors import InputError

RULEBOOK = click.option("--rulebook", type=FilePath(file_okay=False, readable=False, path_type=str), default=None,
                        help="Rulebook directory (default: the bundled rulebook); its declared facts are listed.")


@click.command()
@click.argument("kind", required=False)
@RULEBOOK
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def vocab(kind, rulebook, fmt):
    """Every id a case file may use, with its Chinese name and the Chinese terms accepted for it.

    KIND: tier, post, lapse, violation, severity, circumstance, fact, relation, track, grade,
    outcome, form, sanction, measure (default: all)."""
    from duidan.errors import unknown
    from duidan.rulebook import load_rulebook
    from duidan.sanitize import clean
    from duidan.vocabulary import vocabulary

    try:
        book = load_rulebook(rulebook) if rulebook else None
    except InputError as e:
        click.echo(f"error: invalid rulebook: {clean(e.message)}", err=True)
        sys.exit(1)
    table = vocabulary(book)
    if kind is not None and kind not in table:
        raise click.BadParameter(unknown("vocabulary", kind, list(table)), param_hint="KIND")
    kinds = [kind] if kind else list(table)
    if fmt == "json":
        click.echo(json.dumps({k: table[k] for k in kinds}, ensure_ascii=False, indent=1))
        return
    for k in kinds:
        click.echo(f"{k}:")
        for e in table[k]:
            extra = f"  ({e['type']})" if e.get("type") else ""
            aliases = f"  也可写作: {'、'.join(e['aliases'])}" if e["aliases"] else ""
            click.echo(clean(f"  {e['id']:<28} {e['name']}{extra}{aliases}"))


@click.command()
@click.argument("kind", type=click.Choice(["case", "determination"]))
def schema(kind):
    """Print the JSON Schema of a case file or of a determination (also in docs/schema/)."""
    from duidan.schemas import schema_text

    click.echo(schema_text(kind), nl=False)


@click.group()
def new():
    """Start a new file from a commented skeleton."""


@new.command("case")
@click.option("-o", "--output", type=FilePath(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (refuses to overwrite one); default: standard output.")
def new_case(output):
    """A commented case file that loads and evaluates as it is: fill it in."""
    from duidan.skeleton import case_skeleton

    text = case_skeleton()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        click.echo(f"error: {output} exists; not overwritten", err=True)
        sys.exit(1)
    except OSError as e:
        click.echo(f"error: {output}: {e.strerror}", err=True)
        sys.exit(1)
    click.echo(f"wrote {output}")
