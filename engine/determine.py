"""From the sorted set of matches to recommendations: forms, circumstances, citations, reasons.

Nothing here depends on firing order: the input is a sorted set of Match tuples, grouped by
(track, subject). Per group:

- establishing matches whose cited clauses are in force on the lapse date, and not repealed by the
  edition in force at review (从旧兼从轻), set the baseline form (the heaviest of them and of any
  opening rule's minimum); measures are unioned;
- a group with only opening matches (one case, two investigations opened a track, but no finding
  says what this leader or supervisor failed to do) is `undetermined`, naming the missing kinds;
- circumstances: any exemption -> `exempt`; otherwise the form moves up by the largest heavier
  step and down by the largest lighter step (so adding a heavier circumstance never lowers a form,
  and adding a lighter one never raises it), clamped to the ladder.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from .case import Case
from .documents import canonical_json, canonical_json_plain, sha256
from .domain import DETERMINATION_SCHEMA, TRACKS, Domain
from .facts import FACT_PREFIX, Match
from .reference import fact_holds
from .resolve import Lapse, Resolution
from .rulebook import ClauseView, Rule, Rulebook
from .warnings import collect_warnings

if TYPE_CHECKING:   # the models are built only where asked for (`duidan evaluate` renders plain data)
    from .determination import Determination

TRACK_ORDER = {t: i for i, t in enumerate(TRACKS)}
GRADE_PREFERENCE = ["principal_leadership", "important_leadership", "overall_leadership", "supervisory", "direct"]
UNDETERMINED_DECIDER = "补充调查核实后，由纪检监察机关依照问责条例第12条认定"


def rank(dom: Domain, subject_kind: str, form: str, sanction: str | None) -> int:
    return dom.rank(subject_kind, form, sanction)


def shift_form(dom: Domain, subject_kind: str, form: str, sanction: str | None, steps: int) -> tuple[str, str | None]:
    lad = dom.ladder(subject_kind)
    pos = min(max(rank(dom, subject_kind, form, sanction) + steps, 0), len(lad) - 1)
    return lad[pos]


def determine(case: Case, book: Rulebook, res: Resolution, matches: list[Match]) -> Determination:
    """The determination as a validated model (for the library); see determine_data."""
    from .determination import Determination

    return Determination.model_validate(determine_data(case, book, res, matches))


def _form(form: str | None, sanction: str | None) -> dict:
    return {"form": form, "sanction": sanction}


def _period(start: str | None, end: str | None) -> dict:
    return {"from": start, "to": end}


def determine_data(case: Case, book: Rulebook, res: Resolution, matches: list[Match], *,
                   digest: bool = True) -> dict:
    """The determination as plain data (docs/determination-format.md), digest included, reason
    sentences still empty (they are a view: engine/views/reason.py). Built directly as the dicts
    the format describes, not as validated models: this is the hot path of a batch, and the
    models (engine/determination.py) check it in the tests (Determination.model_validate(d)
    .to_dict() == d for every bundled and generated case)."""
    rules = book.rule_index
    lapses = {lp.id: lp for lp in res.lapses}
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    review = case.reviewed_on
    circ_by_subject: dict[str, set[str]] = defaultdict(set)
    for c in case.circumstances:
        circ_by_subject[c.subject].add(c.kind)
    discharged = _discharged(case, book)
    violations = {v.id: v for v in case.violations}

    groups: dict[tuple[str, str, str], list[Match]] = defaultdict(list)
    for m in matches:
        groups[(rules[m.rule].track, m.subject_kind, m.subject)].append(m)

    drafts = []
    memo: dict = {}   # within this case: a rule's clauses per lapse, a clause's object per date
    for (track, kind, sid), group in sorted(groups.items(), key=lambda kv: (TRACK_ORDER[kv[0][0]], kv[0][1], kv[0][2])):
        circ = sorted(circ_by_subject.get(sid, ()))
        in_force, not_in_force = [], []
        for m in group:
            rule, lapse = rules[m.rule], lapses[m.lapse]
            live = not rule.cites or bool(_cited(memo, book, rule, lapse, review))
            (in_force if live else not_in_force).append(m)
        done_by = discharged.get(sid, {})
        est_all = [m for m in in_force if rules[m.rule].effect == "establish"]
        est = [m for m in est_all if m.lapse not in done_by]
        done = [m for m in est_all if m.lapse in done_by]
        est_kinds = {lapses[m.lapse].kind for m in est}
        done_kinds = {lapses[m.lapse].kind for m in done}
        opens = [m for m in in_force if rules[m.rule].effect == "open"]
        # An opened track (one case, two investigations) is settled only by a finding of a kind the
        # opening rule names; any other open stays a separate, undetermined recommendation. A track
        # opened by a violation the subject reported up, or settled only by a discharged finding,
        # is discharged with it.
        settled = [m for m in opens if est_kinds & set(rules[m.rule].requires) and m.lapse not in done_by]
        done_opens = [m for m in opens if m not in settled
                      and (m.lapse in done_by or done_kinds & set(rules[m.rule].requires))]
        unsettled = [m for m in opens if m not in settled and m not in done_opens]
        build = dict(track=track, kind=kind, sid=sid, rules=rules, lapses=lapses, units=units,
                     people=people, circumstances=circ, book=book, review=review, violations=violations, memo=memo)
        # Each of these is its own recommendation, so none hides another: what is established,
        # what a violation opened and no finding settles yet, and what no list in force covered.
        if est:
            drafts.append(_recommend(used=est + settled, aside=[], **build))
        elif done or done_opens:
            drafts.append(_recommend(used=done + done_opens, aside=[], performed=done_by, **build))
        if unsettled:
            drafts.append(_recommend(used=unsettled, aside=[], **build))
        if not_in_force:
            drafts.append(_recommend(used=[], aside=not_in_force, **build))
    for i, r in enumerate(drafts, 1):
        r["id"] = f"{case.case.id}/R{i}"

    matched = {m.lapse for m in matches}
    unmatched = sorted(lp.id for lp in res.lapses if lp.id not in matched)
    summary = book.summary()
    det = {
        "schema": DETERMINATION_SCHEMA, "case": case.case.id, "title": case.case.title,
        "reviewed_on": case.reviewed_on.isoformat(),
        "rulebook": {"name": summary["name"], "edition": summary["edition"], "digest": summary["digest"]},
        "recommendations": drafts, "unmatched": unmatched,
        "trace": {
            "excluded": [{"lapse": e.lapse, "relation": e.relation, "person": e.person, "reason": e.reason,
                          "held": _period(e.held[0], e.held[1]), "period": _period(e.period[0], e.period[1])}
                         for e in res.excluded],
            "undeclared_facts": {k: list(v) for k, v in res.undeclared_facts.items()}},
    }
    warnings = collect_warnings(case, book, res)   # part of the record: inside the digest
    if warnings:   # written only when there are some, so a case without any keeps its digest
        det["warnings"] = warnings
    if digest:   # digest=False: the caller computes it with the output text (digest_and_text)
        det["digest"] = digest_of_dict(det)
    return det


def _discharged(case: Case, book: Rulebook) -> dict[str, dict[str, list[str]]]:
    """subject -> {lapse id -> why it is discharged}: a circumstance whose kind the rulebook marks
    `duty_performed` (reported up, stopped it) for the lapse it names (or every lapse of the
    subject), and a finding with `reported: true` for the persons it names."""
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    all_lapses = [f.id for f in case.findings] + [v.id for v in case.violations]
    for c in case.circumstances:
        info = book.circumstances.get(c.kind)
        if info is None or not info.duty_performed:
            continue
        for lid in ([c.lapse] if c.lapse else all_lapses):
            out[c.subject].setdefault(lid, []).append(c.kind)
    for f in case.findings:
        if f.facts.get("reported") is True:
            for pid in f.persons:
                out[pid].setdefault(f.id, []).append("reported")
    return out


def _facts_of(lapse: Lapse) -> dict:
    return {FACT_PREFIX + k: v for k, v in lapse.facts}


def fault_rung(book: Rulebook, findings: list[Lapse]) -> tuple[int, tuple[str, str | None], list[str]] | None:
    """The highest rung of the rulebook's own-fault scale that any of `findings` reaches."""
    dom = book.domain
    best = None
    for lp in findings:
        facts = _facts_of(lp)
        for step in book.meta.fault_scale:
            if lp.kind in step.kinds and all(fact_holds(t, facts) for t in step.facts):
                r = rank(dom, "person", step.form, step.sanction)
                if best is None or r > best[0]:
                    best = (r, (step.form, step.sanction if step.form == "disciplinary" else None), [lp.id])
                elif r == best[0] and lp.id not in best[2]:
                    best[2].append(lp.id)
    return best


