"""`lists import` on tables the tests generate in all three formats; new editions; `lists diff`;
`rules new-edition`; the identity warning of `rules check`."""

from __future__ import annotations

import csv
import shutil

import docx
import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from duidan.authoring.editions import diff
from duidan.authoring.listimport import import_list
from duidan.check import check
from duidan.cli.main import cli
from duidan.documents import validate
from duidan.errors import InputError
from duidan.rulebook import ResponsibilityList, load_rulebook

from conftest import ROOT

HEADER = ["序号", "层级", "岗位", "责任内容", "责任依据"]
ROWS = [
    ["1", "乡镇（街道）党委", "领导班子", "每年至少召开2次党委会专题研究党风廉政建设。", "问责条例(2019) 第7条；关于实行党风廉政建设责任制的规定(2010) 第6条"],
    ["2", "乡镇（街道）党委", "领导班子", "集体研究巡察反馈问题整改方案，逐项销号。", ""],
    ["1", "乡镇（街道）党委", "党委书记（第一责任人）", "亲自审定年度工作计划和总结，不以转发文件代替部署。", "问责条例(2019) 第7条第5项"],
    ["1", "乡镇（街道）党委", "其他班子成员", "对分管领域问题及时发现、及时报告。", ""],
    ["1", "村(社区)党组织", "党组织书记", "每月审核村级财务收支，未经村监委审核的支出不得签批。", ""],
]


def write_xlsx(path, rows=ROWS, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(["某县党风廉政建设主体责任清单"])           # a title row above the header, merged across
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for i, row in enumerate(rows):
        ws.append([row[0], row[1] if i in (0, 4) else None, *row[2:]])
    ws.merge_cells(start_row=3, start_column=2, end_row=6, end_column=2)   # 层级 merged down over its rows
    wb.save(path)


def write_docx(path, rows=ROWS, header=HEADER):
    d = docx.Document()
    d.add_paragraph("某县党风廉政建设主体责任清单")
    t = d.add_table(rows=1 + 4, cols=len(header))
    for j, h in enumerate(header):
        t.cell(0, j).text = h
    for i, row in enumerate(rows[:4], start=1):
        for j, v in enumerate(row):
            if j != 1:
                t.cell(i, j).text = v
    t.cell(1, 1).merge(t.cell(4, 1)).text = rows[0][1]        # vertically merged 层级
    t.cell(1, 2).merge(t.cell(2, 2)).text = rows[0][2]        # vertically merged 岗位 (领导班子 twice)
    t2 = d.add_table(rows=2, cols=len(header))                # the next page: header repeated
    for j, h in enumerate(header):
        t2.cell(0, j).text = h
        t2.cell(1, j).text = rows[4][j]
    d.save(path)


def write_csv(path, rows=ROWS, header=HEADER, encoding="gb18030"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows([header, *rows])


def _clauses(doc):
    return {c["id"]: (s["tier"], r["role"], c["text"], c.get("basis", []))
            for s in doc["tiers"] for r in s["roles"] for c in r["clauses"]}


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "csv"])
def test_the_same_table_in_every_format_gives_the_same_list(tmp_path, fmt):
    path = tmp_path / f"list.{fmt}"
    {"xlsx": write_xlsx, "docx": write_docx, "csv": write_csv}[fmt](path)
    rep = import_list(path, list_name="primary", edition="2024-01")
    got = _clauses(rep.list)
    assert got == {
        "P-TWN-1.1": ("township", "team", ROWS[0][3], ["问责条例(2019) 第7条", "关于实行党风廉政建设责任制的规定(2010) 第6条"]),
        "P-TWN-1.2": ("township", "team", ROWS[1][3], []),
        "P-TWN-2.1": ("township", "principal", ROWS[2][3], ["问责条例(2019) 第7条第5项"]),
        "P-TWN-3.1": ("township", "member", ROWS[3][3], []),
        "P-VIL-2.1": ("village", "principal", ROWS[4][3], []),
    }   # ids from tier code + post + 序号; merged and blank cells repeat; text verbatim
    lst = validate(ResponsibilityList, rep.list, "imported")     # a valid duidan/list/v1 document
    assert lst.editions[0].in_force.isoformat() == "2024-01-01"   # edition named by month: its first day


def test_cli_writes_the_list_file_and_lists_the_ids(tmp_path):
    write_xlsx(tmp_path / "t.xlsx")
    r = CliRunner().invoke(cli, ["lists", "import", str(tmp_path / "t.xlsx"), "--list", "primary", "--edition", "2024-01",
                                 "--in-force", "2024-02-01", "-o", str(tmp_path / "book")])
    assert r.exit_code == 0, r.output
    out = tmp_path / "book" / "lists" / "primary.yaml"
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["editions"] == [{"edition": "2024-01", "in_force": __import__("datetime").date(2024, 2, 1)}]
    assert "P-VIL-2.1" in r.output
    # re-importing the same table gives the same bytes: ids are stable
    again = tmp_path / "again"
    CliRunner().invoke(cli, ["lists", "import", str(tmp_path / "t.xlsx"), "--list", "primary", "--edition", "2024-01",
                             "--in-force", "2024-02-01", "-o", str(again)])
    assert (again / "lists" / "primary.yaml").read_bytes() == out.read_bytes()


