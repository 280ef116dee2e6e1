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

from . import vocab as V
from .case import Case
from .determination import (
    CaseTrace,
    ClauseOut,
    Determination,
    MatchOut,
    Recommendation,
    RulebookRef,
    StepOut,
    SubjectOut,
    TraceOut,
)
from .documents import canonical_json, sha256
from .facts import Match
from .resolve import Lapse, Resolution
from .rulebook import ClauseView, Rule, Rulebook
from .warnings import collect_warnings

# One ladder per subject kind; a disciplinary form is placed by its sanction.
PERSON_LADDER: list[tuple[str, str | None]] = (
    [(f, None) for f in V.PERSON_FORMS[:-1]] + [("disciplinary", s) for s in V.SANCTIONS])
UNIT_LADDER: list[tuple[str, str | None]] = [(f, None) for f in V.UNIT_FORMS]
TRACK_ORDER = {t: i for i, t in enumerate(V.TRACKS)}
GRADE_PREFERENCE = ["principal_leadership", "important_leadership", "overall_leadership", "supervisory", "direct"]
UNDETERMINED_DECIDER = "补充调查核实后，由纪检监察机关依照问责条例第12条认定"


def ladder(subject_kind: str) -> list[tuple[str, str | None]]:
    return PERSON_LADDER if subject_kind == "person" else UNIT_LADDER


def rank(subject_kind: str, form: str, sanction: str | None) -> int:
    return ladder(subject_kind).index((form, sanction if form == "disciplinary" else None))


def shift_form(subject_kind: str, form: str, sanction: str | None, steps: int) -> tuple[str, str | None]:
    lad = ladder(subject_kind)
    pos = min(max(rank(subject_kind, form, sanction) + steps, 0), len(lad) - 1)
    return lad[pos]


def determine(case: Case, book: Rulebook, res: Resolution, matches: list[Match]) -> Determination:
    rules = book.rule_index
    lapses = {lp.id: lp for lp in res.lapses}
    units = {u.id: u for u in case.units}
    people = {p.id: p for p in case.people}
    review = case.reviewed_on
    circ_by_subject: dict[str, set[str]] = defaultdict(set)
    for c in case.circumstances:
        circ_by_subject[c.subject].add(c.kind)

    groups: dict[tuple[str, str, str], list[Match]] = defaultdict(list)
    for m in matches:
        groups[(rules[m.rule].track, m.subject_kind, m.subject)].append(m)

    drafts = []
    for (track, kind, sid), group in sorted(groups.items(), key=lambda kv: (TRACK_ORDER[kv[0][0]], kv[0][1], kv[0][2])):
        circ = sorted(circ_by_subject.get(sid, ()))
        in_force, not_in_force = [], []
        for m in group:
            rule, lapse = rules[m.rule], lapses[m.lapse]
            live = not rule.cites or bool(cited(book, rule, lapse, review))
            (in_force if live else not_in_force).append(m)
        est = [m for m in in_force if rules[m.rule].effect == "establish"]
        est_kinds = {lapses[m.lapse].kind for m in est}
        opens = [m for m in in_force if rules[m.rule].effect == "open"]
        # An opened track (one case, two investigations) is settled only by a finding of a kind the
        # opening rule names; any other open stays a separate, undetermined recommendation.
        settled = [m for m in opens if est_kinds & set(rules[m.rule].requires)]
        unsettled = [m for m in opens if m not in settled]
        build = dict(track=track, kind=kind, sid=sid, rules=rules, lapses=lapses, units=units,
                     people=people, circumstances=circ, book=book, review=review)
        # Each of these is its own recommendation, so none hides another: what is established,
        # what a violation opened and no finding settles yet, and what no list in force covered.
        if est:
            drafts.append(_recommend(used=est + settled, aside=[], **build))
        if unsettled:
            drafts.append(_recommend(used=unsettled, aside=[], **build))
        if not_in_force:
            drafts.append(_recommend(used=[], aside=not_in_force, **build))
    recs = [r.model_copy(update={"id": f"{case.case.id}/R{i}"}) for i, r in enumerate(drafts, 1)]

    matched = {m.lapse for m in matches}
    unmatched = sorted(lp.id for lp in res.lapses if lp.id not in matched)
    det = Determination(
        case=case.case.id, title=case.case.title, reviewed_on=case.reviewed_on.isoformat(),
        rulebook=RulebookRef(**book.summary()), recommendations=recs, unmatched=unmatched,
        trace=CaseTrace(
            excluded=[{"lapse": e.lapse, "relation": e.relation, "person": e.person, "reason": e.reason}
                      for e in res.excluded],
            undeclared_facts=res.undeclared_facts),
        warnings=collect_warnings(case, book, res),   # part of the record: inside the digest
    )
    return det.model_copy(update={"digest": digest_of(det)})


