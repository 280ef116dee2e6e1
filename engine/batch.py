"""Batch review: read many cases, evaluate them in N processes, store every outcome.

    run = run_batch(store, [Path("findings.csv")], roster=Path("roster.yaml"), workers=2).run

Phases, each safe to interrupt (kill -9) and to run in several processes at once:

1. identify: the run key is the rulebook digest and the inputs' content digests (engine/intake.py),
   so the same inputs under the same rulebook always land in the same run, whoever starts it;
2. read: every record becomes a pending case or a reject, inserted with unique keys (a second
   reader inserts nothing); the run records how many were read once all are in;
3. evaluate: claim pending cases in chunks, evaluate them in worker processes (each builds its own
   durable_rules host), store each chunk's outcomes in one transaction (engine/store.py);
4. finish: when nothing is pending, record the counts; evaluated + rejected = read, or it is a bug.

A restarted or second process repeats 1, skips 2 if the read is complete, and joins 3. Claims on
PostgreSQL are row locks, so processes split the work without overlap; a determination depends
only on the case and the rulebook, so its bytes do not depend on who evaluated it, or with how many
workers.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .api import Evaluator
from .case import parse_case
from .documents import canonical_json, sha256
from .errors import EngineFault, InputError
from .intake import check_usage, expand, read_all, roster_sources, run_key
from .rulebook import Rulebook
from .store import Claim, Evaluated, NewCase, NewReject, Rejected, Run, Store, WorkItem, recommendation_rows

Progress = Callable[[str, int, int], None]   # (phase, done, total)

CHUNK = 16            # cases per claim: small enough to spread over workers, large enough to batch writes
POLL_SECONDS = 0.2    # waiting for cases another process holds


@dataclass(frozen=True)
class BatchResult:
    run: Run
    created: bool      # a new run (False: these inputs under this rulebook were seen before)
    stored: int        # cases this process stored


def run_batch(store: Store, inputs: list[Path], book: Rulebook, *, roster: Path | None = None,
              workers: int = 1, progress: Progress | None = None) -> BatchResult:
    """Evaluate and store every case in `inputs`; resumes the run if it exists (see module doc)."""
    report = progress or (lambda phase, done, total: None)
    sources = expand(inputs, exclude=roster)
    check_usage(sources, roster)
    rosters = roster_sources(roster)
    described = [{"path": str(s.path), "digest": s.digest, "role": s.kind} for s in sources] + rosters
    run, created = store.open_run(run_key(book.digest, sources, rosters), book.summary(), described,
                                  book.canonical)
    if run.read is None:
        records = read_all(sources, roster, book.facts)
        report("read", 0, len(records))
        store.add_records(run.id, [
            NewCase(r.case_id, r.source, r.source_digest, r.line, sha256(r.body), r.body)
            for r in records if r.body is not None
        ], [NewReject(r.source, r.source_digest, r.line, r.case_id, r.reason) for r in records if r.body is None])
        store.mark_read(run.id, len(records))
        report("read", len(records), len(records))
        run = store.run(run.id)
    stored = _evaluate_pending(store, run, book, workers, report)
    return BatchResult(store.finish(run.id), created, stored)


def batch(inputs: list[str | Path], *, rulebook: Rulebook | str | Path | None = None, roster: str | Path | None = None,
          db: str = "sqlite:///duidan.db", workers: int = 1) -> BatchResult:
    """Evaluate and store many cases (the library form of `duidan batch`): case files, directories,
    JSON Lines, CSV findings with a roster. Returns the run; read its summary with engine/summary.py."""
    from .rulebook import load_rulebook

    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook)
    store = Store.open(db, workers + 2)
    try:
        return run_batch(store, [Path(p) for p in inputs], book, roster=Path(roster) if roster else None,
                         workers=workers)
    finally:
        store.close()


# ---------------------------------------------------------------- evaluation (in workers)

_evaluator: Evaluator | None = None


def _init_worker(book: Rulebook) -> None:
    global _evaluator
    _evaluator = Evaluator(book)


def _init_worker_process(book: Rulebook) -> None:
    _init_worker(book)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    # A parent killed with -9 cannot stop its pool; without this its workers would wait forever.
    multiprocessing.parent_process().join()
    os._exit(1)


def evaluate_record(ev: Evaluator, label: str, body: str) -> Evaluated | Rejected:
    """One case record to its outcome. Never raises: a batch goes on whatever one case holds."""
    try:
        case = parse_case(json.loads(body), label, ev.rulebook.domain)
        det = ev.evaluate(case, label).to_dict()
    except InputError as e:
        return Rejected(e.message)
    except EngineFault as e:
        return Rejected(f"{label}: the rules engine failed on this case (not a problem of the input; "
                        f"please report it): {e}")
    except Exception as e:  # noqa: BLE001 - a core bug on one case must not lose the other cases
        return Rejected(f"{label}: internal error ({type(e).__name__}: {e}); please report it")
    recs, clauses = recommendation_rows(det)
    return Evaluated(det["digest"], canonical_json(det), det["rulebook"]["digest"], recs, clauses)


def _evaluate_chunk(items: list[tuple[str, str]]) -> list[Evaluated | Rejected]:
    return [evaluate_record(_evaluator, label, body) for label, body in items]


def _label(it: WorkItem) -> str:
    return f"{it.source}:{it.line}" if it.line else it.source


class _Now:
    """A finished 'async result', for evaluating in this process."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


