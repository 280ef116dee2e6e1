"""`duidan report`: the recommendation document of a case (.docx, .html) and the report of a
stored run (.html, .xlsx). Thin: parse, call one library function, render, write."""

from __future__ import annotations

from pathlib import Path

import click

from duidan.cli.common import CommandError, FilePath, library_errors

DEFAULT_URL = "sqlite:///duidan.db"   # = duidan.store.DEFAULT_URL


@click.command()
@click.argument("target")
@click.option("--docx", "docx_path", type=FilePath(dir_okay=False, writable=True, path_type=Path),
              help="Write the case's recommendation document (问责建议) as Word.")
@click.option("--html", "html_path", type=FilePath(dir_okay=False, writable=True, path_type=Path),
              help="Write a self-contained, printable HTML report (a case or a run).")
@click.option("--xlsx", "xlsx_path", type=FilePath(dir_okay=False, writable=True, path_type=Path),
              help="Write a run's workbook: recommendations, scorecard, clauses, rejects.")
@click.option("--db", default=DEFAULT_URL, envvar="DUIDAN_DB", show_default=True,
              help="Store URL, for a run (env DUIDAN_DB).")
@click.option("--rulebook", type=FilePath(file_okay=False, path_type=str), default=None,
              help="Rulebook directory, for a case (default: the bundled rulebook).")
def report(target, docx_path, html_path, xlsx_path, db, rulebook):
    """Reports people act on. TARGET is a case file, or the number of a stored run (see duidan runs).

    \b
      duidan report cases/x.yaml --docx x.docx --html x.html
      duidan report 3 --html run3.html --xlsx run3.xlsx --db sqlite:///duidan.db
    """
    from duidan.views.registry import render

    outputs = {"docx": docx_path, "html": html_path, "xlsx": xlsx_path}
    wanted = {fmt: path for fmt, path in outputs.items() if path is not None}
    if not wanted:
        raise click.UsageError("say what to write: --docx FILE, --html FILE or --xlsx FILE")
    is_case = Path(target).is_file() or not target.isdigit()
    view = "case_report" if is_case else "run_report"
    with library_errors(db):
        if is_case:
            from duidan.reports import case_report

            subject = case_report(target, rulebook)
            args = (subject.determination, subject.case, subject.rulebook)
        else:
            from duidan.reports import run_report

            try:
                args = (run_report(db, int(target)),)
            except KeyError:
                raise CommandError(f"no run {target} in the store (see duidan runs)") from None
        for fmt, path in wanted.items():
            try:
                out = render(view, fmt, *args)
            except KeyError:
                what = "a case" if is_case else "a run"
                raise click.UsageError(f"--{fmt} is not a report of {what}") from None
            if isinstance(out, str):
                path.write_text(out, encoding="utf-8")
            else:
                path.write_bytes(out)
            click.echo(f"wrote {path}")
