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
from pathlib import Path

from duidan.api import Evaluator
from duidan.calibration import score_directory
from duidan.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=str(ROOT / "cases" / "published"))
    ap.add_argument("--rulebook", default=None)
    ap.add_argument("--form-min", type=float, default=0.80)
    args = ap.parse_args(argv)
    score = score_directory(args.cases, Evaluator(load_rulebook(args.rulebook)))
    for c in score.cases:
        print(c.line())
    print()
    print(score.table())
    return 0 if score.meets(within_one=args.form_min) else 1


if __name__ == "__main__":
    sys.exit(main())
