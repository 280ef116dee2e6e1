"""`duidan rules check`: prove a rulebook is sound before anyone is judged by it.

Loading already proves every citation resolves and every tested fact is declared. This adds:
coverage (each clause enforced by some rule or marked not enforceable; each lapse and violation
kind handled by some rule), dead rules (a rule whose subject can never be a candidate for the
lapses it matches), and that durable_rules accepts the compiled ruleset and evaluates a probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain import Domain
from .rulebook import Rule, Rulebook

# Relations whose subject sits in the lapse's own unit.
_SAME_UNIT = {"unit", "unit_head", "area_member", "other_member"}


def _posts(dom: Domain) -> dict[str, set[str]]:
    """For each relation, the posts its subject can hold (empty: a unit, or any post)."""
    heads, members = set(dom.head_posts), set(dom.member_posts)
    return {"unit_head": heads, "area_member": members, "other_member": members,
            "parent_area_member": members, "supervising_head": heads, "parent_head": heads, "unit": set(), "supervising_body": set()}


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


def dead_reason(rule: Rule, dom: Domain) -> str | None:
    """Why `rule` can never fire, or None. Only certain impossibilities are reported."""
    s, w = rule.subject, rule.when
    _POSTS = _posts(dom)
    if s.relation in ("unit", "supervising_body") and s.posts:
        return f"relation {s.relation!r} chooses a unit, which has no post; drop subject.posts"
    if s.relation in _POSTS and _POSTS[s.relation] and s.posts and not set(s.posts) & _POSTS[s.relation]:
        return (f"relation {s.relation!r} only chooses posts {sorted(_POSTS[s.relation])}; "
                f"subject.posts {s.posts} never qualify")
    if s.relation in _SAME_UNIT and w.tiers and s.tiers and not set(w.tiers) & set(s.tiers):
        return (f"relation {s.relation!r} chooses someone in the lapse's own unit, but the lapse tiers "
                f"{w.tiers} and subject tiers {s.tiers} never meet")
    if s.relation in ("supervising_body", "supervising_head") and s.tiers and not set(s.tiers) & set(dom.tiers_of("supervisory")):
        return f"a supervising body is a discipline body; subject.tiers {s.tiers} are not discipline tiers"
    return None


def check(book: Rulebook, *, probe_engine: bool = True) -> CheckReport:
    rep = CheckReport()
    cited: dict[str, list[str]] = {cid: [] for cid in book.clause_index}
    for r in book.rules:
        for cid in r.cites:
            cited[cid].append(r.id)
        why = dead_reason(r, book.domain)
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

    dom = book.domain
    for on, kinds in (("finding", dom.ids("lapse kind")), ("violation", dom.ids("violation kind"))):
        handled = {k for r in book.rules if r.when.on == on for k in r.when.kinds}
        for k in kinds:
            if k not in handled:
                rep.problems.append(f"{on} kind {k!r} is handled by no rule")
    for kind in dom.ids("circumstance kind"):
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

    probe = parse_case(probe_world(book.domain), "<rules check probe>", book.domain)
    try:
        from .durable_engine import evaluator_for

        wm = working_memory(resolve(probe, book.domain))
        got = evaluator_for(book.digest, book.rules).evaluate(wm)
    except EngineFault as e:
        return f"durable_rules cannot run this rulebook: {e}"
    if got != reference(book.rules, wm):
        return "durable_rules and the reference evaluator disagree on the probe case"
    return None


def probe_world(dom: Domain, date: str = "2022-06-30") -> dict:
    """A case file exercising every declared kind at every declared tier: each tier gets a unit
    with a head, a member covering area `a` and a staff member; each unit of a party tier gets a
    body of each discipline tier it may be supervised by; every finding and violation kind occurs
    in every unit with every declared fact at its extreme value."""
    extreme = {f.id: f.extreme() for f in dom.facts}
    units: list[dict] = []
    for t in dom.tiers:
        if t.list == "supervisory":
            continue
        u = {"id": t.id, "tier": t.id}
        units.append(u)
        for s in t.supervised_by:
            body = {"id": f"{t.id}.{s}", "tier": s}
            if s != t.supervised_by[0] or t.supervision_via_parent:
                body["parent"] = t.id          # a body set up under the unit
            else:
                u["supervisor"] = body["id"]   # the unit's named supervisor
            units.append(body)
    # Tiers held under another (a village under its township) get that tier's unit as parent, so
    # relations that climb (parent members, the parent's supervisors) are exercised too.
    ids = {u["id"] for u in units}
    for u in units:
        held = dom.tier[u["tier"]].held_to
        if held and held in ids and "parent" not in u:
            u["parent"] = held
    people = []
    for u in units:
        t = dom.tier[u["tier"]]
        people.append({"id": f"{u['id']}-h", "unit": u["id"], "post": t.head[0]})
        if t.members:
            people.append({"id": f"{u['id']}-m", "unit": u["id"], "post": t.members[0], "portfolio": ["a"]})
        people.append({"id": f"{u['id']}-s", "unit": u["id"], "post": _staff_post(dom, t)})
    findings = [{"id": f"F-{u['id']}-{k}", "kind": k, "unit": u["id"], "date": date, "area": "a",
                 "persons": [f"{u['id']}-s"], "facts": extreme}
                for u in units for k in dom.ids("lapse kind")]
    violations = [{"id": f"V-{u['id']}-{k}", "person": f"{u['id']}-s", "kind": k, "date": date,
                   "severity": dom.ids("severity")[-1], "area": "a", "facts": extreme}
                  for u in units for k in dom.ids("violation kind")]
    return {"schema": "duidan/case/v1", "case": {"id": "rules-check-probe"}, "units": units,
            "people": people, "findings": findings, "violations": violations}


def _staff_post(dom: Domain, tier) -> str:
    """A post that is neither head nor member of `tier` (staff), or the last member post."""
    team = set(tier.head) | set(tier.members)
    for p in dom.posts:
        if p.id not in team and p.id not in dom.head_posts and p.id not in dom.member_posts:
            return p.id
    return (tier.members or tier.head)[-1]