def digest_of(det: Determination) -> str:
    body = det.to_dict()
    body.pop("digest", None)
    return sha256(canonical_json(body))


def cited(book: Rulebook, rule: Rule, lapse: Lapse, review: dt.date) -> list[ClauseView]:
    """The rule's clauses as worded in the edition in force on the lapse date (从旧), leaving out
    any that a later edition in force at review has repealed (兼从轻: a duty abolished since is
    not held against anyone)."""
    out = []
    for cid in rule.cites:
        view = book.clause_at(cid, lapse.date)
        if view is not None and book.clause_at(cid, review) is not None:
            out.append(view)
    return out


def _recommend(*, track, kind, sid, used, aside, rules, lapses, units, people, circumstances, book,
               review) -> Recommendation:
    """One recommendation, from either the matches it rests on (`used`: established, or opened by
    a violation) or the matches that cannot count (`aside`: no edition of the list in force on the
    lapse date, or the clause repealed by review)."""
    match_out: list[MatchOut] = []
    clauses: dict[tuple[str, str], ClauseOut] = {}
    established = [m for m in used if rules[m.rule].effect == "establish"]
    opened = [m for m in used if rules[m.rule].effect == "open"]
    group = used or aside
    for m in sorted(group):
        rule, lapse = rules[m.rule], lapses[m.lapse]
        live = cited(book, rule, lapse, review)
        match_out.append(MatchOut(rule=rule.id, lapse=lapse.id, relation=m.relation, effect=rule.effect,
                                  form=rule.form, sanction=rule.sanction, clauses=[v.id for v in live],
                                  in_force=bool(used)))
        for v in live if used else ():
            clauses[(v.id, v.edition)] = ClauseOut(id=v.id, list=v.list, edition=v.edition, text=v.text,
                                                   gloss=v.gloss, tier=v.tier, role=v.role, basis=v.basis)

    grade = _grade([rules[m.rule] for m in group])
    subject = _subject(kind, sid, units, people)
    finding_ids = sorted({m.lapse for m in group if lapses[m.lapse].on == "finding"})
    violation_ids = sorted({m.lapse for m in group if lapses[m.lapse].on == "violation"})
    rule_ids = sorted({m.rule for m in group})
    basis = sorted({b for m in used for b in rules[m.rule].basis})
    measures: set[str] = set()
    held = {}
    if kind == "person":
        p = people[sid]
        held = {"from": p.from_.isoformat() if p.from_ else None, "to": p.to.isoformat() if p.to else None}

    base_form = base_sanction = None
    steps: list[StepOut] = []
    shift = 0
    missing: list[str] = []
    if established:
        outcome = "accountable"
        forming = [rules[m.rule] for m in established + opened if rules[m.rule].form is not None]
        top = max(forming, key=lambda r: rank(kind, r.form, r.sanction))
        base_form, base_sanction = top.form, top.sanction
        for r in forming:
            measures.update(r.measures)
        effects = [(c, book.circumstances[c]) for c in circumstances if c in book.circumstances]
        steps = [StepOut(circumstance=c, effect=info.effect, steps=info.steps) for c, info in effects]
        if any(info.effect == "exempt" for _, info in effects):
            outcome = "exempt"
            form = sanction = None
            measures = set()
        else:
            up = max([i.steps for _, i in effects if i.effect == "heavier"], default=0)
            down = max([i.steps for _, i in effects if i.effect == "lighter"], default=0)
            shift = up - down
            form, sanction = shift_form(kind, base_form, base_sanction, shift)
        basis = sorted(set(basis) | {b for _, info in effects for b in info.basis})
        decider = book.forms[(kind, base_form if form is None else form)].decided_by
    else:
        outcome = "undetermined"
        form = sanction = None
        decider = UNDETERMINED_DECIDER
        missing = sorted({k for m in opened for k in rules[m.rule].requires})

    rec = Recommendation(
        id="", track=track, subject=subject, grade=grade, outcome=outcome, form=form, sanction=sanction,
        measures=sorted(measures), decided_by=decider, clauses=[clauses[k] for k in sorted(clauses)],
        basis=basis, findings=finding_ids, violations=violation_ids, rules=rule_ids,
        circumstances=circumstances, missing=missing, reason="",
        standing="established" if established else ("opened" if opened else "out_of_force"),
        trace=TraceOut(matches=match_out, baseline={"form": base_form, "sanction": base_sanction},
                       shift=shift, steps=steps, held=held),
    )
    return rec.model_copy(update={"reason": _reason(rec, lapses, aside, rules, book)})


