"""The benchmark harness (benchmarks/run.py) in its smallest configuration, end to end, so that it
cannot rot: it generates a corpus, clones the rulebook, runs every kind of measurement (raw
durable_rules, the reference, evaluate, batch into SQLite with 1 and 2 workers, cold start,
RSS/store size) and prints the table. No timing is asserted: this machine's load is not ours.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_prints_every_section(tmp_path):
    out = tmp_path / "figures.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--no-pg", "--json", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    # Every section measured something, and the ratios the targets are stated in are printed.
    for row in ("raw durable_rules, shared baseline", "raw durable_rules, own rules + candidate facts [bundled",
                "reference evaluator, matching only [bundled", "evaluate, library, no store [bundled",
                "batch into sqlite, 1 worker(s)", "batch into sqlite, 2 worker(s)", "bare `python -c",
                "cold `duidan evaluate` one case (rulebook cache warm)", "batch into sqlite, 1 worker, 100 findings"):
        assert row in r.stdout, row
    for ratio in ("batch sqlite 1w / raw durable baseline", "evaluate / raw durable on own rules [bundled]",
                  "cold evaluate (cache warm) / bare imports", "batch sqlite 2 workers / 1 worker"):
        assert ratio in r.stdout, ratio
    figures = json.loads(out.read_text(encoding="utf-8"))
    # The generated rulebook really has twice the bundled rules (it passed load_rulebook inside the run).
    from duidan.rulebook import load_rulebook

    label = f"[2x: {2 * len(load_rulebook().rules)} rules]"
    assert any(label in row["what"] for row in figures["rows"]), [r["what"] for r in figures["rows"]]
    # Every case of the corpus was stored: a store size per case was measured for each batch row.
    assert all(row["store_bytes_case"] > 0 for row in figures["rows"] if row["what"].startswith("batch into"))
    # The cold `evaluate` imports nothing from rich or sqlalchemy (item 6 of issue 13).
    imports = next(row for row in figures["rows"] if row["what"].startswith("modules `evaluate` imports"))
    assert imports["count"] == 0, imports


def test_the_batch_stages_script_times_every_stage(tmp_path):
    """benchmarks/batch_stages.py on a few generated cases: a row per stage, every case stored."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gen_cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    import random

    rnd = random.Random(7)
    for i in range(4):
        (tmp_path / f"g{i}.json").write_text(json.dumps(gen_cases.case(i, rnd), ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "stages.db"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "batch_stages.py"), str(tmp_path), "--db",
                        f"sqlite:///{db}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("\n| read |") == 5 and r.stdout.count("\n| evaluate |") == 9, r.stdout
    from duidan.store import Store

    store = Store.open(f"sqlite:///{db}", 1, create=False)
    try:
        assert len(store.determinations(1)) == 4
    finally:
        store.close()


def test_the_evaluate_stages_script_times_every_stage(tmp_path):
    """benchmarks/evaluate_stages.py on a few generated cases: a row per stage and the total."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gen_cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    import random

    rnd = random.Random(7)
    for i in range(4):
        (tmp_path / f"g{i}.json").write_text(json.dumps(gen_cases.case(i, rnd), ensure_ascii=False), encoding="utf-8")
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "evaluate_stages.py"), str(tmp_path), "--passes", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ") and not line.startswith("| stage")]
    assert len(rows) == 7 and rows[-1].startswith("| all |"), r.stdout
