"""How fast one process determines cases: durable_rules path vs the reference evaluator.

    python scripts/bench_evaluate.py [N]     # N generated cases (default 2000)

Cases come from the test suite's hypothesis strategy with a fixed seed, so runs are comparable.
Prints cases/s per engine and the share of time in each pipeline stage on the durable path.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from duidan.api import Evaluator  # noqa: E402
from duidan.case import parse_case  # noqa: E402
from duidan.determine import determine  # noqa: E402
from duidan.rulebook import load_rulebook  # noqa: E402

from strategies import cases  # noqa: E402


def generate(n: int) -> list:
    from hypothesis import HealthCheck, given, settings

    out: list = []
    random.seed(0)

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases())
    def collect(data):
        out.append(data)

    collect()
    return [parse_case(d, "<bench>") for d in out[:n]]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    book = load_rulebook()
    batch = generate(n)
    findings = sum(len(c.findings) + len(c.violations) for c in batch)
    print(f"{len(batch)} cases, {findings} findings+violations, {len(book.rules)} rules")
    for engine in ("durable", "reference"):
        ev = Evaluator(book, engine)
        ev.evaluate(batch[0])  # build the engine outside the timing
        t0 = time.perf_counter()
        for c in batch:
            ev.evaluate(c)
        dt = time.perf_counter() - t0
        print(f"{engine:9s}: {len(batch) / dt:8.0f} cases/s  {findings / dt:8.0f} findings/s")
    ev = Evaluator(book, "durable")
    stages = {"resolve": 0.0, "match": 0.0, "determine": 0.0}
    for c in batch:
        t0 = time.perf_counter()
        res = ev.resolve(c)
        t1 = time.perf_counter()
        m = ev.matches(res)
        t2 = time.perf_counter()
        determine(c, book, res, m)
        t3 = time.perf_counter()
        stages["resolve"] += t1 - t0
        stages["match"] += t2 - t1
        stages["determine"] += t3 - t2
    total = sum(stages.values())
    print("durable stages: " + ", ".join(f"{k} {v / total:.0%}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
