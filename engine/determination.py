"""The determination format (`schema: duidan/determination/v1`, CONTRACT.md §2) as models.

Fields beyond the contract (subject name, clause gloss/tier/role/basis, `reviewed_on`, `missing`,
`standing`, `trace`)
are extensions: optional for readers, always present in what duidan writes. `trace` records the
whole chain behind each recommendation as data, so explain / why-not / replay can be built on it
without re-deriving anything.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import vocab as V

DETERMINATION_SCHEMA = "duidan/determination/v1"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubjectOut(_Out):
    kind: Literal["person", "unit"]
    id: str
    unit: str
    tier: str
    post: str | None = None
    name: str = ""


class ClauseOut(_Out):
    id: str
    list: Literal["primary", "supervisory"]
    edition: str
    text: str
    gloss: str = ""
    tier: str = ""
    role: str = ""
    basis: list[str] = []


class MatchOut(_Out):
    rule: str
    lapse: str
    relation: str
    effect: Literal["establish", "open"]
    form: str | None
    sanction: str | None
    clauses: list[str]
    in_force: bool  # False: no edition of the list was in force on the lapse date


class StepOut(_Out):
    circumstance: str
    effect: Literal["exempt", "lighter", "heavier"]
    steps: int


class TraceOut(_Out):
    matches: list[MatchOut]
    baseline: dict[str, str | None]     # {"form": ..., "sanction": ...} before circumstances
    shift: int                          # net ladder steps applied
    steps: list[StepOut]
    held: dict[str, str | None] = {}    # a person's tenure: {"from": ..., "to": ...}


class Recommendation(_Out):
    id: str
    track: Literal["primary", "supervisory", "direct"]
    subject: SubjectOut
    grade: Literal[V.GRADES]  # type: ignore[valid-type]
    outcome: Literal["accountable", "exempt", "undetermined"]
    form: str | None
    sanction: str | None
    measures: list[str]
    decided_by: str
    clauses: list[ClauseOut]
    basis: list[str]
    findings: list[str]
    violations: list[str]
    rules: list[str]
    circumstances: list[str]
    reason: str
    missing: list[str] = []   # undetermined: the finding kinds that would settle it
    # What the recommendation rests on: `established` (findings establish it; accountable or
    # exempt), `opened` (a violation opened the track, no finding settles it yet), `out_of_force`
    # (no edition of the list in force covers it). A subject has at most one of each per track.
    standing: Literal["established", "opened", "out_of_force"]
    trace: TraceOut


class RulebookRef(_Out):
    name: str
    edition: str
    digest: str


class CaseTrace(_Out):
    excluded: list[dict[str, str]] = []           # people left out, and why (tenure)
    undeclared_facts: dict[str, list[str]] = {}   # kept and shown, never tested by a rule


class WarningOut(_Out):
    """Something in a valid case that probably is not what was meant (engine/warnings.py)."""

    kind: str
    where: str          # field path in the case file
    message: str
    value: str | int | float | bool | None = None


class Determination(_Out):
    schema_: Literal["duidan/determination/v1"] = Field(default=DETERMINATION_SCHEMA, alias="schema")
    case: str
    title: str = ""
    reviewed_on: str
    rulebook: RulebookRef
    recommendations: list[Recommendation]
    unmatched: list[str]
    trace: CaseTrace
    # Optional: written only when there are warnings, so a case without any keeps its digest.
    warnings: list[WarningOut] = []
    digest: str = ""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_dict(self) -> dict:
        d = self.model_dump(mode="json", by_alias=True)
        if not d["warnings"]:
            del d["warnings"]
        return d
