# Copied verbatim (below the next comment) from the shared benchmark kit the performance issue
# (#13) was measured with, where it lives outside this repository. It is copied so that CI and
# users, who do not have that kit, can reproduce the baseline figures: keep it unchanged, so
# that figures from this copy and the original stay comparable.
"""Generate valid synthetic case files in the duidan/case/v1 contract format.

Usage: python gen_cases.py OUT_DIR N_CASES [SEED] [--jsonl FILE]
Independent of the project's own generator: used by the steering bars for batch, speed and
determinism checks. Every case has a township, a village, a department, their supervisors,
post holders (one post changing hands mid-period), findings of every catalog kind and a violation.
"""
import argparse
import json
import random
from pathlib import Path

PRIMARY = ["plan_perfunctory", "summary_perfunctory", "self_report_perfunctory", "deployment_lacking",
           "risk_prevention_weak", "warning_education_missing", "pressure_not_transmitted",
           "rectification_perfunctory", "accountability_not_pursued", "cadre_selection_lapse"]
SUPERVISORY = ["supervision_perfunctory", "clue_shelved", "sanction_not_executed",
               "dual_signature_missing", "disclosure_unsupervised"]
EITHER = ["problem_not_detected", "problem_not_reported", "falsified_records"]
VIOLATIONS = ["misappropriation", "bribery", "banquet", "public_funds_travel", "public_funds_dining",
              "gifts", "gambling", "small_treasury", "benefit_fraud", "other"]
CIRC = ["opposed_on_record", "remedied_loss", "cooperated", "self_reported", "obstructed",
        "falsified", "ignored_repeated_orders", "repeat_offence"]


def case(i, rnd):
    y = rnd.randint(2016, 2023)
    units = [
        {"id": "town", "name": f"第{i}镇党委", "tier": "township", "supervisor": "town-jw"},
        {"id": "town-jw", "name": f"第{i}镇纪委", "tier": "township_discipline"},
        {"id": "village", "name": f"第{i}村党支部", "tier": "village", "parent": "town", "supervisor": "vsc"},
        {"id": "vsc", "name": f"第{i}村村务监督委员会", "tier": "village_supervision", "parent": "town-jw"},
        {"id": "dept", "name": f"第{i}局党组", "tier": "department", "supervisor": "dept-jz"},
        {"id": "dept-jz", "name": f"派驻第{i}局纪检组", "tier": "stationed_group"},
    ]
    people = [
        {"id": "t-sec-a", "name": "甲", "unit": "town", "post": "secretary", "from": f"{y-3}-01-01", "to": f"{y}-06-30"},
        {"id": "t-sec-b", "name": "乙", "unit": "town", "post": "secretary", "from": f"{y}-06-30"},
        {"id": "t-fin", "name": "丙", "unit": "town", "post": "member", "portfolio": ["finance"]},
        {"id": "t-mem", "name": "丁", "unit": "town", "post": "deputy_secretary", "portfolio": ["planning"]},
        {"id": "t-jw", "name": "戊", "unit": "town-jw", "post": "discipline_secretary"},
        {"id": "v-sec", "name": "己", "unit": "village", "post": "secretary"},
        {"id": "v-cash", "name": "庚", "unit": "village", "post": "staff"},
        {"id": "vsc-chair", "name": "辛", "unit": "vsc", "post": "vsc_chair"},
        {"id": "d-sec", "name": "壬", "unit": "dept", "post": "secretary"},
        {"id": "d-mem", "name": "癸", "unit": "dept", "post": "member", "portfolio": ["projects"]},
        {"id": "d-jz", "name": "子", "unit": "dept-jz", "post": "discipline_secretary"},
    ]
    findings = []
    for n in range(rnd.randint(3, 12)):
        side = rnd.random()
        if side < 0.45:
            kind, unit = rnd.choice(PRIMARY), rnd.choice(["town", "dept", "village"])
        elif side < 0.85:
            kind, unit = rnd.choice(SUPERVISORY), rnd.choice(["town-jw", "dept-jz", "vsc"])
        else:
            kind, unit = rnd.choice(EITHER), rnd.choice(["town", "dept", "town-jw", "vsc"])
        holders = [p["id"] for p in people if p["unit"] == unit]
        f = {"id": f"F{n+1}", "kind": kind, "unit": unit, "date": f"{y}-{rnd.randint(1, 12):02d}-28",
             "from": f"{y-1}-01-01", "area": rnd.choice(["finance", "planning", "projects"]),
             "facts": {"count": rnd.randint(1, 40), "amount": rnd.randint(0, 500000)},
             "description": f"第{n+1}项问题"}
        if holders and rnd.random() < 0.6:
            f["persons"] = [rnd.choice(holders)]
        findings.append(f)
    c = {"schema": "duidan/case/v1",
         "case": {"id": f"G-{i:07d}", "title": f"合成案件{i}", "reviewed_on": f"{y+1}-03-01"},
         "units": units, "people": people, "findings": findings}
    if rnd.random() < 0.5:
        c["violations"] = [{"id": "V1", "person": rnd.choice(["v-cash", "t-fin", "d-mem"]),
                            "kind": rnd.choice(VIOLATIONS), "date": f"{y}-05-01", "from": f"{y-2}-01-01",
                            "severity": rnd.choice(["minor", "serious", "major"]),
                            "facts": {"amount": rnd.randint(1000, 3000000), "years": rnd.randint(1, 4)}}]
    if rnd.random() < 0.3:
        c["circumstances"] = [{"subject": rnd.choice(["t-sec-a", "t-jw", "vsc-chair", "d-sec"]),
                               "kind": rnd.choice(CIRC)}]
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("seed", type=int, nargs="?", default=7)
    ap.add_argument("--jsonl")
    a = ap.parse_args()
    out, n, rnd, jsonl = Path(a.out), a.n, random.Random(a.seed), a.jsonl
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    sink = open(jsonl, "w", encoding="utf-8") if jsonl else None
    for i in range(n):
        c = case(i, rnd)
        total += len(c["findings"])
        text = json.dumps(c, ensure_ascii=False)
        if sink:
            sink.write(text + "\n")
        else:
            (out / f"g{i:07d}.json").write_text(text, encoding="utf-8")
    print(total)


if __name__ == "__main__":
    main()
