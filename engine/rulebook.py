"""The rulebook: both responsibility lists, the rules that enforce them, forms and circumstances.

A rulebook is a directory of YAML files (see docs/rulebook-format.md). Loading is strict:
unknown keys, kinds, tiers, posts and dangling clause references are errors naming the file, the
field path and the closest valid value. The loaded rulebook is content-addressed: its digest is
the hash of its canonical content, so formatting and comments do not change it, and any change of
substance does.
"""


import datetime as dt
from bisect import bisect_right
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from .documents import IsoDate, Model, canonical_json, read_document, rebuild, sha256, validate
from .domain import Domain, FactDecl, bundled_domain, domain_of, term
from .errors import InputError, unknown
from .instruments import InstrumentTable

RULEBOOK_SCHEMA = "duidan/rulebook/v1"
LIST_SCHEMA = "duidan/list/v1"
RULES_SCHEMA = "duidan/rules/v1"

# Vocabulary fields are checked against the Domain the document is read with (engine/domain.py):
# a rulebook's own domain.yaml for its lists and rules, the rulebook's for a case.
Tier = term("tier")
Post = term("post")
LapseKind = term("lapse kind")
ViolationKind = term("violation kind")
Severity = term("severity")
CircumstanceKind = term("circumstance kind")
Relation = term("relation")
Sanction = term("sanction")
Measure = term("measure")
Form = term("form")
Track = Literal["primary", "supervisory", "direct"]


def _basis(v: Any, info: ValidationInfo) -> str:
    """A basis: a reference into the rulebook's instruments table (engine/instruments.py); free text
    only in a rulebook without one."""
    ctx = info.context if isinstance(info.context, dict) else {}
    table = ctx.get("instruments")
    if table is None:
        if not isinstance(v, str) or not v.strip():
            raise ValueError(f"a basis is a non-empty text, got {v!r}")
        return v
    return table.resolve(v)


Basis = Annotated[str, BeforeValidator(_basis)]
Grade = Literal["overall_leadership", "principal_leadership", "important_leadership", "supervisory", "direct"]


# ---------------------------------------------------------------- the lists

class Revision(Model):
    edition: str
    text: str
    gloss: str = ""


class Clause(Model):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d+(\.\d+)*$")
    text: str = Field(min_length=1)
    gloss: str = ""
    basis: list[Basis] = []
    since: str | None = None          # edition that introduced it; default: the list's first
    until: str | None = None          # edition that repealed it (not in force from then on)
    revisions: list[Revision] = []    # later wording, by edition
    enforceable: bool = True          # False: a duty no finding can show breached (`note` says why)
    note: str = ""


class RoleBaseline(Model):
    """The role's duty as the national instruments stated it before the list was issued: in a
    baseline edition, every clause of the role reads this way (a clause `since` a later edition
    has no national counterpart and is not in force then)."""

    text: str = Field(min_length=1)
    gloss: str = ""
    basis: list[Basis] = Field(min_length=1)


class Role(Model):
    role: Literal["team", "principal", "member"]
    title: str
    baseline: RoleBaseline | None = None
    clauses: list[Clause] = Field(min_length=1)


class TierSection(Model):
    tier: Tier
    title: str
    applies_to: list[Tier] = []       # unit tiers held to this section (villages to their township's)
    roles: list[Role] = Field(min_length=1)


class Edition(Model):
    edition: str
    in_force: IsoDate
    title: str = ""
    # The national baseline: before the list was issued, its duties as the national instruments
    # stated them (each role's `baseline`). Only the first edition may be one.
    baseline: bool = False


class ResponsibilityList(Model):
    schema_: Literal["duidan/list/v1"] = Field(alias="schema")
    list: Literal["primary", "supervisory"]
    title: str
    issuer: str = ""
    editions: list[Edition] = Field(min_length=1)
    tiers: list[TierSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _editions_ordered(self):
        dates = [e.in_force for e in self.editions]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("editions must be listed oldest first, with distinct in_force dates")
        if any(e.baseline for e in self.editions[1:]):
            raise ValueError("only the first edition may be the national baseline")
        names = [e.edition for e in self.editions]
        for section in self.tiers:
            for role in section.roles:
                for c in role.clauses:
                    for ed in [c.since, c.until, *(r.edition for r in c.revisions)]:
                        if ed is not None and ed not in names:
                            raise ValueError(f"clause {c.id}: {unknown('edition', ed, names)}")
        return self

    def edition_at(self, day: dt.date) -> Edition | None:
        """The edition in force on `day` (the latest whose in_force is not after it)."""
        found = None
        for e in self.editions:
            if e.in_force <= day:
                found = e
        return found


class ClauseView(Model):
    """One clause as it reads in one edition: what a recommendation cites."""

    id: str
    list: str
    edition: str
    tier: str
    role: str
    text: str
    gloss: str
    basis: list[str]
    source: Literal["list", "baseline"] = "list"   # baseline: the national duty before the list


# ---------------------------------------------------------------- the rules

FactOp = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "exists"]