def gravity_points(book: Rulebook, violations: list[Lapse]) -> int:
    """The violations' gravity in points (before the cap): the gravest one's severity and facts,
    plus the rulebook's points for several violations."""
    g = book.meta.gravity
    best = 0
    for v in violations:
        facts = _facts_of(v)
        pts = g.severity.get(v.severity or "", 0)
        # a gravity fact is a fact test with its rungs (fact, op, value): tested as it is
        pts += sum(f.rungs for f in g.facts if fact_holds(f, facts))
        best = max(best, pts)
    if len({v.id for v in violations}) >= 2:
        best += g.several_violations
    return best


def digest_of(det: Determination) -> str:
    return digest_of_dict(det.to_dict())


def digest_of_dict(body: dict) -> str:
    """The hash of the decision: the canonical determination less its digest and less every
    recommendation's `reason` sentence, which is a view of `why` (docs/determination-format.md).
    Works on a stored body too (verify, replay)."""
    return sha256(canonical_json(_decision(body)))


def _decision(body: dict) -> dict:
    """What the digest covers: the body less its digest, the reason sentences and the warning
    messages (a warning's message is wording; its kind, place and value are the record)."""
    body = dict(body)
    body.pop("digest", None)
    body["recommendations"] = [{k: v for k, v in rec.items() if k != "reason"}
                               for rec in body.get("recommendations", []) if isinstance(rec, dict)]
    if body.get("warnings"):
        body["warnings"] = [{k: v for k, v in w.items() if k != "message"} for w in body["warnings"]
                            if isinstance(w, dict)]
    return body


