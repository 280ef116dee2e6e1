"""duidan's performance, measured side by side in one run, printed as one table.

    python benchmarks/run.py                  # default: the 1,500-case corpus; RSS/store at 1k, 10k, 100k findings
    python benchmarks/run.py --quick          # a 100-case corpus, 1 size (about a minute)
    python benchmarks/run.py --full           # default, plus 1M findings
    python benchmarks/run.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/bench   # adds PostgreSQL rows

PostgreSQL rows need --pg (or DUIDAN_BENCH_PG / DUIDAN_TEST_PG); each run gets a new schema in
that database, dropped afterwards. Every figure is the median of --runs runs (3 by default;
rows at 100k findings and more run once and say so). Corpora come from benchmarks/gen_cases.py
(fixed seed), so every row sees the same findings.

What is measured (docs/performance.md explains each row):
- raw durable_rules, the shared baseline (benchmarks/raw_durable.py: 100 rules, findings as flat
  facts, no-op actions), as a whole process, like `duidan batch`;
- raw durable_rules on the project's own compiled rules (engine/compile.py) and candidate facts
  (engine/facts.py) with no-op actions, through durable's own Host and do_actions (sentinel, one
  live session, get_state check, delete_state), in process;
- the reference evaluator's matching on the same candidate facts, in process;
- `Evaluator.evaluate` (library, no store) per loaded case, in process;
- `duidan batch` into SQLite and PostgreSQL with 1 and 2 workers, as a subprocess;
- cold one-case `duidan evaluate` (rulebook cache warm, and with DUIDAN_NO_CACHE=1) against a bare
  `python -c "import click, pydantic, yaml"`: wall and CPU time;
- peak RSS (of the batch process, read by a small launcher; with 2 workers, the largest of the parent and its
  workers) and store bytes per case, and at 1k, 10k, 100k findings (1M with --full).
The bundled rulebook and a generated one with 10x as many rules (every rule cloned under new ids).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))   # the copied generator and baseline sit next to this file

import gen_cases  # noqa: E402  (raw_durable.py runs as its own process)

# The SQLite store per case before the compact store (commit a252f4b, the shared generator's
# 1,500-case corpus, measured on this machine with dbstat): determinations 28.6 KB, recommendations
# 5.2, cases 4.2, the rest 2.1. The issue, filed earlier, measured 26 KB; both are in the note.
STORE_BYTES_BEFORE = 40_100
FINDINGS_PER_CASE = 7.5   # the generator's mean (3..12 findings per case)
COLD_CASE = HERE.parent / "cases" / "village_misappropriation_two_investigations.yaml"
DUIDAN = [sys.executable, "-c", "from duidan.cli.main import main; main()"]

MODES = {
    # name: corpus cases, scale sizes (findings), cold-start runs, cases of the workers rows
    "smoke": (12, [100], 1, 0),
    "quick": (100, [], 5, 0),          # RSS and store size: from the batch rows (~750 findings)
    "default": (1_500, [1_000, 10_000, 100_000], 10, 6_000),
    "full": (1_500, [1_000, 10_000, 100_000, 1_000_000], 10, 6_000),
}
ONCE_FROM = 100_000   # scale rows at or above this many findings run once


# ---------------------------------------------------------------- corpora and rulebooks

def generate(out: Path, n_cases: int, seed: int = 7, jsonl: bool = False) -> tuple[Path, int]:
    """n_cases synthetic cases (the shared generator's format and distribution); the number of findings."""
    import random

    rnd, total = random.Random(seed), 0
    if jsonl:
        path = out.with_suffix(".jsonl")
        with path.open("w", encoding="utf-8") as f:
            for i in range(n_cases):
                c = gen_cases.case(i, rnd)
                total += len(c["findings"])
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        return path, total
    out.mkdir(parents=True, exist_ok=True)
    for i in range(n_cases):
        c = gen_cases.case(i, rnd)
        total += len(c["findings"])
        (out / f"g{i:07d}.json").write_text(json.dumps(c, ensure_ascii=False), encoding="utf-8")
    return out, total


def make_rulebook_x(dst: Path, factor: int = 10) -> Path:
    """A copy of the bundled rulebook with every rule present `factor` times (clones renamed
    `<id>_x<k>`): the same lists and vocabulary, `factor` times the rules. It passes load_rulebook."""
    import yaml

    from duidan.documents import read_document
    from duidan.rulebook import bundled_path

    src = bundled_path()
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
    meta = read_document(dst / "rulebook.yaml")
    for rel in meta["rules"]:
        doc = read_document(dst / rel)   # the project's loader: YAML 1.2 booleans, so `on:` stays a key
        rules = list(doc["rules"])
        doc["rules"] = rules + [dict(r, id=f"{r['id']}_x{k}") for k in range(1, factor) for r in rules]
        (dst / rel).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


# ---------------------------------------------------------------- measuring

def largest_accepted_factor(book, upto: int, wms) -> tuple[int, object]:
    """The largest k <= upto for which durable_rules accepts the bundled rules cloned k times and
    evaluates every case of the corpus (error 107 refuses a ruleset, error 303 a case)."""
    from types import SimpleNamespace

    for k in range(upto, 1, -1):
        rules = list(book.rules) + [r.model_copy(update={"id": f"{r.id}_x{j}"})
                                    for j in range(1, k) for r in book.rules]
        try:
            raw = RawOwn(SimpleNamespace(rules=rules), f"probe_{k}")
            raw.run(wms)
            return k, raw
        except Exception:   # noqa: BLE001  (durable_rules_engine.error)
            continue
    return 1, None


def compile_byte_code() -> None:
    """Byte-code as an installed package has it (pip compiles a wheel's modules at install): an
    editable checkout under PYTHONDONTWRITEBYTECODE=1 (as on the CI machine) would otherwise
    compile every duidan module from source in every process it starts -- each batch, each of its
    workers, each cold evaluate -- which the bare imports, read from site-packages, never pay."""
    import compileall

    import duidan
    import duidan.cli
    for d in sorted({Path(duidan.__file__).parent, Path(duidan.cli.__file__).parent}):
        compileall.compile_dir(str(d), quiet=1)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


# Peak RSS is read by a small launcher process, not by this one: on Linux a child's ru_maxrss starts
# from the memory image it was forked from (it survives exec), so a child forked from this process,
# which holds corpora and rulebooks, would report this process's size. The launcher is ~10 MB.
LAUNCH = ("import resource, subprocess, sys\n"
          "r = subprocess.run(sys.argv[1:])\n"
          "sys.stderr.write('\\n@@maxrss %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
          "sys.exit(r.returncode)")


def run_child(cmd: list[str], env: dict | None = None, cwd: Path | None = None, rss: bool = False) -> dict:
    """Run a command; wall seconds, CPU seconds (from wait4) and, with rss, the command's peak RSS in
    KiB (the largest of it and the children it waited for)."""
    if rss:
        cmd = [sys.executable, "-c", LAUNCH, *cmd]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:6]))} ... exited {p.returncode}: {err.decode()[-2000:]}")
    out = {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime}
    if rss:
        out["rss_kb"] = int(re.findall(rb"@@maxrss (\d+)", err)[-1])
    return out