def test_unknown_tiers_and_posts_are_reported_with_the_closest_and_an_alias_fixes_them(tmp_path):
    rows = [["1", "经济开发区党工委", "领导班子", "统筹园区党风廉政建设。", ""],
            ["2", "乡镇（街道）党委", "驻村工作队", "督促驻村工作。", ""]]
    write_csv(tmp_path / "t.csv", rows, encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_list(tmp_path / "t.csv", list_name="primary", edition="2024")
    msg = e.value.message
    assert "row 2 层级: unknown tier '经济开发区党工委'; closest:" in msg
    assert "row 3 岗位: unknown post '驻村工作队'" in msg and "--alias" in msg
    rep = import_list(tmp_path / "t.csv", list_name="primary", edition="2024",
                      aliases={"经济开发区党工委": "enterprise", "驻村工作队": "member"})
    assert set(_clauses(rep.list)) == {"P-ENT-1.1", "P-TWN-3.2"}


def test_other_headers_are_read_through_a_mapping(tmp_path):
    write_csv(tmp_path / "t.csv", ROWS[:2], header=["No.", "单位", "人员", "工作任务", "出处"], encoding="utf-8")
    with pytest.raises(InputError, match="no header row"):
        import_list(tmp_path / "t.csv", list_name="primary", edition="2024")
    r = CliRunner().invoke(cli, ["lists", "import", str(tmp_path / "t.csv"), "--list", "primary", "--edition", "2024",
                                 "--map", "No.=seq", "--map", "单位=tier", "--map", "人员=role", "--map", "工作任务=text",
                                 "-o", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    assert "P-TWN-1.1" in r.output and "P-TWN-1.2" in r.output


def test_two_rows_with_one_id_are_refused(tmp_path):
    write_csv(tmp_path / "t.csv", [ROWS[0], ROWS[0]])
    r = CliRunner().invoke(cli, ["lists", "import", str(tmp_path / "t.csv"), "--list", "primary", "--edition", "2024",
                                 "-o", str(tmp_path / "b")])
    assert r.exit_code == 1
    assert "clause id P-TWN-1.1 again (also row 2)" in r.output and "Traceback" not in r.output


def test_a_new_edition_becomes_revisions_new_clauses_and_repeals(tmp_path):
    write_csv(tmp_path / "old.csv")
    book = tmp_path / "book"
    CliRunner().invoke(cli, ["lists", "import", str(tmp_path / "old.csv"), "--list", "primary", "--edition", "2022",
                             "-o", str(book)])
    old = validate(ResponsibilityList, yaml.safe_load((book / "lists" / "primary.yaml").read_text("utf-8")), "old")
    new_rows = [
        ["1", "乡镇（街道）党委", "领导班子", "每半年至少召开1次党委会专题研究党风廉政建设。", ""],   # reworded, same 序号
        ["1", "乡镇（街道）党委", "党委书记", "亲自审定年度工作计划和总结，不得以转发文件代替部署。", ""],  # small change
        ["3", "乡镇（街道）党委", "领导班子", "集体研究巡察反馈问题整改方案，逐项销号并公开。", ""],  # renumbered 2 -> 3
        ["2", "乡镇（街道）党委", "领导班子", "每季度听取纪委工作汇报。", ""],                           # new duty
        ["1", "村(社区)党组织", "党组织书记", "每月审核村级财务收支，未经村监委审核的支出不得签批。", ""],  # unchanged
    ]   # P-TWN-3.1 is gone
    write_csv(tmp_path / "new.csv", new_rows)
    rep = import_list(tmp_path / "new.csv", list_name="primary", edition="2025", existing=old)
    assert sorted(rep.actions) == sorted([
        "revised  P-TWN-1.1", "revised  P-TWN-2.1", "revised  P-TWN-1.2", "same     P-VIL-2.1",
        "repealed P-TWN-3.1", "new      P-TWN-1.3"])
    # the renumbered duty kept its id, matched by wording: the author is asked to confirm it
    assert len(rep.confirm) == 1 and rep.confirm[0].startswith("P-TWN-1.2 ← P-TWN-1.3")
    lst = validate(ResponsibilityList, rep.list, "new edition")
    c = {c.id: c for s in lst.tiers for r in s.roles for c in r.clauses}
    assert c["P-TWN-3.1"].until == "2025"
    assert c["P-TWN-1.3"].since == "2025" and c["P-TWN-1.3"].text == "每季度听取纪委工作汇报。"
    assert c["P-TWN-1.2"].revisions[-1].text == new_rows[2][3]
    assert c["P-TWN-1.2"].text == ROWS[1][3]                       # the old wording stays for old lapses
    assert [e.edition for e in lst.editions] == ["2022", "2025"]

    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(rep.list, allow_unicode=True), encoding="utf-8")
    (d,) = diff(path)                                               # editions within one list
    kinds = {ch.id: ch.kind for ch in d.changes}
    assert kinds == {"P-TWN-1.1": "revised", "P-TWN-1.2": "revised", "P-TWN-2.1": "revised",
                     "P-TWN-1.3": "added", "P-TWN-3.1": "repealed"}
    assert d.unchanged == 1
    r = CliRunner().invoke(cli, ["lists", "diff", str(path)])
    assert "~ P-TWN-2.1 (township/principal) 亲自审定年度工作计划和总结，不{+得+}以转发文件代替部署。" in r.output
    h = CliRunner().invoke(cli, ["lists", "diff", str(book / "lists" / "primary.yaml"), str(path), "--html"])
    assert h.exit_code == 0 and h.output.startswith("<!DOCTYPE html>")
    assert "<ins>得</ins>" in h.output and "<del>对分管领域问题及时发现、及时报告。</del>" in h.output


def test_new_edition_keeps_comments_and_refuses_an_edition_twice(tmp_path):
    d = tmp_path / "book"
    shutil.copytree(ROOT / "rules", d, ignore=shutil.ignore_patterns("tests"))
    before = (d / "lists" / "primary.yaml").read_text("utf-8")
    r = CliRunner().invoke(cli, ["rules", "new-edition", str(d), "--edition", "2025-01", "--in-force", "2025-01-01"])
    assert r.exit_code == 0, r.output
    after = (d / "lists" / "primary.yaml").read_text("utf-8")
    assert before.splitlines()[0] in after and "# ------" in after          # the author's comments survive
    assert len(after.splitlines()) == len(before.splitlines()) + 1         # one line added: the edition
    book = load_rulebook(d)
    assert book.meta.edition == "2025-01"
    assert [e.edition for e in book.lists["primary"].editions][-1] == "2025-01"
    (ch,) = [x for x in diff(ROOT / "rules", d) if x.list == "primary"]
    assert ch.changes == []                                                # nothing revised yet
    r = CliRunner().invoke(cli, ["rules", "new-edition", str(d), "--edition", "2025-01", "--in-force", "2026-01-01"])
    assert r.exit_code == 1 and "already there" in r.output


def test_rules_check_warns_when_a_copy_keeps_the_bundled_name_and_edition(tmp_path, bundled):
    assert not [w for w in check(bundled, probe_engine=False).warnings if "bundled" in w]
    d = tmp_path / "copy"
    shutil.copytree(ROOT / "rules", d)
    p = d / "lists" / "primary.yaml"
    p.write_text(p.read_text("utf-8").replace("每年至少召开2次市委常委会会议", "每年至少召开3次市委常委会会议"), "utf-8")
    r = CliRunner().invoke(cli, ["rules", "check", str(d)])
    assert r.exit_code == 0
    assert "are the bundled rulebook's, but the content differs" in r.output
    m = d / "rulebook.yaml"
    m.write_text(m.read_text("utf-8").replace("name: xichang-model", "name: my-county"), "utf-8")
    assert "bundled" not in CliRunner().invoke(cli, ["rules", "check", str(d)]).output


def test_cli_imports_a_new_edition_into_a_rulebook_that_holds_the_list(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(ROOT / "rules", book, ignore=shutil.ignore_patterns("tests"))
    write_csv(tmp_path / "old.csv")
    args = ["lists", "import", "--list", "primary", "-o", str(book)]
    assert CliRunner().invoke(cli, [*args[:2], str(tmp_path / "old.csv"), *args[2:], "--edition", "2022"]).exit_code == 0
    (book / "rules" / "primary.yaml").write_text(
        "schema: duidan/rules/v1\nrules:\n  - {id: R1, title: t, track: primary, when: {on: finding, kinds: "
        "[plan_perfunctory]}, subject: {relation: unit_head}, grade: principal_leadership, form: talk, "
        "cites: [P-TWN-1.1]}\n", encoding="utf-8")
    rows = [list(r) for r in ROWS]
    rows[0][3] = "每半年至少召开1次党委会专题研究党风廉政建设。"
    write_csv(tmp_path / "new.csv", rows[:3] + rows[4:])
    r = CliRunner().invoke(cli, [*args[:2], str(tmp_path / "new.csv"), *args[2:], "--edition", "2025",
                                 "--in-force", "2025-03-01", "--rulebook", str(book)])
    assert r.exit_code == 0, r.output
    assert "revised  P-TWN-1.1" in r.output and "repealed P-TWN-3.1" in r.output and "same     P-VIL-2.1" in r.output
    lst = load_rulebook(book).lists["primary"]          # the rulebook still loads, with both editions
    assert [(e.edition, e.in_force.isoformat()) for e in lst.editions] == [("2022", "2022-01-01"), ("2025", "2025-03-01")]
    r = CliRunner().invoke(cli, [*args[:2], str(tmp_path / "new.csv"), *args[2:], "--edition", "2025",
                                 "--rulebook", str(book)])
    assert r.exit_code == 1 and "already in the list" in r.output