def digest_and_text(det: dict) -> tuple[str, str]:
    """(digest_of_dict(det), canonical_json(det) with that digest): what a batch worker stores and
    `evaluate --format json` prints. The determination is our own plain data with no float, so
    both texts are orjson's (canonical_json_plain: the same bytes, several times faster);
    tests/test_properties.py checks both against digest_of_dict and canonical_json on every
    bundled and generated case."""
    digest = sha256(canonical_json_plain(_decision(det)))
    return digest, canonical_json_plain({**det, "digest": digest})


def cited(book: Rulebook, rule: Rule, lapse: Lapse, review: dt.date) -> list[ClauseView]:
    """The rule's clauses as worded in the edition in force on the lapse date (从旧), leaving out
    any that a later edition in force at review has repealed (兼从轻: a duty abolished since is
    not held against anyone)."""
    key = ("cited", rule.id, book.epoch(lapse.date), book.epoch(review))
    out = book.memo.get(key)
    if out is None:
        out = book.memo[key] = tuple(view for cid in rule.cites
                                     if (view := book.clause_at(cid, lapse.date)) is not None
                                     and book.clause_at(cid, review) is not None)
    return list(out)


def _cited(memo: dict, book: Rulebook, rule: Rule, lapse: Lapse, review: dt.date) -> list[ClauseView]:
    key = ("cited", rule.id, lapse.id)
    if key not in memo:
        memo[key] = cited(book, rule, lapse, review)
    return memo[key]


