"""The auditor's library: find what was stored, read it back, record reviewers' decisions, export.

    src = source_from_store(store, "XC-2021-017/R1")     # or source_from_file(path, rulebook)
    explain(src, "XC-2021-017/R1"); why_not(src, "p8")   # engine/explain.py
    review(store, "XC-2021-017/R1", "modify", form="notice", reason="…", reviewer="王某")

Everything is read from the store's own records: the case as read, the determination as stored,
the rulebook by digest (re-checked against it). Nothing is re-decided here; replay
(engine/replay.py) is the one place that re-evaluates.
"""

from __future__ import annotations

import csv
import io
import json

from .case import parse_case
from .determination import Determination
from .errors import InputError, unknown
from .explain import Source, labeller, labels_of, sanctions
from .rulebook import Rulebook, rulebook_from_canonical
from .store import Store

DECISIONS = ("accept", "modify", "reject")


def _book(store: Store, digest: str, cache: dict | None = None) -> Rulebook:
    if cache is not None and digest in cache:
        return cache[digest]
    body = store.rulebook(digest)
    if body is None:
        raise InputError.one(store.url, "rulebooks", f"rulebook {digest} is not in the store")
    book = rulebook_from_canonical(body, digest, f"{store.url}: rulebook {digest[:19]}…")
    if cache is not None:
        cache[digest] = book
    return book


def locate(store: Store, ident: str, run_id: int | None = None) -> tuple[int, str, str | None]:
    """(run, case id, rec id or None) for a stored recommendation id or case id; the latest run
    holding it unless `run_id` is given."""
    rec = store.find_recommendation(ident, run_id)
    if rec is not None:
        return rec["run_id"], rec["case_id"], ident
    run = store.find_case(ident, run_id)
    if run is not None:
        return run, ident, None
    where = f" in run {run_id}" if run_id is not None else ""
    raise InputError.one(store.url, "(id)", f"no stored recommendation or case {ident!r}{where} "
                                            "(a recommendation id looks like CASE/R1)")


def source_from_store(store: Store, ident: str, run_id: int | None = None) -> tuple[Source, str | None]:
    """The stored case, determination, rulebook and reviews behind a recommendation or case id."""
    run, case_id, rec_id = locate(store, ident, run_id)
    where = f"{store.url} run {run}"
    try:
        det = store.determination(run, case_id)
        body = store.case_record(run, case_id)
        # Stored data is checked as it is read: a row changed behind the product's back is a
        # message (and `duidan verify` names it), never a traceback.
        det = Determination.model_validate(det).to_dict()
    except (ValueError, TypeError) as e:
        raise InputError.one(where, f"determination of {case_id}",
                             f"unreadable ({str(e).splitlines()[0]}); run duidan verify") from None
    book = _book(store, det["rulebook"]["digest"])
    case = parse_case(body, f"{where} case {case_id}", book.domain)
    return Source(case=case, det=det, book=book, where=f"run {run}", run_id=run,
                  reviews=store.reviews(run, None) if rec_id is None else store.reviews(run, rec_id)), rec_id


def source_from_file(path: str, book: Rulebook, engine: str = "durable") -> Source:
    """A case file evaluated now (no store): explain and why-not work the same on it."""
    from .api import Evaluator
    from .case import load_case

    case = load_case(path, book.domain)
    det = Evaluator(book, engine).evaluate(case, path).to_dict()
    return Source(case=case, det=det, book=book, where=str(path))


def show(store: Store, ident: str, run_id: int | None = None) -> tuple[dict, object, list[dict], int, Rulebook]:
    """(determination as stored, case, its reviews, run, the stored rulebook) for a stored case id
    or recommendation id; each review carries the labels a view needs."""
    src, _ = source_from_store(store, ident, run_id)
    label = labeller(src.book)
    reviews = [dict(r, labels=labels_of(r, label)) for r in store.reviews(src.run_id)
               if r["case_id"] == src.det["case"]]
    return src.det, src.case, reviews, src.run_id, src.book


# ---------------------------------------------------------------- reviews

def _form(book: Rulebook, value: str, kind: str) -> str:
    """A form for a subject of `kind`, given by id or by its label in the rulebook."""
    forms = {f: info.label for (k, f), info in book.forms.items() if k == kind}
    back = {label: f for f, label in forms.items()} | {labeller(book)(f): f for f in forms}
    f = back.get(value, value)
    if f not in forms:
        raise InputError.one("--modify", "form", unknown(f"form for a {kind}", value, list(forms)))
    return f


