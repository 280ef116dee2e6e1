"""The rulebook's vocabulary (`domain.yaml`): tiers, posts, relations, kinds, facts, ladders, labels.

Accountability knowledge lives in the rulebook; this module holds only the *mechanisms* that give
the data meaning:

- RELATION_MECHANISMS: what a relation can mean when resolve pairs a lapse with its subjects;
- FACT_TYPES: how a fact's value is checked and compared;
- TRACKS, GRADES, OUTCOMES: the determination contract's fixed vocabularies (docs/determination-format.md).

A case file and the rules are validated against the Domain of the rulebook they are read with, so
a rulebook that declares a tier of its own (a 社区, a 高校) is usable with no code change.
"""


import math
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from .documents import Model
from .errors import unknown

DOMAIN_SCHEMA = "duidan/domain/v1"

# Contract vocabularies: fixed by the determination format, not by any rulebook.
DETERMINATION_SCHEMA = "duidan/determination/v1"
TRACKS = ("primary", "supervisory", "direct")
GRADES = ("overall_leadership", "principal_leadership", "important_leadership", "supervisory", "direct")
OUTCOMES = ("accountable", "exempt", "undetermined")
LISTS = ("primary", "supervisory")

# What a relation can mean (engine/resolve.py implements each):
RELATION_MECHANISMS = {
    "unit": "the unit where the lapse happened (its leadership team)",
    "unit_head": "a holder of one of that unit's tier's `head` posts",
    "area_member": "a holder of a `members` post whose portfolio covers the lapse's area",
    "other_member": "a holder of a `members` post whose portfolio does not cover it",
    "named_person": "a person the finding names in `persons`",
    "parent_area_member": "a `members` post holder of the parent unit whose portfolio covers the area",
    "parent_head": "a holder of a `head` post of the parent unit (the chain climbs: township secretary for a village)",
    "supervising_body": "a discipline body supervising the unit",
    "supervising_head": "a holder of a `head` post of such a body",
    "violator": "the person who committed the violation",
}
UNIT_MECHANISMS = ("unit", "supervising_body")   # relations whose subject is a unit, not a person

FactType = Literal["number", "integer", "boolean", "ratio", "text"]
FACT_TYPES: tuple[str, ...] = ("number", "integer", "boolean", "ratio", "text")
MAX_SAFE_NUMBER = 2**53   # beyond this a number loses integer precision in JSON readers


class Term(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    aliases: list[str] = []


class TierDecl(Term):
    code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]*$")   # clause-id part: P-TWN-2.3
    list: Literal["primary", "supervisory"]
    head: list[str] = Field(min_length=1)
    members: list[str] = []
    supervised_by: list[str] = []
    supervision_via_parent: bool = False
    held_to: str | None = None


class RelationDecl(Model):
    id: str
    label: str

    @model_validator(mode="after")
    def _known(self):
        if self.id not in RELATION_MECHANISMS:
            raise ValueError(unknown("relation (an engine mechanism)", self.id, RELATION_MECHANISMS))
        return self


