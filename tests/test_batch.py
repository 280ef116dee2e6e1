"""Batch review on SQLite: inputs of every kind, rejects, idempotency, workers, kill -9 and resume,
CSV with a roster, runs and diff. The PostgreSQL variants are in test_batch_pg.py."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from duidan.api import Evaluator
from duidan.case import parse_case
from duidan.cli.audit import verify
from duidan.cli.batch import batch, diff, runs
from duidan.determine import rank
from duidan.documents import canonical_json, parse_text, sha256
from duidan.domain import bundled_domain
from duidan.intake import Source, file_digest, read_all
from duidan.store import Store

from conftest import MINI, RELAXED, ROOT

# `duidan batch` as its own process: what a user runs, and what kill -9 hits.
BATCH = [sys.executable, "-c", "from duidan.cli.batch import batch; batch(prog_name='duidan batch')"]

UNITS = [
    {"id": "town", "name": "某镇党委", "tier": "township", "supervisor": "town-jw"},
    {"id": "town-jw", "name": "某镇纪委", "tier": "township_discipline", "parent": "town"},
]
PEOPLE = [
    {"id": "p1", "name": "张某", "unit": "town", "post": "secretary"},
    {"id": "p2", "name": "李某", "unit": "town", "post": "member", "portfolio": ["finance"]},
    {"id": "p3", "name": "王某", "unit": "town-jw", "post": "discipline_secretary"},
    {"id": "p9", "name": "赵某", "unit": "town", "post": "staff"},
]


# ---------------------------------------------------------------- generated inputs

def make_case(i: int, rng: random.Random) -> dict:
    """A valid case the mini rulebook has something to say about (most of the time)."""
    day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
    findings = []
    for k in range(rng.randint(1, 3)):
        kind = rng.choice(["plan_perfunctory", "clue_shelved", "pressure_not_transmitted",
                           "problem_not_detected", "deployment_lacking"])
        f = {"id": f"F{k + 1}", "kind": kind, "unit": "town-jw" if kind == "clue_shelved" else "town",
             "date": day.isoformat(), "area": "finance"}
        if kind == "plan_perfunctory":
            f["facts"] = {"copied_from": rng.choice(["peer", "previous_year", "template"])}
        if kind == "clue_shelved":
            f["facts"] = {"days_overdue": rng.randint(0, 200)}
        findings.append(f)
    case = {"schema": "duidan/case/v1", "case": {"id": f"C-{i:05d}"}, "units": UNITS, "people": PEOPLE,
            "findings": findings}
    if rng.random() < 0.3:
        case["violations"] = [{"id": "V1", "person": "p9", "kind": "misappropriation", "date": day.isoformat(),
                               "severity": rng.choice(["minor", "serious", "major"])}]
    if rng.random() < 0.2:
        case["circumstances"] = [{"subject": "p1", "kind": rng.choice(["cooperated", "obstructed", "opposed_on_record"])}]
    return case


def write_jsonl(path: Path, n: int, seed: int = 7, bad_every: int = 97) -> Path:
    """n cases as JSON Lines; every `bad_every`-th line is broken one way or another."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        case = make_case(i, rng)
        if bad_every and i % bad_every == 5:
            case["findings"][0]["kind"] = "plan_perfunctry"           # rejected when evaluated
        if bad_every and i % bad_every == 50:
            lines.append('{"schema": "duidan/case/v1", "case": {')     # rejected when read
            continue
        lines.append(json.dumps(case, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(cmd, *args):
    return CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)


def _rows(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)


def snapshot(url: str) -> dict:
    """Everything a run stored that must not depend on interruptions, workers or processes."""
    store = Store.open(url)
    try:
        out = {}
        for run in store.runs():
            out[run.key] = {
                "counts": (run.read, run.evaluated, run.rejected, run.finished_at is not None),
                "cases": sorted((c["case_id"], c["input_digest"], c["status"], c["digest"] or "")
                                for c in store.cases(run.id)),
                "recommendations": _rows(store.recommendations(run.id)),
                "breaches": _rows(store.breaches(run.id)),
                "rejects": _rows(store.rejects(run.id)),
            }
        return out
    finally:
        store.close()


# ---------------------------------------------------------------- inputs, rejects, idempotency

def test_every_record_is_evaluated_or_rejected_and_digests_match_evaluate(tmp_path, sqlite_url, mini):
    cases = write_jsonl(tmp_path / "cases.jsonl", 120)
    folder = tmp_path / "files"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.yaml").write_text(yaml.safe_dump(make_case(900, random.Random(1)), allow_unicode=True), "utf-8")
    (folder / "sub" / "two.json").write_text(json.dumps(make_case(901, random.Random(2))), "utf-8")
    (folder / "broken.yaml").write_text("case: [unclosed\n", "utf-8")
    (folder / ".hidden.yaml").write_text("ignored: true\n", "utf-8")
    (folder / "notes.txt").write_text("not an input\n", "utf-8")

    r = invoke(batch, cases, folder, folder / "sub", "--db", sqlite_url, "--rulebook", MINI)
    assert r.exit_code == 1, r.output            # some records are rejected
    assert "read 123  evaluated 119  rejected 4" in r.output

    store = Store.open(sqlite_url)
    [run] = store.runs()
    assert (run.read, run.evaluated, run.rejected) == (123, 119, 4)
    assert len(run.inputs) == 4                  # a directory's subdirectories are not read unless named
    reasons = sorted(x["reason"] for x in store.rejects(run.id))
    assert any("cases.jsonl:51: column" in x and "invalid JSON" in x for x in reasons)
    assert any("cases.jsonl:6: findings[0].kind: unknown lapse kind 'plan_perfunctry'; "
               "did you mean 'plan_perfunctory'?" in x for x in reasons)
    assert any("broken.yaml: line" in x for x in reasons)
    ev = Evaluator(mini)
    for i, line in enumerate((tmp_path / "cases.jsonl").read_text("utf-8").splitlines()[:30]):
        if i % 97 in (5, 50):
            continue
        data = json.loads(line)
        det = ev.evaluate(parse_case(data, "x"))
        stored = store.determination(run.id, data["case"]["id"])
        assert canonical_json(stored) == canonical_json(det.to_dict())
    store.close()


def test_the_example_cases_under_the_bundled_rulebook(sqlite_url, bundled):
    files = sorted((ROOT / "cases").glob("*.yaml"))
    r = invoke(batch, ROOT / "cases", "--db", sqlite_url)
    assert r.exit_code == 0, r.output
    assert f"read {len(files)}  evaluated {len(files)}  rejected 0" in r.output
    store = Store.open(sqlite_url)
    [run] = store.runs()
    assert run.rulebook == bundled.summary()
    ev = Evaluator(bundled)
    for f in files:
        det = ev.evaluate_file(f).to_dict()
        assert store.determination(run.id, det["case"]) == det
    store.close()


def test_same_inputs_twice_add_nothing(tmp_path, sqlite_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 60)
    first = invoke(batch, cases, "--db", sqlite_url, "--rulebook", MINI)
    before = snapshot(sqlite_url)
    # the same content under another name, given twice: still the same run
    copy = tmp_path / "renamed.jsonl"
    shutil.copy(cases, copy)
    again = invoke(batch, copy, copy, "--db", sqlite_url, "--rulebook", MINI)
    assert again.exit_code == first.exit_code == 1
    assert "run 1 already existed (same inputs, same rulebook); 0 case(s) added now" in again.output
    assert snapshot(sqlite_url) == before
    assert len(before) == 1


def test_all_valid_exits_0_and_progress_is_quiet_off_a_terminal(tmp_path, sqlite_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 20, bad_every=0)
    r = invoke(batch, cases, "--db", sqlite_url, "--rulebook", MINI)
    assert r.exit_code == 0, r.output
    assert "read 20  evaluated 20  rejected 0" in r.output
    assert "evaluating" not in r.output and "reading" not in r.output
    assert "scorecard by unit" in r.output and "clauses most often breached" in r.output


def test_duplicate_case_ids(tmp_path, sqlite_url):
    rng = random.Random(3)
    a, b = make_case(1, rng), make_case(2, rng)
    b["case"]["id"] = "C-00001"                          # same id, different case
    c = make_case(3, rng)
    lines = [json.dumps(x) for x in (a, b, c, c)]        # and an identical copy of c
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    invoke(batch, path, "--db", sqlite_url, "--rulebook", MINI)
    store = Store.open(sqlite_url)
    [run] = store.runs()
    assert [c["case_id"] for c in store.cases(run.id)] == ["C-00003"]
    reasons = [r["reason"] for r in store.rejects(run.id)]
    assert sum("is used by different cases" in x for x in reasons) == 2
    assert sum("is a copy of" in x and "dups.jsonl:3" in x for x in reasons) == 1
    assert (run.read, run.evaluated, run.rejected) == (4, 1, 3)
    store.close()


def test_two_workers_store_the_same_bytes_as_one(tmp_path):
    cases = write_jsonl(tmp_path / "cases.jsonl", 150)
    one, two = (f"sqlite:///{tmp_path / n}" for n in ("one.db", "two.db"))
    invoke(batch, cases, "--db", one, "--rulebook", MINI)
    invoke(batch, cases, "--db", two, "--rulebook", MINI, "--workers", "2")
    assert snapshot(one) == snapshot(two)


# ---------------------------------------------------------------- kill -9 and resume

def _done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM cases WHERE status != 'pending'").fetchone()[0]
    except sqlite3.OperationalError:   # not created yet
        return 0


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_kill_9_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path):
    cases = write_jsonl(tmp_path / "cases.jsonl", 1500)
    clean, killed = tmp_path / "clean.db", tmp_path / "killed.db"
    invoke(batch, cases, "--db", f"sqlite:///{clean}", "--rulebook", MINI)

    proc = subprocess.Popen([*BATCH, str(cases), "--db", f"sqlite:///{killed}", "--rulebook", str(MINI),
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _done(killed) < 40 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _done(killed)
    assert 0 < done < 1500, f"the kill should land mid-run (done {done}); stderr: {proc.stderr.read()!r}"
    [listed] = [json.loads(x) for x in invoke(runs, "--db", f"sqlite:///{killed}", "--format", "json").output.splitlines()]
    assert listed["finished_at"] is None and listed["pending"] > 0
    assert "incomplete" in invoke(runs, "--db", f"sqlite:///{killed}").output
    # workers of a parent killed with -9 exit by themselves
    deadline = time.monotonic() + 10
    while not all(_gone(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(w) for w in workers), "orphaned workers"

    again = subprocess.run([*BATCH, str(cases), "--db", f"sqlite:///{killed}", "--rulebook", str(MINI)],
                           capture_output=True, text=True)
    assert again.returncode == 1, again.stderr   # the inputs hold rejects
    assert "read 1500  evaluated" in again.stdout
    assert snapshot(f"sqlite:///{killed}") == snapshot(f"sqlite:///{clean}")
    assert invoke(verify, "--db", f"sqlite:///{killed}").exit_code == 0   # the chain survived the kill


def test_kill_9_while_reading_then_resume(tmp_path):
    cases = write_jsonl(tmp_path / "cases.jsonl", 2000, seed=11)
    clean, killed = tmp_path / "clean.db", tmp_path / "killed.db"
    invoke(batch, cases, "--db", f"sqlite:///{clean}", "--rulebook", MINI)
    proc = subprocess.Popen([*BATCH, str(cases), "--db", f"sqlite:///{killed}", "--rulebook", str(MINI)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def some_read():
        try:
            with sqlite3.connect(killed, timeout=5) as conn:
                return conn.execute("SELECT count(*) FROM cases").fetchone()[0] > 0
        except sqlite3.OperationalError:
            return False

    deadline = time.monotonic() + 60
    while not some_read() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    subprocess.run([*BATCH, str(cases), "--db", f"sqlite:///{killed}", "--rulebook", str(MINI)],
                   capture_output=True, check=False)
    assert snapshot(f"sqlite:///{killed}") == snapshot(f"sqlite:///{clean}")
    assert invoke(verify, "--db", f"sqlite:///{killed}").exit_code == 0   # the chain survived the kill


# ---------------------------------------------------------------- usage and database errors

def test_usage_and_database_errors(tmp_path):
    csv_file = tmp_path / "f.csv"
    csv_file.write_text("case_id,kind,unit,date\n", "utf-8")
    no_roster = invoke(batch, csv_file, "--db", f"sqlite:///{tmp_path / 'x.db'}", "--rulebook", MINI)
    assert no_roster.exit_code == 2 and "--roster" in no_roster.output
    assert Store.open(f"sqlite:///{tmp_path / 'x.db'}").runs() == []    # no half-made run left behind
    missing = invoke(batch, tmp_path / "nope.jsonl")
    assert missing.exit_code == 2
    zero = invoke(batch, csv_file, "--workers", "0")
    assert zero.exit_code == 2
    cases = write_jsonl(tmp_path / "c.jsonl", 3)
    for url, says in (("nonsense", "not a database URL"),
                      ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot open database"),
                      (f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}", "cannot open database")):
        r = invoke(batch, cases, "--db", url, "--rulebook", MINI)
        assert r.exit_code == 1 and says in r.output and "Traceback" not in r.output, r.output
    assert invoke(batch, cases, "--db", "sqlite:///x.db", "--rulebook", tmp_path).exit_code == 1


# ---------------------------------------------------------------- CSV with a roster

ROSTER = {"units": UNITS + [{"id": "town2", "name": "某镇党委", "tier": "township"}], "people": PEOPLE}
CSV_ZH = """\
案件编号,问题编号,问题类型,单位,发生日期,责任人,金额（元）,照搬来源,超期天数,是否重复,问题描述,#备注
XC-1,F1,工作计划敷衍应付,town,2021/6/30,张某、p2,"52,000",peer,,否,照抄邻镇计划,x
XC-1,F2,压案不查,某镇纪委,2021年7月1日,,,,120,是,线索超期,
XC-2,,plan_perfunctory,town,2021-06-30,,,template,,,,
XC-3,F1,plan_perfunctory,town,2021-06-30,,abc,,,,,
XC-4,F1,计划敷衍,town,2021-06-30,,,,,,,
XC-5,F1,plan_perfunctory,某镇党委,2021-06-30,,,,,,,
,F9,plan_perfunctory,town,2021-06-30,,,,,,,
XC-6,F1,plan_perfunctory,town,2021-06-30,,,,,,,
XC-6,F2,plan_perfunctory,town,2021-06-30,,,,,,,,stray
"""


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(ROSTER, allow_unicode=True), "utf-8")
    return path


def test_csv_with_chinese_headers_and_a_roster(tmp_path, sqlite_url, roster):
    data = tmp_path / "findings.csv"
    data.write_text(CSV_ZH, "utf-8")
    r = invoke(batch, data, "--roster", roster, "--db", sqlite_url, "--rulebook", MINI)
    assert r.exit_code == 1
    store = Store.open(sqlite_url)
    [run] = store.runs()
    assert (run.read, run.evaluated, run.rejected) == (7, 2, 5)
    case = store.case_record(run.id, "XC-1")
    f1, f2 = case["findings"]
    assert f1 == {"id": "F1", "kind": "工作计划敷衍应付", "unit": "town", "date": "2021-06-30", "persons": ["p1", "p2"],
                  "facts": {"amount": 52000, "copied_from": "peer", "repeated": False}, "description": "照抄邻镇计划"}
    assert f2["unit"] == "town-jw" and f2["date"] == "2021-07-01" and f2["facts"] == {"days_overdue": 120, "repeated": True}
    assert store.determination(run.id, "XC-1")["recommendations"]
    reasons = {r["case_id"]: r["reason"] for r in store.rejects(run.id)}
    assert f"{data}: line 5, 金额（元）: expected a number, got 'abc'" == reasons["XC-3"]
    assert "line 6, 问题类型: unknown lapse kind '计划敷衍'" in reasons["XC-4"]
    assert "'某镇党委' is the name of town, town2; use the id" in reasons["XC-5"]
    assert f"{data}:8: 案件编号: required field is missing" == reasons[None]
    assert f"{data}: line 10: 13 cells but 12 columns" == reasons["XC-6"]   # the whole case, not one row
    store.close()


def test_csv_problems_with_the_file_itself(tmp_path, sqlite_url, roster):
    bad_header = tmp_path / "a.csv"
    bad_header.write_text("case_id,kind,unit,date,amout\nX,plan_perfunctory,town,2021-06-30,1\n", "utf-8")
    bad_roster = tmp_path / "roster2.yaml"
    bad_roster.write_text("units: [{id: town, tier: twonship}]\n", "utf-8")
    invoke(batch, bad_header, "--roster", roster, "--db", sqlite_url, "--rulebook", MINI)
    invoke(batch, bad_header, "--roster", bad_roster, "--db", sqlite_url, "--rulebook", MINI)
    store = Store.open(sqlite_url)
    first, second = store.runs()
    [r1] = store.rejects(first.id)
    assert "unknown column 'amout'; did you mean 'amount'?" in r1["reason"]
    [r2] = store.rejects(second.id)
    assert "roster2.yaml: units[0].tier: unknown tier 'twonship'; did you mean 'township'?" in r2["reason"]
    store.close()


# Hypothesis: findings written to a spreadsheet the way teams do (English or Chinese headers, names
# or ids, loose dates, thousands separators, yes/no in Chinese) read back as the same findings.

FACT_VALUES = {
    "amount": st.one_of(st.integers(0, 10**9), st.floats(0, 1e7, allow_nan=False).map(lambda x: round(x, 2))),
    "count": st.integers(0, 500), "days_overdue": st.integers(0, 900), "people": st.integers(0, 40),
    "years": st.integers(0, 20), "similarity": st.integers(0, 100).map(lambda k: k / 100),
    "repeated": st.booleans(), "reported": st.booleans(), "falsified": st.booleans(),
    "copied_from": st.sampled_from(["previous_year", "peer", "template"]),
    "consequence": st.sampled_from(["none", "bad_influence", "serious_loss", "major_loss"]),
}
ZH = {"case_id": "案件编号", "finding_id": "问题编号", "kind": "问题类型", "unit": "单位", "date": "发生日期",
      "from": "起始日期", "area": "领域", "persons": "责任人", "description": "问题描述", "amount": "金额",
      "count": "笔数", "days_overdue": "超期天数", "years": "年限", "people": "涉及人数", "repeated": "是否重复",
      "copied_from": "照搬来源", "similarity": "相似度", "consequence": "后果", "reported": "是否报告",
      "falsified": "是否造假"}
ZH_KIND = {t.id: t.label for t in bundled_domain().lapse_kinds}


@st.composite
def finding_rows(draw):
    end = dt.date(2018, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1500)))
    start = end - dt.timedelta(days=draw(st.integers(0, 400))) if draw(st.booleans()) else None
    facts = draw(st.dictionaries(st.sampled_from(sorted(FACT_VALUES)), st.just(None), max_size=4))
    facts = {k: draw(FACT_VALUES[k]) for k in facts}
    return {
        "case": draw(st.sampled_from(["C1", "C2", "案-3"])),
        "kind": draw(st.sampled_from(bundled_domain().ids("lapse kind"))),
        "unit": draw(st.sampled_from(["town", "town-jw"])),
        "date": end, "from": start,
        "area": draw(st.sampled_from([None, "finance", "工程"])),
        "persons": draw(st.lists(st.sampled_from(["p1", "p2", "p3"]), unique=True, max_size=2)),
        "facts": facts,
        "description": draw(st.sampled_from(["", "抄袭, \"引号\"\n换行", "plain"])),
    }


def _cell(col: str, value, rng: random.Random) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return rng.choice([("是", "否"), ("true", "false"), ("Y", "N")])[0 if value else 1]
    if isinstance(value, dt.date):
        return rng.choice([value.isoformat(), f"{value.year}/{value.month}/{value.day}",
                           f"{value.year}年{value.month}月{value.day}日"])
    if col == "amount" and rng.random() < 0.5:
        return f"{value:,}"
    if col == "similarity" and rng.random() < 0.5:
        return f"{round(value * 100)}%"
    return str(value)


@settings(max_examples=60, deadline=None, suppress_health_check=RELAXED)
@given(rows=st.lists(finding_rows(), min_size=1, max_size=8), chinese=st.booleans(), seed=st.integers(0, 99))
def test_csv_round_trip(rows, chinese, seed, mini, tmp_path):
    import csv
    import io

    rng = random.Random(seed)
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps(ROSTER, ensure_ascii=False), "utf-8")
    people = {p["id"]: p["name"] for p in PEOPLE}
    columns = ["case_id", "finding_id", "kind", "unit", "date", "from", "area", "persons", "description",
               *sorted(FACT_VALUES)]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([ZH[c] if chinese else c for c in columns])
    expected: dict[str, list[dict]] = {}
    for i, row in enumerate(rows):
        fid = f"F{i}"
        expected.setdefault(row["case"], []).append(
            {k: v for k, v in {"id": fid, "kind": row["kind"], "unit": row["unit"], "date": row["date"],
                               "from": row["from"], "area": row["area"], "persons": row["persons"],
                               "facts": row["facts"], "description": row["description"]}.items()
             if v not in (None, [], {}, "")})
        kind = ZH_KIND.get(row["kind"], row["kind"]) if chinese else row["kind"]
        persons = rng.choice(["、", ";", "，"]).join(people[p] if rng.random() < 0.5 else p for p in row["persons"])
        cells = {"case_id": row["case"], "finding_id": fid, "kind": kind, "unit": row["unit"], "date": row["date"],
                 "from": row["from"], "area": row["area"], "persons": persons, "description": row["description"],
                 **row["facts"]}
        w.writerow([_cell(c, cells.get(c), rng) for c in columns])
    data = buf.getvalue().encode("utf-8-sig" if chinese else "utf-8")
    records = read_all([Source(Path("t.csv"), file_digest(data), "csv", data)], roster, mini.facts)
    assert sorted(r.case_id for r in records) == sorted(expected)
    for r in records:
        assert r.body is not None, r.reason
        got = parse_case(json.loads(r.body), "got")
        want = parse_case({"schema": "duidan/case/v1", "case": {"id": r.case_id}, "units": ROSTER["units"],
                           "people": ROSTER["people"], "findings": expected[r.case_id]}, "want")
        # A case carries the part of the roster its findings reach (engine/intake.py Roster.part_for)
        # and the review date the whole roster gives it; what it decides is the same.
        assert got.findings == want.findings
        assert got.reviewed_on == want.reviewed_on
        assert {u.id for u in got.units} <= {u.id for u in want.units}
        assert {p.id for p in got.people} <= {p.id for p in want.people}


# ---------------------------------------------------------------- runs and diff

def _edition_2023(tmp_path) -> Path:
    """The mini rulebook, one edition later: the secretary's plain plan lapse now costs an admonition."""
    book = tmp_path / "rulebook-2023"
    shutil.copytree(MINI, book)
    meta = yaml.safe_load((book / "rulebook.yaml").read_text("utf-8"))
    meta["edition"] = "2023-01"
    (book / "rulebook.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), "utf-8")
    rules = parse_text((book / "rules.yaml").read_text("utf-8"), "rules.yaml")   # `on:` is a key, not true
    [rule] = [r for r in rules["rules"] if r["id"] == "P-PLAN-HEAD"]
    rule["form"] = "admonition"
    (book / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), "utf-8")
    return book


def test_runs_and_diff_between_rulebook_editions(tmp_path, sqlite_url):
    cases = write_jsonl(tmp_path / "cases.jsonl", 40, bad_every=0)
    invoke(batch, cases, "--db", sqlite_url, "--rulebook", MINI)
    invoke(batch, cases, "--db", sqlite_url, "--rulebook", _edition_2023(tmp_path))

    listed = invoke(runs, "--db", sqlite_url, "--format", "json")
    first, second = (json.loads(x) for x in listed.output.splitlines())
    assert (first["id"], second["id"]) == (1, 2)
    assert second["rulebook"]["edition"] == "2023-01" and second["pending"] == 0 and second["read"] == 40
    table = invoke(runs, "--db", sqlite_url)
    assert "finished" in table.output and "mini 2023-01" in table.output

    d = json.loads(invoke(diff, "1", "2", "--db", sqlite_url, "--format", "json").output)
    assert d["rulebook_changed"] and not d["cases_only_a"] and not d["cases_only_b"] and not d["input_changed"]
    assert d["changes"], "raising a form must change some recommendations"
    for c in d["changes"]:
        assert c["change"] == "changed" and c["subject"] == "person:p1" and c["track"] == "primary"
        # P-PLAN-HEAD went from criticism to admonition: every change is a raise (the heaviest
        # matched rule and the case's circumstance steps decide by how much)
        assert rank(bundled_domain(), "person", c["after"]["form"], c["after"]["sanction"]) > \
            rank(bundled_domain(), "person", c["before"]["form"], c["before"]["sanction"])
        assert "rulebook mini 2022-03 → mini 2023-01" in c["why"]
        assert any(w.startswith("rule P-PLAN-HEAD on F") and w.endswith("criticism → admonition") for w in c["why"])
    text = invoke(diff, "1", "2", "--db", sqlite_url)
    assert f"{len(d['changes'])} changed, 0 added, 0 removed" in text.output
    assert invoke(diff, "1", "7", "--db", sqlite_url).exit_code == 2
    same = json.loads(invoke(diff, "1", "1", "--db", sqlite_url, "--format", "json").output)
    assert same["changes"] == [] and same["unchanged"] > 0


def test_the_cli_default_store_is_the_stores_default():
    from duidan.cli import batch as cli_batch
    from duidan.store import DEFAULT_URL

    assert cli_batch.DEFAULT_URL == DEFAULT_URL


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.sampled_from(["x", "y"]), st.booleans()),
                max_size=12), st.randoms())
