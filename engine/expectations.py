"""The reviewable summary of a determination that example cases are checked against.

`cases/expected/<case>.yaml` holds, per recommendation, what a reviewer signs off: track, subject,
outcome, form, sanction, measures and the clause ids cited (not the wording, which an edition may
polish without changing a decision), plus the unmatched lapses — and, written by hand, `why`.
"""

from __future__ import annotations

from .determination import Determination


def summarize(det: Determination) -> dict:
    return {
        "case": det.case,
        "recommendations": [
            {"track": r.track, "subject": r.subject.id, "grade": r.grade, "outcome": r.outcome, "form": r.form,
             "sanction": r.sanction, "measures": r.measures, "clauses": sorted({c.id for c in r.clauses}),
             "findings": r.findings, "violations": r.violations, "missing": r.missing}
            for r in det.recommendations
        ],
        "unmatched": det.unmatched,
    }


def key(rec: dict) -> tuple:
    """What pairs an expectation with a recommendation across engine versions."""
    return (rec["track"], rec["subject"], tuple(rec["findings"]), tuple(rec["violations"]))


def without_reasons(expected: dict) -> dict:
    return {**expected, "recommendations": [{k: v for k, v in r.items() if k != "why"}
                                            for r in expected.get("recommendations", [])]}
