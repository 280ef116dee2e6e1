# The baseline ceiling of durable_rules itself, copied from the shared benchmark kit the
# performance issue (#13) was measured with (it lives outside this repository, so CI and users
# could not run it). The ruleset, the facts and the per-case session handling are unchanged; the
# only additions are `run()` (the same loop, callable from benchmarks/run.py, returning the hit
# count) and the option to read a JSON Lines file as well as a directory of case files.
"""The engine's own ceiling: feed the same findings as flat facts into a durable_rules ruleset of
RULES rules with no-op actions, one session per case, deleted after. Whole-process timing is the
caller's. Usage: python raw_durable.py CASES_DIR_OR_JSONL [RULES]
"""
import json
import sys
from pathlib import Path

from durable import engine

KINDS = ["plan_perfunctory", "summary_perfunctory", "self_report_perfunctory", "deployment_lacking",
         "risk_prevention_weak", "warning_education_missing", "pressure_not_transmitted",
         "rectification_perfunctory", "accountability_not_pursued", "cadre_selection_lapse",
         "supervision_perfunctory", "clue_shelved", "sanction_not_executed", "dual_signature_missing",
         "disclosure_unsupervised", "problem_not_detected", "problem_not_reported", "falsified_records"]
TIERS = ["township", "department", "village", "township_discipline", "stationed_group", "village_supervision"]


def _cases(src):
    src = Path(src)
    if src.is_dir():
        for path in sorted(src.iterdir()):
            yield json.loads(path.read_text(encoding="utf-8"))
    else:
        with src.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def run(src, n_rules=100):
    hits = [0]

    def act(c):
        hits[0] += 1

    rules = {}
    for i in range(n_rules):
        rules[f"r{i}"] = {"all": [{"m": {"$and": [{"kind": KINDS[i % len(KINDS)]},
                                                  {"tier": TIERS[(i // len(KINDS)) % len(TIERS)]}]}}],
                          "run": act}
    host = engine.Host()
    host.set_rulesets({"raw": rules})
    for n, case in enumerate(_cases(src)):
        tiers = {u["id"]: u["tier"] for u in case["units"]}
        sid = str(n)
        facts = [{"sid": sid, "id": f["id"], "kind": f["kind"], "tier": tiers[f["unit"]],
                  "amount": f.get("facts", {}).get("amount", 0)} for f in case["findings"]]
        try:
            host.assert_facts("raw", facts)
        except engine.MessageNotHandledException:
            pass
        host.delete_state("raw", sid)
    return hits[0]


def main(src, n_rules=100):
    print(run(src, n_rules))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100)
