"""Batch review on PostgreSQL (DUIDAN_TEST_PG): the same store as on SQLite, two processes sharing
one run without overlap, and kill -9 with the claims held as row locks."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter

from test_batch import BATCH, invoke, snapshot, write_jsonl

from duidan.cli.audit import verify
from duidan.cli.batch import batch
from duidan.store import Store

from conftest import MINI, _libpq


def _status(url: str) -> dict[str, int]:
    """Cases per status, read with plain SQL while a batch runs (0 before the schema exists)."""
    import psycopg

    base, _, options = url.partition("?options=-csearch_path%3D")
    try:
        with psycopg.connect(_libpq(base), options=f"-csearch_path={options}") as conn:
            return dict(conn.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
    except psycopg.errors.UndefinedTable:
        return {}


def test_postgresql_with_two_workers_stores_what_sqlite_with_one_does(tmp_path, pg_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 200)
    sqlite = f"sqlite:///{tmp_path / 'one.db'}"
    assert invoke(batch, cases, "--db", sqlite, "--rulebook", MINI).exit_code == 1
    r = invoke(batch, cases, "--db", pg_url, "--rulebook", MINI, "--workers", "2")
    assert r.exit_code == 1 and "read 200  evaluated" in r.output
    assert snapshot(pg_url) == snapshot(sqlite)
    again = invoke(batch, cases, "--db", pg_url, "--rulebook", MINI)
    assert "0 case(s) added now" in again.output
    assert snapshot(pg_url) == snapshot(sqlite)


def test_two_processes_share_one_run_without_overlap(tmp_path, pg_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 1500)
    sqlite = f"sqlite:///{tmp_path / 'one.db'}"
    invoke(batch, cases, "--db", sqlite, "--rulebook", MINI)
    procs = [subprocess.Popen([*BATCH, str(cases), "--db", pg_url, "--rulebook", str(MINI), "--workers", w],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in ("1", "1")]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 1, err      # the inputs hold rejects; nothing else went wrong
        assert "read 1500  evaluated" in out
    store = Store.open(pg_url)
    [run] = store.runs()
    rows = store.cases(run.id)
    assert len(rows) == len({r["case_id"] for r in rows}) and all(r["status"] != "pending" for r in rows)
    assert run.evaluated + run.rejected == run.read == 1500
    # both processes took part (with 1500 cases neither is done before the other starts)
    split = Counter(r["done_by"] for r in rows)
    assert len(split) == 2, split
    store.close()
    assert snapshot(pg_url) == snapshot(sqlite)
    assert invoke(verify, "--db", pg_url).exit_code == 0   # two writers, one unforked chain


def test_kill_9_on_postgresql_then_resume(tmp_path, pg_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 1500, seed=3)
    sqlite = f"sqlite:///{tmp_path / 'one.db'}"
    invoke(batch, cases, "--db", sqlite, "--rulebook", MINI)
    proc = subprocess.Popen([*BATCH, str(cases), "--db", pg_url, "--rulebook", str(MINI), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while _status(pg_url).get("done", 0) < 40 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    status = _status(pg_url)
    assert 0 < status.get("done", 0) and status.get("pending", 0) > 0, status
    again = subprocess.run([*BATCH, str(cases), "--db", pg_url, "--rulebook", str(MINI)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1, again.stderr
    assert snapshot(pg_url) == snapshot(sqlite)
    assert invoke(verify, "--db", pg_url).exit_code == 0   # the chain survived the kill