@contextmanager
def fresh_store(kind: str, pg: str | None, work: Path):
    """(URL, bytes()) of an empty store: a new SQLite file, or a new schema in the PostgreSQL database."""
    if kind == "sqlite":
        db = work / f"bench-{uuid.uuid4().hex[:8]}.db"

        def size() -> int:
            return sum(p.stat().st_size for p in work.glob(db.name + "*"))   # the file, its -wal and -shm
        try:
            yield f"sqlite:///{db}", size
        finally:
            for p in work.glob(db.name + "*"):
                p.unlink()
        return
    import psycopg

    libpq = re.sub(r"^postgresql\+psycopg://", "postgresql://", pg)
    schema = f"duidan_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def size() -> int:
        with psycopg.connect(libpq, autocommit=True) as conn:
            row = conn.execute("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                               "JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = %s AND c.relkind = 'r'", (schema,)).fetchone()
        return int(row[0])
    try:
        yield f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}", size
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def batch_once(inputs: Path, kind: str, workers: int, pg: str | None, work: Path, env: dict) -> dict:
    with fresh_store(kind, pg, work) as (url, size):
        r = run_child([*DUIDAN, "batch", str(inputs), "--db", url, "--workers", str(workers)], env=env, cwd=work,
                      rss=True)
        r["store_bytes"] = size()
    return r


