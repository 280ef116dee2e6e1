"""The auditor's commands: explain (and --why-not), replay, verify, review, show, export.

Thin: parse, call one library function (engine/audit.py, explain.py, chain.py, replay.py), render
(engine/views/audit.py), map errors to one line and exit 1. Read-only commands never change the
store; `review` adds a row beside the machine's decision.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from duidan.cli.common import FilePath
from duidan.errors import EngineFault, InputError

DEFAULT_URL = "sqlite:///duidan.db"
DB = click.option("--db", default=DEFAULT_URL, envvar="DUIDAN_DB", show_default=True,
                  help="Store URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB (env DUIDAN_DB).")
RUN = click.option("--run", "run_id", type=int, default=None,
                   help="Look in this run (default: the latest run that holds the id).")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@contextmanager
def _store(db: str):
    from duidan.store import DatabaseError, Store, StoreError

    try:
        store = Store.open(db)
    except StoreError as e:
        _fail(str(e))
    try:
        yield store
    except (StoreError, DatabaseError) as e:
        _fail(f"database {store.url}: {str(e).splitlines()[0]}")
    except InputError as e:
        _fail(e.message)
    except EngineFault as e:
        _fail(str(e))
    finally:
        store.close()


def _is_case_file(target: str) -> bool:
    return Path(target).suffix.lower() in (".yaml", ".yml", ".json") or Path(target).is_file()


def _emit(data: dict, fmt: str, render) -> None:
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str))
    else:
        click.echo(render(data), nl=False)


@click.command()
@click.argument("target")
@click.argument("rec_id", required=False)
@click.option("--why-not", "why_not", metavar="SUBJECT", default=None,
              help="Why this person or unit (id or name) was not held: each rule's first failed condition.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@DB
@RUN
@click.option("--rulebook", type=FilePath(file_okay=False, path_type=str), default=None,
              help="For a case file: the rulebook directory (default: the bundled rulebook).")
def explain(target, rec_id, why_not, fmt, db, run_id, rulebook):
    """Why a recommendation was made: the whole chain, from the store (REC_ID or CASE_ID) or a
    case file (CASE_FILE [REC_ID]); with --why-not, why someone was not held."""
    from duidan.explain import explain as explain_chain
    from duidan.explain import why_not as why_not_chain
    from duidan.views.audit import render_explain, render_why_not

    def run(src, rec):
        if why_not is not None:
            _emit(why_not_chain(src, why_not), fmt, render_why_not)
        else:
            _emit(explain_chain(src, rec), fmt, render_explain)

    if _is_case_file(target):
        from duidan.audit import source_from_file
        from duidan.rulebook import load_rulebook

        try:
            run(source_from_file(target, load_rulebook(rulebook)), rec_id)
        except InputError as e:
            _fail(e.message)
        except EngineFault as e:
            _fail(f"{target}: {e}")
        return
    from duidan.audit import source_from_store

    with _store(db) as store:
        src, found_rec = source_from_store(store, target, run_id)
        run(src, rec_id or found_rec)


@click.command()
@click.argument("run_id", metavar="RUN", type=int)
@DB
@click.option("--rulebook", type=FilePath(file_okay=False, path_type=str), default=None,
              help="Preview the impact of this rulebook on the stored cases (as `diff` reports it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def replay(run_id, db, rulebook, fmt):
    """Re-evaluate a run's stored cases under its stored rulebook and report every determination
    whose digest differs (exit 1 if any); with --rulebook, the impact of a rulebook change."""
    import dataclasses

    from duidan.replay import replay as compute
    from duidan.views.audit import render_replay

    book = None
    if rulebook is not None:
        from duidan.rulebook import load_rulebook

        try:
            book = load_rulebook(rulebook)
        except InputError as e:
            _fail(f"invalid rulebook: {e.message}")
    with _store(db) as store:
        try:
            rep = compute(store, run_id, book)
        except KeyError:
            raise click.BadParameter(f"no run {run_id} in {store.url} (see duidan runs)") from None
    data = json.loads(json.dumps(dataclasses.asdict(rep), ensure_ascii=False, default=str))
    data["ok"] = rep.ok
    _emit(data, fmt, render_replay)
    if not rep.preview and not rep.ok:
        sys.exit(1)


@click.command()
@DB
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(db, fmt):
    """Walk the store's hash chain; name every row edited, deleted, inserted or reordered (exit 1)."""
    from duidan.chain import verify_store
    from duidan.views.audit import render_verify

    with _store(db) as store:
        v = verify_store(store)
    _emit(v.to_dict(), fmt, render_verify)
    sys.exit(0 if v.ok else 1)


@click.command()
@click.argument("rec_id")
@click.option("--accept", "decision", flag_value="accept", help="The reviewer accepts the recommendation.")
@click.option("--modify", "form", metavar="FORM", default=None, help="The reviewer decides this form instead.")
@click.option("--sanction", default=None, help="With --modify disciplinary: the sanction.")
@click.option("--reject", "decision", flag_value="reject", help="The reviewer rejects the recommendation.")
@click.option("--reason", required=True, help="Why (stored with the decision).")
@click.option("--by", "reviewer", required=True, help="Who decided.")
@DB
@RUN
def review(rec_id, decision, form, sanction, reason, reviewer, db, run_id):
    """Record a reviewer's decision on a stored recommendation, beside the machine's (never over it)."""
    from duidan.audit import review as record
    from duidan.views.audit import render_review

    if form is not None:
        if decision is not None:
            raise click.UsageError("give one of --accept, --modify FORM, --reject")
        decision = "modify"
    if decision is None:
        raise click.UsageError("give one of --accept, --modify FORM, --reject")
    with _store(db) as store:
        row = record(store, rec_id, decision, reason=reason, reviewer=reviewer, form=form, sanction=sanction,
                     run_id=run_id)
    click.echo(render_review(row), nl=False)


@click.command()
@click.argument("ident", metavar="CASE_ID|REC_ID")
@DB
@RUN
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(ident, db, run_id, fmt):
    """Print a stored determination as `evaluate` would, with its reviews."""
    from duidan.audit import show as find
    from duidan.views.audit import review_text
    from duidan.views.text import render_text, to_json_line

    with _store(db) as store:
        det, case, reviews, run, book = find(store, ident, run_id)
    if fmt == "json":
        click.echo(to_json_line(det))
        return
    click.echo(f"（运行 {run}）")
    click.echo(render_text(det, case, book), nl=False)
    if reviews:
        click.echo("【复核】")
        for r in reviews:
            click.echo(f"  {r['rec_id']}  {review_text(r)}")


@click.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True)
@click.option("-o", "--output", type=FilePath(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: stdout).")
@DB
def export(run_id, fmt, output, db):
    """Write a run's recommendations (names, units, forms, clauses, review status) as CSV or JSON
    Lines; CSV cells are formula-safe for spreadsheets."""
    from duidan.audit import export_rows, export_text

    with _store(db) as store:
        try:
            rows = export_rows(store, run_id)
        except KeyError:
            raise click.BadParameter(f"no run {run_id} in {store.url} (see duidan runs)") from None
    text = export_text(rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        # utf-8-sig: Excel on Chinese Windows opens a CSV with a BOM as UTF-8, not as GB18030
        output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
        click.echo(f"{len(rows)} recommendation(s) written to {output}", err=True)