def _clause(memo: dict, book: Rulebook, v: ClauseView, day: dt.date) -> dict:
    """A cited clause as the determination writes it; one object per (clause, edition, epoch of the lapse date)
    in a case, shared by the recommendations citing it (nothing changes them afterwards)."""
    key = ("clause", v.id, v.edition, book.epoch(day))   # its basis is cited as of the epoch
    found = memo.get(key)
    if found is None:
        found = memo[key] = {"id": v.id, "list": v.list, "edition": v.edition, "text": v.text, "gloss": v.gloss,
                             "tier": v.tier, "role": v.role, "source": v.source, "basis": cite(book, v.basis, day)}
    return found


def _recommend(*, track, kind, sid, used, aside, rules, lapses, units, people, circumstances, book,
               review, violations, memo, performed=None) -> dict:
    """One recommendation, from either the matches it rests on (`used`: established, or opened by
    a violation) or the matches that cannot count (`aside`: no edition of the list in force on the
    lapse date, or the clause repealed by review)."""
    match_out: list[dict] = []
    clauses: dict[tuple[str, str], dict] = {}
    established = [m for m in used if rules[m.rule].effect == "establish"]
    opened = [m for m in used if rules[m.rule].effect == "open"]
    group = used or aside
    in_force = bool(used)
    on_lapses: dict[str, set[str]] = {"finding": set(), "violation": set()}
    rule_set: set[str] = set()
    grades: set[str] = set()
    for m in sorted(group):
        rule, lapse = rules[m.rule], lapses[m.lapse]
        live = _cited(memo, book, rule, lapse, review)
        match_out.append({"rule": rule.id, "lapse": lapse.id, "relation": m.relation, "effect": rule.effect,
                          "form": rule.form, "sanction": rule.sanction, "clauses": [v.id for v in live],
                          "in_force": in_force})
        on_lapses[lapse.on].add(lapse.id)
        rule_set.add(rule.id)
        grades.add(rule.grade)
        for v in live if in_force else ():
            clauses[(v.id, v.edition)] = _clause(memo, book, v, lapse.date)

    grade = next(g for g in GRADE_PREFERENCE if g in grades)
    subject = _subject(kind, sid, units, people)
    finding_ids = sorted(on_lapses["finding"])
    violation_ids = sorted(on_lapses["violation"])
    rule_ids = sorted(rule_set)
    # 从旧: every provision in the edition of its instrument in force on its lapse's date.
    basis_set: set[str] = set()
    last = None
    for m in used:
        lapse = lapses[m.lapse]
        basis_set.update(cite(book, rules[m.rule].basis, lapse.date, lapse.kind))
        if last is None or lapse.date > last:
            last = lapse.date
    edition_steps: list = []
    measures: set[str] = set()
    held = None
    if kind == "person":
        p = people[sid]
        held = _period(p.from_.isoformat() if p.from_ else None, p.to.isoformat() if p.to else None)
    dom = book.domain

    base_form = base_sanction = None
    steps: list[dict] = []
    shift = 0
    missing: list[str] = []
    fault_step = None
    direct_steps: list[dict] = []
    if performed is not None:
        # Nothing is left against the subject: every lapse here was discharged by doing the duty.
        outcome = "exempt"
        form = sanction = None
        forming = [rules[m.rule] for m in used if rules[m.rule].form is not None]
        top = max(forming, key=lambda r: rank(dom, kind, r.form, r.sanction))
        base_form, base_sanction = top.form, top.sanction
        by = sorted({b for m in used for b in performed.get(m.lapse, [])})
        basis_set |= {b for c in by if c in book.circumstances for b in cite(book, book.circumstances[c].basis, last)}
        decider = _decider(book, kind, base_form, sid, units, people)
    elif established:
        outcome = "accountable"
        fault_rules = established
        forming = [rules[m.rule] for m in established if rules[m.rule].form is not None]
        gravity = book.meta.gravity
        if gravity is not None and kind == "person" and opened:
            # One case, two investigations: the subject's own fault sets the form, the violation's
            # gravity moves it by at most `max_rungs`; the opening rule's form is no floor.
            settling = [lapses[m.lapse] for m in established
                        if any(lapses[m.lapse].kind in rules[o.rule].requires for o in opened)]
            fr = fault_rung(book, settling)
            if fr is not None:
                vios = sorted({lapses[m.lapse] for m in opened if lapses[m.lapse].on == "violation"})
                pts = gravity_points(book, vios)
                lift = min(pts, gravity.max_rungs)
                f_form, f_sanction = shift_form(dom, kind, fr[1][0], fr[1][1], lift)
                fault_step = {"step": "fault", "lapses": sorted(fr[2]), "fault": _form(fr[1][0], fr[1][1]),
                              "violations": [v.id for v in vios], "gravity": lift, "points": pts,
                              "max_rungs": gravity.max_rungs, "form": _form(f_form, f_sanction)}
        else:
            forming += [rules[m.rule] for m in opened if rules[m.rule].form is not None]
        top = max(forming, key=lambda r: rank(dom, kind, r.form, r.sanction))
        base_form, base_sanction = top.form, top.sanction
        if fault_step is not None and rank(dom, kind, f_form, f_sanction) > rank(dom, kind, base_form, base_sanction):
            base_form, base_sanction = f_form, f_sanction
        if track == "direct" and base_form == "disciplinary":
            top_lapse = max((lapses[m.lapse] for m in established if rules[m.rule] is top), key=lambda lp: lp.date)
            base_sanction, edition_steps, extra = _edition_range(book, top, top_lapse, review, base_sanction)
            basis_set |= set(extra)
        for r in forming:
            measures.update(r.measures)
        # A duty-performed circumstance discharges the lapses it names (see _discharged); it does not
        # excuse the subject's other lapses.
        effects = [(c, book.circumstances[c]) for c in circumstances
                   if c in book.circumstances and not book.circumstances[c].duty_performed]
        steps = [{"circumstance": c, "effect": info.effect, "steps": info.steps} for c, info in effects]
        if any(info.effect == "exempt" for _, info in effects):
            outcome = "exempt"
            form = sanction = None
            measures = set()
        elif track == "direct":
            form, sanction, shift, direct_steps = _direct(book, dom, base_form, base_sanction, effects,
                                                          [lapses[m.lapse] for m in fault_rules], violations)
        else:
            up = max([i.steps for _, i in effects if i.effect == "heavier"], default=0)
            down = max([i.steps for _, i in effects if i.effect == "lighter"], default=0)
            shift = up - down
            form, sanction = shift_form(dom, kind, base_form, base_sanction, shift)
        if edition_steps and form is not None:
            # Circumstances move the sanction within what the applicable article allows: never
            # out of 纪律处分 altogether, never above the article's heaviest sanction.
            hi = edition_steps[-1]["range"][1]
            order = dom.ladders.sanction
            at = order.index(sanction) if form == "disciplinary" else 0
            form, sanction = "disciplinary", order[min(at, order.index(hi))]
        basis_set |= {b for _, info in effects for b in cite(book, info.basis, last)}
        if track != "direct":   # the violator's basis is the conduct's article, not the accountability forms
            basis_set |= set(cite(book, book.forms[(kind, base_form if form is None else form)].basis, last))
        decider = _decider(book, kind, base_form if form is None else form, sid, units, people)
    else:
        outcome = "undetermined"
        form = sanction = None
        decider = UNDETERMINED_DECIDER
        missing = sorted({k for m in opened for k in rules[m.rule].requires})

    why: list = []
    for lid in finding_ids + violation_ids:
        lp = lapses[lid]
        why.append({"step": "lapse", "lapse": lid, "on": lp.on, "kind": lp.kind,
                    "period": _period(lp.start.isoformat(), lp.date.isoformat())})
    for mo in match_out:
        why.append({"step": "rule", "rule": mo["rule"], "lapse": mo["lapse"], "relation": mo["relation"],
                    "effect": mo["effect"], "form": _form(mo["form"], mo["sanction"]), "clauses": list(mo["clauses"])})
    if performed is not None:
        why.append({"step": "duty_performed", "lapses": sorted({m.lapse for m in used}), "by": by})
    elif established:
        if fault_step is not None:
            why.append(fault_step)
        why += edition_steps
        why.append({"step": "baseline", "grade": grade, "form": _form(base_form, base_sanction)})
        why += [{"step": "circumstance", **st} for st in steps]
        why += direct_steps
    elif aside:
        for m in sorted(aside):
            lp = lapses[m.lapse]
            repealed = sorted(cid for cid in rules[m.rule].cites if book.clause_at(cid, lp.date) is not None)
            why.append({"step": "not_in_force", "lapse": lp.id, "date": lp.date.isoformat(), "repealed": repealed})
    else:
        why.append({"step": "missing", "kinds": list(missing)})
    why.append({"step": "result", "outcome": outcome, "form": _form(form, sanction), "shift": shift})

    return {
        "id": "", "track": track, "subject": subject, "grade": grade, "outcome": outcome, "form": form,
        "sanction": sanction, "measures": sorted(measures), "decided_by": decider,
        "clauses": [clauses[k] for k in sorted(clauses)], "basis": sorted(basis_set), "findings": finding_ids,
        "violations": violation_ids, "rules": rule_ids, "circumstances": list(circumstances), "reason": "",
        "missing": list(missing),
        "standing": "established" if established or performed is not None else ("opened" if opened else "out_of_force"),
        "why": why,
        "trace": {"matches": match_out, "baseline": _form(base_form, base_sanction), "shift": shift,
                  "steps": steps, "held": held},
        "category": book.forms[(kind, form)].category if form is not None and (kind, form) in book.forms else "",
        "administrative": _administrative(book, track, kind, sid, people, form, sanction),
    }


