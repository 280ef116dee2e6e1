"""Throughput of `duidan batch`: generate N findings spread over cases (a CSV with a roster, the way
inspection teams keep them), run the batch into a fresh store, print cases/s and findings/s.

    python scripts/bench_batch.py --findings 10000 --workers 2
    python scripts/bench_batch.py --findings 10000 --workers 2 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

SQLite: a new file in a temporary directory. PostgreSQL: a new schema in the given database,
dropped afterwards. The time covers the whole batch: reading, evaluating, storing, finishing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import yaml

from duidan.batch import run_batch
from duidan.domain import bundled_domain
from duidan.rulebook import load_rulebook
from duidan.store import Store

DOM = bundled_domain()

SUPERVISORY_KINDS = {"supervision_perfunctory", "clue_shelved", "sanction_not_executed", "dual_signature_missing",
                     "disclosure_unsupervised"}
AREAS = ["finance", "projects", "land", "education", "poverty_relief"]


def world(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """A small city: departments with stationed groups, townships with discipline committees,
    villages with supervision committees, and the people who held the posts (some changed hands)."""
    units = [{"id": "city", "name": "市委", "tier": "city", "supervisor": "cdi"},
             {"id": "cdi", "name": "市纪委监委", "tier": "city_discipline", "parent": "city"}]
    for g in range(2):
        units.append({"id": f"stg{g}", "name": f"派驻第{g + 1}纪检监察组", "tier": "stationed_group", "parent": "cdi"})
    for d in range(4):
        units.append({"id": f"dept{d}", "name": f"市直部门{d}党组", "tier": "department", "parent": "city",
                      "supervisor": f"stg{d % 2}"})
    for t in range(6):
        units.append({"id": f"town{t}", "name": f"第{t}镇党委", "tier": "township", "parent": "city",
                      "supervisor": f"town{t}-jw"})
        units.append({"id": f"town{t}-jw", "name": f"第{t}镇纪委", "tier": "township_discipline", "parent": f"town{t}"})
        for v in range(2):
            units.append({"id": f"vil{t}-{v}", "name": f"第{t}镇{v}村党支部", "tier": "village", "parent": f"town{t}"})
            units.append({"id": f"vil{t}-{v}-vsc", "name": f"第{t}镇{v}村村务监督委员会", "tier": "village_supervision",
                          "parent": f"vil{t}-{v}"})
    posts = {"city": ["secretary", "deputy_secretary", "member", "member"], "department": ["secretary", "member", "member"],
             "township": ["secretary", "deputy_secretary", "member", "member", "staff"], "village": ["secretary", "member", "staff"],
             "city_discipline": ["discipline_secretary", "discipline_member"],
             "stationed_group": ["discipline_secretary", "discipline_member"],
             "township_discipline": ["discipline_secretary", "discipline_member"],
             "village_supervision": ["vsc_chair", "vsc_member"]}
    people = []
    for u in units:
        for k, post in enumerate(posts[u["tier"]]):
            pid = f"{u['id']}-p{k}"
            person = {"id": pid, "name": f"{u['name']}{post}{k}", "unit": u["id"], "post": post}
            if post in ("deputy_secretary", "member"):
                person["portfolio"] = rng.sample(AREAS, 2)
            if post in ("secretary", "discipline_secretary") and rng.random() < 0.3:
                person["to"] = "2021-06-30"        # a predecessor, and the successor since then
                people.append({**person, "id": pid + "b", "name": person["name"] + "（继任）",
                               "from": "2021-07-01", "to": None})
            people.append(person)
    return units, people


def findings_csv(path: Path, n: int, rng: random.Random, units: list[dict], people: list[dict]) -> int:
    """n findings, 1–9 per case; returns the number of cases."""
    primary = [u for u in units if u["tier"] in DOM.tiers_of("primary")]
    supervisor = {u["id"]: u.get("supervisor") or next(
        (x["id"] for x in units if x.get("parent") == u["id"] and x["tier"] in DOM.tiers_of("supervisory")), None) for u in primary}
    staff = {}
    for p in people:
        staff.setdefault(p["unit"], []).append(p["id"])
    facts = ["amount", "count", "days_overdue", "years", "people", "repeated", "copied_from", "similarity",
             "consequence", "reported", "falsified"]
    columns = ["case_id", "finding_id", "kind", "unit", "date", "from", "area", "persons", "description", *facts]
    cases = written = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        while written < n:
            cases += 1
            home = rng.choice(primary)
            for k in range(min(rng.randint(1, 9), n - written)):
                kind = rng.choice(DOM.ids("lapse kind"))
                unit = home["id"]
                if kind in SUPERVISORY_KINDS and supervisor[unit] and rng.random() < 0.5:
                    unit = supervisor[unit]
                end = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 1600))
                start = end - dt.timedelta(days=rng.choice([0, 90, 181, 365]))
                named = rng.sample(staff[unit], 1) if rng.random() < 0.3 else []
                row = {"case_id": f"XC-{cases:05d}", "finding_id": f"F{k + 1}", "kind": kind, "unit": unit,
                       "date": end.isoformat(), "from": start.isoformat() if start != end else "",
                       "area": rng.choice(AREAS + [""]), "persons": ";".join(named), "description": f"问题{k + 1}"}
                for fact in rng.sample(facts, rng.randint(0, 4)):
                    row[fact] = _fact(fact, rng)
                w.writerow([row.get(c, "") for c in columns])
                written += 1
    return cases


def _fact(name: str, rng: random.Random) -> str:
    decl = DOM.fact[name]
    kind = decl.type
    if kind == "text":
        return rng.choice(decl.values)
    if kind == "boolean":
        return rng.choice(["yes", "no"])
    if kind == "ratio":
        return f"{rng.randint(0, 100) / 100}"
    if name == "amount":
        return str(rng.choice([800, 5_000, 52_000, 380_000, 1_200_000]))
    return str(rng.randint(0, {"days_overdue": 400, "years": 6}.get(name, 40)))


@contextmanager
def fresh_store(url: str | None, workdir: Path):
    """A store URL with nothing in it: a new SQLite file, or a new PostgreSQL schema."""
    if url is None or url.startswith("sqlite"):
        yield f"sqlite:///{workdir / 'bench.db'}", "sqlite"
        return
    import psycopg

    libpq = re.sub(r"^postgresql\+psycopg://", "postgresql://", url)
    schema = f"duidan_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", "postgresql"
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--db", default=None, help="postgresql+psycopg://… (default: a new SQLite file)")
    ap.add_argument("--rulebook", default=None, help="rulebook directory (default: the bundled one)")
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args(argv)

    book = load_rulebook(args.rulebook)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="duidan-bench-") as tmp:
        work = Path(tmp)
        units, people = world(rng)
        roster = work / "roster.yaml"
        roster.write_text(yaml.safe_dump({"units": units, "people": people}, allow_unicode=True), "utf-8")
        data = work / "findings.csv"
        n_cases = findings_csv(data, args.findings, rng, units, people)
        with fresh_store(args.db, work) as (url, backend):
            store = Store.open(url, connections=args.workers + 3)
            marks: dict[str, float] = {}

            def progress(phase: str, done: int, total: int) -> None:
                marks.setdefault(phase, time.perf_counter())

            t0 = time.perf_counter()
            result = run_batch(store, [data], book, roster=roster, workers=args.workers, progress=progress)
            total = time.perf_counter() - t0
            run = result.run
            recs = len(store.recommendations(run.id))
            store.close()
    read_s = marks.get("evaluate", t0) - t0
    print(f"duidan batch: {args.findings} findings in {n_cases} cases ({len(units)} units, {len(people)} people "
          f"in the roster); rulebook {book.meta.name} {book.meta.edition}; {backend}; workers {args.workers}")
    print(f"read {run.read}  evaluated {run.evaluated}  rejected {run.rejected}  recommendations {recs}")
    print(f"time {total:.2f} s (reading {read_s:.2f} s, evaluating and storing {total - read_s:.2f} s)")
    print(f"throughput {run.read / total:.1f} cases/s, {args.findings / total:.1f} findings/s")
    return 0 if run.rejected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