def review(store: Store, rec_id: str, decision: str, *, reason: str, reviewer: str, form: str | None = None,
           sanction: str | None = None, run_id: int | None = None) -> dict:
    """Store a reviewer's decision beside a stored recommendation (never over it)."""
    if decision not in DECISIONS:
        raise InputError.one("review", "decision", unknown("decision", decision, DECISIONS))
    if not reason.strip():
        raise InputError.one("review", "--reason", "a review states its reason")
    if not reviewer.strip():
        raise InputError.one("review", "--by", "a review names its reviewer")
    rec = store.find_recommendation(rec_id, run_id)
    if rec is None:
        raise InputError.one(store.url, "REC_ID", f"no stored recommendation {rec_id!r} (see duidan show CASE_ID)")
    book = _book(store, store.run(rec["run_id"]).rulebook["digest"])
    if decision == "modify":
        if form is None:
            raise InputError.one("review", "--modify", "name the form decided instead")
        form = _form(book, form, rec["subject_kind"])
        if form == "disciplinary":
            known = sanctions(book)
            sanction = {labeller(book)(x): x for x in known}.get(sanction, sanction)
            if sanction not in known:
                raise InputError.one("review", "--sanction", unknown("sanction", sanction, known)
                                     if sanction else "form 'disciplinary' needs --sanction")
        elif sanction is not None:
            raise InputError.one("review", "--sanction", "a sanction goes with form 'disciplinary' only")
    elif form is not None or sanction is not None:
        raise InputError.one("review", "--sanction", "a form or sanction goes with --modify only")
    row = store.add_review(rec["run_id"], rec["case_id"], rec_id, decision, form, sanction, reason.strip(),
                           reviewer.strip())
    out = dict(row, recommendation=rec)
    out["labels"] = labels_of(out, labeller(book))
    return out


def latest_reviews(reviews: list[dict]) -> dict[str, dict]:
    """rec id -> its latest review (reviews come in chain order: the last one stands)."""
    out: dict[str, dict] = {}
    for r in reviews:
        out[r["rec_id"]] = r
    return out


# ---------------------------------------------------------------- export

EXPORT_COLUMNS = ("run", "case_id", "rec_id", "track", "standing", "subject_kind", "subject", "subject_name",
                  "unit", "unit_name", "tier", "post", "grade", "outcome", "form", "form_label", "sanction",
                  "measures", "decided_by", "clauses", "clause_texts", "rules", "findings", "violations",
                  "review", "review_form", "review_sanction", "reviewer", "review_reason", "review_at")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(store: Store, run_id: int) -> list[dict]:
    """One row per stored recommendation of a run, with names, forms, clauses and review status."""
    if store.run(run_id) is None:
        raise KeyError(run_id)
    reviews = latest_reviews(store.reviews(run_id))
    label = labeller(_book(store, store.run(run_id).rulebook["digest"]))

    def form_label(form: str | None, sanction: str | None) -> str:
        return f"{label(form)}（{label(sanction)}）" if sanction else label(form)

    out = []
    for d in store.determinations(run_id):
        try:
            det = Determination.model_validate_json(d["body"]).to_dict()
            case = store.case_record(run_id, d["case_id"])
        except ValueError as e:
            raise InputError.one(f"{store.url} run {run_id}", f"determination of {d['case_id']}",
                                 f"unreadable ({str(e).splitlines()[0]}); run duidan verify") from None
        units = case.get("units", []) if isinstance(case, dict) else []
        unit_names = {u.get("id"): u.get("name", "") for u in units if isinstance(u, dict)}
        for r in det["recommendations"]:
            s = r["subject"]
            rv = reviews.get(r["id"], {})
            out.append({
                "run": run_id, "case_id": det["case"], "rec_id": r["id"], "track": r["track"],
                "standing": r["standing"], "subject_kind": s["kind"], "subject": s["id"],
                "subject_name": s.get("name", ""), "unit": s["unit"], "unit_name": unit_names.get(s["unit"], ""),
                "tier": s["tier"], "post": s.get("post") or "", "grade": r["grade"], "outcome": r["outcome"],
                "form": r["form"] or "", "form_label": form_label(r["form"], r["sanction"]) if r["form"] else "",
                "sanction": r["sanction"] or "", "measures": " ".join(r["measures"]), "decided_by": r["decided_by"],
                "clauses": " ".join(f"{c['id']}@{c['edition']}" for c in r["clauses"]),
                "clause_texts": " | ".join(c["text"] for c in r["clauses"]),
                "rules": " ".join(r["rules"]), "findings": " ".join(r["findings"]),
                "violations": " ".join(r["violations"]),
                "review": rv.get("decision", ""), "review_form": rv.get("form") or "",
                "review_sanction": rv.get("sanction") or "", "reviewer": rv.get("reviewer", ""),
                "review_reason": rv.get("reason", ""), "review_at": rv.get("at", ""),
            })
    return out


def formula_safe(cell) -> str:
    """A spreadsheet must show a cell, never run it: text that a spreadsheet would read as a
    formula (= + - @, or a leading tab / carriage return) gets a leading apostrophe."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def export_text(rows: list[dict], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([formula_safe(r[c]) for c in EXPORT_COLUMNS])
    return buf.getvalue()