def test_repeated_case_ids_are_settled_in_the_store_as_deduplicate_decides(tmp_path_factory, rows, rnd):
    """Workers read in parallel and repeated case ids are settled in the database once all are in
    (Store.settle_duplicates); the oracle is intake.deduplicate over the whole list, in canonical
    order, as the batch did before. The order the rows arrive in does not matter."""
    from duidan.intake import Record, deduplicate
    from duidan.store import NewCase, NewReject

    records = [Record("in.jsonl", "sha256:in", i + 1, cid, None if bad else f'{{"b":"{body}"}}',
                      "bad" if bad else None) for i, (cid, body, bad) in enumerate(rows)]
    want = {(r.line, r.body is not None, r.reason) for r in deduplicate(records)}
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('dedup')}/s.db")
    run, _ = store.open_run("k", {"name": "m", "edition": "x", "digest": "sha256:b"}, [], "{}")
    shuffled = list(records)
    rnd.shuffle(shuffled)
    for r in shuffled:   # one at a time, in any order, as parallel readers would
        store.add_records(run.id, [NewCase(r.case_id, r.source, r.source_digest, r.line, sha256(r.body), r.body)]
                          if r.body else [], [] if r.body else [NewReject(r.source, r.source_digest, r.line,
                                                                          r.case_id, r.reason)])
    store.settle_duplicates(run.id)
    store.settle_duplicates(run.id)   # idempotent
    got = {(c["line"], True, None) for c in store.cases(run.id)}
    got |= {(r["line"], False, r["reason"]) for r in store.rejects(run.id)}
    store.close()
    assert got == want
