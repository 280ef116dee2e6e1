"""Replay a stored run: re-evaluate its stored cases under its stored rulebook (does the store
still say what the engine says?) or under another rulebook (what would a change do?).

- `replay(store, run)`: every stored determination is re-derived from the stored case record and
  the stored rulebook (by digest, re-checked); any digest that differs is reported with the
  recommendations that differ. An untouched store reports none.
- `replay(store, run, book)`: the impact preview of a rulebook change over the stored cases,
  paired and explained exactly as `duidan diff` pairs two runs (engine/summary.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .api import Evaluator
from .batch import evaluate_record
from .explain import labeller, labels_of
from .rulebook import Rulebook, rulebook_from_canonical
from .store import Evaluated, Run, Store
from .summary import Change, clause_changes, pair_changes, rec_key, trace_changes


@dataclass(frozen=True)
class Difference:
    case_id: str
    stored: str | None        # stored digest (None: the case was rejected when stored)
    now: str | None           # digest now (None: rejected now)
    detail: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Replay:
    run: Run
    rulebook: dict            # what the cases were re-evaluated under
    cases: int                # cases re-evaluated
    differences: list[Difference] = field(default_factory=list)       # replay under the stored rulebook
    changes: list[Change] = field(default_factory=list)               # impact preview (--rulebook)
    unchanged: int = 0
    preview: bool = False
    labels: dict[str, str] = field(default_factory=dict)   # for views: the ids shown, in Chinese

    @property
    def ok(self) -> bool:
        return not self.differences and not self.changes


def replay(store: Store, run_id: int, book: Rulebook | None = None) -> Replay:
    run = store.run(run_id)
    if run is None:
        raise KeyError(run_id)
    digest = run.rulebook["digest"]
    stored_book = None
    if book is None:
        body = store.rulebook(digest)
        if body is None:
            from .errors import InputError

            raise InputError.one(store.url, "rulebooks", f"run {run_id}'s rulebook {digest} is not in the store")
        stored_book = rulebook_from_canonical(body, digest, f"{store.url}: rulebook of run {run_id}")
    ev = Evaluator(book or stored_book)
    records = store.case_records(run_id)
    stored = {d["case_id"]: d for d in store.determinations(run_id)}
    outcomes = {cid: evaluate_record(ev, f"run {run_id} case {cid}", body) for cid, body in sorted(records.items())}
    if book is None:
        return Replay(run, stored_book.summary(), len(outcomes), _differences(stored, outcomes))
    changes, unchanged = _preview(store, run_id, stored, outcomes)
    shown = [{k: c.before and c.before.get(k) for k in ("track", "outcome", "form", "sanction")} for c in changes]
    shown += [{k: c.after and c.after.get(k) for k in ("track", "outcome", "form", "sanction")} for c in changes]
    return Replay(run, book.summary(), len(outcomes), changes=changes, unchanged=unchanged, preview=True,
                  labels=labels_of(shown, labeller(book)))


def _differences(stored: dict[str, dict], outcomes: dict) -> list[Difference]:
    out = []
    for cid, now in outcomes.items():
        was = stored.get(cid)
        now_digest = now.digest if isinstance(now, Evaluated) else None
        was_digest = was["digest"] if was else None
        if now_digest == was_digest and (was is None or was["body"] == now.body):
            continue
        detail = []
        if now_digest == was_digest:
            detail.append("存储的正文与其摘要不符")
        elif was is None:
            detail.append("存储时被拒收，现在可评估")
        elif now_digest is None:
            detail.append(f"现在被拒收：{now.reason}")
        else:
            try:
                a = {r["id"]: r for r in json.loads(was["body"])["recommendations"]}
            except (ValueError, KeyError, TypeError):
                a = {}
                detail.append("存储的正文无法读取")
            b = {r["id"]: r for r in json.loads(now.body)["recommendations"]}
            for rid in sorted(a.keys() | b.keys()):
                if rid not in b:
                    detail.append(f"{rid} 不再提出")
                elif rid not in a:
                    detail.append(f"{rid} 现在提出")
                elif a[rid] != b[rid]:
                    fields = sorted(k for k in a[rid].keys() | b[rid].keys() if a[rid].get(k) != b[rid].get(k))
                    detail.append(f"{rid}：{'、'.join(fields)} 不同")
            if not detail:
                detail.append("决定的其他字段不同")
        out.append(Difference(cid, was_digest, now_digest, detail))
    return out


def _preview(store: Store, run_id: int, stored: dict[str, dict], outcomes: dict) -> tuple[list[Change], int]:
    """Pair stored and re-evaluated recommendations as diff does: by (case, track, subject, standing)."""
    recs_a = {rec_key(r): r for r in store.recommendations(run_id)}
    recs_b, traces_b = {}, {}
    for out in outcomes.values():
        if isinstance(out, Evaluated):
            det = json.loads(out.body)
            by_id = {r["id"]: r["trace"] for r in det["recommendations"]}
            for r in out.recommendations:
                recs_b[rec_key(r)] = r
                traces_b[rec_key(r)] = by_id[r["rec_id"]]
    traces_a = {}
    for d in stored.values():
        try:
            for r in json.loads(d["body"])["recommendations"]:
                traces_a[r["id"]] = r["trace"]
        except (ValueError, KeyError, TypeError):
            continue   # a body changed behind the product's back: compared by its row, without a trace
    return pair_changes(recs_a, recs_b, lambda key, before, after: trace_changes(
        traces_a.get(before["rec_id"]) if before else None, traces_b.get(key)) + clause_changes(before, after))