class FactTest(Model):
    fact: str
    op: FactOp
    value: Any

    @model_validator(mode="after")
    def _value_shape(self):
        if self.op == "in":
            if not isinstance(self.value, list) or not self.value:
                raise ValueError("op 'in' takes a non-empty list of values")
        elif self.op == "exists":
            if not isinstance(self.value, bool):
                raise ValueError("op 'exists' takes true or false")
        elif isinstance(self.value, (list, dict)) or self.value is None:
            raise ValueError(f"op {self.op!r} takes a single value")
        return self


class When(Model):
    on: Literal["finding", "violation"]
    kinds: list[str] = Field(min_length=1)
    tiers: list[Tier] = []           # tier of the unit where the lapse happened; empty = any
    severities: list[Severity] = []  # violations only; empty = any
    facts: list[FactTest] = []       # all must hold
    facts_any: list[FactTest] = []   # at least one must hold (when given)

    @model_validator(mode="before")
    @classmethod
    def _kinds_terms(cls, data: Any, info: ValidationInfo):
        # Which vocabulary `kinds` is drawn from depends on `on`: resolve the terms before fields.
        if isinstance(data, dict) and isinstance(data.get("kinds"), list):
            kind = "violation kind" if data.get("on") == "violation" else "lapse kind"
            data = {**data, "kinds": [domain_of(info).term(kind, k) for k in data["kinds"]]}
        return data

    @model_validator(mode="after")
    def _kinds_fit(self):
        if self.severities and self.on != "violation":
            raise ValueError("severities apply to violations only")
        return self


class Subject(Model):
    relation: Relation
    tiers: list[Tier] = []   # tier of the subject's own unit; empty = any
    posts: list[Post] = []   # the subject's post; empty = any (units have none)


class Rule(Model):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")
    title: str
    track: Track
    effect: Literal["establish", "open"] = "establish"
    when: When
    subject: Subject
    grade: Grade
    form: Form | None = None
    sanction: Sanction | None = None
    measures: list[Measure] = []
    requires: list[LapseKind] = []   # effect: open — the findings that would establish the track
    cites: list[str] = []            # clause ids
    basis: list[Basis] = []          # references into the instruments table
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo):
        dom = domain_of(info)
        person = not dom.unit_relation(self.subject.relation)
        if self.effect == "establish" and self.form is None:
            raise ValueError("an establishing rule needs a form")
        if self.form is not None:
            allowed = dom.ladders.person if person else dom.ladders.unit
            if self.form not in allowed:
                raise ValueError(f"form {self.form!r} is not a form for a {'person' if person else 'unit'}; "
                                 f"expected one of: {', '.join(allowed)}")
        if (self.form == "disciplinary") != (self.sanction is not None):
            raise ValueError("a sanction goes with form 'disciplinary', and only with it")
        if self.effect == "open" and not self.requires:
            raise ValueError("an opening rule names the findings that would establish it in `requires`")
        means = self.subject.relation
        if self.track == "direct":
            if means != "violator" or self.when.on != "violation":
                raise ValueError("a direct-track rule is about the violator of a violation")
            if not self.basis:
                raise ValueError("a direct-track rule cites its regulation basis")
        elif self.effect == "establish" and not self.cites:
            raise ValueError(f"a {self.track} rule that establishes accountability cites a clause of its list")
        if means == "violator" and self.when.on != "violation":
            raise ValueError("relation 'violator' needs a violation")
        if means == "named_person" and self.when.on != "finding":
            raise ValueError("relation 'named_person' needs a finding")
        return self


class RuleFile(Model):
    schema_: Literal["duidan/rules/v1"] = Field(alias="schema")
    rules: list[Rule] = Field(min_length=1)


# ---------------------------------------------------------------- forms, circumstances, metadata

