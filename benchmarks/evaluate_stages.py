"""Where `evaluate` spends a case, stage by stage (docs/performance.md, "How `evaluate` spends a
case").

    python benchmarks/evaluate_stages.py CORPUS_DIR [--passes N]

Loads every case file in CORPUS_DIR under the bundled rulebook, then makes, case by case, the calls
`Evaluator.evaluate_json` makes (what a batch worker and `evaluate --format json` do), timing each
with the process's CPU clock: resolve, the candidate facts, durable_rules, determine, the reason
sentences, the digest and the canonical JSON. Prints CPU ms per case, the best of N passes per
stage (so the sum is a little under one whole pass). Reading and validating the files is not in
it (benchmarks/batch_stages.py times a worker's whole share).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

STAGES = ["resolve", "working memory (candidate facts)", "durable_rules and its wrapper",
          "determine (recommendations, clauses, basis, warnings)", "reason sentences",
          "digest and canonical JSON"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--passes", type=int, default=7)
    a = ap.parse_args(argv)

    from duidan.api import Evaluator
    from duidan.case import load_case
    from duidan.determine import determine_data, digest_and_text
    from duidan.facts import working_memory
    from duidan.rulebook import load_rulebook
    from duidan.views.reason import add_reasons

    book = load_rulebook()
    cases = [load_case(p, book.domain) for p in sorted(a.corpus.iterdir()) if p.suffix in (".json", ".yaml")]
    ev = Evaluator(book)
    ev.evaluate_json(cases[0])   # registers the ruleset with durable_rules
    engine = ev._durable
    clock = time.process_time
    best = [float("inf")] * len(STAGES)
    for _ in range(a.passes):
        spent = [0.0] * len(STAGES)
        for case in cases:
            t0 = clock()
            res = ev.resolve(case)
            t1 = clock()
            wm = working_memory(res, engine.keys)
            t2 = clock()
            matches = engine.evaluate(wm)
            t3 = clock()
            det = determine_data(case, book, res, matches, digest=False)
            t4 = clock()
            add_reasons(det, book)
            t5 = clock()
            digest_and_text(det)
            t6 = clock()
            for i, (x, y) in enumerate(zip((t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6), strict=True)):
                spent[i] += y - x
        best = [min(b, s) for b, s in zip(best, spent, strict=True)]
    n = len(cases)
    print(f"| stage | CPU ms per case (best of {a.passes}) |\n|---|---:|")
    for name, secs in zip(STAGES, best, strict=True):
        print(f"| {name} | {1000 * secs / n:.3f} |")
    print(f"| all | {1000 * sum(best) / n:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