def _grade(rules: list[Rule]) -> str:
    present = {r.grade for r in rules}
    return next(g for g in GRADE_PREFERENCE if g in present)


def _subject(kind: str, sid: str, units, people) -> SubjectOut:
    if kind == "unit":
        u = units[sid]
        return SubjectOut(kind="unit", id=u.id, unit=u.id, tier=u.tier, post=None, name=u.name)
    p = people[sid]
    return SubjectOut(kind="person", id=p.id, unit=p.unit, tier=units[p.unit].tier, post=p.post, name=p.name)


def form_label(form: str | None, sanction: str | None) -> str:
    if form is None:
        return "无"
    if form == "disciplinary" and sanction:
        return f"{V.LABELS['disciplinary']}（{V.LABELS[sanction]}）"
    return V.LABELS.get(form, form)


def _reason(rec: Recommendation, lapses: dict[str, Lapse], not_in_force, rules, book: Rulebook) -> str:
    """One sentence in Chinese that a person can read; built only from the decision's own data."""
    s = rec.subject
    who = s.name or s.id
    role = V.LABELS.get(s.post, "") if s.post else "领导班子"
    about = "、".join(f"{lid}（{V.LABELS.get(lapses[lid].kind, lapses[lid].kind)}）"
                     for lid in rec.findings + rec.violations)
    track = V.LABELS[rec.track]
    if rec.outcome == "undetermined":
        if not_in_force:
            repealed = sorted({cid for m in not_in_force for cid in rules[m.rule].cites
                               if book.clause_at(cid, lapses[m.lapse].date) is not None})
            if repealed:
                return (f"{who}（{role}）涉及{about}，所对应条款{'、'.join(repealed)}已被审查时施行的清单版本废止，"
                        f"依从旧兼从轻原则不予对单认定{track}，需人工审查。")
            dates = sorted({lapses[m.lapse].date for m in not_in_force})
            return (f"{who}（{role}）涉及{about}，但{dates[0].isoformat()}时该清单尚无有效版本，"
                    f"无法对单认定{track}，需人工审查。")
        need = "、".join(f"{k}（{V.LABELS.get(k, k)}）" for k in rec.missing)
        return (f"{about}启动一案双查，{who}（{role}）的{track}已立项，但尚无问题线索证明其未履行何种职责；"
                f"需补充以下事实之一：{need}。")
    clause_ids = "、".join(sorted({c.id for c in rec.clauses})) or "、".join(rec.basis)
    base = form_label(rec.trace.baseline["form"], rec.trace.baseline["sanction"])
    grade = V.LABELS.get(rec.grade if rec.grade != "direct" else "direct_grade", rec.grade)
    text = f"{who}（{role}）对{about}负{grade}，对照{clause_ids}，基准为{base}"
    if rec.outcome == "exempt":
        kinds = "、".join(V.LABELS.get(st.circumstance, st.circumstance)
                         for st in rec.trace.steps if st.effect == "exempt")
        return text + f"；因{kinds}，依问责条例第17条免予问责。"
    if rec.trace.steps:
        parts = [f"{V.LABELS.get(st.circumstance, st.circumstance)}（{'从重' if st.effect == 'heavier' else '从轻'}）"
                 for st in rec.trace.steps]
        text += f"；考虑{'、'.join(parts)}，净调整{rec.trace.shift:+d}档"
    return text + f"，建议{form_label(rec.form, rec.sanction)}。"