class RawOwn:
    """durable_rules on the project's own compiled rules and every candidate fact, actions no-ops,
    through durable's own API (Host, assert_facts, do_actions; sentinel, one live session, state
    check, delete_state), without our wrapper's work (candidate filter, id-hash check, our own
    action loop, Match tuples)."""

    def __init__(self, book, name: str):
        import durable_rules_engine
        from durable.engine import Host

        from duidan.compile import SENTINEL, compile_rules

        class SyncHost(Host):
            def _run(self):   # no background threads
                pass

        self._engine, self.sentinel, self.fires = durable_rules_engine, SENTINEL, 0

        def noop(c):   # one parameter: two would make durable treat it as asynchronous
            self.fires += 1

        defs = compile_rules(book.rules).rules
        for d in defs.values():
            d["run"] = noop
        self.name, self.host = name, SyncHost()
        self.host.register_rulesets({name: defs})
        self.rs = self.host.get_ruleset(name)
        self.n = 0

    def run(self, wms) -> None:
        for wm in wms:
            self.n += 1
            sid = f"s{self.n}"
            batch = [dict(f, sid=sid) for f in wm.facts]
            batch.append({"sid": sid, "type": self.sentinel, "id": self.sentinel})
            code, offset = self._engine.assert_facts(self.rs._handle, json.dumps(batch, ensure_ascii=False))
            errors: list = []
            self.rs.do_actions(offset, lambda e, s, errors=errors: errors.append(e))
            if errors and errors[0]:
                raise RuntimeError(errors[0])
            if "exception" in self.host.get_state(self.name, sid):
                raise RuntimeError("action failed")
            self.host.delete_state(self.name, sid)


class Times(list):
    """Wall seconds per run; `.cpu` the CPU seconds of the same runs (steadier on a shared machine)."""

    def __init__(self):
        super().__init__()
        self.cpu: list[float] = []


def drain(results) -> None:
    """Consume each result and drop it, as `evaluate` (which prints it) and a batch worker (which
    stores it) do. A timed loop that kept every determination alive (a list of 1,500) made the
    collector traverse them again and again: about 0.5 ms a case, a third of evaluating one, that
    no real caller pays (measured with gc.callbacks)."""
    deque(results, maxlen=0)


def timed(fn, runs: int) -> Times:
    out = Times()
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t)
        out.cpu.append(time.process_time() - c)
    return out


# ---------------------------------------------------------------- the run

