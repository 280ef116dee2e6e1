"""The reproductions of the hostile-input report (issue 9), each one a test: every one of these
crashed, hung, blew up the memory, printed a traceback or silently changed the answer. Each must now
give exit 0 or exit 1 with a one-paragraph message naming the file (and the field), in bounded time.

Hang- and crash-class inputs run `duidan` as its own process with a timeout; the rest run
in-process through click's CliRunner, which is fast."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from duidan.cli.main import cli
from duidan.documents import read_document
from duidan.store import Store

from conftest import MINI, ROOT

CLI = [sys.executable, "-m", "duidan.cli"]
GOOD = ROOT / "cases" / "township_copied_plans.yaml"
DUAL = ROOT / "cases" / "village_dual_signature.yaml"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def proc(*args, timeout=120, env=None):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


def assert_clean_failure(r, *needles):
    """Exit 1, no traceback, a message that names what it must (the file, the field)."""
    out = (r.output if hasattr(r, "output") else r.stdout + r.stderr)
    code = r.exit_code if hasattr(r, "exit_code") else r.returncode
    if hasattr(r, "exception") and r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"exception escaped: {r.exception!r}\n{out}")
    assert code == 1, (code, out[-1500:])
    assert "Traceback" not in out, out[-1500:]
    for n in needles:
        assert n in out, (n, out[-1500:])
    return out


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def good_text() -> str:
    return GOOD.read_text(encoding="utf-8")


# ---------------------------------------------------------------- special files, sizes, bombs

def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    r = proc("evaluate", fifo, timeout=60)
    assert_clean_failure(r, str(fifo), "FIFO")
    jsonl = tmp_path / "in.jsonl"
    os.mkfifo(jsonl)
    r = proc("batch", jsonl, "--db", f"sqlite:///{tmp_path / 'a.db'}", "--rulebook", MINI, timeout=120)
    assert_clean_failure(r, "FIFO")
    roster = tmp_path / "roster.yaml"
    os.mkfifo(roster)
    write(tmp_path / "f.csv", "case_id,kind,unit,date\nC1,plan_perfunctory,town,2021-01-01\n")
    r = proc("batch", tmp_path / "f.csv", "--roster", roster, "--db", f"sqlite:///{tmp_path / 'b.db'}",
             "--rulebook", MINI, timeout=120)
    assert_clean_failure(r, "FIFO")


def test_dev_zero_and_directories_are_refused(tmp_path):
    r = proc("evaluate", "/dev/zero", timeout=60)
    assert_clean_failure(r, "/dev/zero", "only regular files")
    r = run("evaluate", tmp_path)
    assert_clean_failure(r, str(tmp_path), "directory")


def test_a_file_over_the_size_limit_is_refused_and_the_limit_can_be_raised(tmp_path):
    case = write(tmp_path / "c.yaml", good_text().replace("description: 2022年度", "description: " + "长" * 60_000, 1))
    r = run("evaluate", case, "--limit", "max_bytes=100KiB")   # the rulebook's files are smaller
    out = assert_clean_failure(r, str(case), "over the limit", "max_bytes")
    assert "--limit" in out    # the message says how to raise it
    assert run("evaluate", case, "--limit", "max_bytes=64MiB").exit_code == 0


ALIAS_BOMB = """schema: duidan/case/v1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bombs_are_refused_in_evaluate_and_in_batch(tmp_path):
    bomb = write(tmp_path / "bomb.yaml", ALIAS_BOMB)
    big = "x" * 1_000_000
    fat = write(tmp_path / "fat.yaml", good_text().replace(
        "description: 2022年度", "description: &big " + big + "\n    note_x: 2022年度", 1)
        .replace("case:\n", "extra: [" + ", ".join(["*big"] * 3000) + "]\ncase:\n", 1))
    for path in (bomb, fat):
        t = time.monotonic()
        r = run("evaluate", path)
        assert_clean_failure(r, str(path))
        assert time.monotonic() - t < 20
    ok = write(tmp_path / "ok.yaml", good_text())
    t = time.monotonic()
    r = run("batch", bomb, fat, ok, "--db", f"sqlite:///{tmp_path / 'b.db'}", "--rulebook", ROOT / "rules")
    assert time.monotonic() - t < 60
    out = assert_clean_failure(r, "evaluated 1", "rejected 2")
    assert "aliases" in out