class FormInfo(Model):
    form: Form
    subject: Literal["person", "unit"]
    label: str
    decided_by: str
    basis: list[Basis] = []
    # What the form is: 问责 (a form of 问责条例 第8条), 批评教育类处理 (talks, criticism, written
    # self-criticism: education, not a 第8条 form), 组织处理, 纪律处分. Presentation and grouping only.
    category: str = ""
    # Who proposes and who decides, by management authority: `manager` (the party organisation that
    # manages the subject's unit: its `managed_by`, default its parent), `discipline` (the
    # discipline body supervising that organisation), `own` (the subject's own organisation).
    proposed_by: Literal["manager", "discipline", "own"] | None = None
    decided_by_organ: Literal["manager", "discipline", "own"] | None = None


class CircumstanceInfo(Model):
    kind: CircumstanceKind
    effect: Literal["exempt", "lighter", "heavier"]
    steps: int = Field(default=1, ge=0, le=3)
    label: str
    basis: list[Basis] = []
    # The duty was performed (已履职尽责): the lapse it concerns is discharged, not excused.
    duty_performed: bool = False
    # On the direct track (纪律处分条例): `within` keeps the sanction (从轻/从重 within it), `step`
    # moves one sanction (减轻/加重), never off the disciplinary ladder.
    direct: Literal["within", "step"] = "within"


class FaultStep(Model):
    """One rung of the own-fault scale: findings of these kinds (and, if given, with these facts)."""

    kinds: list[LapseKind] = Field(min_length=1)
    facts: list[FactTest] = []
    form: Form
    sanction: Sanction | None = None
    note: str = ""


class GravityFact(Model):
    fact: str
    op: FactOp
    value: Any
    rungs: int = Field(default=1, ge=0, le=3)


class Gravity(Model):
    """How far a violation's gravity lifts the own-fault rung of a leader or supervisor whose
    track it opened: points by severity and by facts, at most `max_rungs` in all."""

    max_rungs: int = Field(ge=0, le=5)
    severity: dict[str, int] = {}
    facts: list[GravityFact] = []
    several_violations: int = Field(default=0, ge=0, le=3)   # two or more violations in the remit
    note: str = ""


class Accumulation(Model):
    """Several minor violations in one unit within `window_days` count as one of `as_severity`
    when opening tracks (不正之风滋长蔓延)."""

    severity: str
    count: int = Field(ge=2)
    window_days: int = Field(ge=1)
    as_severity: str
    note: str = ""


class DirectTrack(Model):
    several_violations_steps: int = Field(default=0, ge=0, le=2)   # 合并处理，加重一档
    participant_steps: int = Field(default=0, ge=0, le=2)          # group violation: participants below the organiser
    administrative: dict[str, str] = {}                            # sanction -> 政务处分 label
    note: str = ""


class ExtraFact(Model):
    """A fact declared in rulebook.yaml (the older place; domain.yaml's `facts` is the newer)."""

    fact: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: Literal["number", "integer", "boolean", "ratio", "text"]
    values: list[str] = []   # for text facts: the allowed values
    description: str = ""


class RulebookMeta(Model):
    schema_: Literal["duidan/rulebook/v1"] = Field(alias="schema")
    name: str
    edition: str
    title: str = ""
    description: str = ""
    lists: list[str] = Field(min_length=1)   # files, relative to the directory
    rules: list[str] = Field(min_length=1)
    # The vocabulary file (engine/domain.py); a rulebook without one uses the bundled vocabulary.
    domain: str | None = None
    # The national instruments and their editions (engine/instruments.py); without it, a basis is
    # free text and cited as written.
    instruments: str | None = None
    forms: list[FormInfo] = Field(min_length=1)
    circumstances: list[CircumstanceInfo] = Field(min_length=1)
    facts: list[ExtraFact] = []              # beyond the domain's facts
    # The leader's own fault and the violation's gravity (engine/determine.py): optional; without
    # them an opening rule's form is a floor, as in the first rulebooks.
    fault_scale: list[FaultStep] = []
    gravity: Gravity | None = None
    accumulation: list[Accumulation] = []
    direct_track: DirectTrack | None = None

    @field_validator("forms")
    @classmethod
    def _all_forms(cls, forms: list[FormInfo], info: ValidationInfo):
        dom = domain_of(info)
        have = {(f.subject, f.form) for f in forms}
        need = {("person", f) for f in dom.ladders.person} | {("unit", f) for f in dom.ladders.unit}
        missing = sorted(f"{s}:{f}" for s, f in need - have)
        if missing:
            raise ValueError(f"forms must describe every form; missing {', '.join(missing)}")
        return forms