class Table:
    def __init__(self):
        self.rows: list[dict] = []
        self.bigx = "10x"   # the label of the generated rulebook

    def add(self, section, what, runs, **figures):
        self.rows.append({"section": section, "what": what, "runs": runs, **figures})
        print(f"  {what}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in figures.items()), file=sys.stderr, flush=True)

    def get(self, what, key):
        for r in self.rows:
            if r["what"] == what and key in r:
                return r[key]
        return None


def _fmt(v):
    if isinstance(v, float):
        return f"{v:,.3f}" if v < 10 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="100-case corpus; RSS and store size from its batch rows (about a minute)")
    g.add_argument("--full", action="store_true", help="also 1M findings (long)")
    g.add_argument("--smoke", action="store_true", help="the smallest configuration (tests use it)")
    ap.add_argument("--pg", default=os.environ.get("DUIDAN_BENCH_PG") or os.environ.get("DUIDAN_TEST_PG"),
                    help="PostgreSQL URL (postgresql+psycopg://...) for the PostgreSQL rows")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL even if an environment variable names it")
    ap.add_argument("--runs", type=int, default=None, help="runs per figure (default 3; 1 in --smoke)")
    ap.add_argument("--factor", type=int, default=None, help="the generated rulebook has this many times the "
                    "bundled rules (default 10; 2 in --smoke)")
    ap.add_argument("--json", type=Path, default=None, help="also write every figure as JSON here")
    a = ap.parse_args(argv)
    mode = "smoke" if a.smoke else "quick" if a.quick else "full" if a.full else "default"
    n_cases, scale, cold_runs, scaling_cases = MODES[mode]
    runs = a.runs or (1 if mode == "smoke" else 3)
    pg = None if a.no_pg else a.pg
    factor = a.factor or (2 if mode == "smoke" else 10)
    t_start = time.perf_counter()
    compile_byte_code()

    from duidan.api import Evaluator
    from duidan.case import load_case
    from duidan.facts import working_memory
    from duidan.reference import evaluate as reference_evaluate
    from duidan.resolve import resolve
    from duidan.rulebook import load_rulebook

    table = Table()
    with tempfile.TemporaryDirectory(prefix="duidan-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"), PYTHONWARNINGS="ignore")
        corpus, n_findings = generate(work / "corpus", n_cases)
        print(f"corpus: {n_cases} cases, {n_findings} findings; mode {mode}, {runs} run(s) per figure",
              file=sys.stderr)

        def rate(secs, what="findings"):
            return (n_findings if what == "findings" else n_cases) / secs

        # --- durable_rules alone: the shared baseline, a whole process like `duidan batch`
        sec = "throughput"
        rs = [run_child([sys.executable, str(HERE / "raw_durable.py"), str(corpus), "100"], env=env)
              for _ in range(runs)]
        table.add(sec, "raw durable_rules, shared baseline (100 rules, process)", runs,
                  findings_s=rate(median([x["wall"] for x in rs])), cases_s=rate(median([x["wall"] for x in rs]), "cases"),
                  findings_cpu_s=rate(median([x["cpu"] for x in rs])))

        # --- in process: raw durable on our rules and facts, the reference, evaluate
        bigx = table.bigx = f"{factor}x"
        book10 = load_rulebook(make_rulebook_x(work / f"rulebook-{bigx}", factor))
        bundled = load_rulebook()
        cases = [load_case(p, bundled.domain) for p in sorted(corpus.iterdir())]
        wms = [working_memory(resolve(c, bundled.domain)) for c in cases]
        findings_of = [len(c.findings) for c in cases]
        candidates = sum(len(w.facts) for w in wms)
        books = {"bundled": bundled, bigx: book10}
        raws = {"bundled": RawOwn(bundled, "bench_bundled")}
        try:
            raws[bigx] = RawOwn(book10, f"bench_{bigx}")
            raws[bigx].run(wms)
        except Exception as e:   # the engine's own limits: error 107 at registration, 303 at assertion
            table.add(sec, f"raw durable_rules, own rules + candidate facts [{bigx}: {len(book10.rules)} rules]", 0,
                      note=f"refused by durable_rules: {e}")
            raws.pop(bigx, None)
            k, raw = largest_accepted_factor(bundled, factor - 1, wms)
            if k > 1:
                books[f"{k}x"] = load_rulebook(make_rulebook_x(work / f"rulebook-{k}x", k))
                raws[f"{k}x"] = RawOwn(books[f"{k}x"], f"bench_{k}x")
        few = min(len(cases), 50 if mode != "smoke" else 3)   # the reference at 10x is slow: a sample
        for label, book in books.items():
            tag = f"[{label}: {len(book.rules)} rules]"
            raw = raws.get(label)
            if raw is not None:
                raw.run(wms[:1])   # warm
                t = timed(lambda raw=raw: raw.run(wms), runs)
                table.add(sec, f"raw durable_rules, own rules + candidate facts {tag}", runs,
                          findings_s=rate(median(t)), cases_s=rate(median(t), "cases"),
                          findings_cpu_s=rate(median(t.cpu)), candidates_case=candidates / n_cases)
            sub = wms if label == "bundled" else wms[:few]
            t = timed(lambda book=book, sub=sub: drain(reference_evaluate(book.rules, w) for w in sub), runs)
            table.add(sec, f"reference evaluator, matching only {tag}"
                      + ("" if sub is wms else f" (first {len(sub)} cases)"), runs,
                      findings_s=sum(findings_of[:len(sub)]) / median(t), cases_s=len(sub) / median(t),
                      findings_cpu_s=sum(findings_of[:len(sub)]) / median(t.cpu))
            if raw is None:
                continue
            ev = Evaluator(book)
            ev.evaluate(cases[0])   # warm: registers the ruleset with durable_rules
            # What `evaluate --format json` and every batch worker do: the determination as plain
            # data, then its canonical JSON (the output bytes).
            t = timed(lambda ev=ev: drain(ev.evaluate_json(c, "bench") for c in cases), runs)
            table.add(sec, f"evaluate, library, no store {tag}", runs,
                      findings_s=rate(median(t)), cases_s=rate(median(t), "cases"), findings_cpu_s=rate(median(t.cpu)))
            if label == "bundled":   # the typed models (library API, views) on top of the same work
                t = timed(lambda ev=ev: drain(ev.evaluate(c) for c in cases), runs)
                table.add(sec, f"evaluate, library, typed Determination models {tag}", runs,
                          findings_s=rate(median(t)), cases_s=rate(median(t), "cases"),
                          findings_cpu_s=rate(median(t.cpu)))

        # --- duidan batch, a whole process
        kinds = ["sqlite"] + (["postgresql"] if pg else [])
        for kind in kinds:
            for workers in (1, 2):
                rs = [batch_once(corpus, kind, workers, pg, work, env) for _ in range(runs)]
                table.add(sec, f"batch into {kind}, {workers} worker(s) (process)", runs,
                          findings_s=rate(median([x["wall"] for x in rs])),
                          cases_s=rate(median([x["wall"] for x in rs]), "cases"),
                          findings_cpu_s=rate(median([x["cpu"] for x in rs])),
                          peak_rss_mb=median([x["rss_kb"] for x in rs]) / 1024,
                          store_bytes_case=median([x["store_bytes"] for x in rs]) / n_cases)
        if not pg:
            print("  (PostgreSQL rows skipped: no --pg URL)", file=sys.stderr)

        # --- workers: 1 and 2 on a larger corpus (issue 13's target is on 6,000 cases)
        if scaling_cases:
            sec = "workers"
            big, big_findings = generate(work / "corpus-workers", scaling_cases, seed=13)
            for kind in kinds:
                for workers in (1, 2):
                    rs = [batch_once(big, kind, workers, pg, work, env) for _ in range(runs)]
                    table.add(sec, f"batch into {kind}, {workers} worker(s), {scaling_cases:,} cases (process)", runs,
                              findings_s=big_findings / median([x["wall"] for x in rs]),
                              cases_s=scaling_cases / median([x["wall"] for x in rs]),
                              findings_cpu_s=big_findings / median([x["cpu"] for x in rs]),
                              peak_rss_mb=median([x["rss_kb"] for x in rs]) / 1024)
            shutil.rmtree(big)

        # --- cold start
        sec = "cold start"
        warm = dict(env)
        run_child([*DUIDAN, "evaluate", str(COLD_CASE)], env=warm)   # fills the rulebook cache
        nocache = dict(env, DUIDAN_NO_CACHE="1")
        cmds = {"bare `python -c \"import click, pydantic, yaml\"`": ([sys.executable, "-c", "import click, pydantic, yaml"], env),
                "cold `duidan evaluate` one case (rulebook cache warm)": ([*DUIDAN, "evaluate", str(COLD_CASE)], warm),
                "cold `duidan evaluate` one case (DUIDAN_NO_CACHE=1)": ([*DUIDAN, "evaluate", str(COLD_CASE)], nocache)}
        got = {k: [] for k in cmds}
        for _ in range(cold_runs):   # interleaved, so that load on the machine hits all three alike
            for k, (cmd, e) in cmds.items():
                got[k].append(run_child(cmd, env=e))
        for k, rs in got.items():
            table.add(sec, k, cold_runs, wall_s=median([x["wall"] for x in rs]), cpu_s=median([x["cpu"] for x in rs]))
        imp = subprocess.run([sys.executable, "-X", "importtime", *DUIDAN[1:], "evaluate", str(COLD_CASE)],
                             capture_output=True, text=True, env=warm)
        heavy = sorted({m for m in re.findall(r"\|\s+(\S+)\s*$", imp.stderr, re.M)
                        if m.split(".")[0] in ("rich", "sqlalchemy", "sqlmodel")})
        table.add(sec, "modules `evaluate` imports from rich/sqlalchemy/sqlmodel", 1,
                  count=len(heavy), first=", ".join(heavy[:3]) or "none")

        # --- memory and store size by corpus size (batch into SQLite, 1 worker)
        sec = "scale"
        for size in scale:
            n = max(1, math.ceil(size / FINDINGS_PER_CASE))
            src, got_findings = generate(work / f"scale-{size}", n, seed=11, jsonl=True)
            k = 1 if size >= ONCE_FROM else runs
            rs = [batch_once(src, "sqlite", 1, None, work, env) for _ in range(k)]
            table.add(sec, f"batch into sqlite, 1 worker, {size:,} findings ({n:,} cases)", k,
                      findings_s=got_findings / median([x["wall"] for x in rs]),
                      peak_rss_mb=median([x["rss_kb"] for x in rs]) / 1024,
                      store_bytes_case=median([x["store_bytes"] for x in rs]) / n)
            src.unlink()

    elapsed = time.perf_counter() - t_start
    print(render(table, mode, scale, n_cases, n_findings, pg is not None, elapsed))
    if a.json:
        a.json.write_text(json.dumps({"mode": mode, "runs": runs, "cases": n_cases, "findings": n_findings,
                                      "rows": table.rows, "ratios": ratios(table, scale)}, indent=1, ensure_ascii=False))
    return 0