def test_a_hundred_thousand_findings_are_refused_quickly(tmp_path):
    data = read_document(GOOD)
    data = json.loads(json.dumps(data, default=str))
    f = data["findings"][0]
    data["findings"] = [dict(f, id=f"F{i}") for i in range(100_000)]
    path = write(tmp_path / "many.json", json.dumps(data, ensure_ascii=False))
    t = time.monotonic()
    r = run("evaluate", path, "--limit", "max_bytes=64MiB")
    assert_clean_failure(r, str(path), "findings", "max_items")
    assert time.monotonic() - t < 30


# ---------------------------------------------------------------- tracebacks -> messages

@pytest.mark.parametrize("name, text, needles", [
    ("bad_date", good_text().replace("date: 2022-02-28", "date: 2022-02-30"),
     ["line", "2022-02-30", "closest valid date is 2022-02-28"]),
    ("list_key", good_text() + "? [a, b]\n: 1\n", ["mapping key must be a plain value"]),
    ("huge_int", good_text().replace("similarity: 0.92", "similarity: " + "9" * 5000), ["5000 digits"]),
    ("sexagesimal", good_text().replace("similarity: 0.92", "similarity: 1:30"),
     ["facts.similarity", "expected a number, got '1:30'"]),
    ("esc_in_id", good_text().replace("id: F1", 'id: "F\\e[31m1"'), ["findings[0].id"]),
    ("bidi_in_id", good_text().replace("id: F1", 'id: "F\\u202e1"'), ["findings[0].id"]),
    ("zero_width_id", good_text().replace("id: F1", 'id: "F\\u200b1"'), ["findings[0].id"]),
])
def test_yaml_problems_are_messages(tmp_path, name, text, needles):
    path = write(tmp_path / f"{name}.yaml", text)
    assert_clean_failure(run("evaluate", path), str(path), *needles)


def _good_json() -> dict:
    return json.loads(json.dumps(read_document(GOOD), default=str))


@pytest.mark.parametrize("name, text, needles", [
    ("deep", "[" * 1000 + "]" * 1000, ["nested more than"]),
    ("deep_in_case", json.dumps(_good_json())[:-1] + ', "x": ' + "[" * 1000 + "]" * 1000 + "}",
     ["nested more than"]),
    ("huge_int", json.dumps(_good_json()).replace('"similarity": 0.92', '"similarity": ' + "7" * 5000),
     ["5000 digits"]),
    ("surrogate", json.dumps(_good_json()).replace('"title": "', '"title": "\\ud800', 1),
     ["case.title", "lone surrogate"]),
    ("duplicate_key", json.dumps(_good_json())[:-1] + ', "units": []}', ["duplicate key 'units'"]),
    ("nan", json.dumps(_good_json()).replace('"similarity": 0.92', '"similarity": NaN'), ["NaN"]),
    ("undeclared_inf", json.dumps(_good_json()).replace('"similarity": 0.92', '"x": 1e999'),
     ["finite"]),
])
def test_json_problems_are_messages(tmp_path, name, text, needles):
    path = write(tmp_path / f"{name}.json", text)
    assert_clean_failure(run("evaluate", path), str(path), *needles)


def test_a_thousand_nested_units_is_a_message(tmp_path):
    data = _good_json()
    data["units"] += [{"id": f"u{i}", "tier": "village", **({"parent": f"u{i - 1}"} if i else {})}
                      for i in range(1000)]
    data["findings"][0]["unit"] = "u999"
    path = write(tmp_path / "chain.json", json.dumps(data, ensure_ascii=False))
    assert_clean_failure(run("evaluate", path), str(path), "parent chain", "max_chain")


