"""The library calls behind `duidan report`: what a case report and a run report are made from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .case import Case, load_case
from .rulebook import Rulebook, load_rulebook


@dataclass(frozen=True)
class CaseReport:
    determination: dict   # plain data, as views read it
    case: Case
    rulebook: Rulebook


def case_report(path: str | Path, rulebook: str | Path | Rulebook | None = None) -> CaseReport:
    """Load and evaluate one case file. Raises InputError (bad case or rulebook), EngineFault."""
    from .api import Evaluator

    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    domain = getattr(book, "domain", None)   # a rulebook with its own vocabulary reads the case with it
    case = load_case(path, domain) if domain is not None else load_case(path)
    return CaseReport(Evaluator(book).evaluate_data(case, str(path)), case, book)


def run_report(url: str, run_id: int):
    """The report data of a stored run. Raises KeyError when there is no such run."""
    from .runreport import build_run_report
    from .store import Store

    store = Store.open(url)
    try:
        return build_run_report(store, run_id)
    finally:
        store.close()