# ---------------------------------------------------------------- the claim loop (in the parent)

def _evaluate_pending(store: Store, run: Run, book: Rulebook, workers: int, report: Progress) -> int:
    who = f"{socket.gethostname()}:{os.getpid()}"
    n = store.counts(run.id)
    done = n["evaluated"] + n["rejected"]
    report("evaluate", done, run.read)
    if n["pending"] == 0:
        return 0
    pool = None
    if workers > 1:
        # spawn: a worker must not inherit the parent's database connections or engine state
        pool = multiprocessing.get_context("spawn").Pool(workers, _init_worker_process, (book,))
    else:
        _init_worker(book)
    depth = workers + 1 if pool else 1    # chunks in flight: keep every worker busy while we write
    in_flight: deque[tuple[Claim, object]] = deque()
    cursor, stored, waiting = 0, 0, False
    try:
        while True:
            while len(in_flight) < depth:
                claim = store.claim(run.id, CHUNK, after=cursor)
                if not claim.items:
                    store.release(claim)
                    break
                cursor = claim.items[-1].row
                work = [(_label(it), it.body) for it in claim.items]
                in_flight.append((claim, pool.apply_async(_evaluate_chunk, (work,)) if pool
                                  else _Now(_evaluate_chunk(work))))
            if not in_flight:
                if store.counts(run.id)["pending"] == 0:
                    break
                # Cases another process holds: wait, then look again from the start, since a
                # process that died released its cases behind our cursor.
                if waiting:
                    time.sleep(POLL_SECONDS)
                cursor, waiting = 0, True
                continue
            waiting = False
            claim, result = in_flight.popleft()
            outcomes = result.get()
            for out in outcomes:
                if isinstance(out, Evaluated) and out.rulebook_digest != book.digest:
                    raise EngineFault(f"a worker evaluated with rulebook {out.rulebook_digest}, "
                                      f"not the run's {book.digest}")
            stored += store.complete(claim, run.id, outcomes, who)
            done += len(outcomes)
            report("evaluate", min(done, run.read), run.read)
    finally:
        for claim, _ in in_flight:
            store.release(claim)
        if pool is not None:
            pool.terminate()
            pool.join()
    report("evaluate", run.read, run.read)
    return stored


class _CallableModule(types.ModuleType):
    """`duidan.batch(...)` is the public API, and `duidan.batch` is also this module's name: once
    the module is imported, Python binds the package attribute to the module, so the module itself
    forwards a call to :func:`batch`."""

    def __call__(self, *args, **kwargs):
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