def test_bad_db_urls_and_huge_run_ids_are_messages(tmp_path):
    for url in ("postgresql+psycopg://postgres@127.0.0.1:notaport/x", "sqlite:///" + str(tmp_path / "no" / "x.db")):
        r = run("runs", "--db", url)
        assert r.exit_code == 1 and "Traceback" not in r.output, r.output
        assert isinstance(r.exception, SystemExit)
    r = run("diff", "99999999999999999999999", "1", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert r.exit_code == 2 and "99999999999999999999999" in r.output and r.exception is not None


def test_read_only_commands_never_create_a_database(tmp_path):
    db = tmp_path / "typo.db"
    r = run("runs", "--db", f"sqlite:///{db}")
    assert_clean_failure(r, "no database at")
    assert not db.exists()
    r = run("diff", "1", "2", "--db", f"sqlite:///{db}")
    assert_clean_failure(r, "no database at")
    assert not db.exists()


def test_rich_markup_and_escapes_in_stored_values_and_paths(tmp_path):
    """`[/x]` in a stored value or an input path made rich raise on every `duidan runs`; ESC and
    OSC in a title, a name or a unit reached the terminal raw."""
    d = tmp_path / "[" / "x]\x1b]0;owned\x07dir"    # the path holds `[/x]`
    d.mkdir(parents=True)
    text = (good_text().replace("name: 川兴镇党委", 'name: "川兴\\e[2J镇[/x]"')
            .replace("title: 某镇党风廉政建设工作计划与述责述廉报告敷衍应付", 'title: "\\e]0;owned\\a某镇[/bold]"', 1)
            .replace("name: 李某", 'name: "李\\u202e某"'))
    case = write(d / "c.yaml", text)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    r = run("batch", case, "--db", db)
    assert r.exit_code == 0, r.output
    for out in (r.output, run("runs", "--db", db).output, run("evaluate", case).output):
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, out
    r = run("runs", "--db", db)
    assert r.exit_code == 0 and "[/x]" in r.output, r.output
    js = run("evaluate", case, "--format", "json").output
    assert "\\u001b" in js or "\x1b" in json.loads(js)["title"]    # JSON keeps the exact value


def test_new_sqlite_stores_are_readable_by_their_owner_only(tmp_path):
    db = tmp_path / "private.db"
    r = run("batch", GOOD, "--db", f"sqlite:///{db}")
    assert r.exit_code == 0, r.output
    assert (db.stat().st_mode & 0o777) == 0o600


# ---------------------------------------------------------------- one bad record, one reject

def test_evaluate_goes_on_past_every_bad_file(tmp_path):
    bad = [write(tmp_path / "date.yaml", good_text().replace("2022-02-28", "2022-02-30")),
           write(tmp_path / "deep.json", "[" * 1000 + "]" * 1000),
           write(tmp_path / "surrogate.json", '{"schema": "\\udc00"}'),
           tmp_path / "missing.yaml"]
    r = run("evaluate", bad[0], GOOD, bad[1], bad[2], bad[3], DUAL, "--format", "json")
    assert r.exit_code == 1
    assert [json.loads(x)["case"] for x in r.stdout.splitlines()] == ["XC-2022-004", "XC-2021-031"]
    for b in bad:
        assert str(b) in r.stderr


def test_batch_stores_every_valid_case_whatever_else_is_in_the_inputs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    write(d / "date.yaml", good_text().replace("2022-02-28", "2022-02-30"))
    write(d / "deep.json", "[" * 1000 + "]" * 1000)
    write(d / "key.yaml", good_text() + "? [a]\n: 1\n")
    write(d / "big.yaml", good_text().replace("similarity: 0.92", "similarity: " + "9" * 5000))
    write(d / "bomb.yaml", ALIAS_BOMB)
    write(d / "nul.json", json.dumps(_good_json(), ensure_ascii=False).replace("李某", "李\\u0000某"))
    write(d / "ok.yaml", good_text())
    lines = [json.dumps(_good_json() | {"case": {"id": "J1"}}), "[" * 5000, '{"a": 1, "a": 2}',
             json.dumps(_good_json() | {"case": {"id": "J2", "title": "\ud800"}}, ensure_ascii=True)]
    write(d / "x.jsonl", "\n".join(lines) + "\n")
    os.mkfifo(d / "pipe.yaml")
    r = proc("batch", d, "--db", f"sqlite:///{tmp_path / 'b.db'}", timeout=240)
    out = assert_clean_failure(r, "evaluated 2", "rejected 9")
    assert "NUL character" in out, out


def test_a_nul_in_a_name_is_a_reject_on_postgresql_too(tmp_path, pg_url):
    (tmp_path / "nul.json").write_text(json.dumps(_good_json(), ensure_ascii=False).replace("李某", "李\\u0000某"), "utf-8")
    for _ in range(2):   # and on every rerun
        r = run("batch", tmp_path / "nul.json", GOOD, "--db", pg_url)
        assert_clean_failure(r, "evaluated 1", "NUL")


def test_csv_an_unterminated_quote_does_not_swallow_the_next_row(tmp_path):
    roster = tmp_path / "roster.yaml"
    roster.write_text(json.dumps({"units": [{"id": "town", "tier": "township"}],
                                  "people": [{"id": "p1", "unit": "town", "post": "secretary"}]}), "utf-8")
    csv = write(tmp_path / "f.csv", "case_id,kind,unit,date,description\n"
                                    'C1,plan_perfunctory,town,2021-01-01,"open quote\n'
                                    "C2,plan_perfunctory,town,2021-01-02,fine\n")
    r = run("batch", csv, "--roster", roster, "--db", f"sqlite:///{tmp_path / 'c.db'}", "--rulebook", MINI)
    assert_clean_failure(r, "f.csv", "invalid CSV")


def test_pruned_roster_decides_what_the_whole_roster_decides(tmp_path, bundled):
    """A CSV case carries only the part of the roster its findings reach (so a large roster is not
    copied into every case): the recommendations are those of the whole roster."""
    from duidan.api import Evaluator
    from duidan.case import parse_case
    from duidan.intake import expand, read_all

    case = read_document(DUAL)
    extra_units = [{"id": f"x{i}", "name": f"某单位{i}", "tier": "township"} for i in range(300)]
    extra_people = [{"id": f"q{i}", "name": f"某人{i}", "unit": f"x{i}", "post": "secretary"} for i in range(300)]
    roster = {"units": case["units"] + extra_units, "people": case["people"] + extra_people}
    (tmp_path / "roster.json").write_text(json.dumps(roster, default=str, ensure_ascii=False), "utf-8")
    f = case["findings"][0]
    write(tmp_path / "f.csv", "case_id,finding_id,kind,unit,date,from,area,persons,amount,count\n"
          f"K1,F1,{f['kind']},{f['unit']},{f['date']},{f['from']},{f['area']},p3,52000,12\n")
    (rec,) = read_all(expand([tmp_path / "f.csv"]), tmp_path / "roster.json", bundled.facts)
    assert rec.body is not None, rec.reason
    pruned = json.loads(rec.body)
    assert len(pruned["units"]) < 10 and len(pruned["people"]) < 10
    whole = dict(pruned, units=roster["units"], people=roster["people"])
    whole["case"] = {"id": "K1"}
    ev = Evaluator(bundled)
    a = ev.evaluate(parse_case(pruned, "pruned")).to_dict()["recommendations"]
    b = ev.evaluate(parse_case(json.loads(json.dumps(whole, default=str)), "whole")).to_dict()["recommendations"]
    assert a == b


def test_store_rows_stay_consistent_after_rejects(tmp_path):
    """Rejected records never leave a pending case behind (sqlite, read back directly)."""
    db = tmp_path / "s.db"
    write(tmp_path / "bad.json", "[" * 1000 + "]" * 1000)
    run("batch", tmp_path / "bad.json", GOOD, "--db", f"sqlite:///{db}")
    con = sqlite3.connect(db)
    try:
        assert con.execute("select count(*) from cases where status = 'pending'").fetchone() == (0,)
    finally:
        con.close()
    store = Store.open(f"sqlite:///{db}", create=False)
    store.close()


# ---------------------------------------------------------------- nothing silent: warnings

def test_an_undeclared_fact_an_unmatched_area_and_a_person_not_in_post_are_warnings(tmp_path):
    """`金额: 250000` instead of `amount` used to be kept and ignored (the form silently dropped);
    an area nobody covers silently dropped the member; a named person out of post was left out."""
    text = (DUAL.read_text(encoding="utf-8").replace("amount: 52000", "金额: 52000")
            .replace("area: finance", "area: financ").replace("persons: [p3]", "persons: [p3, p4]")
            .replace("post: staff}", "post: staff, to: 2019-01-01}"))
    case = write(tmp_path / "w.yaml", text)
    r = run("evaluate", case, "--format", "json")
    assert r.exit_code == 0, r.output
    det = json.loads(r.output)
    kinds = {(w["kind"], w["where"]) for w in det["warnings"]}
    assert kinds == {("undeclared_fact", "findings[F1].facts.金额"), ("area_unmatched", "findings[F1].area"),
                     ("person_not_in_post", "findings[F1].persons[p4]")}, kinds
    assert any("amount" in w["message"] for w in det["warnings"])       # did you mean
    assert any("finance" in w["message"] for w in det["warnings"])
    text_out = run("evaluate", case).output
    assert "warnings (3)" in text_out and "findings[F1].facts.金额" in text_out
    assert_clean_failure(run("evaluate", case, "--strict"), str(case), "--strict", "findings[F1].area")
    # the warnings are part of the record: same decision without them, different digest
    plain = json.loads(run("evaluate", DUAL, "--format", "json").output)
    assert "warnings" not in plain        # absent when empty: existing digests are unchanged
    assert plain["digest"] != det["digest"]
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert run("batch", case, "--db", db).exit_code == 0
    assert_clean_failure(run("batch", case, "--db", db, "--strict"), "rejected 1", "--strict")


# ---------------------------------------------------------------- personal data

def test_redact_replaces_names_with_stable_keyed_pseudonyms(tmp_path):
    from duidan.privacy import KEY_ENV

    names = ["马某", "沙某", "吉某", "阿某"]
    a = run("evaluate", DUAL, "--redact", env={KEY_ENV: "k1"})
    b = run("evaluate", DUAL, "--redact", "--format", "json", env={KEY_ENV: "k1"})
    c = run("evaluate", DUAL, "--redact", env={KEY_ENV: "k2"})
    for r in (a, b, c):
        assert r.exit_code == 0, r.output
        assert not any(n in r.output for n in names), r.output
    pseud = {rec["subject"]["name"] for rec in json.loads(b.output)["recommendations"]
             if rec["subject"]["kind"] == "person"}
    assert pseud and all(p.startswith("人员-") and p in a.output for p in pseud)   # same key: same names
    assert not any(p in c.output for p in pseud)                                    # another key: unlinkable
    plain = json.loads(run("evaluate", DUAL, "--format", "json").output)
    assert json.loads(b.output)["digest"] == plain["digest"]    # the digest of the real determination
    bad = write(tmp_path / "bad.yaml", DUAL.read_text(encoding="utf-8").replace("post: staff}", "post: 职员}"))
    r = run("batch", bad, DUAL, "--db", f"sqlite:///{tmp_path / 'r.db'}", "--redact")
    assert r.exit_code == 1 and "reason withheld" in r.output and "职员" not in r.output, r.output


# ---------------------------------------------------------------- unreadable files

def _unprivileged(*args):
    """`duidan ARGS` without the power to read what its permissions forbid. Tests run as root in CI,
    and root reads everything: drop the capabilities that let it (setpriv, util-linux)."""
    import shutil

    cmd = [*CLI, *map(str, args)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def test_an_unreadable_file_among_several_is_one_reject(tmp_path):
    locked = write(tmp_path / "locked.yaml", good_text())
    locked.chmod(0)
    r = _unprivileged("evaluate", locked, DUAL, "--format", "json")
    out = assert_clean_failure(r, str(locked), "permission denied")
    assert json.loads(r.stdout)["case"] == "XC-2021-031"
    r = _unprivileged("batch", locked, DUAL, "--db", f"sqlite:///{tmp_path / 'u.db'}")
    out = assert_clean_failure(r, "evaluated 1", "rejected 1", str(locked))
    assert "permission denied" in out


def test_a_rulebook_directory_without_read_permission_is_a_message(tmp_path):
    import shutil

    book = tmp_path / "book"
    shutil.copytree(MINI, book)
    book.chmod(0)
    try:
        r = _unprivileged("evaluate", GOOD, "--rulebook", book)
        assert_clean_failure(r, str(book), "invalid rulebook", "ermission denied")
    finally:
        book.chmod(0o755)
    rules = book / "rules.yaml"
    rules.chmod(0)
    r = _unprivileged("rules", "check", book)
    assert_clean_failure(r, str(rules), "permission denied")


def test_a_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "case.yaml"
    link.symlink_to("/dev/zero")
    r = proc("evaluate", link, timeout=60)
    assert_clean_failure(r, str(link), "only regular files")
