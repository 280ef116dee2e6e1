"""A batch survives what one case does to its worker: a worker killed while evaluating a case turns
that case into a reject, the other cases are stored, and nothing is left pending (the reported
failure: a case that crashed the engine was retried forever with --workers 1 and hung the run with
--workers 2)."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from test_batch import BATCH, make_case

from duidan.batch import INJECT_DEATH
from duidan.store import Store

from conftest import MINI


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_dies_becomes_that_cases_reject(tmp_path, workers):
    rng = random.Random(3)
    lines = [json.dumps(make_case(i, rng), ensure_ascii=False) for i in range(20)]
    (tmp_path / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "runs.db"
    # Line 7's worker is killed with SIGKILL (fault injection in the worker; a real process death).
    env = dict(os.environ, **{INJECT_DEATH: "cases.jsonl:7"})
    cmd = [*BATCH, str(tmp_path / "cases.jsonl"), "--db", f"sqlite:///{db}", "--rulebook", str(MINI),
           "--workers", str(workers)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr[-800:]          # something was rejected
    assert "Traceback" not in p.stderr
    store = Store.open(f"sqlite:///{db}")
    try:
        (run,) = store.runs()
        n = store.counts(run.id)
        assert n == {**n, "pending": 0, "evaluated": 19, "rejected": 1}, n   # the other 19 stored
        (rej,) = store.rejects(run.id)
        assert "cases.jsonl:7" in rej["reason"] and "SIGKILL" in rej["reason"], rej
        assert run.finished_at is not None
    finally:
        store.close()
    # Run again without the fault: the run is complete, nothing is retried.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert "already existed" in again.stdout and "0 case(s) added" in again.stdout, again.stdout


def test_a_file_gone_or_changed_after_it_was_listed_is_a_reject_or_stops_the_read(tmp_path):
    """Inputs are listed (and hashed) first and read again as a stream (issue 13: flat memory).
    A file gone by then is a reject naming it, and the other files are read; a JSON Lines file
    whose bytes are no longer those the run is keyed on stops the read with a message, since its
    records cannot be told apart."""
    import json as _json
    import shutil

    from duidan.errors import InputError
    from duidan.intake import Source, expand, read_records

    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "cases" / "township_copied_plans.yaml", tmp_path / "a.yaml")
    shutil.copy(root / "cases" / "village_dual_signature.yaml", tmp_path / "b.yaml")
    sources = expand([tmp_path])
    (tmp_path / "a.yaml").unlink()
    records = list(read_records(sources, None, {}))
    assert len(records) == 2
    gone = [r for r in records if r.body is None]
    assert len(gone) == 1 and "a.yaml" in gone[0].reason and "no such file" in gone[0].reason
    lines = tmp_path / "c.jsonl"
    lines.write_text(_json.dumps({"case": {"id": "X"}}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="changed while the batch was reading it"):
        list(read_records([Source(lines, "sha256:" + "0" * 64, "jsonl", None)], None, {}))


def test_a_worker_that_dies_while_reading_costs_nothing(tmp_path):
    """Workers read the input files too. One killed while reading its share: the parent reads
    that share (and the rest of the broken pool's) itself, a new pool evaluates, and only the case
    that kills its worker again, when evaluated, becomes a reject."""
    rng = random.Random(4)
    for i in range(6):
        (tmp_path / f"c{i}.json").write_text(json.dumps(make_case(i, rng), ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "runs.db"
    env = dict(os.environ, **{INJECT_DEATH: "c3.json"})
    cmd = [*BATCH, str(tmp_path), "--db", f"sqlite:///{db}", "--rulebook", str(MINI), "--workers", "2"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr[-800:]
    store = Store.open(f"sqlite:///{db}")
    try:
        (run,) = store.runs()
        n = store.counts(run.id)
        assert run.read == 6 and n == {**n, "pending": 0, "evaluated": 5, "rejected": 1}, n
        (rej,) = store.rejects(run.id)
        assert "c3.json" in rej["reason"] and "SIGKILL" in rej["reason"], rej
    finally:
        store.close()
