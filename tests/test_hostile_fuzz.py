"""Every input surface fuzzed with hostile values: case files (YAML, JSON), JSON Lines, CSV with a
roster, rulebook directories and command lines. Random trees, wrong types, huge and deep values,
every Unicode plane (lone surrogates included), control characters, duplicate keys, aliases, tags,
BOMs, CRLF, invalid UTF-8. Each must give exit 0, or exit 1 with a message naming the file, in
bounded time -- never a traceback, never an exception escaping, never a hang.

Run in-process (click's CliRunner) so that a few hundred examples take well under a minute; the
crash-class inputs (special files, a dying worker) are in test_hostile.py and test_hostile_batch.py,
in subprocesses with timeouts. Example counts are bounded for CI (`.ci/run` runs these as they are).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from duidan.api import Evaluator
from duidan.batch import evaluate_record
from duidan.cli.main import cli
from duidan.intake import expand, read_all
from duidan.store import Evaluated, Rejected

from conftest import MINI, RELAXED
from strategies import UNITS, cases, paths

SPECIAL = [
    "\x1b[31m", "\x1b]0;owned\x07", "\x1b]8;;http://x\x1b\\", "[/x]", "[bold]", "\x00", "\ufeff", "\u202e",
    "\u200b", "\r\n", "\r", "1:30", "1e-05", "0.00001", "2022-02-30", "9" * 400, "&a", "*a", "!!python/object",
    "<<: *a", "\ud800", "\udfff", "💥", "𠀀", "\U0010ffff", "null", "~", "on", "NaN", ".inf", "-0", "0x1f",
    "书记", "乡镇", "town", "p1", "F1", "'", '"', "\\", "{", "[", "#", "%", ",", "；", "\t",
]
HOSTILE_TEXT = st.one_of(st.sampled_from(SPECIAL), st.text(st.characters(), max_size=12),
                         st.text(st.characters(codec="utf-8"), max_size=6).map(lambda s: s * 3))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.00001, 1e-300, 1e16, -0.0]),
                    HOSTILE_TEXT, st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
TREES = st.recursive(SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                     st.dictionaries(HOSTILE_TEXT, kids, max_size=4)),
                     max_leaves=12)
# a deep tree, cheap to build: nested lists of a random depth
DEEP = st.integers(30, 3000).map(lambda n: json.loads("[" * n + "]" * n) if n < 900 else ["[" * n])

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=RELAXED, database=None)
SECONDS = 15    # one example, on a loaded 2-core machine


@st.composite
def hostile_case(draw) -> dict | list:
    data = copy.deepcopy(draw(cases(max_people=4, max_findings=2, max_violations=1)))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(list(paths(data))))
        value = draw(st.one_of(TREES, DEEP)) if draw(st.integers(0, 5)) else draw(DEEP)
        if not path:
            return value
        parent = data
        for p in path[:-1]:
            parent = parent[p]
        if isinstance(parent, dict) and draw(st.booleans()):
            parent[draw(HOSTILE_TEXT)] = value     # a new key, maybe a hostile one
        else:
            parent[path[-1]] = value
    return data


def _json_default(o):
    return o.isoformat() if isinstance(o, dt.date) else str(o)


@st.composite
def case_file_bytes(draw) -> tuple[str, bytes]:
    """(suffix, bytes) of a case file: YAML or JSON, with textual damage on top."""
    data = draw(hostile_case())
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    if suffix == ".yaml":
        try:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        except (yaml.YAMLError, RecursionError, ValueError):
            text = json.dumps(data, ensure_ascii=False, default=_json_default)
    else:
        text = json.dumps(data, ensure_ascii=draw(st.booleans()), default=_json_default)
    damage = draw(st.sampled_from(["none", "bom", "crlf", "dup", "alias", "tag", "cut", "junk", "lone"]))
    if damage == "bom":
        text = "\ufeff" + text
    elif damage == "crlf":
        text = text.replace("\n", "\r\n")
    elif damage == "dup":
        text = (text[:-1] + ', "units": 1}') if suffix == ".json" and text.endswith("}") else text + "\nunits: []\n"
    elif damage == "alias":
        text = 'x: &a ["' + "y" * 2000 + '"]\nz: [' + ",".join(["*a"] * 900) + "]\n" + text
    elif damage == "tag":
        text = "!!python/object/apply:os.system [echo owned]\n" + text
    elif damage == "cut":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif damage == "junk":
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(HOSTILE_TEXT) + text[i:]
    raw = text.encode("utf-8", "surrogatepass")
    if damage == "lone":
        raw += b"\xff\xfe\xc0"
    return suffix, raw


def _check_cli(result, path: Path | None, started: float) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__} escaped: {result.exception!r}\n{result.output[-800:]}")
    assert result.exit_code in (0, 1), (result.exit_code, result.output[-800:])
    assert "Traceback" not in result.output
    if result.exit_code == 1 and path is not None:
        assert str(path) in result.output, result.output[-800:]
    assert time.monotonic() - started < SECONDS


@SETTINGS
@given(file=case_file_bytes())
def test_hostile_case_files(tmp_path_factory, file):
    suffix, raw = file
    path = tmp_path_factory.mktemp("c") / f"case{suffix}"
    path.write_bytes(raw)
    started = time.monotonic()
    for fmt in ("text", "json"):
        r = CliRunner().invoke(cli, ["evaluate", str(path), "--format", fmt, "--rulebook", str(MINI)])
        _check_cli(r, path, started)
        event(f"evaluate --format {fmt}: exit {r.exit_code}")
        if r.exit_code == 0 and fmt == "text":
            assert "\x1b" not in r.output and "\x07" not in r.output and "\u202e" not in r.output


def _records_outcomes(inputs: list[Path], roster: Path | None, ev: Evaluator):
    records = read_all(expand(inputs, exclude=roster), roster, ev.rulebook.facts)
    for r in records:
        event("read: rejected" if r.body is None else "read: a case")
        if r.body is None:
            assert r.reason and str(r.source) in r.reason, r
            r.reason.encode("utf-8")    # storable text
            continue
        out = evaluate_record(ev, r.label, r.body)
        event(f"evaluated: {type(out).__name__}")
        assert isinstance(out, (Evaluated, Rejected))
        if isinstance(out, Rejected):
            assert "internal error" not in out.reason, out.reason
            assert r.source in out.reason or r.label in out.reason, out.reason
    return records


@settings(max_examples=60, deadline=None, suppress_health_check=RELAXED, database=None)
@given(lines=st.lists(st.one_of(hostile_case().map(lambda d: json.dumps(d, default=_json_default)),
                                HOSTILE_TEXT, DEEP.map(json.dumps)), min_size=1, max_size=6),
       crlf=st.booleans())
def test_hostile_json_lines(tmp_path_factory, mini, lines, crlf):
    path = tmp_path_factory.mktemp("j") / "in.jsonl"
    path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode("utf-8", "surrogatepass"))
    started = time.monotonic()
    _records_outcomes([path], None, _evaluator(mini))
    assert time.monotonic() - started < SECONDS


_EVALUATORS: dict[str, Evaluator] = {}


def _evaluator(book) -> Evaluator:
    return _EVALUATORS.setdefault(book.digest, Evaluator(book))


CSV_COLUMNS = ["case_id", "kind", "unit", "date", "from", "area", "persons", "amount", "similarity",
               "copied_from", "description", "title", "reviewed_on", "finding_id", "金额", "#note", ""]


@st.composite
def csv_and_roster(draw):
    cols = draw(st.lists(st.sampled_from(CSV_COLUMNS), min_size=1, max_size=8, unique=True))
    if draw(st.integers(0, 3)):
        cols = list(dict.fromkeys(["case_id", "kind", "unit", "date", *cols]))
    good = {"case_id": ["C1", "C2"], "kind": ["plan_perfunctory", "工作计划敷衍应付", "clue_shelved"],
            "unit": ["town", "某镇党委"], "date": ["2021-01-01", "2021/6/30", "2021年6月31日", "2021-02-30"],
            "from": ["", "2020-01-01"], "area": ["", "finance", "financ"], "persons": ["", "p1", "p1、p2", "张某"],
            "amount": ["52,000", "1e-05", "0.00001", "-1"], "similarity": ["80%", "0.00001", "1.5"],
            "copied_from": ["peer", "同行"], "金额": ["250000"]}
    hostile_row = st.lists(st.one_of(st.sampled_from(["", " ", "C1"]), HOSTILE_TEXT), max_size=len(cols) + 1)
    good_row = st.tuples(*[st.one_of(st.sampled_from(good.get(c, ["", "x"])), HOSTILE_TEXT)
                           if draw(st.integers(0, 5)) == 0 else st.sampled_from(good.get(c, ["", "x"]))
                           for c in cols]).map(list)
    rows = draw(st.lists(st.one_of(good_row, good_row, hostile_row), max_size=6))

    def quote(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c

    sep = draw(st.sampled_from(["\n", "\r\n"]))
    text = sep.join(",".join(quote(c) for c in r) for r in [cols, *rows])
    if draw(st.integers(0, 4)) == 0:
        text += sep + 'C9,plan_perfunctory,town,2021-01-01,"open quote' + sep + "C8,x,town,2021-01-01"
    roster = {"units": UNITS, "people": [{"id": "p1", "name": "张某", "unit": "town", "post": "secretary"},
                                         {"id": "p2", "name": "李某", "unit": "town", "post": "member",
                                          "portfolio": ["finance"]}]}
    if draw(st.integers(0, 3)) == 0:
        roster = draw(hostile_case())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace"), roster


@settings(max_examples=60, deadline=None, suppress_health_check=RELAXED, database=None)
@given(files=csv_and_roster())
def test_hostile_csv_with_roster(tmp_path_factory, mini, files):
    raw, roster = files
    d = tmp_path_factory.mktemp("csv")
    (d / "f.csv").write_bytes(raw)
    (d / "roster.json").write_text(json.dumps(roster, ensure_ascii=False, default=_json_default), "utf-8",
                                   errors="surrogatepass")
    started = time.monotonic()
    _records_outcomes([d / "f.csv"], d / "roster.json", _evaluator(mini))
    assert time.monotonic() - started < SECONDS


@settings(max_examples=40, deadline=None, suppress_health_check=RELAXED, database=None)
@given(data=st.data())
def test_hostile_rulebook_directories(tmp_path_factory, data):
    import shutil

    d = tmp_path_factory.mktemp("book") / "book"
    shutil.copytree(MINI, d)
    files = sorted(p for p in d.rglob("*.yaml"))
    target = data.draw(st.sampled_from(files))
    text = target.read_text(encoding="utf-8")
    how = data.draw(st.sampled_from(["insert", "replace", "truncate", "bytes"]))
    if how == "insert":
        i = data.draw(st.integers(0, len(text)))
        text = text[:i] + data.draw(HOSTILE_TEXT) + text[i:]
    elif how == "replace":
        lines = text.splitlines()
        k = data.draw(st.integers(0, len(lines) - 1))
        key = lines[k].split(":")[0]
        lines[k] = f"{key}: {json.dumps(data.draw(TREES), default=_json_default)}"
        text = "\n".join(lines)
    elif how == "truncate":
        text = text[: data.draw(st.integers(0, len(text)))]
    target.write_bytes(text.encode("utf-8", "surrogatepass") + (b"\xff" if how == "bytes" else b""))
    started = time.monotonic()
    r = CliRunner().invoke(cli, ["rules", "check", str(d)])
    _check_cli(r, None, started)
    event(f"rules check: exit {r.exit_code}")
    if r.exit_code == 1:
        assert str(d) in r.output, r.output[-600:]


TOKENS = ["evaluate", "batch", "runs", "diff", "vocab", "schema", "new", "case", "lists", "show", "rules",
          "check", "--format", "json", "text", "--rulebook", "--engine", "reference", "--limit", "max_bytes=1",
          "max_depth=0", "max_bytes=x", "--strict", "--redact", "--explain", "--db", "--top", "--workers",
          "--tier", "--on", "--list", "primary", "-1", "0", "99999999999999999999999", "1e-05", "--", "-"]


@settings(max_examples=150, deadline=None, suppress_health_check=RELAXED, database=None)
@given(command=st.sampled_from([["evaluate", str(MINI.parent.parent.parent / "cases" / "township_copied_plans.yaml")],
                                 ["vocab"], ["schema"], ["new", "case"], ["runs"], ["diff"], ["lists", "show"],
                                 ["rules", "check"], ["evaluate"], []]),
       rest=st.lists(st.one_of(st.sampled_from(TOKENS), HOSTILE_TEXT), max_size=6))
def test_hostile_command_lines(tmp_path_factory, command, rest):
    argv = command + rest
    d = tmp_path_factory.mktemp("argv")
    argv = [a for a in argv if "\x00" not in a]   # the OS cannot pass NUL in an argument
    # keep every store inside the test's directory, and batch away from real input
    argv = [f"sqlite:///{d}/x.db" if a == "--db" else a for a in argv]
    if "batch" in argv and argv.index("batch") == 0:
        argv = [*argv, "--db", f"sqlite:///{d}/b.db"]
    started = time.monotonic()
    r = CliRunner().invoke(cli, argv, env={"DUIDAN_DB": f"sqlite:///{d}/env.db"})
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"{argv!r}: {type(r.exception).__name__} escaped: {r.exception!r}\n{r.output[-600:]}")
    assert r.exit_code in (0, 1, 2), (argv, r.exit_code, r.output[-600:])
    event(f"exit {r.exit_code}")
    assert "Traceback" not in r.output
    assert time.monotonic() - started < 60


def test_a_command_leaves_the_process_limits_as_it_found_them():
    from duidan.limits import Limits, current

    before = current()
    r = CliRunner().invoke(cli, ["evaluate", "/nonexistent.yaml", "--limit", "max_bytes=1"])
    assert r.exit_code == 1
    assert current() == before == Limits() or current() == before


@settings(max_examples=600, deadline=None, database=None)
@given(tree=TREES, depth=st.integers(1, 6), items=st.integers(1, 5), string=st.integers(0, 80),
       nodes=st.integers(1, 60))
def test_the_fast_limit_check_never_passes_what_the_exact_walk_refuses(tree, depth, items, string, nodes):
    """check_tree first runs a loop without field paths (limits._within); only when it says no
    does the exact walk run, to name the first problem. So _within saying yes must imply the
    walk passes, for any tree and any limits; otherwise a limit could be bypassed."""
    from duidan.limits import Limits, _walk, _within

    lim = Limits(max_depth=depth, max_items=items, max_string=string, max_nodes=nodes)
    if _within(tree, lim):
        try:
            _walk(tree, (), 0, lim, [lim.max_nodes])
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"_within passed what _walk refuses: {e!r}") from None
    event(f"within: {_within(tree, lim)}")
