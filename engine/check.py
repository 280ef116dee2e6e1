"""`duidan rules check`: prove a rulebook is sound before anyone is judged by it.

Loading already proves every citation resolves and every tested fact is declared. This adds:
coverage (each clause enforced by some rule or marked not enforceable; each lapse and violation
kind handled by some rule), dead rules (a rule whose subject can never be a candidate for the
lapses it matches), and that durable_rules accepts the compiled ruleset and evaluates a probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import vocab as V
from .rulebook import Rule, Rulebook

# For each relation: the tiers its subject may sit in, relative to the lapse's tier, and the posts.
_SAME_UNIT = {"unit", "unit_head", "area_member", "other_member"}
_POSTS = {
    "unit_head": set(V.HEAD_POSTS), "area_member": set(V.MEMBER_POSTS), "other_member": set(V.MEMBER_POSTS),
    "parent_area_member": set(V.MEMBER_POSTS), "supervising_head": set(V.HEAD_POSTS),
    "unit": set(), "supervising_body": set(),
}


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coverage: dict[str, list[str]] = field(default_factory=dict)   # clause id -> rule ids
    not_enforceable: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def dead_reason(rule: Rule) -> str | None:
    """Why `rule` can never fire, or None. Only certain impossibilities are reported."""
    s, w = rule.subject, rule.when
    if s.relation in ("unit", "supervising_body") and s.posts:
        return f"relation {s.relation!r} chooses a unit, which has no post; drop subject.posts"
    if s.relation in _POSTS and _POSTS[s.relation] and s.posts and not set(s.posts) & _POSTS[s.relation]:
        return (f"relation {s.relation!r} only chooses posts {sorted(_POSTS[s.relation])}; "
                f"subject.posts {s.posts} never qualify")
    if s.relation in _SAME_UNIT and w.tiers and s.tiers and not set(w.tiers) & set(s.tiers):
        return (f"relation {s.relation!r} chooses someone in the lapse's own unit, but the lapse tiers "
                f"{w.tiers} and subject tiers {s.tiers} never meet")
    if s.relation in ("supervising_body", "supervising_head") and s.tiers and not set(s.tiers) & set(V.SUPERVISORY_TIERS):
        return f"a supervising body is a discipline body; subject.tiers {s.tiers} are not discipline tiers"
    return None


def check(book: Rulebook, *, probe_engine: bool = True) -> CheckReport:
    rep = CheckReport()
    cited: dict[str, list[str]] = {cid: [] for cid in book.clause_index}
    for r in book.rules:
        for cid in r.cites:
            cited[cid].append(r.id)
        why = dead_reason(r)
        if why:
            rep.problems.append(f"rule {r.id} can never fire: {why}")
    for cid, (list_name, tier, role, clause) in sorted(book.clause_index.items()):
        if not clause.enforceable:
            rep.not_enforceable.append(cid)
            if cited[cid]:
                rep.warnings.append(f"clause {cid} is marked not enforceable but rules {cited[cid]} cite it")
        elif not cited[cid]:
            rep.problems.append(f"clause {cid} ({list_name}/{tier}/{role}) is enforced by no rule; "
                                f"cite it from a rule or mark it `enforceable: false` with a note")
    rep.coverage = {cid: sorted(rules) for cid, rules in sorted(cited.items())}

    for on, kinds in (("finding", V.LAPSE_KINDS), ("violation", V.VIOLATION_KINDS)):
        handled = {k for r in book.rules if r.when.on == on for k in r.when.kinds}
        for k in kinds:
            if k not in handled:
                rep.problems.append(f"{on} kind {k!r} is handled by no rule")
    for kind in V.CIRCUMSTANCE_KINDS:
        if kind not in book.circumstances:
            rep.problems.append(f"circumstance kind {kind!r} has no effect in rulebook.yaml")
    for r in book.rules:
        if r.effect == "open":
            for k in r.requires:
                if not any(x.effect == "establish" and r.track == x.track and k in x.when.kinds for x in book.rules):
                    rep.problems.append(f"rule {r.id} requires a {k!r} finding, but no {r.track} rule establishes one")

    same = same_identity_as_bundled(book)
    if same:
        rep.warnings.append(same)
    rep.counts = {
        "rules": len(book.rules), "clauses": len(book.clause_index),
        "cited": sum(1 for v in cited.values() if v), "not_enforceable": len(rep.not_enforceable),
    }
    if probe_engine:
        problem = _probe(book)
        if problem:
            rep.problems.append(problem)
    return rep


def same_identity_as_bundled(book: Rulebook) -> str | None:
    """A copy that keeps the bundled name and edition but not its content cannot be told from it in
    a determination's header: say so."""
    from .rulebook import bundled_path, load_rulebook

    bundled = load_rulebook(bundled_path())
    if (book.meta.name, book.meta.edition) == (bundled.meta.name, bundled.meta.edition) and book.digest != bundled.digest:
        return (f"name {book.meta.name!r} and edition {book.meta.edition!r} are the bundled rulebook's, but the content "
                f"differs (digest {book.digest[:19]}…, bundled {bundled.digest[:19]}…): give your rulebook its own "
                f"name or edition in rulebook.yaml so its determinations can be told apart")
    return None


