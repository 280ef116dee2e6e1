"""Reports people act on: the text report in one language, the recommendation document (.docx and
HTML, one outline), a run's HTML report and workbook. HTML is opened in the system's headless
Chromium (Debian packages chromium + chromium-driver): a console error, a network fetch or a
script run from a case's text fails the test. Screenshots are kept under tests/artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from duidan.api import Evaluator
from duidan.case import load_case
from duidan.cli.main import cli
from duidan.views.document import build_document, section_titles
from duidan.views.registry import render

from conftest import ROOT

CASES = sorted((ROOT / "cases").glob("*.yaml"))
ARTIFACTS = ROOT / "tests" / "artifacts"

# Payloads a name or a description might carry: each would run a script if it reached the page
# as markup. Every one sets window.__pwned, which the browser test reads back.
PAYLOADS = {
    "person": "<script>window.__pwned='person'</script>",
    "unit": "<img src=x onerror=\"window.__pwned='unit'\">",
    "description": "</p><svg onload=\"window.__pwned='description'\"></svg>",
    "title": "</title><script>window.__pwned='title'</script>",
    "formula": "=HYPERLINK(\"http://example.invalid\",\"点我\")",
}


@pytest.fixture(scope="module")
def evaluator(bundled):
    return Evaluator(bundled)


def _evaluate(evaluator, path):
    # Views render the determination's plain data (engine/views/registry.py).
    case = load_case(path)
    return evaluator.evaluate_data(case, str(path)), case


# ---------------------------------------------------------------- the text report

@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_text_report_is_chinese_only(evaluator, path):
    det, case = _evaluate(evaluator, path)
    text = render("determination", "text", det, case, evaluator.rulebook)
    text += render("explain", "text", det, book=evaluator.rulebook)
    body = [ln for ln in text.splitlines() if not ln.startswith(("规则库", "摘要"))]
    # Vocabulary ids are lower_snake_case; case, clause and rule ids are upper case. None of the
    # former may reach the report (they stay in the JSON).
    leaked = sorted({w for ln in body for w in re.findall(r"[a-z][a-z_]{2,}", ln)})
    assert leaked == [], leaked


def test_forms_are_reported_as_what_they_are(evaluator):
    det, case = _evaluate(evaluator, ROOT / "cases" / "township_secretary_changed.yaml")
    text = render("determination", "text", det, case, evaluator.rulebook)
    # A talk is an education-type handling, not a form of 问责条例 第8条.
    assert "应予问责：谈话提醒" not in text
    assert "予以批评教育类处理：谈话提醒" in text
    # The unit's inspection is a 第8条 form.
    assert "应予问责：检查" in text
    # Each person's tenure and the lapse period are shown: the two secretaries each held the post
    # for part of the year without warning education.
    assert "任职　2017-05-01至2020-12-31" in text and "任职　2021-01-01至2022-02-28" in text
    assert "2020-07-01至2021-06-30" in text

    det, case = _evaluate(evaluator, ROOT / "cases" / "village_misappropriation_two_investigations.yaml")
    text = render("determination", "text", det, case, evaluator.rulebook)
    # The violator's sanction is 纪律处分 on the direct track, not 问责; severity and amount shown.
    direct = text.split("【直接责任】")[1]
    # (从轻 on the direct track stays within the sanction: expulsion, not a rung down)
    assert "应予纪律处分：开除党籍" in direct and "应予问责" not in direct
    assert "情节严重" in direct and "涉及金额38万元" in direct
    # The circumstance and its effect on the ladder.
    assert re.search(r"情节　主动交代[^（\n]*（从轻1档）", direct)


# ---------------------------------------------------------------- the recommendation document

@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_docx_of_every_example_case_has_every_section(evaluator, path, tmp_path):
    det, case = _evaluate(evaluator, path)
    data = render("case_report", "docx", det, case, evaluator.rulebook)
    assert data == render("case_report", "docx", det, case, evaluator.rulebook)   # same input, same bytes
    out = tmp_path / f"{path.stem}.docx"
    out.write_bytes(data)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    outline = build_document(det, case, evaluator.rulebook)
    assert paragraphs[0] == outline.title
    decided = [r for r in det["recommendations"] if r["outcome"] != "undetermined"]
    assert len(outline.parts) == len(decided)
    for part in outline.parts:
        # Each subject is a 一、 heading followed, in order, by its （一）…（七） sections.
        at = paragraphs.index(f"{part.number}{part.heading}")
        expected = [f"（{n}）{t}" for n, t in zip("一二三四五六七", section_titles(part.track), strict=True)]
        found = [p for p in paragraphs[at:] if re.match(r"^（[一二三四五六七]）", p)][:7]
        assert found == expected, (part.heading, found)
    text = "\n".join(paragraphs)
    for r in decided:
        for c in r["clauses"]:
            assert c["text"] in text         # each clause quoted in its edition
        for lid in r["findings"] + r["violations"]:
            assert f"〔{lid}〕" in text       # each fact, by the case's own id


def test_official_numbering_past_ten():
    from duidan.views.document import numeral

    assert [numeral(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]


def test_html_reports_are_the_same_bytes_each_time(evaluator, reports):
    det, case = _evaluate(evaluator, ROOT / "cases" / "village_misappropriation_two_investigations.yaml")
    a = render("case_report", "html", det, case, evaluator.rulebook)
    assert a == render("case_report", "html", det, case, evaluator.rulebook)
    from duidan.reports import run_report

    rep = run_report(reports["db"], 1)
    assert render("run_report", "html", rep) == render("run_report", "html", rep)
    first = render("run_report", "xlsx", rep), render("case_report", "docx", det, case, evaluator.rulebook)
    time.sleep(1.1)   # writers that stamp the time of saving (openpyxl does) would differ now
    assert first == (render("run_report", "xlsx", rep), render("case_report", "docx", det, case, evaluator.rulebook))


def test_document_states_appeal_and_who_decides(evaluator):
    det, case = _evaluate(evaluator, ROOT / "cases" / "village_misappropriation_two_investigations.yaml")
    doc = build_document(det, case, evaluator.rulebook)
    head = doc.parts[0]
    text = "\n".join(t for s in head.sections for _k, t in s.numbered())
    assert "自收到问责决定之日起1个月内" in text and "问责条例》（2019）第20条" in text
    assert "未能对照公开文本核实" in text     # the citation is flagged until checked against the text
    assert "建议提出：安宁镇纪委" in text and "决定（实施）主体" in text
    direct = next(p for p in doc.parts if p.track == "direct")
    assert any(s.title == "违纪违法事实" for s in direct.sections)


# ---------------------------------------------------------------- a case and a run with payloads

def _payload_case(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "cases" / "village_misappropriation_two_investigations.yaml").read_text("utf-8"))
    data["case"]["title"] = PAYLOADS["title"]
    data["units"][2]["name"] = PAYLOADS["unit"]
    data["units"][0]["name"] = PAYLOADS["formula"]
    data["people"][0]["name"] = PAYLOADS["person"]
    data["violations"][0]["description"] = PAYLOADS["description"]
    path = tmp_path / "payload.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A case report and a run report (two example cases, the payload case, one rejected file),
    written through the CLI."""
    tmp = tmp_path_factory.mktemp("reports")
    inputs = tmp / "in"
    inputs.mkdir()
    shutil.copy(_payload_case(tmp), inputs / "payload.yaml")
    shutil.copy(ROOT / "cases" / "township_secretary_changed.yaml", inputs)
    shutil.copy(ROOT / "cases" / "enterprise_exemption.yaml", inputs)
    (inputs / "broken.yaml").write_text("schema: duidan/case/v1\ncase: {id: '<b>bad</b>'}\n", encoding="utf-8")
    db = f"sqlite:///{tmp / 'duidan.db'}"
    runner = CliRunner()
    r = runner.invoke(cli, ["batch", str(inputs), "--db", db])
    assert r.exit_code == 1, r.output          # the broken file is rejected, the rest evaluated
    out = {"case_html": tmp / "case.html", "case_docx": tmp / "case.docx",
           "run_html": tmp / "run.html", "run_xlsx": tmp / "run.xlsx", "db": db}
    r = runner.invoke(cli, ["report", str(inputs / "payload.yaml"), "--html", str(out["case_html"]),
                            "--docx", str(out["case_docx"])])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["report", "1", "--db", db, "--html", str(out["run_html"]), "--xlsx", str(out["run_xlsx"])])
    assert r.exit_code == 0, r.output
    return out