def ratios(t: Table, scale: list[int]) -> list[tuple[str, float | None, str]]:
    def f(what, key="findings_s"):
        return t.get(what, key)

    def div(x, y):
        return x / y if x is not None and y else None

    base = f("raw durable_rules, shared baseline (100 rules, process)")
    out = [
        ("batch sqlite 1w / raw durable baseline", div(f("batch into sqlite, 1 worker(s) (process)"), base), ">= 0.25"),
        ("batch sqlite 1w / raw durable baseline, per CPU second",
         div(f("batch into sqlite, 1 worker(s) (process)", "findings_cpu_s"),
             f("raw durable_rules, shared baseline (100 rules, process)", "findings_cpu_s")), ""),
        ("evaluate / raw durable on own rules [bundled], per CPU second",
         div(_first(t, "evaluate, library, no store [bundled", "findings_cpu_s"),
             _first(t, "raw durable_rules, own rules + candidate facts [bundled", "findings_cpu_s")), ""),
        ("evaluate / raw durable on own rules [bundled]",
         div(_first(t, "evaluate, library, no store [bundled"),
             _first(t, "raw durable_rules, own rules + candidate facts [bundled")), ">= 0.4"),
        ("evaluate / raw durable on own rules [largest rulebook durable accepts]",
         div(_last(t, "evaluate, library, no store ["), _last(t, "raw durable_rules, own rules + candidate facts [")), ""),
        ("raw durable own rules / shared baseline [bundled]",
         div(_first(t, "raw durable_rules, own rules + candidate facts [bundled"), base), ""),
        ("evaluate [largest accepted] / evaluate [bundled]",
         div(_last(t, "evaluate, library, no store ["), _first(t, "evaluate, library, no store [bundled")), ""),
        (f"reference [{t.bigx}] / reference [bundled]",
         div(_first(t, f"reference evaluator, matching only [{t.bigx}:"), _first(t, "reference evaluator, matching only [bundled")), ""),
        ("batch sqlite 2 workers / 1 worker [workers corpus]",
         div(_first(t, "batch into sqlite, 2 worker(s), "), _first(t, "batch into sqlite, 1 worker(s), ")), ">= 1.7"),
        ("batch postgresql 2 workers / 1 worker [workers corpus]",
         div(_first(t, "batch into postgresql, 2 worker(s), "), _first(t, "batch into postgresql, 1 worker(s), ")), ">= 1.7"),
        ("batch sqlite 2 workers / 1 worker [1,500 cases]",
         div(f("batch into sqlite, 2 worker(s) (process)"), f("batch into sqlite, 1 worker(s) (process)")), ""),
        ("batch postgresql 1w / sqlite 1w",
         div(f("batch into postgresql, 1 worker(s) (process)"), f("batch into sqlite, 1 worker(s) (process)")), ""),
    ]
    bare_w = _first(t, "bare ", "wall_s")
    bare_c = _first(t, "bare ", "cpu_s")
    out += [
        ("cold evaluate (cache warm) / bare imports, wall", div(_first(t, "cold `duidan evaluate` one case (rulebook cache warm)", "wall_s"), bare_w), "<= 2.5"),
        ("cold evaluate (cache warm) / bare imports, CPU", div(_first(t, "cold `duidan evaluate` one case (rulebook cache warm)", "cpu_s"), bare_c), "<= 2.5"),
        ("cold evaluate (no cache) / bare imports, CPU", div(_first(t, "cold `duidan evaluate` one case (DUIDAN_NO_CACHE=1)", "cpu_s"), bare_c), ""),
    ]
    stored = _first(t, "batch into sqlite, 1 worker(s) (process)", "store_bytes_case")
    out.append((f"store bytes per case (sqlite) / before issue 13 ({STORE_BYTES_BEFORE:,} at a252f4b)",
                div(stored, STORE_BYTES_BEFORE), "<= 0.33"))
    sizes = {s: _first(t, f"batch into sqlite, 1 worker, {s:,} findings", "peak_rss_mb") for s in scale}
    if sizes.get(100_000) and sizes.get(10_000):
        out.append(("peak RSS 100k / 10k findings", sizes[100_000] / sizes[10_000], "<= 1.3"))
    if sizes.get(1_000_000) and sizes.get(100_000):
        out.append(("peak RSS 1M / 100k findings", sizes[1_000_000] / sizes[100_000], ""))
    return out


