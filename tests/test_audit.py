"""The auditor's commands on a real store (SQLite here; PostgreSQL in test_audit_pg.py): explain and
why-not for every example case, tamper evidence (plain SQL edits, deletes, inserts, reorders named
by verify), replay, reviews, show and export."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

from duidan.audit import source_from_file, source_from_store
from duidan.cli.batch import batch, runs
from duidan.cli.main import cli
from duidan.explain import conditions, explain, why_not
from duidan.reference import candidate_matches
from duidan.store import Store, StoreError

from conftest import ROOT

CASES = sorted((ROOT / "cases").glob("*.yaml"))


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The example cases, stored once by `duidan batch` (the bundled rulebook)."""
    path = tmp_path_factory.mktemp("audit") / "duidan.db"
    url = f"sqlite:///{path}"
    r = CliRunner().invoke(batch, [str(ROOT / "cases"), "--db", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return url


@pytest.fixture
def copy_of(stored, tmp_path):
    """A private copy of the stored examples, for tests that change the store."""
    target = tmp_path / "copy.db"
    shutil.copy(stored.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


# ---------------------------------------------------------------- explain

@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_explain_names_rule_clause_text_and_why_the_person(path, stored, bundled):
    """For every example case and every recommendation resting on a matched rule, the stored
    explanation names each rule, quotes each clause it cites with list and edition, and says why
    this subject: the relation and, for a person, the post held during the lapse period."""
    case_id = yaml.safe_load(path.read_text("utf-8"))["case"]["id"]
    store = Store.open(stored)
    try:
        src, _ = source_from_store(store, case_id)
    finally:
        store.close()
    data = explain(src)
    assert data["recommendations"], "every example case makes at least one recommendation"
    for rec in data["recommendations"]:
        out = run_cli("explain", rec["id"], "--db", stored)
        assert out.exit_code == 0, out.output
        text = out.output
        for m in rec["rules"]:
            assert m["rule"] in text and m["title"] in text
            # recomputed with the reference semantics over the engine's own candidate fact: every
            # condition of a match the engine made holds (same semantics, not a second opinion)
            assert m["conditions"] and m["holds"], (rec["id"], m["rule"])
        for c in rec["clauses"]:
            source = "清单施行前的国家规定" if c.get("source") == "baseline" else f"{c['edition']}版"
            assert f"{c['id']}（" in text and c["text"] in text and source in text
        assert "4 为何是此人" in text
        s = rec["subject"]
        if s["kind"] == "person":
            assert s["name"] in text
            for w in rec["why"]:
                held = w["held"]
                assert f"{held['from'] or '…'}至{held['to'] or '今'}" in text   # the tenure, as held
        assert "6 结论" in text and "决定" in text
    # the same chain from the case file itself, evaluated now
    from_file = explain(source_from_file(str(path), bundled))
    assert [r["rules"] for r in from_file["recommendations"]] == [r["rules"] for r in data["recommendations"]]


def test_explain_json_is_the_chain_as_data(stored):
    out = run_cli("explain", "XC-2021-017/R1", "--db", stored, "--format", "json")
    data = json.loads(out.output)
    [rec] = data["recommendations"]
    assert rec["subject"]["name"] == "张某" and rec["subject"]["unit_name"] == "红旗村党支部"
    cond = {(m["rule"], c["name"]): c for m in rec["rules"] for c in m["conditions"]}
    # the 200K rule met its amount test with the finding's amount
    assert cond[("PRI-VIL-DUALSIGN-HEAD-200K", "amount")]["actual"] == 380000
    assert cond[("PRI-VIL-DUALSIGN-HEAD-200K", "amount")]["op"] == "gte"
    assert rec["decision"]["decided_by"]


def test_conditions_agree_with_the_reference_evaluator(bundled):
    """The per-condition view is the reference semantics: its conjunction is candidate_matches."""
    from duidan.case import load_case
    from duidan.facts import working_memory
    from duidan.resolve import resolve

    for path in CASES:
        wm = working_memory(resolve(load_case(path, bundled.domain), bundled.domain))
        for rule in bundled.rules:
            for f in wm.facts:
                assert all(c["holds"] for c in conditions(rule, f)) == candidate_matches(rule, f)


# ---------------------------------------------------------------- why not

# (case file, someone in it who was not held, what the first failed condition must say)
WHY_NOT = [
    ("township_secretary_changed.yaml", "p3", "问题期间 2020-07-01至2021-06-30 不在任（任职 2022-03-01至今）"),
    ("township_copied_plans.yaml", "p2", "但问题未点名此人"),
    ("township_copied_plans.yaml", "p2", "但其职务为 副书记"),
    ("village_dual_signature.yaml", "p4", "需为问题所在单位的主要负责人，但其职务为 工作人员"),
    ("city_rectification_aggravated.yaml", "city-cdi", "事实 days_overdue ≥ 180（实际 （无））"),
    ("enterprise_exemption.yaml", "p3", "不满足 问题单位层级"),
    ("village_misappropriation_two_investigations.yaml", "village-h-vsc", "不满足"),
    ("department_clue_shelved.yaml", "city-cdi", "不满足"),
    ("old_lapse_and_open_tracks.yaml", "p2", "不满足"),
]


@pytest.mark.parametrize("name,who,expected", WHY_NOT)
def test_why_not_names_the_first_failed_condition(name, who, expected, bundled):
    out = run_cli("explain", ROOT / "cases" / name, "--why-not", who)
    assert out.exit_code == 0, out.output
    assert expected in out.output, out.output


def test_every_example_case_has_a_why_not_for_someone_not_chosen(bundled):
    """Someone in each case who was not held (or, where everyone is, someone on a track they were
    not held on) gets, for every rule that concerns them, a failed condition or what happened."""
    for path in CASES:
        src = source_from_file(str(path), bundled)
        held = {r["subject"]["id"] for r in src.det["recommendations"]}
        others = [p.id for p in src.case.people if p.id not in held] + [u.id for u in src.case.units if u.id not in held]
        who = (others or [src.case.people[0].id])[0]
        data = why_not(src, who)
        for it in data["rules"]:
            assert it["status"] in ("failed", "held", "exempt", "out_of_force", "matched")
            if it["status"] == "failed":
                assert it["failed"]["test"] and not it["failed"]["holds"]


def test_why_not_on_a_stored_case_and_by_name(stored):
    """portfolio: 赵某 is a township member in charge of rural finance; on the village's findings he
    answers only as the parent unit's member in charge, never as the village's head."""
    out = run_cli("explain", "XC-2021-017", "--why-not", "赵某", "--db", stored)
    assert out.exit_code == 0, out.output
    assert "赵某（p8）" in out.output
    assert "但其不在 红旗村党支部（village-h） 任职（在 安宁镇党委（town-a））" in out.output
    bad = run_cli("explain", "XC-2021-017", "--why-not", "nobody", "--db", stored)
    assert bad.exit_code == 1 and "unknown person or unit 'nobody'" in bad.output


def test_why_not_portfolio_not_covering_the_area(tmp_path):
    case = yaml.safe_load((ROOT / "cases" / "township_secretary_changed.yaml").read_text("utf-8"))
    case["people"][3]["portfolio"] = ["finance"]        # 郭某 no longer in charge of education
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(case, allow_unicode=True), "utf-8")
    out = run_cli("explain", path, "--why-not", "p4")
    assert "需为分管该领域的班子成员，但其分管领域（finance）不含 education" in out.output


# ---------------------------------------------------------------- tamper evidence

def tamper(url: str) -> dict:
    """Edit, delete, insert and reorder stored rows with plain SQL; return what verify must name."""
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            recs = conn.exec_driver_sql("SELECT id, chain_seq, rec_id FROM recommendations ORDER BY chain_seq").fetchall()
            edited, deleted = recs[0], recs[5]
            a, b = recs[9], recs[10]          # two neighbours swap places
            conn.exec_driver_sql(f"UPDATE recommendations SET form = 'talk', sanction = NULL WHERE id = {edited[0]}")
            conn.exec_driver_sql(f"DELETE FROM recommendation_clauses WHERE rec_id IN "
                                 f"(SELECT rec_id FROM recommendations WHERE id = {deleted[0]})")
            conn.exec_driver_sql(f"DELETE FROM recommendations WHERE id = {deleted[0]}")
            conn.exec_driver_sql(f"UPDATE recommendations SET chain_seq = {b[1]} WHERE id = {a[0]}")
            conn.exec_driver_sql(f"UPDATE recommendations SET chain_seq = {a[1]} WHERE id = {b[0]}")
            conn.exec_driver_sql("INSERT INTO reviews (run_id, case_id, rec_id, decision, reason, reviewer, at) "
                                 "VALUES (1, 'XC-2021-017', 'XC-2021-017/R1', 'accept', 'forged', 'x', '2020-01-01')")
            inserted = conn.exec_driver_sql("SELECT max(id) FROM reviews").scalar()
            conn.commit()
    finally:
        store.close()
    return {"edited": edited[0], "deleted": deleted[1], "deleted_rec": deleted[2], "reordered": {a[0], b[0]}, "inserted": inserted}


def check_tampered(url: str) -> None:
    clean = run_cli("verify", "--db", url)
    assert clean.exit_code == 0 and "完整" in clean.output, clean.output
    want = tamper(url)
    out = run_cli("verify", "--db", url, "--format", "json")
    assert out.exit_code == 1
    problems = json.loads(out.output)["problems"]
    found = {(p["kind"], p["table"], p["row"]) for p in problems}
    assert ("edited", "recommendations", want["edited"]) in found
    assert ("inserted", "reviews", want["inserted"]) in found
    # a swap of two neighbours: both are named
    assert all(("reordered", "recommendations", r) in found for r in want["reordered"])
    assert [p for p in problems if p["kind"] == "deleted" and p["seq"] == want["deleted"] + 1]   # where
    assert [p for p in problems if p["kind"] == "deleted" and p["key"].get("rec_id") == want["deleted_rec"]]  # which
    assert len(problems) == 6, problems        # nothing else is flagged
    text = run_cli("verify", "--db", url).output
    for word in ("已被修改", "已被删除", "被插入", "顺序被调换"):
        assert word in text


def test_verify_names_every_row_edited_deleted_inserted_reordered_sqlite(copy_of):
    check_tampered(copy_of)


def test_verify_end_of_chain_and_determination_body(copy_of):
    store = Store.open(copy_of)
    with store.engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT max(chain_seq) FROM recommendations").scalar()
        top = conn.exec_driver_sql("SELECT max(chain_seq) FROM determinations").scalar()
        if last > top:
            conn.exec_driver_sql(f"DELETE FROM recommendations WHERE chain_seq = {last}")
        conn.commit()
    store.close()
    out = run_cli("verify", "--db", copy_of)
    assert out.exit_code == 1 and "链尾缺失 1 行" in out.output
    store = Store.open(copy_of)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM determinations WHERE case_id = 'XC-2021-031'")
        conn.commit()
    store.close()
    out = run_cli("verify", "--db", copy_of)
    assert "案件 XC-2021-031 的决定已不在 determinations 表中" in out.output      # which one, by name


def test_an_older_store_is_refused_not_misread(copy_of):
    store = Store.open(copy_of)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("UPDATE schema_info SET value = '1' WHERE key = 'schema_version'")
        conn.commit()
    store.close()
    with pytest.raises(StoreError, match="version 1.*hash-chained"):
        Store.open(copy_of)
    out = run_cli("verify", "--db", copy_of)
    assert out.exit_code == 1 and "hash-chained" in out.output and "Traceback" not in out.output


# ---------------------------------------------------------------- replay

def test_replay_of_an_untouched_run_reports_no_difference(copy_of):
    out = run_cli("replay", "1", "--db", copy_of)
    assert out.exit_code == 0 and "无差异" in out.output, out.output
    store = Store.open(copy_of)
    with store.engine.connect() as conn:   # a stored decision changed behind the product's back
        conn.exec_driver_sql("UPDATE determinations SET digest = 'sha256:0' WHERE case_id = 'XC-2021-044'")
        conn.commit()
    store.close()
    changed = run_cli("replay", "1", "--db", copy_of)
    assert changed.exit_code == 1 and "差异 XC-2021-044" in changed.output
    assert run_cli("replay", "9", "--db", copy_of).exit_code == 2


def test_replay_with_another_rulebook_previews_the_impact(copy_of):
    from conftest import MINI

    out = run_cli("replay", "1", "--db", copy_of, "--rulebook", MINI, "--format", "json")
    data = json.loads(out.output)
    assert out.exit_code == 0 and data["preview"] and data["rulebook"]["name"] == "mini"
    assert data["changes"] and all(c["change"] in ("added", "removed", "changed") for c in data["changes"])


# ---------------------------------------------------------------- reviews, show, export

def test_review_round_trip(copy_of):
    out = run_cli("review", "XC-2021-017/R1", "--modify", "诫勉", "--reason", "退赃积极，集体研究从轻",
                  "--by", "王审理", "--db", copy_of)
    # the machine's own proposal is shown beside the reviewer's (its form: own fault plus gravity)
    assert out.exit_code == 0 and "改变为 诫勉" in out.output and "机器建议　应予问责：组织调整或者组织处理" in out.output
    assert run_cli("review", "XC-2021-044/R1", "--accept", "--reason", "属实", "--by", "李某", "--db", copy_of).exit_code == 0
    assert run_cli("review", "XC-2021-044/R1", "--reject", "--reason", "复议后撤销", "--by", "李某", "--db", copy_of).exit_code == 0
    # the machine's decision is untouched, the reviews sit beside it, in order, inside the chain
    store = Store.open(copy_of)
    rec = store.find_recommendation("XC-2021-017/R1")
    assert rec["form"] == "organizational" and rec["sanction"] is None
    assert [r["decision"] for r in store.reviews(1)] == ["modify", "accept", "reject"]
    store.close()
    assert run_cli("verify", "--db", copy_of).exit_code == 0
    assert "7 复核　王审理" in run_cli("explain", "XC-2021-017/R1", "--db", copy_of).output
    shown = run_cli("show", "XC-2021-044", "--db", copy_of).output
    assert "【复核】" in shown and "不采纳：复议后撤销" in shown and "采纳：属实" in shown
    # summary and runs count the latest decision per recommendation, and per rule
    from duidan.summary import summarize

    store = Store.open(copy_of)
    s = summarize(store, 1)
    store.close()
    assert s.reviews == {"accepted": 0, "modified": 1, "rejected": 1}
    assert ("PRI-VIL-DUALSIGN-HEAD-200K", 1, 1, 0) in s.overruled
    listed = json.loads(CliRunner().invoke(runs, ["--db", copy_of, "--format", "json"]).output)
    assert listed["reviews"] == {"accepted": 0, "modified": 1, "rejected": 1}
    rows = {r["rec_id"]: r for r in csv.DictReader(io.StringIO(run_cli("export", "1", "--format", "csv", "--db", copy_of).output))}
    assert rows["XC-2021-017/R1"]["review"] == "modify" and rows["XC-2021-017/R1"]["review_form"] == "admonition"
    assert rows["XC-2021-044/R1"]["review"] == "reject"


@pytest.mark.parametrize("args,message", [
    (["--modify", "disciplinary"], "needs --sanction"),
    (["--modify", "reorganization"], "unknown form for a person"),
    (["--accept", "--sanction", "warning"], "with --modify only"),
])
def test_bad_reviews_are_one_line_errors(copy_of, args, message):
    out = run_cli("review", "XC-2021-017/R1", *args, "--reason", "r", "--by", "b", "--db", copy_of)
    assert out.exit_code == 1 and message in out.output and "Traceback" not in out.output
    out = run_cli("review", "NOPE/R1", "--accept", "--reason", "r", "--by", "b", "--db", copy_of)
    assert out.exit_code == 1 and "no stored recommendation 'NOPE/R1'" in out.output


def test_show_prints_the_stored_determination_as_evaluate_does(stored):
    path = ROOT / "cases" / "village_dual_signature.yaml"
    evaluated = run_cli("evaluate", path).output
    shown = run_cli("show", "XC-2021-031", "--db", stored).output
    assert shown.startswith("（运行 1）\n") and shown.removeprefix("（运行 1）\n") == evaluated
    assert json.loads(run_cli("show", "XC-2021-031/R1", "--db", stored, "--format", "json").output)["case"] == "XC-2021-031"


def test_export_is_formula_safe_and_control_characters_are_neutralised(tmp_path):
    case = yaml.safe_load((ROOT / "cases" / "township_secretary_changed.yaml").read_text("utf-8"))
    case["people"][0]["name"] = "=HYPERLINK(\"http://x\")\x1b[31m"
    case["findings"][0]["description"] = "-1+2\x07"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "c.yaml").write_text(yaml.safe_dump(case, allow_unicode=True), "utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert CliRunner().invoke(batch, [str(tmp_path / "in"), "--db", url]).exit_code == 0
    out = tmp_path / "out.csv"
    assert run_cli("export", "1", "--format", "csv", "-o", out, "--db", url).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    names = [r["subject_name"] for r in rows if r["subject"] == "p1"]
    assert names and all(n.startswith("'=HYPERLINK") for n in names)
    lines = run_cli("export", "1", "--format", "jsonl", "--db", url).output.splitlines()
    assert any(json.loads(x)["subject_name"].startswith("=HYPERLINK") for x in lines)   # JSON stays exact
    text = run_cli("explain", "XC-2021-044/R1", "--db", url).output
    assert "\x1b" not in text and "\x07" not in text and "\\u001b" in text


def test_a_tampered_store_gives_messages_not_tracebacks(copy_of):
    """Rows changed behind the product's back are reported by every reader, never crash it."""
    store = Store.open(copy_of)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("UPDATE determinations SET body = '{\"x\": 1}' WHERE case_id = 'XC-2021-044'")
        conn.exec_driver_sql("UPDATE cases SET body = '[1]' WHERE case_id = 'XC-2021-031'")
        conn.commit()
    store.close()
    for args in (["explain", "XC-2021-044"], ["show", "XC-2021-044"], ["explain", "XC-2021-031"],
                 ["export", "1", "--format", "csv"]):
        out = run_cli(*args, "--db", copy_of)
        assert out.exit_code == 1 and out.output.startswith("error: ") and len(out.output.splitlines()) == 1, out.output
    out = run_cli("replay", "1", "--db", copy_of)
    assert out.exit_code == 1
    assert "差异 XC-2021-044" in out.output and "存储的正文与其摘要不符" in out.output   # same digest, other body
    assert "差异 XC-2021-031" in out.output and "现在被拒收" in out.output
    assert run_cli("verify", "--db", copy_of).exit_code == 1


# ---------------------------------------------------------------- the chain walk, property-tested

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from duidan.chain import walk  # noqa: E402
from duidan.store import GENESIS, link_hash  # noqa: E402


def _chain(n: int) -> tuple[dict, list[dict]]:
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        content = json.dumps({"table": "reviews", "n": i})
        h = link_hash(prev, content)
        rows.append({"table": "reviews", "id": i, "chain_seq": i, "prev_hash": prev, "row_hash": h,
                     "content": content, "key": {"rec_id": f"C/R{i}"}, "digest": None, "body": None})
        prev = h
    return {"seq": n, "hash": prev}, rows


@settings(max_examples=150, deadline=None)
@given(n=st.integers(2, 30), op=st.sampled_from(["edit", "delete", "swap", "insert", "fork", "none"]),
       data=st.data())
def test_walk_names_exactly_what_was_done(n, op, data):
    """Whatever single change is made to an intact chain, the walk reports that kind of change on
    that row and nothing else; an untouched chain is clean."""
    head, rows = _chain(n)
    i = data.draw(st.integers(0, n - 1))
    if op == "edit":
        rows[i]["content"] = rows[i]["content"].replace("}", ', "form": "talk"}')
        kinds = {("edited", rows[i]["id"])}
    elif op == "delete":
        gone = rows.pop(i)
        kinds = {("deleted", None)}
        del gone
    elif op == "swap":
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        rows[i]["chain_seq"], rows[j]["chain_seq"] = rows[j]["chain_seq"], rows[i]["chain_seq"]
        kinds = None   # reordered only; the fewest rows moved
    elif op == "insert":
        rows.append({"table": "reviews", "id": n + 1, "chain_seq": None, "prev_hash": None, "row_hash": None,
                     "content": "{}", "key": {}, "digest": None, "body": None})
        kinds = {("inserted", n + 1)}
    elif op == "fork":   # a forged row with a correct hash, claiming the same predecessor as row i
        content = json.dumps({"table": "reviews", "n": "forged"})
        rows.append({"table": "reviews", "id": n + 1, "chain_seq": rows[i]["chain_seq"],
                     "prev_hash": rows[i]["prev_hash"], "row_hash": link_hash(rows[i]["prev_hash"], content),
                     "content": content, "key": {}, "digest": None, "body": None})
        kinds = {("inserted", n + 1)}
    else:
        kinds = set()
    problems = walk(head, rows)
    if kinds is None:
        assert problems and {p.kind for p in problems} == {"reordered"}
        assert {p.row for p in problems} <= {rows[i]["id"], rows[j]["id"]}   # only the rows moved
    else:
        assert {(p.kind, p.row) for p in problems} == kinds, problems


def test_why_not_says_when_no_rule_concerns_the_person(tmp_path):
    """Someone in a unit no lapse touches: no rule could concern them, and explain says so."""
    from click.testing import CliRunner

    from duidan.cli.main import cli

    case = tmp_path / "c.yaml"
    case.write_text("""schema: duidan/case/v1
case: {id: NONE-1}
units:
  - {id: town, tier: township}
  - {id: ent, tier: enterprise}
people:
  - {id: s, name: 书记甲, unit: town, post: secretary}
  - {id: x, name: 职员乙, unit: ent, post: staff}
findings:
  - {id: F1, kind: dual_signature_missing, unit: town, date: 2023-03-31}
""", encoding="utf-8")
    r = CliRunner().invoke(cli, ["explain", str(case), "--why-not", "x"])
    assert r.exit_code == 0, r.output
    assert "没有任何规则涉及此人" in r.output


def test_verify_names_an_edited_clause_kept_once_and_every_determination_citing_it(copy_of):
    """Clauses are stored once (engine/packing.py); editing one is an edit of every determination
    that cites it, and verify says so, with the content row itself."""
    store = Store.open(copy_of)
    with store.engine.connect() as conn:
        key, body = conn.exec_driver_sql("SELECT digest, body FROM contents WHERE body LIKE '{%' "
                                         "ORDER BY digest LIMIT 1").one()
        conn.exec_driver_sql("UPDATE contents SET body = ? WHERE digest = ?",
                             (body.replace('"text":"', '"text":"（改）', 1), key))
        conn.commit()
    store.close()
    out = run_cli("verify", "--db", copy_of, "--format", "json")
    assert out.exit_code == 1
    problems = json.loads(out.output)["problems"]
    assert {"kind": "edited", "table": "contents"} in [{k: p[k] for k in ("kind", "table")} for p in problems]
    assert any(p["table"] == "determinations" and p["kind"] == "edited" for p in problems), problems


def test_the_summary_counted_in_sql_is_the_count_of_the_rows(stored):
    """summarize() counts in the database (issue 13: flat memory); the oracle is counting the
    recommendation rows and their clause citations in Python, as it was done before."""
    from collections import Counter

    from duidan.summary import form_key, summarize

    store = Store.open(stored, create=False)
    s = summarize(store, 1, top=1000)
    recs = store.recommendations(1)
    held = [r for r in recs if r["outcome"] == "accountable"]
    breaches = store.breaches(1)
    store.close()
    assert s.by_outcome == dict(sorted(Counter(r["outcome"] for r in recs).items(), key=lambda kv: (-kv[1], kv[0])))
    assert s.by_tier == dict(sorted(Counter(r["tier"] for r in recs).items(), key=lambda kv: (-kv[1], kv[0])))
    assert Counter(s.by_form) == Counter(form_key(r["form"], r["sanction"]) for r in held)
    assert Counter({(c, lst): k for c, lst, k in s.top_clauses}) == Counter((b["clause_id"], b["list"]) for b in breaches)
    assert {u.unit: (u.tier, u.recommendations) for u in s.scorecard} == \
        {r["unit"]: (r["tier"], n) for r in held for n in [sum(1 for x in held if x["unit"] == r["unit"])]}
    for u in s.scorecard:
        assert u.clauses == dict(sorted(Counter(b["clause_id"] for b in breaches if b["unit"] == u.unit).items(),
                                        key=lambda kv: (-kv[1], kv[0])))
    assert sum(s.by_outcome.values()) == len(recs) > 0 and s.scorecard