def test_report_command_refuses_what_does_not_exist(reports):
    runner = CliRunner()
    r = runner.invoke(cli, ["report", "7", "--db", reports["db"], "--html", "x.html"])
    assert r.exit_code == 1 and "no run 7" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["report", "1", "--db", reports["db"], "--docx", "x.docx"])
    assert r.exit_code == 2 and "--docx is not a report of a run" in r.output
    r = runner.invoke(cli, ["report", "missing.yaml", "--html", "x.html"])
    assert r.exit_code == 1 and r.output.startswith("error: ") and "Traceback" not in r.output


def test_html_escapes_every_case_string(reports):
    for key in ("case_html", "run_html"):
        html = reports[key].read_text("utf-8")
        assert "<script" not in html and "onerror=" not in html.replace("onerror=&#34;", "") \
            and "<img" not in html and "<svg onload" not in html, key
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") \
            .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace("http://example.invalid", ""), key


def test_workbook_reads_back(reports):
    wb = openpyxl.load_workbook(reports["run_xlsx"])
    assert wb.sheetnames == ["问责建议", "对单考核", "条款", "退回"]
    recs = wb["问责建议"]
    headers = [c.value for c in recs[1]]
    assert headers[:5] == ["案件", "编号", "责任线", "责任对象", "单位"] and "处理方式" in headers
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title        # the header row stays in view
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.column_dimensions["A"].width >= 8
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in recs.iter_rows(min_row=2)]
    # Names, not ids; Chinese labels, not vocabulary ids.
    assert any(r["责任对象"] == "吴某" for r in rows)
    assert all(not re.search(r"[a-z]_[a-z]", str(r["处理方式"] or "")) for r in rows)
    assert all(r["责任线"] in ("主体责任", "监督责任", "直接责任") for r in rows)
    # A unit named like a formula is stored as text, quoted, in every sheet it appears in.
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    quoted = [c for c in cells if c.value.startswith("'=HYPERLINK")]
    assert quoted and all(c.data_type == "s" for c in quoted)
    assert wb["退回"].max_row == 2                     # the broken file, with its reason
    assert wb["对单考核"].max_row > 1 and wb["条款"].max_row > 1