def cite(book: Rulebook, refs: list[str], day: dt.date | None, kind: str | None = None) -> list[str]:
    """The provisions `refs` as cited on `day`: each in the edition of its instrument in force then,
    left out when none was (a rulebook without an instruments table cites its free text as written)."""
    if book.instruments is None:
        return list(refs)
    if day is None:
        return []
    key = ("cite", tuple(refs), book.epoch(day), kind)
    texts = book.memo.get(key)
    if texts is None:
        table = book.instruments
        texts = book.memo[key] = tuple(c.text for ref in refs if (c := table.cite(ref, day, kind)) is not None)
    return list(texts)


def _edition_range(book: Rulebook, rule: Rule, lapse: Lapse, review: dt.date, sanction: str):
    """From the old, unless the new is lighter (从旧兼从轻), on the direct track: the sanction is kept
    within the range the conduct's article allows in the edition in force on the violation date,
    and lowered to a later edition's ceiling when the edition in force at review is lighter.
    Returns (sanction, why steps, extra citations)."""
    table = book.instruments
    ref = next((r for r in rule.basis if r.endswith(".*")), None) if table is not None else None
    then = table.cite(ref, lapse.date, lapse.kind) if ref else None
    if then is None:
        return sanction, [], []
    order = book.domain.ladders.sanction
    steps, extra = [], []
    rng = table.sanction_range(then.ref, then.edition)
    moved = False
    if rng:
        # The article's ceiling binds; its floor does not raise a proposal (which article applies
        # to a light case, e.g. a crime-linked one, is for the case handlers). The step is kept
        # even when nothing moved, so circumstances stay inside the range.
        capped = order[min(order.index(sanction), order.index(rng[1]))]
        moved = capped != sanction
        steps.append({"step": "edition", "ref": then.ref, "effect": "within_range", "act_edition": then.edition,
                      "edition": then.edition, "range": list(rng), "sanction": capped})
        sanction = capped
    now = table.cite(ref, review, lapse.kind)
    lighter = table.sanction_range(now.ref, now.edition) if now is not None and now.edition != then.edition else None
    if lighter and order.index(lighter[1]) < order.index(sanction):
        if not moved:
            steps = []   # the later edition's range is the one that applies
        sanction = lighter[1]
        steps.append({"step": "edition", "ref": now.ref, "effect": "lighter_later_edition",
                      "act_edition": then.edition, "edition": now.edition, "range": list(lighter),
                      "sanction": sanction})
        extra.append(now.text)
    return sanction, steps, extra


