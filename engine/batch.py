"""Batch review: read many cases, evaluate them in N processes, store every outcome.

    run = run_batch(store, [Path("findings.csv")], roster=Path("roster.yaml"), workers=2).run

Phases, each safe to interrupt (kill -9) and to run in several processes at once:

1. identify: the run key is the rulebook digest and the inputs' content digests (engine/intake.py),
   so the same inputs under the same rulebook always land in the same run, whoever starts it;
2. read: every record becomes a pending case or a reject, inserted with unique keys (a second
   reader inserts nothing); the run records how many were read once all are in;
   The workers read, a share of the files each, straight into the store; repeated case ids are
   settled in the database once all are in;
3. evaluate: the parent shares the pending cases out by row id; each worker (its own durable_rules
   host, its own connection) claims its share, evaluates it and stores the outcomes in one
   transaction (engine/store.py); a worker that dies or hangs costs only the case it was on,
   which becomes a reject (see _isolate);
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
import pickle
import signal
import socket
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .case import parse_case
from .documents import sha256
from .errors import EngineFault, InputError
from .intake import check_usage, expand, read_records, roster_sources, run_key
from .limits import Limits
from .limits import configure as configure_limits
from .limits import current as current_limits
from .packing import Packer, shared_objects
from .rulebook import Rulebook
from .store import Evaluated, NewCase, NewReject, Rejected, Run, Store, WorkItem, recommendation_rows

if TYPE_CHECKING:   # the engine is imported where cases are evaluated, in workers: not in the parent
    from .api import Evaluator

Progress = Callable[[str, int, int], None]   # (phase, done, total)

CHUNK = 32            # cases per claim: small enough to spread over workers, large enough to batch writes
POLL_SECONDS = 0.2    # waiting for cases another process holds


@dataclass(frozen=True)
class BatchResult:
    run: Run
    created: bool      # a new run (False: these inputs under this rulebook were seen before)
    stored: int        # cases this process stored


def run_batch(store: Store, inputs: list[Path], book: Rulebook, *, roster: Path | None = None,
              workers: int = 1, progress: Progress | None = None, strict: bool = False) -> BatchResult:
    """Evaluate and store every case in `inputs`; resumes the run if it exists (see module doc)."""
    report = progress or (lambda phase, done, total: None)
    sources = expand(inputs, exclude=roster)
    check_usage(sources, roster)
    rosters = roster_sources(roster)
    described = [{"path": str(s.path), "digest": s.digest, "role": s.kind} for s in sources] + rosters
    run, created = store.open_run(run_key(book.digest, sources, rosters, strict), book.summary(), described,
                                  book.canonical)
    # Workers start (import, unpickle the rulebook, register it with the engine: about a second)
    # while this process reads; the warm-up tasks only make them spawn now.
    pool = _Pool(workers, book, strict, store.open_url) if run.finished_at is None else None
    if pool is not None:
        pool.warm(workers)
    try:
        if run.read is None:
            pool = _read(store, run, sources, roster, book, report, pool)
            run = store.run(run.id)
        stored = _evaluate_pending(store, run, book, workers, report, strict, pool)
    finally:
        if pool is not None:
            pool.kill()
    return BatchResult(store.finish(run.id), created, stored)


def _read(store: Store, run: Run, sources: list, roster: Path | None, book: Rulebook, report: Progress,
          pool: _Pool) -> _Pool | None:
    """The workers read: each takes a share of the files, streams their records into the store a
    chunk at a time (memory does not grow with the inputs) and says how many it read. Then the
    parent settles repeated case ids in the database (Store.settle_duplicates: the decisions of
    intake.deduplicate) before the run counts as read, so no worker evaluates a withdrawn case.
    Reading is repeatable (unique keys), so the shares of a pool that broke are simply read again
    here; the pool for the evaluation is returned (None: it broke, start a new one)."""
    shares = _read_shares(sources)
    report("read", 0, len(sources))
    read, files = 0, 0
    futures = [(share, pool.submit_read(run.id, share, roster)) for share in shares]
    for share, future in futures:
        try:
            read += future.result()
        except BrokenProcessPool:   # every later share of this pool fails the same way
            if pool is not None:
                pool.kill()
                pool = None
            read += _read_share(store, run.id, share, roster, book.facts)
        files += len(share)
        report("read", files, len(sources))
    store.settle_duplicates(run.id)
    store.mark_read(run.id, read)
    report("read", len(sources), len(sources))
    return pool


READ_CHUNK = 500     # records per read transaction
FILES_PER_SHARE = 64


def _read_shares(sources: list) -> list[list]:
    """Case files in groups (a file each is too little work per task); a JSON Lines or CSV file alone."""
    shares, docs = [], []
    for src in sources:
        if src.kind == "document" or src.problem is not None:
            docs.append(src)
            if len(docs) == FILES_PER_SHARE:
                shares.append(docs)
                docs = []
        else:
            shares.append([src])
    return shares + ([docs] if docs else [])


def _read_share(store: Store, run_id: int, share: list, roster: Path | None, facts) -> int:
    cases: list[NewCase] = []
    rejects: list[NewReject] = []
    read = 0
    for r in read_records(share, roster, facts):
        read += 1
        if r.body is None:
            rejects.append(NewReject(r.source, r.source_digest, r.line, r.case_id, r.reason))
        else:
            cases.append(NewCase(r.case_id, r.source, r.source_digest, r.line, sha256(r.body), r.body))
        if len(cases) + len(rejects) >= READ_CHUNK:
            store.add_records(run_id, cases, rejects)
            cases, rejects = [], []
    store.add_records(run_id, cases, rejects)
    return read


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
_strict = False   # --strict: a case with warnings is rejected
_packer: Packer | None = None   # packs determinations as the store keeps them, in the worker
_store: Store | None = None     # a worker's own connection to the run's store
_who = ""


def _init_worker(book: Rulebook, strict: bool = False) -> None:
    global _evaluator, _strict, _packer
    from .api import Evaluator

    _evaluator = Evaluator(book)
    _strict = strict
    _packer = Packer()


def _init_worker_process(book: Rulebook, limits: Limits | None = None, strict: bool = False,
                         db_url: str | None = None) -> None:
    global _store, _who
    if limits is not None:
        configure_limits(limits)   # a spawned worker starts with the defaults
    _init_worker(book, strict)
    if db_url is not None:
        _store = Store.open(db_url, 1, create=False, bulk=True)
        _who = f"{socket.gethostname()}:{os.getpid()}"
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    # A parent killed with -9 cannot stop its pool; without this its workers would wait forever.
    multiprocessing.parent_process().join()
    os._exit(1)


def evaluate_record(ev: Evaluator, label: str, body: str, strict: bool = False,
                    packer: Packer | None = None) -> Evaluated | Rejected:
    """One case record to its outcome. Never raises: a batch goes on whatever one case holds.
    With a packer (a worker's), the outcome also carries the determination as the store keeps it."""
    try:
        case = parse_case(json.loads(body), label, ev.rulebook.domain)
        det, body = ev.evaluate_json(case, label)
    except InputError as e:
        return Rejected(e.message)
    except EngineFault as e:
        return Rejected(f"{label}: the rules engine failed on this case (not a problem of the input; "
                        f"please report it): {e}")
    except Exception as e:  # noqa: BLE001 - a core bug on one case must not lose the other cases
        return Rejected(f"{label}: internal error ({type(e).__name__}: {e}); please report it")
    if strict and det.get("warnings"):
        from .warnings import strict_message

        return Rejected(strict_message(label, det))
    recs, clauses = recommendation_rows(det)
    packed, contents = packer.pack(body, shared_objects(det)) if packer else (b"", {})
    return Evaluated(det["digest"], body, det["rulebook"]["digest"], recs, clauses, packed, contents)


# Fault injection for the tests of worker death (tests/test_hostile_batch.py): a worker kills itself
# with SIGKILL before evaluating a case whose label, or reading a file whose path, contains this
# variable's value. Unset, nothing.
INJECT_DEATH = "DUIDAN_INJECT_WORKER_DEATH"


def _die_if_marked(name: str) -> None:
    marker = os.environ.get(INJECT_DEATH)
    if marker and marker in name:
        os.kill(os.getpid(), signal.SIGKILL)


def _evaluate_one(label: str, body: str) -> Evaluated | Rejected:
    _die_if_marked(label)
    return evaluate_record(_evaluator, label, body, _strict, _packer)


def _evaluate_chunk(items: list[tuple[str, str]]) -> list[Evaluated | Rejected]:
    return [_evaluate_one(label, body) for label, body in items]


def _work_share(run_id: int, rows: list[int]) -> tuple[int, int]:
    """In a worker: the assigned cases, evaluated and stored in a transaction of the worker's own."""
    return _store_share(_store, run_id, rows, _evaluate_chunk, _evaluator.rulebook, _who)


def _store_share(store: Store, run_id: int, rows: list[int], evaluate, book: Rulebook, who: str) -> tuple[int, int]:
    """Claim those of `rows` still pending, `evaluate` them, store the outcomes in one transaction:
    (cases stored, cases claimed). A case another process holds or has stored is left to it."""
    claim = store.claim_rows(run_id, rows)
    if not claim.items:
        store.release(claim)
        return 0, 0
    try:
        outcomes = evaluate([(_label(it), it.body) for it in claim.items])
        _check_rulebook(outcomes, book)
    except BaseException:
        store.release(claim)
        raise
    return store.complete(claim, run_id, outcomes, who), len(claim.items)


def _label(it: WorkItem) -> str:
    return f"{it.source}:{it.line}" if it.line else it.source


# ---------------------------------------------------------------- coordination (in the parent)

def _evaluate_pending(store: Store, run: Run, book: Rulebook, workers: int, report: Progress,
                      strict: bool = False, pool: _Pool | None = None) -> int:
    """Share the pending cases out to worker processes, which read, evaluate and store them
    themselves; the parent only hands out row ids and watches. A worker that dies or hangs costs
    its shares in flight a re-evaluation, case by case, in fresh processes (_isolate)."""
    who = f"{socket.gethostname()}:{os.getpid()}"
    n = store.counts(run.id)
    done = n["evaluated"] + n["rejected"]
    report("evaluate", done, run.read)
    if n["pending"] == 0:
        return 0
    # Cases are always evaluated in worker processes, even with --workers 1: a case that kills
    # the engine (a segfault in its C core, a kill) then kills a worker, not the run, and becomes
    # that case's reject (see _isolate). spawn: a worker must not inherit the parent's database
    # connections or engine state.
    pool = pool or _Pool(workers, book, strict, store.open_url)
    depth = 2 * workers + 2    # shares in flight: a worker never waits for the parent
    stored, waiting = 0, False
    try:
        while True:
            shares = deque(_shares(store.pending_rows(run.id)))
            if not shares:
                break
            if waiting:
                # Cases another process holds: wait, then look again, since a process that died
                # released its cases.
                time.sleep(POLL_SECONDS)
            in_flight: deque[tuple[list[int], object]] = deque()
            claimed = 0
            while shares or in_flight:
                while shares and len(in_flight) < depth:
                    rows = shares.popleft()
                    in_flight.append((rows, pool.submit_share(run.id, rows)))
                rows, future = in_flight[0]
                try:
                    got, took = future.result(timeout=CASE_SECONDS * len(rows) + START_SECONDS)
                except (BrokenProcessPool, FutureTimeout):
                    # A worker died or hung: the shares it held are pending again (its transaction
                    # died with it). Those that finished count; each other one in flight is
                    # evaluated again, one case after another in a fresh process, so the culprit
                    # is found and rejected.
                    pool.kill()
                    for rows, future in in_flight:
                        if future.done() and not future.cancelled() and future.exception() is None:
                            got, took = future.result()
                        else:
                            got, took = _store_share(store, run.id, rows, lambda work: _isolate(book, work, strict),
                                                     book, who)
                        stored, claimed, done = stored + got, claimed + took, done + took
                    report("evaluate", min(done, run.read), run.read)
                    in_flight.clear()
                    pool = _Pool(workers, book, strict, store.open_url)
                    continue
                in_flight.popleft()
                stored, claimed, done = stored + got, claimed + took, done + took
                report("evaluate", min(done, run.read), run.read)
            waiting = claimed == 0
    finally:
        pool.kill()
    report("evaluate", run.read, run.read)
    return stored


def _warm() -> None:
    pass


def _worker_read(run_id: int, share: list, roster: Path | None) -> int:
    """In a worker: read a share of the input files into the store (see _read)."""
    for src in share:
        _die_if_marked(str(src.path))
    return _read_share(_store, run_id, share, roster, _evaluator.rulebook.facts)


def _shares(rows: list[int]) -> list[list[int]]:
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


CASE_SECONDS = 120     # one case never takes this long (the slowest measured: well under a second)
START_SECONDS = 120    # a worker's start: import, load the rulebook, register it with the engine


def _check_rulebook(outcomes: list, book: Rulebook) -> None:
    for out in outcomes:
        if isinstance(out, Evaluated) and out.rulebook_digest != book.digest:
            raise EngineFault(f"a worker evaluated with rulebook {out.rulebook_digest}, "
                              f"not the run's {book.digest}")


class _Start:
    """_init_worker_process(*args), called when unpickled (in a worker, see _Pool)."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return _init_worker_process, self.args


class _Pool:
    """Worker processes; a dead worker breaks the pool (BrokenProcessPool) instead of hanging it."""

    def __init__(self, workers: int, book: Rulebook, strict: bool = False, db_url: str | None = None):
        ctx = multiprocessing.get_context("spawn")
        # A spawned child reads its arguments from a pipe as it unpickles them, and unpickling a
        # function of this module imports the engine and the store (0.7 s) before it reads on:
        # the parent, blocked on the full pipe (the rulebook is half a megabyte), started one
        # worker after another, a second each (measured). So the initializer is pickle.loads,
        # which needs no import, and the start-up call travels as bytes, read at once.
        start = pickle.dumps(_Start(book, current_limits(), strict, db_url))
        self._ex = ProcessPoolExecutor(workers, mp_context=ctx, initializer=pickle.loads, initargs=(start,))

    def warm(self, workers: int) -> None:
        for _ in range(workers):
            self._ex.submit(_warm)

    def submit_read(self, run_id: int, share: list, roster: Path | None):
        return self._ex.submit(_worker_read, run_id, share, roster)

    def submit_share(self, run_id: int, rows: list[int]):
        return self._ex.submit(_work_share, run_id, rows)

    def kill(self) -> None:
        # shutdown() alone waits for running work, which may never end (a hung engine): kill.
        procs = list((getattr(self._ex, "_processes", None) or {}).values())   # None once shut down
        for p in procs:
            if p.is_alive():
                p.kill()
        self._ex.shutdown(wait=True, cancel_futures=True)


def _serve(book: Rulebook, limits: Limits, strict: bool, work: list[tuple[str, str]], conn) -> None:
    configure_limits(limits)
    _init_worker(book, strict)
    for label, body in work:
        conn.send(_evaluate_one(label, body))
    conn.close()


def _isolate(book: Rulebook, work: list[tuple[str, str]], strict: bool = False) -> list[Evaluated | Rejected]:
    """Evaluate `work` in a fresh process, case after case; a case during which the process dies
    or hangs is rejected, and the rest continue in a new process. Always returns one outcome per
    case, so no case stays pending."""
    ctx = multiprocessing.get_context("spawn")
    out: list[Evaluated | Rejected] = []
    while len(out) < len(work):
        rest = work[len(out):]
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_serve, args=(book, current_limits(), strict, rest, send), daemon=True)
        proc.start()
        send.close()
        timeout = START_SECONDS + CASE_SECONDS
        failed = None
        try:
            for _ in rest:
                if not recv.poll(timeout):
                    failed = f"took longer than {CASE_SECONDS} s"
                    break
                try:
                    out.append(recv.recv())
                except EOFError:
                    failed = "died"
                    break
                timeout = CASE_SECONDS
        finally:
            if proc.is_alive() and failed:
                proc.kill()
            proc.join()
            recv.close()
        if failed:
            label = work[len(out)][0]
            code = proc.exitcode
            how = f" ({signal.Signals(-code).name})" if code is not None and code < 0 else \
                  f" (exit code {code})" if code else ""
            out.append(Rejected(f"{label}: the rules engine {failed}{how} while evaluating this case; "
                                "the case is rejected so that the batch goes on (please report it)"))
    return out


class _CallableModule(types.ModuleType):
    """`duidan.batch(...)` is the public API, and `duidan.batch` is also this module's name: once
    the module is imported, Python binds the package attribute to the module, so the module itself
    forwards a call to :func:`batch`."""

    def __call__(self, *args, **kwargs):
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