class Rulebook(Model):
    """Everything a determination depends on, loaded and cross-checked."""

    meta: RulebookMeta
    domain: Domain
    instruments: InstrumentTable | None = None
    lists: dict[str, ResponsibilityList]
    rules: list[Rule]
    source: str = Field(default="", exclude=True)   # where it was loaded from; not part of the digest

    @cached_property
    def canonical(self) -> str:
        """The rulebook's whole content as canonical JSON: what a store keeps so that a stored
        determination can be re-derived, and shown, under the very same rules."""
        return canonical_json(self.model_dump(mode="json", by_alias=True))

    @cached_property
    def digest(self) -> str:
        """The hash of everything that can change a decision: the canonical content less its
        presentation (labels, titles, notes), so relabelling a tier changes the text views and no
        digest (docs/determination-format.md, "What the digest covers")."""
        return decision_digest(self.model_dump(mode="json", by_alias=True))

    @cached_property
    def clause_index(self) -> dict[str, tuple[str, str, str, Clause]]:
        """clause id -> (list, tier, role, clause)."""
        out = {}
        for lst in self.lists.values():
            for section in lst.tiers:
                for role in section.roles:
                    for c in role.clauses:
                        out[c.id] = (lst.list, section.tier, role.role, c)
        return out

    @cached_property
    def _roles(self) -> dict[str, Role]:
        """clause id -> the role it belongs to (for the role's national baseline)."""
        return {c.id: role for lst in self.lists.values() for section in lst.tiers
                for role in section.roles for c in role.clauses}

    @property
    def facts(self) -> dict[str, FactDecl]:
        """Every fact rules may test, by name, with its type."""
        return self.domain.fact

    def label(self, x: str | None) -> str:
        """The Chinese label of an id (views only): forms and circumstances from their tables,
        everything else from the domain."""
        return self._labels.get(x, x) if x else ""

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {**self.domain._labels, **self._form_labels}

    @cached_property
    def _form_labels(self) -> dict[str, str]:
        out = {f.form: f.label for f in self.meta.forms if f.subject == "person"}
        for f in self.meta.forms:
            out.setdefault(f.form, f.label)
        out.update({c.kind: c.label for c in self.meta.circumstances})
        return out

    @cached_property
    def forms(self) -> dict[tuple[str, str], FormInfo]:
        return {(f.subject, f.form): f for f in self.meta.forms}

    @cached_property
    def circumstances(self) -> dict[str, CircumstanceInfo]:
        return {c.kind: c for c in self.meta.circumstances}

    @cached_property
    def rule_index(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @cached_property
    def _epochs(self) -> list[dt.date]:
        """Every day on which an edition of a list or of a national instrument came into force,
        sorted. Between two of them nothing a determination cites changes wording or force."""
        days = {e.in_force for lst in self.lists.values() for e in lst.editions}
        if self.instruments is not None:
            days |= {e.in_force for i in self.instruments.instruments for e in i.editions}
        return sorted(days)

    def epoch(self, day: dt.date) -> int:
        """The stretch of time `day` falls in (see _epochs): what is cited on a day is the same on
        every day of its epoch, so it can be worked out once per epoch, for every case."""
        return bisect_right(self._epochs, day)

    @cached_property
    def memo(self) -> dict:
        """Values derived from this rulebook alone (keys name the derivation; days enter only as
        epochs), shared by every case evaluated under it: bounded by the rulebook's content."""
        return {}

    @cached_property
    def _views(self) -> dict[tuple[str, str], ClauseView | None]:
        return {}   # (clause id, edition) -> view: a clause reads the same throughout an edition

    def clause_at(self, clause_id: str, day: dt.date) -> ClauseView | None:
        """The clause as worded in the edition of its list in force on `day`; None if not in force."""
        ed = self.lists[self.clause_index[clause_id][0]].edition_at(day)
        if ed is None:
            return None
        key = (clause_id, ed.edition)
        if key not in self._views:
            self._views[key] = self._view(clause_id, ed)
        return self._views[key]

    def _view(self, clause_id: str, ed: Edition) -> ClauseView | None:
        list_name, tier, role, c = self.clause_index[clause_id]
        lst = self.lists[list_name]
        order = [e.edition for e in lst.editions]
        pos = order.index(ed.edition)
        if c.since is not None and order.index(c.since) > pos:
            return None
        if c.until is not None and order.index(c.until) <= pos:
            return None
        if ed.baseline:
            base = self._roles[clause_id].baseline
            if base is None:
                return None
            return ClauseView(id=c.id, list=list_name, edition=ed.edition, tier=tier, role=role,
                              text=base.text, gloss=base.gloss, basis=list(base.basis), source="baseline")
        text, gloss = c.text, c.gloss
        for r in c.revisions:
            if order.index(r.edition) <= pos:
                text, gloss = r.text, r.gloss or gloss
        return ClauseView(id=c.id, list=list_name, edition=ed.edition, tier=tier, role=role,
                          text=text, gloss=gloss, basis=list(c.basis))

    def summary(self) -> dict[str, str]:
        return {"name": self.meta.name, "edition": self.meta.edition, "digest": self.digest}


# Keys that only present a rulebook to people. Rule and clause wording that a determination
# quotes (clause text, gloss) is not presentation: it is part of what was cited.
_PRESENTATION = {"label", "labels", "title", "note", "description", "issuer"}


def decision_digest(content: dict) -> str:
    """A rulebook's digest from its canonical content (as a store keeps it): everything but presentation."""
    return sha256(canonical_json(_without_presentation(content)))


def _without_presentation(obj: Any) -> Any:
    if isinstance(obj, dict):
        # An instrument's title is cited in every basis line: it is content, not a label.
        return {k: (v if k == "instruments" else _without_presentation(v))
                for k, v in obj.items() if k not in _PRESENTATION}
    if isinstance(obj, list):
        return [_without_presentation(v) for v in obj]
    return obj


def rulebook_from_canonical(text: str, expected_digest: str, where: str = "<stored rulebook>",
                            verified: bool = False) -> Rulebook:
    """A rulebook back from its canonical JSON, refusing any whose content does not hash to the
    digest it was stored under.

    `verified`: the caller vouches that `text` is byte for byte the canonical JSON of a rulebook
    that this very code validated, with digest `expected_digest` (the rulebook cache checks the
    text's SHA-256, under a key covering the loader's code and pydantic's version). It is then
    rebuilt without validating and the digest taken as given: validating it again would only
    repeat what was checked when it was written, and costs a quarter of a cold `evaluate`."""
    import json

    data = json.loads(text)
    if verified:
        book = rebuild(Rulebook, data)
        # cached_property values live in the instance __dict__: set, they are never recomputed
        book.__dict__["digest"] = expected_digest
        book.__dict__["canonical"] = text
        return book
    dom = validate(Domain, data.get("domain") if isinstance(data, dict) else None, where, ("domain",))
    raw = data.get("instruments") if isinstance(data, dict) else None
    table = validate(InstrumentTable, raw, where, ("instruments",)) if raw is not None else None
    book = validate(Rulebook, data, where, context={"domain": dom, "instruments": table})
    if book.digest != expected_digest:
        raise InputError.one(where, "(content)", f"digest {book.digest} does not match the recorded {expected_digest}")
    return book


def bundled_path() -> Path:
    from importlib.resources import files

    return Path(str(files("duidan.bundled")))


def load_rulebook(directory: str | Path | None = None) -> Rulebook:
    root = Path(directory) if directory is not None else bundled_path()
    meta_path = root / "rulebook.yaml"
    try:
        is_dir, has_meta = root.is_dir(), meta_path.is_file()
    except OSError as e:   # e.g. a directory without read permission
        raise InputError.one(str(root), "(directory)", f"cannot read: {e.strerror}") from None
    if not is_dir:
        raise InputError.one(str(root), "(directory)", "no such rulebook directory")
    if not has_meta:
        raise InputError.one(str(meta_path), "(file)", "a rulebook directory needs a rulebook.yaml")
    raw_meta = read_document(meta_path)
    dom = bundled_domain()
    if isinstance(raw_meta, dict) and raw_meta.get("domain"):
        path = _inside(root, str(raw_meta["domain"]), meta_path, "domain")
        dom = validate(Domain, read_document(path), str(path))
    table = None
    if isinstance(raw_meta, dict) and raw_meta.get("instruments"):
        path = _inside(root, str(raw_meta["instruments"]), meta_path, "instruments")
        table = validate(InstrumentTable, read_document(path), str(path))
    ctx = {"domain": dom, "instruments": table}
    meta = validate(RulebookMeta, raw_meta, str(meta_path), context=ctx)
    if meta.facts:   # facts declared in rulebook.yaml join the domain's
        dom = _with_facts(dom, meta.facts, str(meta_path))
        ctx = {"domain": dom, "instruments": table}

    lists: dict[str, ResponsibilityList] = {}
    for i, rel in enumerate(meta.lists):
        path = _inside(root, rel, meta_path, f"lists[{i}]")
        lst = validate(ResponsibilityList, read_document(path), str(path), context=ctx)
        if lst.list in lists:
            raise InputError.one(str(path), "list", f"a second {lst.list!r} list; one file per list")
        lists[lst.list] = lst
    rules: list[Rule] = []
    origin: dict[str, str] = {}
    for i, rel in enumerate(meta.rules):
        path = _inside(root, rel, meta_path, f"rules[{i}]")
        rf = validate(RuleFile, read_document(path), str(path), context=ctx)
        for j, r in enumerate(rf.rules):
            if r.id in origin:
                raise InputError.one(str(path), f"rules[{j}].id", f"duplicate rule id {r.id!r} (also in {origin[r.id]})")
            origin[r.id] = str(path)
        rules.extend(rf.rules)
    book = Rulebook(meta=meta, domain=dom, instruments=table, lists=lists, rules=rules, source=str(root))
    _cross_check(book, root, origin)
    return book


def _with_facts(dom: Domain, extra: list[ExtraFact], where: str) -> Domain:
    known = {f.id for f in dom.facts}
    for i, f in enumerate(extra):
        if f.fact in known:
            raise InputError.one(where, f"facts[{i}].fact", f"fact {f.fact!r} is already declared by the domain")
    data = dom.model_dump(mode="json", by_alias=True)
    data["facts"] += [{"id": f.fact, "type": f.type, "values": f.values, "description": f.description}
                      for f in extra]
    return validate(Domain, data, where)


def _inside(root: Path, rel: str, meta_path: Path, where: str) -> Path:
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise InputError.one(str(meta_path), where, f"{rel!r} points outside the rulebook directory")
    if not path.is_file():
        raise InputError.one(str(meta_path), where, f"no such file {rel!r} in {root}")
    return path


def _cross_check(book: Rulebook, root: Path, origin: dict[str, str]) -> None:
    """Clause ids unique, every citation resolves, every tested fact declared with a fitting op."""
    seen: dict[str, str] = {}
    for lst in book.lists.values():
        for section in lst.tiers:
            for role in section.roles:
                for c in role.clauses:
                    if c.id in seen:
                        raise InputError.one(str(root), f"lists.{lst.list}", f"duplicate clause id {c.id!r}")
                    seen[c.id] = lst.list
    index = book.clause_index
    for r in book.rules:
        where = origin[r.id]
        for k, cid in enumerate(r.cites):
            if cid not in index:
                raise InputError.one(where, f"rule {r.id}.cites[{k}]", unknown("clause", cid, index))
            if r.track in ("primary", "supervisory") and index[cid][0] != r.track:
                raise InputError.one(where, f"rule {r.id}.cites[{k}]",
                                     f"clause {cid!r} is on the {index[cid][0]} list; a {r.track} rule cites its own list")
        for group in ("facts", "facts_any"):
            for k, t in enumerate(getattr(r.when, group)):
                decl = book.facts.get(t.fact)
                problem = unknown("fact", t.fact, book.facts) if decl is None else decl.test_problem(t.op, t.value)
                if problem:
                    raise InputError.one(where, f"rule {r.id}.when.{group}[{k}]", problem)
    dom = book.domain
    for lst in book.lists.values():
        for i, section in enumerate(lst.tiers):
            if dom.tier[section.tier].list != lst.list:
                raise InputError.one(str(root), f"lists.{lst.list}.tiers[{i}].tier",
                                     f"tier {section.tier!r} is bound by the {dom.tier[section.tier].list} list")
            for t in section.applies_to:
                if t != section.tier and dom.tier[t].held_to != section.tier:
                    raise InputError.one(str(root), f"lists.{lst.list}.tiers[{i}].applies_to",
                                         f"tier {t!r} is not declared `held_to: {section.tier}` in the domain")