def _probe(book: Rulebook) -> str | None:
    """Compile onto durable_rules and evaluate a probe case that drives every rule family, then
    compare with the reference evaluator. Engine limits (e.g. error 303: more than 64 range tests
    passed by one fact) show only when facts reach them, so every finding and violation kind comes
    with every declared fact at an extreme value, at every tier."""
    from .case import parse_case
    from .errors import EngineFault
    from .facts import working_memory
    from .reference import evaluate as reference
    from .resolve import resolve

    extreme: dict = {}
    for name, kind in book.facts.items():
        if isinstance(kind, tuple):
            extreme[name] = kind[-1]
        elif kind == "boolean":
            extreme[name] = True
        elif kind == "ratio":
            extreme[name] = 1.0
        elif kind in ("number", "integer"):
            extreme[name] = 10**12
    units = [{"id": "city", "tier": "city", "supervisor": "cdi"}, {"id": "cdi", "tier": "city_discipline"},
             {"id": "dept", "tier": "department", "parent": "city", "supervisor": "stg"},
             {"id": "stg", "tier": "stationed_group", "parent": "cdi"},
             {"id": "ent", "tier": "enterprise", "parent": "city", "supervisor": "stg"},
             {"id": "town", "tier": "township", "parent": "city", "supervisor": "tdi"},
             {"id": "tdi", "tier": "township_discipline", "parent": "town"},
             {"id": "vil", "tier": "village", "parent": "town"}, {"id": "vsc", "tier": "village_supervision", "parent": "vil"}]
    people = []
    for u in units:
        head = "vsc_chair" if u["tier"] == "village_supervision" else (
            "discipline_secretary" if u["tier"] in V.SUPERVISORY_TIERS else "secretary")
        member = "vsc_member" if u["tier"] == "village_supervision" else (
            "discipline_member" if u["tier"] in V.SUPERVISORY_TIERS else "member")
        people += [{"id": f"{u['id']}-h", "unit": u["id"], "post": head},
                   {"id": f"{u['id']}-m", "unit": u["id"], "post": member, "portfolio": ["a"]},
                   {"id": f"{u['id']}-s", "unit": u["id"], "post": "staff"}]
    findings = [{"id": f"F-{u['id']}-{k}", "kind": k, "unit": u["id"], "date": "2022-06-30", "area": "a",
                 "persons": [f"{u['id']}-s"], "facts": extreme}
                for u in units for k in V.LAPSE_KINDS]
    violations = [{"id": f"V-{u['id']}-{k}", "person": f"{u['id']}-s", "kind": k, "date": "2022-06-30",
                   "severity": "major", "area": "a", "facts": extreme}
                  for u in units for k in V.VIOLATION_KINDS]
    probe = parse_case({"schema": "duidan/case/v1", "case": {"id": "rules-check-probe"}, "units": units,
                        "people": people, "findings": findings, "violations": violations}, "<rules check probe>")
    try:
        from .durable_engine import evaluator_for

        wm = working_memory(resolve(probe, book.facts))
        got = evaluator_for(book.digest, book.rules).evaluate(wm)
    except EngineFault as e:
        return f"durable_rules cannot run this rulebook: {e}"
    if got != reference(book.rules, wm):
        return "durable_rules and the reference evaluator disagree on the probe case"
    return None
