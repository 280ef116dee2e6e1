"""Propose cases/expected/*.yaml from the current engine, for a person to review and explain.

    python scripts/write_expected.py            # all cases
    git diff cases/expected                     # review every changed decision

An expectation is a decision a person signed off, with the reason they expect it (`why`): which
duty, which person, why this form. This script only proposes: a recommendation it has not seen
before gets `why: "TODO ..."`, which the test suite refuses until someone writes the reason; a
recommendation whose decision is unchanged keeps the `why` already written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from duidan.api import Evaluator
from duidan.expectations import key, summarize

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("# expected outcome of cases/{name}: each decision with the reason it is expected (`why`, by hand);\n"
          "# proposed by scripts/write_expected.py, which never writes a reason itself\n")


def main() -> int:
    ev = Evaluator()
    out_dir = ROOT / "cases" / "expected"
    out_dir.mkdir(exist_ok=True)
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        target = out_dir / path.name
        old = yaml.safe_load(target.read_text(encoding="utf-8")) if target.exists() else {}
        kept = {key(r): r for r in (old or {}).get("recommendations", [])}
        summary = summarize(ev.evaluate_file(path))
        for rec in summary["recommendations"]:
            prev = kept.get(key(rec))
            same = prev is not None and {k: v for k, v in prev.items() if k != "why"} == rec
            rec["why"] = prev["why"] if same and prev.get("why") else "TODO: say which duty, which person, why this form"
        text = yaml.safe_dump(summary, allow_unicode=True, sort_keys=False, width=100)
        target.write_text(HEADER.format(name=path.name) + text, encoding="utf-8")
        print(f"wrote cases/expected/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