def _subject(kind: str, sid: str, units, people) -> dict:
    if kind == "unit":
        u = units[sid]
        return {"kind": "unit", "id": u.id, "unit": u.id, "tier": u.tier, "post": None, "name": u.name}
    p = people[sid]
    return {"kind": "person", "id": p.id, "unit": p.unit, "tier": units[p.unit].tier, "post": p.post, "name": p.name}


def _direct(book, dom, base_form, base_sanction, effects, lapses, violations):
    """The direct track stays on the disciplinary ladder (纪律处分条例): several violations are
    dealt with together one sanction above the gravest (合并处理，加重一档); a participant in a
    group violation stands below its organiser; 从轻/从重 stay within the sanction and only a
    circumstance the rulebook marks `direct: step` (减轻/加重) moves one sanction, never off the
    disciplinary ladder into organisational handling."""
    conf = book.meta.direct_track
    steps: list[dict] = []
    shift = 0
    vios = sorted({lp.id for lp in lapses if lp.on == "violation"})
    if conf is not None:
        if len(vios) >= 2 and conf.several_violations_steps:
            shift += conf.several_violations_steps
            steps.append({"step": "direct", "adjustment": "several_violations", "steps": conf.several_violations_steps})
        roles = {violations[v].role for v in vios if v in violations and violations[v].group}
        if roles == {"participant"} and conf.participant_steps:
            shift -= conf.participant_steps
            steps.append({"step": "direct", "adjustment": "participant", "steps": -conf.participant_steps})
    up = max([i.steps for _, i in effects if i.effect == "heavier" and i.direct == "step"], default=0)
    down = max([i.steps for _, i in effects if i.effect == "lighter" and i.direct == "step"], default=0)
    if any(i.direct == "within" and i.effect in ("heavier", "lighter") for _, i in effects):
        steps.append({"step": "direct", "adjustment": "within_sanction", "steps": 0})
    shift += up - down
    form, sanction = shift_form(dom, "person", base_form, base_sanction, shift)
    if base_form == "disciplinary" and form != "disciplinary":
        form, sanction = "disciplinary", dom.ladders.sanction[0]
    return form, sanction, shift, steps