def _last(t: Table, prefix: str, key: str = "findings_s"):
    found = [r[key] for r in t.rows if r["what"].startswith(prefix) and key in r]
    return found[-1] if found else None


def _first(t: Table, prefix: str, key: str = "findings_s"):
    for r in t.rows:
        if r["what"].startswith(prefix) and key in r:
            return r[key]
    return None


def render(t: Table, mode, scale, n_cases, n_findings, pg, elapsed) -> str:
    cols = ["findings_s", "cases_s", "findings_cpu_s", "wall_s", "cpu_s", "peak_rss_mb", "store_bytes_case", "candidates_case"]
    heads = ["findings/s", "cases/s", "findings/CPU s", "wall s", "CPU s", "peak RSS MB", "store B/case", "candidates/case"]
    lines = [f"duidan benchmarks: mode {mode}; throughput corpus {n_cases:,} cases / {n_findings:,} findings "
             f"(benchmarks/gen_cases.py, seed 7); figures are medians of the runs shown; "
             f"PostgreSQL {'measured' if pg else 'skipped (no --pg)'}; took {elapsed:.0f} s", ""]
    lines.append("| measurement | runs | " + " | ".join(heads) + " |")
    lines.append("|---|---:|" + "---:|" * len(heads))
    for r in t.rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append("" if v is None else f"{v:,.0f}" if c in ("findings_s", "cases_s", "findings_cpu_s", "store_bytes_case") or v >= 100
                         else f"{v:.1f}" if c in ("peak_rss_mb", "candidates_case") else f"{v:.3f}")
        extra = f" ({r['first']})" if "first" in r else ""
        what = r["what"] + (f": {r['count']}{extra}" if "count" in r else "") + (f" — {r['note']}" if "note" in r else "")
        lines.append(f"| {what} | {r['runs']} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | value | target |", "|---|---:|---|"]
    for name, v, target in ratios(t, scale):
        lines.append(f"| {name} | {'n/a' if v is None else f'{v:.2f}'} | {target} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
