"""What a run report shows, gathered from the store once: the run's summary (summary.py), the
recommendations with people's and units' names, clause texts, rejects and review status.

The views (HTML, workbook) read this object only; they never query the store.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from .rulebook import Rulebook, rulebook_from_canonical
from .store import Store, StoreError
from .summary import Summary, form_key, summarize


@dataclass(frozen=True)
class RunReport:
    summary: Summary
    recommendations: list[dict]        # store rows, plus unit_name and reason
    unit_names: dict[str, str]         # unit id -> name, from the case records
    clause_texts: dict[str, str]       # clause id -> text (newest edition cited in the run)
    book: Rulebook | None              # the run's own rulebook, for labels
    forms_by_tier: dict[str, Counter]  # tier -> Counter of form keys (accountable only)
    forms_by_track: dict[str, Counter]
    review_status: dict[str, int]      # empty until the store records reviews


def build_run_report(store: Store, run_id: int, top: int = 15) -> RunReport:
    """Raises KeyError when the run does not exist."""
    summary = summarize(store, run_id, top=top)
    recs = store.recommendations(run_id)
    unit_names: dict[str, str] = {}
    records = store.case_records(run_id)   # one query, not one per case
    for case_id in sorted({r["case_id"] for r in recs}):
        try:
            record = json.loads(records.get(case_id) or "{}")
        except ValueError:
            raise StoreError(f"the stored case {case_id} of run {run_id} is unreadable; run duidan verify") from None
        for u in record.get("units", []) if isinstance(record, dict) else []:
            if isinstance(u, dict) and u.get("id") and u.get("name"):
                unit_names.setdefault(u["id"], u["name"])
    # Reasons and clause texts are views inside the determinations (the rows hold only what is
    # counted and filtered on): one pass over the run's determinations, in case id order.
    clause_texts: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for d in store.determinations(run_id):
        try:
            det = json.loads(d["body"])
            for rec in det["recommendations"]:
                reasons[rec["id"]] = rec.get("reason", "")
                for c in rec.get("clauses", []):
                    clause_texts[c["id"]] = c["text"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise StoreError(f"the stored determination of {d['case_id']} in run {run_id} is unreadable; "
                             "run duidan verify") from None
    book = None
    body = store.rulebook(summary.run.rulebook["digest"])
    if body is not None:
        book = rulebook_from_canonical(body, summary.run.rulebook["digest"])
    by_tier: dict[str, Counter] = {}
    by_track: dict[str, Counter] = {}
    for r in recs:
        if r["outcome"] == "accountable":
            key = form_key(r["form"], r["sanction"])
            by_tier.setdefault(r["tier"], Counter())[key] += 1
            by_track.setdefault(r["track"], Counter())[key] += 1
    rows = [dict(r, unit_name=unit_names.get(r["unit"], r["unit"]), reason=reasons.get(r["rec_id"], ""))
            for r in recs]
    # Review decisions are recorded by a later version of the store; a store without them has none.
    counts = getattr(store, "review_counts", None)
    review = dict(counts(run_id)) if callable(counts) else {}
    return RunReport(summary, rows, unit_names, clause_texts, book, by_tier, by_track, review)