def test_case_docx_keeps_payloads_as_text(reports):
    text = "\n".join(p.text for p in docx.Document(str(reports["case_docx"])).paragraphs)
    assert PAYLOADS["person"] in text and PAYLOADS["unit"] in text


# ---------------------------------------------------------------- in the browser

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium and chromium-driver for the report tests")
        pytest.skip("headless Chromium (Debian chromium, chromium-driver) is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,1600", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.mark.parametrize("key", ["case_html", "run_html"])
def test_report_opens_in_chromium_without_errors_or_scripts(browser, reports, key):
    browser.get(reports[key].as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], errors                                  # no console error, no CSP report
    assert browser.execute_script("return window.__pwned === undefined"), "a payload ran"
    # Nothing fetched: no image, font, script or stylesheet beyond the page itself.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    body = browser.execute_script("return document.body.innerText")
    assert not browser.execute_script("return document.querySelectorAll('main script, main img, svg[onload]').length")
    if key == "case_html":
        # The payloads are shown as the text they are, and the chain is drawn.
        assert PAYLOADS["person"] in body and PAYLOADS["unit"] in body
        assert browser.execute_script("return document.querySelectorAll('.chain .box.form').length") > 0
        assert "申诉权利" in body and "建议的处理方式" in body
    else:
        assert browser.execute_script("return document.querySelectorAll('svg.pygal-chart').length") == 3
        assert "对单考核" in body and PAYLOADS["unit"] in body
    # Chinese text is laid out with a CJK font (a missing font would show tofu boxes, not fail).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{key.replace('_html', '')}_report.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
