"""Regenerate cases/expected/*.yaml from the current engine, for a human to review the diff.

    python scripts/write_expected.py            # all cases
    git diff cases/expected                     # review every changed decision before committing
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from duidan.api import Evaluator
from duidan.expectations import summarize

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ev = Evaluator()
    out_dir = ROOT / "cases" / "expected"
    out_dir.mkdir(exist_ok=True)
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        summary = summarize(ev.evaluate_file(path))
        text = yaml.safe_dump(summary, allow_unicode=True, sort_keys=False, width=100)
        (out_dir / path.name).write_text(f"# expected outcome of cases/{path.name}; reviewed by hand\n" + text,
                                         encoding="utf-8")
        print(f"wrote cases/expected/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
