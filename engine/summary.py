"""What a stored run says, as data: counts, the clauses most often breached, the per-unit
scorecard (对单考核), and what changed between two runs. Rendering is a view (duidan.views.tables).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .determination import TraceOut
from .store import Run, Store


@dataclass(frozen=True)
class UnitScore:
    unit: str
    tier: str
    recommendations: int               # accountable recommendations whose subject is in the unit
    clauses: dict[str, int]            # clause id -> how many of them cite it


@dataclass(frozen=True)
class Summary:
    run: Run
    read: int
    evaluated: int
    rejected: int
    by_outcome: dict[str, int]
    by_track: dict[str, int]
    by_tier: dict[str, int]
    by_form: dict[str, int]            # accountable only; "disciplinary:warning" for sanctions
    top_clauses: list[tuple[str, str, int]]   # (clause id, list, breaches)
    scorecard: list[UnitScore]
    rejects: list[dict]
    # Reviewers' decisions (the latest per recommendation): {"accepted", "modified", "rejected"},
    # and per rule (rule, reviewed, modified, rejected), most overruled first: the rules to recalibrate.
    reviews: dict[str, int] = field(default_factory=dict)
    overruled: list[tuple[str, int, int, int]] = field(default_factory=list)


def form_key(form: str | None, sanction: str | None) -> str:
    return f"{form}:{sanction}" if sanction else str(form)


def _sorted(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def summarize(store: Store, run_id: int, top: int = 10) -> Summary:
    """Counted by the database (Store.tally): memory does not grow with the run."""
    run = store.run(run_id)
    if run is None:
        raise KeyError(run_id)
    n = store.counts(run_id)
    t = store.tally(run_id)
    units: dict[str, Counter] = defaultdict(Counter)
    for unit, clause, k in t["unit_clause"]:
        units[unit][clause] += k
    per_unit = Counter({u: k for u, _, k in t["unit"]})
    tiers = {u: tier for u, tier, _ in t["unit"]}
    scorecard = [UnitScore(u, tiers[u], per_unit[u], _sorted(units.get(u, Counter())))
                 for u in sorted(per_unit, key=lambda u: (-per_unit[u], u))]
    clause_counts = Counter({(c, lst): k for c, lst, k in t["clause"]})
    forms = Counter()
    for form, sanction, k in t["form"]:
        forms[form_key(form, sanction)] += k
    reviews = store.reviews(run_id)
    return Summary(
        run=run, read=run.read or 0, evaluated=n["evaluated"], rejected=n["rejected"],
        by_outcome=_sorted(Counter(dict(t["outcome"]))),
        by_track=_sorted(Counter(dict(t["track"]))),
        by_tier=_sorted(Counter(dict(t["tier"]))),
        by_form=_sorted(forms),
        top_clauses=[(c, lst, k) for (c, lst), k in sorted(clause_counts.items(), key=lambda kv: (-kv[1], kv[0]))][:top],
        scorecard=scorecard,
        rejects=store.rejects(run_id),
        **review_counts(reviews, store.rules_of(run_id, [rv["rec_id"] for rv in reviews])),
    )


def review_counts(reviews: list[dict], rules: dict[str, str]) -> dict:
    """How often reviewers accepted, modified or rejected the machine's recommendations, overall and
    per rule (a recommendation counts for every rule it rests on; its latest review stands)."""
    latest = {}
    for rv in reviews:
        latest[rv["rec_id"]] = rv["decision"]
    word = {"accept": "accepted", "modify": "modified", "reject": "rejected"}
    totals = Counter({w: 0 for w in word.values()})
    per_rule: dict[str, Counter] = defaultdict(Counter)
    rules_of = {rec_id: v.split() for rec_id, v in rules.items()}   # Store.rules_of: rec id -> its rules
    for rec_id, decision in latest.items():
        totals[word[decision]] += 1
        for rule in rules_of.get(rec_id, []):
            per_rule[rule][word[decision]] += 1
    overruled = [(rule, sum(c.values()), c["modified"], c["rejected"]) for rule, c in per_rule.items()]
    overruled.sort(key=lambda t: (-(t[2] + t[3]), -t[1], t[0]))
    return {"reviews": dict(totals), "overruled": overruled}


# ---------------------------------------------------------------- diff

COMPARED = ("outcome", "form", "sanction", "grade", "measures", "clauses")


@dataclass(frozen=True)
class Change:
    case_id: str
    track: str
    subject: str                       # "person:p1" / "unit:town-a"
    change: str                        # added | removed | changed
    before: dict | None
    after: dict | None
    why: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    a: Run
    b: Run
    rulebook_changed: bool
    cases_only_a: list[str]
    cases_only_b: list[str]
    input_changed: list[str]           # cases read in both whose records differ
    changes: list[Change]
    unchanged: int


def rec_key(r: dict) -> tuple[str, str, str, str]:
    return (r["case_id"], r["track"], f"{r['subject_kind']}:{r['subject']}", r["standing"])


def diff(store: Store, run_a: int, run_b: int) -> Diff:
    """Recommendations matched by (case, track, subject, standing); what differs, and why."""
    a, b = store.run(run_a), store.run(run_b)
    if a is None or b is None:
        raise KeyError(run_a if a is None else run_b)
    cases_a = {c["case_id"]: c for c in store.cases(run_a)}
    cases_b = {c["case_id"]: c for c in store.cases(run_b)}
    rejected_a = {r["case_id"]: r["reason"] for r in store.rejects(run_a) if r["case_id"]}
    rejected_b = {r["case_id"]: r["reason"] for r in store.rejects(run_b) if r["case_id"]}
    recs_a = {rec_key(r): r for r in store.recommendations(run_a)}
    recs_b = {rec_key(r): r for r in store.recommendations(run_b)}
    book_changed = a.rulebook["digest"] != b.rulebook["digest"]
    input_changed = sorted(c for c in cases_a.keys() & cases_b.keys()
                           if cases_a[c]["input_digest"] != cases_b[c]["input_digest"])

    def context(case_id: str) -> list[str]:
        why = []
        if case_id in input_changed:
            why.append("the case record changed")
        if book_changed:
            why.append(f"rulebook {a.rulebook['name']} {a.rulebook['edition']} → "
                       f"{b.rulebook['name']} {b.rulebook['edition']}")
        for run, rejected in ((b, rejected_b), (a, rejected_a)):
            if case_id in rejected:
                why.append(f"rejected in run {run.id}: {rejected[case_id]}")
        return why

    determinations: dict[tuple[int, str], dict] = {}

    def traces(run_id: int, rec: dict | None) -> TraceOut | None:
        """The stored trace of a recommendation row, typed: the rule matches and circumstance steps."""
        if rec is None:
            return None
        key = (run_id, rec["case_id"])
        if key not in determinations:
            determinations[key] = store.determination(run_id, rec["case_id"])
        return TraceOut.model_validate(
            next(r["trace"] for r in determinations[key]["recommendations"] if r["id"] == rec["rec_id"]))

    changes, unchanged = pair_changes(
        recs_a, recs_b, lambda key, before, after: trace_changes(traces(run_a, before), traces(run_b, after))
        + clause_changes(before, after) + context(key[0]))
    return Diff(a, b, book_changed, sorted(cases_a.keys() - cases_b.keys()), sorted(cases_b.keys() - cases_a.keys()),
                input_changed, changes, unchanged)


def _ladder(form: str | None, sanction: str | None) -> str:
    return form_key(form, sanction) if form else "none"


def pair_changes(recs_a: dict, recs_b: dict, why) -> tuple[list[Change], int]:
    """Recommendations paired by key (case, track, subject, standing): each changed, added or removed
    one with `why(key, before, after)`, and how many are unchanged. Shared by diff and replay."""
    changes: list[Change] = []
    unchanged = 0
    for key in sorted(recs_a.keys() | recs_b.keys()):
        before, after = recs_a.get(key), recs_b.get(key)
        if before is not None and after is not None:
            if all(before[f] == after[f] for f in COMPARED):
                unchanged += 1
                continue
            kind = "changed"
        else:
            kind = "added" if before is None else "removed"
        changes.append(Change(key[0], key[1], key[2], kind, before, after, why(key, before, after)))
    return changes, unchanged


def trace_changes(before: TraceOut | dict | None, after: TraceOut | dict | None) -> list[str]:
    """What moved in the decision's chain: rule matches (per lapse) and circumstance steps. Takes
    stored traces as read (dicts) or typed."""
    before = TraceOut.model_validate(before) if isinstance(before, dict) else before
    after = TraceOut.model_validate(after) if isinstance(after, dict) else after
    old = {(m.rule, m.lapse): m for m in (before.matches if before else [])}
    new = {(m.rule, m.lapse): m for m in (after.matches if after else [])}
    why = []
    for rule, lapse in sorted(old.keys() | new.keys()):
        a, b = old.get((rule, lapse)), new.get((rule, lapse))
        if a is None:
            why.append(f"rule {rule} now applies to {lapse} ({_ladder(b.form, b.sanction)})")
        elif b is None:
            why.append(f"rule {rule} no longer applies to {lapse}")
        elif (a.form, a.sanction) != (b.form, b.sanction):
            why.append(f"rule {rule} on {lapse}: {_ladder(a.form, a.sanction)} → {_ladder(b.form, b.sanction)}")
        elif a.in_force != b.in_force:
            why.append(f"rule {rule} on {lapse}: its list {'is' if b.in_force else 'is not'} in force")
    if before and after and before.shift != after.shift:
        why.append(f"circumstances: {before.shift:+d} → {after.shift:+d} steps")
    return why


def clause_changes(before: dict | None, after: dict | None) -> list[str]:
    old = set((before or {}).get("clauses", "").split())
    new = set((after or {}).get("clauses", "").split())
    why = []
    if new - old:
        why.append("clauses added: " + ", ".join(sorted(new - old)))
    if old - new:
        why.append("clauses dropped: " + ", ".join(sorted(old - new)))
    return why
