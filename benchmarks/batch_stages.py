"""Where a batch worker's CPU goes, stage by stage, per case (docs/performance.md, "How a batch
spends its time").

    python benchmarks/batch_stages.py CORPUS_DIR [--db URL] [--runs N]

Does in this one process what a worker does (engine/batch.py) for every case file in CORPUS_DIR:
reads each file into a new run (parse, limit check, canonical JSON, pack, insert), then claims the
cases 32 at a time, evaluates, packs and stores them, timing each step with the process's CPU
clock. Without --db, a new SQLite file in a temporary directory. Process start-up (imports,
spawning) is not in it: time `duidan batch` as a whole for that (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

STAGES = [
    ("read", "file bytes, digest checked"), ("read", "parse_text (JSON, limits)"),
    ("read", "canonical JSON, case id"), ("read", "sha256 of the record"), ("read", "add_records (pack, insert)"),
    ("evaluate", "claim_rows (select, unpack)"), ("evaluate", "json.loads"), ("evaluate", "parse_case (validate)"),
    ("evaluate", "evaluate_json (not the pipeline's)"), ("evaluate", "recommendation_rows"),
    ("evaluate", "shared_objects"), ("evaluate", "pack"), ("evaluate", "complete: chain links"),
    ("evaluate", "complete: the rest (SQL, commit)"),
]


def measure(corpus: Path, url: str) -> tuple[dict[str, float], int]:
    """CPU seconds per stage for one pass over the corpus; the number of cases."""
    from duidan.api import Evaluator
    from duidan.batch import CHUNK, READ_CHUNK
    from duidan.cache import load_rulebook_cached
    from duidan.case import parse_case
    from duidan.documents import parse_text, sha256
    from duidan.intake import _case_record, expand, run_key
    from duidan.packing import Packer, shared_objects
    from duidan.store import NewCase, Store, recommendation_rows

    book = load_rulebook_cached(None)
    ev = Evaluator(book)
    store = Store.open(url, 2, bulk=True)
    spent: dict[str, float] = defaultdict(float)
    clock = time.process_time

    def timed(stage: str, fn, *args, **kw):
        t = clock()
        out = fn(*args, **kw)
        spent[stage] += clock() - t
        return out

    link = store._link
    store._link = lambda *a: timed("complete: chain links", link, *a)
    sources = [s for s in expand([corpus]) if s.kind == "document" and s.problem is None]
    run, _ = store.open_run(run_key(book.digest, sources, [], False), book.summary(), [], book.canonical)
    new: list[NewCase] = []
    for src in sources:
        label = str(src.path)
        text = timed("file bytes, digest checked", src.read).decode("utf-8-sig")
        data = timed("parse_text (JSON, limits)", parse_text, text, label, json_only=src.path.suffix == ".json")
        r = timed("canonical JSON, case id", _case_record, src, 0, data, label)
        new.append(NewCase(r.case_id, r.source, r.source_digest, 0, timed("sha256 of the record", sha256, r.body),
                           r.body))
        if len(new) == READ_CHUNK:
            timed("add_records (pack, insert)", store.add_records, run.id, new, [])
            new = []
    timed("add_records (pack, insert)", store.add_records, run.id, new, [])
    store.mark_read(run.id, len(sources))
    packer = Packer()
    rows = store.pending_rows(run.id)
    for i in range(0, len(rows), CHUNK):
        claim = timed("claim_rows (select, unpack)", store.claim_rows, run.id, rows[i:i + CHUNK])
        outcomes = []
        for it in claim.items:
            data = timed("json.loads", json.loads, it.body)
            case = timed("parse_case (validate)", parse_case, data, it.source, book.domain)
            det, body = timed("evaluate_json (not the pipeline's)", ev.evaluate_json, case, it.source)
            recs, clauses = timed("recommendation_rows", recommendation_rows, det)
            shared = timed("shared_objects", shared_objects, det)
            packed, contents = timed("pack", packer.pack, body, shared)
            outcomes.append(_evaluated(det, body, recs, clauses, packed, contents))
        timed("complete: the rest (SQL, commit)", store.complete, claim, run.id, outcomes, "stages")
    spent["complete: the rest (SQL, commit)"] -= spent["complete: chain links"]
    store.close()
    return spent, len(sources)


def _evaluated(det, body, recs, clauses, packed, contents):
    from duidan.store import Evaluated

    return Evaluated(det["digest"], body, det["rulebook"]["digest"], recs, clauses, packed, contents)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--db", help="a store URL whose database is empty (default: a new SQLite file)")
    ap.add_argument("--runs", type=int, default=3, help="passes; each figure is the median")
    a = ap.parse_args(argv)
    passes = []
    for _ in range(a.runs):
        with tempfile.TemporaryDirectory() as tmp:
            passes.append(measure(a.corpus, a.db or f"sqlite:///{tmp}/stages.db"))
            if a.db:
                break   # a second pass would find the run already stored
    n = passes[0][1]
    print(f"| phase | stage | CPU ms per case (median of {len(passes)}) |\n|---|---|---:|")
    total = 0.0
    for phase, stage in STAGES:
        ms = statistics.median(p[0][stage] for p in passes) / n * 1000
        total += ms
        print(f"| {phase} | {stage} | {ms:.3f} |")
    print(f"| | all | {total:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