class FactDecl(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FactType
    values: list[str] = []
    min: float | None = None
    label: str = ""
    description: str = ""

    @model_validator(mode="after")
    def _values(self):
        if (self.type == "text") != bool(self.values):
            raise ValueError("a text fact lists its allowed `values`; other types have none")
        return self

    def value_problem(self, value: Any) -> str | None:
        """Why `value` is not a valid value of this fact, or None."""
        if self.type == "text":
            return None if value in self.values else unknown("value", value, self.values)
        if self.type == "boolean":
            return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected a number, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
        if abs(value) >= MAX_SAFE_NUMBER:
            return "number too large"
        if self.type == "integer" and not float(value).is_integer():
            return f"expected a whole number, got {value!r}"
        if self.type == "ratio" and not 0 <= value <= 1:
            return f"expected a ratio between 0 and 1, got {value!r}"
        if self.min is not None and value < self.min:
            return f"expected {self.min:g} or more, got {value!r}"
        return None

    def test_problem(self, op: str, value: Any) -> str | None:
        """Why a rule's test `fact op value` does not fit this fact's type, or None."""
        if op == "exists":
            return None
        values = value if op == "in" else [value]
        if self.type == "text":
            if op not in ("eq", "ne", "in"):
                return f"fact {self.id!r} is one of {', '.join(self.values)}; test it with eq, ne or in"
            for v in values:
                if v not in self.values:
                    return unknown(f"value of {self.id}", v, self.values)
            return None
        if self.type == "boolean":
            if op not in ("eq", "ne") or not isinstance(value, bool):
                return f"fact {self.id!r} is true or false; test it with eq/ne and a boolean"
            return None
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return f"fact {self.id!r} is a number; {v!r} is not"
        return None

    def extreme(self) -> Any:
        """The value that stresses a rule most (rules check drives the engine with it)."""
        if self.type == "text":
            return self.values[-1]
        if self.type == "boolean":
            return True
        if self.type == "ratio":
            return 1.0
        return 10**12


class Ladders(Model):
    person: list[str] = Field(min_length=1)
    unit: list[str] = Field(min_length=1)
    sanction: list[str] = Field(min_length=1)


class Labelled(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str


class Domain(Model):
    schema_: Literal["duidan/domain/v1"] = Field(alias="schema")
    tiers: list[TierDecl] = Field(min_length=1)
    posts: list[Term] = Field(min_length=1)
    relations: list[RelationDecl] = Field(min_length=1)
    lapse_kinds: list[Term] = Field(min_length=1)
    violation_kinds: list[Term] = Field(min_length=1)
    severities: list[Term] = Field(min_length=1)
    circumstance_kinds: list[Term] = Field(min_length=1)
    facts: list[FactDecl] = []
    ladders: Ladders
    sanctions: list[Labelled] = Field(min_length=1)
    measures: list[Labelled] = []
    labels: dict[str, str] = {}
    # Lapse kinds that are about detecting or reporting someone else's violation: a violator is
    # never held under them for their own violation (engine/resolve.py).
    detection_kinds: list[str] = []

    @model_validator(mode="after")
    def _consistent(self):
        posts = {p.id for p in self.posts}
        tiers = {t.id: t for t in self.tiers}
        for group in ("tiers", "posts", "relations", "lapse_kinds", "violation_kinds", "severities",
                      "circumstance_kinds", "facts",
                      "sanctions", "measures"):
            ids = [x.id for x in getattr(self, group)]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"{group}: duplicate id {dup[0]!r}")
        for t in self.tiers:
            for p in t.head + t.members:
                if p not in posts:
                    raise ValueError(f"tier {t.id}: {unknown('post', p, sorted(posts))}")
            for s in t.supervised_by:
                if s not in tiers:
                    raise ValueError(f"tier {t.id}.supervised_by: {unknown('tier', s, sorted(tiers))}")
                if tiers[s].list != "supervisory":
                    raise ValueError(f"tier {t.id}.supervised_by: {s!r} is not a discipline tier (list: supervisory)")
            if t.held_to is not None and t.held_to not in tiers:
                raise ValueError(f"tier {t.id}.held_to: {unknown('tier', t.held_to, sorted(tiers))}")
        kinds = {k.id for k in self.lapse_kinds}
        for k in self.detection_kinds:
            if k not in kinds:
                raise ValueError(f"detection_kinds: {unknown('lapse kind', k, sorted(kinds))}")
        if set(self.ladders.sanction) != {s.id for s in self.sanctions}:
            raise ValueError("ladders.sanction must order exactly the declared sanctions")
        return self

    # ------------------------------------------------------------ lookups

    @cached_property
    def tier(self) -> dict[str, TierDecl]:
        return {t.id: t for t in self.tiers}

    @cached_property
    def fact(self) -> dict[str, FactDecl]:
        return {f.id: f for f in self.facts}

    @cached_property
    def relation(self) -> dict[str, RelationDecl]:
        return {r.id: r for r in self.relations}

    def tiers_of(self, list_name: str) -> tuple[str, ...]:
        return tuple(t.id for t in self.tiers if t.list == list_name)

    def is_discipline(self, tier: str) -> bool:
        return self.tier[tier].list == "supervisory"

    @staticmethod
    def unit_relation(relation: str) -> bool:
        return relation in UNIT_MECHANISMS

    @cached_property
    def head_posts(self) -> frozenset[str]:
        return frozenset(p for t in self.tiers for p in t.head)

    @cached_property
    def member_posts(self) -> frozenset[str]:
        return frozenset(p for t in self.tiers for p in t.members)

    @cached_property
    def _terms(self) -> dict[str, tuple[tuple[str, ...], dict[str, str]]]:
        """kind -> (ids in declared order, {alias or label: id})."""
        out = {}
        groups = {"tier": self.tiers, "post": self.posts, "lapse kind": self.lapse_kinds,
                  "violation kind": self.violation_kinds, "severity": self.severities,
                  "circumstance kind": self.circumstance_kinds}
        for kind, items in groups.items():
            aliases: dict[str, str] = {}
            for it in items:
                for name in (it.label, *it.aliases):
                    aliases.setdefault(name, it.id)
            out[kind] = (tuple(it.id for it in items), aliases)
        out["relation"] = (tuple(r.id for r in self.relations), {r.label: r.id for r in self.relations})
        out["sanction"] = (tuple(self.ladders.sanction), {s.label: s.id for s in self.sanctions})
        out["measure"] = (tuple(m.id for m in self.measures), {m.label: m.id for m in self.measures})
        forms = tuple(dict.fromkeys(self.ladders.person + self.ladders.unit))
        out["form"] = (forms, {})
        return out

    def ids(self, kind: str) -> tuple[str, ...]:
        return self._terms[kind][0]

    def aliases(self, kind: str) -> dict[str, str]:
        return self._terms[kind][1]

    def term(self, kind: str, value: Any) -> str:
        """`value` (an id, its label or an alias) as the id; ValueError with the closest otherwise."""
        ids, aliases = self._terms[kind]
        if isinstance(value, str):
            v = value.strip()
            v = aliases.get(v, v)
            if v in ids:
                return v
        from .vocabulary import kind_of, suggest_in

        hint = suggest_in(self, value, kind)
        listing = kind_of(kind)
        more = f" (duidan vocab {listing} lists them all)" if listing else ""
        if hint:   # Chinese or English, with both names: 'did you mean 乡镇 (township)?'
            term, vid = hint
            shown = repr(term) if term == vid else f"{term!r} ({vid})"
            raise ValueError(f"unknown {kind} {value!r}; did you mean {shown}?{more}")
        raise ValueError(unknown(kind, value, ids) + more)

    def label(self, x: str | None) -> str:
        """The Chinese label of any id this domain declares (views only; decisions never read it)."""
        if not x:
            return ""
        return self._labels.get(x, x)

    @cached_property
    def _labels(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for group in (self.tiers, self.posts, self.lapse_kinds, self.violation_kinds, self.severities,
                      self.circumstance_kinds, self.sanctions, self.measures):
            for it in group:
                out.setdefault(it.id, it.label)
        for r in self.relations:
            out.setdefault(r.id, r.label)
        for f in self.facts:
            out.setdefault(f.id, f.label or f.id)
        out.update({k: v for k, v in self.labels.items() if k not in out})
        return out

    # ------------------------------------------------------------ ladders

    def ladder(self, subject_kind: str) -> tuple[tuple[str, str | None], ...]:
        """One ladder per subject kind, lightest first; a disciplinary form is placed by its sanction."""
        return self._ladder_of[subject_kind == "unit"]

    def rank(self, subject_kind: str, form: str, sanction: str | None) -> int:
        """The place of (form, sanction) on the subject kind's ladder (ValueError if not on it)."""
        try:
            return self._ranks[subject_kind == "unit"][(form, sanction if form == "disciplinary" else None)]
        except KeyError:
            raise ValueError(f"{(form, sanction)!r} is not on the {subject_kind} ladder") from None

    @cached_property
    def _ladder_of(self) -> dict[bool, tuple[tuple[str, str | None], ...]]:
        person: list[tuple[str, str | None]] = []
        for f in self.ladders.person:
            if f == "disciplinary":
                person += [("disciplinary", s) for s in self.ladders.sanction]
            else:
                person.append((f, None))
        return {False: tuple(person), True: tuple((f, None) for f in self.ladders.unit)}

    @cached_property
    def _ranks(self) -> dict[bool, dict[tuple[str, str | None], int]]:
        return {unit: {step: i for i, step in enumerate(lad)} for unit, lad in self._ladder_of.items()}


# ---------------------------------------------------------------- reading documents against a domain

@lru_cache(maxsize=1)
def bundled_domain() -> Domain:
    """The bundled rulebook's vocabulary: what a rulebook without a domain.yaml, and a case read
    without a rulebook, are checked against."""
    from importlib.resources import files

    from .documents import read_document, validate

    path = Path(str(files("duidan.bundled"))) / "domain.yaml"
    return validate(Domain, read_document(path), str(path))


def domain_of(info: ValidationInfo) -> Domain:
    ctx = info.context if info is not None else None
    dom = ctx.get("domain") if isinstance(ctx, dict) else None
    return dom if dom is not None else bundled_domain()


def term(kind: str):
    """A string field holding an id of `kind` in the domain the document is validated with; labels
    and aliases are accepted and stored as the id."""

    def check(v: Any, info: ValidationInfo) -> str:
        return domain_of(info).term(kind, v)

    return Annotated[str, BeforeValidator(check)]