def _decider(book: Rulebook, kind: str, form: str, sid: str, units, people) -> str:
    """Who proposes and who decides, by management authority: the organisation managing the
    subject's unit (`managed_by`, default its parent) and the discipline body supervising it. A
    form that names no organ keeps the forms table's wording."""
    info = book.forms[(kind, form)]
    if info.decided_by_organ is None:
        return info.decided_by
    unit = units[sid] if kind == "unit" else units[people[sid].unit]
    own = unit

    def manager_of(u, seen=()):
        # A discipline body's head is managed as the team of the organisation it sits in.
        if u.managed_by in units:
            return units[u.managed_by]
        if u.parent in units and u.id not in seen:
            parent = units[u.parent]
            if book.domain.is_discipline(u.tier):
                return manager_of(parent, (*seen, u.id))
            return parent
        return None

    manager = manager_of(unit)
    if manager is None:
        return info.decided_by

    def discipline_of(u):
        if u.supervisor in units:
            return units[u.supervisor]
        under = sorted(x.id for x in units.values() if x.parent == u.id and book.domain.is_discipline(x.tier))
        return units[under[0]] if under else None

    organs = {"manager": manager, "own": own, "discipline": discipline_of(manager)}

    def name(which):
        u = organs.get(which)
        return (u.name or u.id) if u is not None else None

    decider = name(info.decided_by_organ)
    if decider is None:
        return info.decided_by
    proposer = name(info.proposed_by) if info.proposed_by else None
    if proposer and proposer != decider:
        return f"{proposer}提出建议，{decider}决定"
    return f"{decider}决定"


def _administrative(book, track, kind, sid, people, form, sanction) -> str | None:
    """The 政务处分 (公职人员政务处分法) a public official receives beside the party sanction."""
    conf = book.meta.direct_track
    if track != "direct" or kind != "person" or conf is None or form != "disciplinary":
        return None
    if not people[sid].public_official:
        return None
    return conf.administrative.get(sanction or "")
