"""Score the engine on the published cases (cases/published/): one line per case, then a table.

    python scripts/score_published.py                      # the bundled rulebook
    python scripts/score_published.py --rulebook DIR       # another rulebook
    python scripts/score_published.py --cases DIR          # another set (case files + expected.yaml)

Exits 0 when the bar holds: recall >= 0.90, form within one rung >= 0.80, nobody wrongly held,
every accountable recommendation cited, no case failed. Semantics: engine/calibration.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from duidan.api import Evaluator
from duidan.calibration import judging_rulebook, score_directory
from duidan.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=str(ROOT / "cases" / "published"))
    ap.add_argument("--rulebook", default=None)
    ap.add_argument("--form-min", type=float, default=0.80)
    ap.add_argument("--judgement-only", action="store_true",
                    help="if the lists have no edition in force for the oldest lapses (2013), score a copy "
                         "with the first edition back-dated to 2010: measures the judgement, not the dates")
    args = ap.parse_args(argv)
    book = load_rulebook(args.rulebook)
    with tempfile.TemporaryDirectory() as tmp:
        if args.judgement_only:
            book, backdated = judging_rulebook(book, tmp)
            if backdated:
                print("(lists back-dated to 2010-01-01 for this run: judgement only)")
        score = score_directory(args.cases, Evaluator(book))
    for c in score.cases:
        print(c.line())
    print()
    print(score.table())
    return 0 if score.meets(within_one=args.form_min) else 1


if __name__ == "__main__":
    sys.exit(main())
