"""The determination format (`schema: duidan/determination/v1`, docs/determination-format.md) as models.

Fields beyond the contract (subject name, clause gloss/tier/role/basis, `reviewed_on`, `missing`,
`standing`, `trace`)
are extensions: optional for readers, always present in what duidan writes. `trace` records the
whole chain behind each recommendation as data, so explain / why-not / replay can be built on it
without re-deriving anything.
"""


from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .domain import DETERMINATION_SCHEMA, GRADES


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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
    source: Literal["list", "baseline"] = "list"   # baseline: the national duty before the list
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


class FormRef(_Out):
    form: str | None
    sanction: str | None


class Period(_Out):
    """A span of days, both ends included; an open end (None) means 'since ever' / 'still'."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class TraceOut(_Out):
    matches: list[MatchOut]
    baseline: FormRef                   # before circumstances
    shift: int                          # net ladder steps applied
    steps: list[StepOut]
    held: Period | None = None          # a person's tenure in the post (None for a unit)


# ---------------------------------------------------------------- the reason, as data
#
# A recommendation's reason is a list of typed steps; its Chinese sentence is a view
# (engine/views/reason.py) rendered from these steps and the rulebook's labels, so relabelling
# changes the sentence and never the digest.

class LapseStep(_Out):
    step: Literal["lapse"] = "lapse"
    lapse: str
    on: Literal["finding", "violation"]
    kind: str
    period: Period


class RuleStep(_Out):
    step: Literal["rule"] = "rule"
    rule: str
    lapse: str
    relation: str
    effect: Literal["establish", "open"]
    form: FormRef
    clauses: list[str]


class BaselineStep(_Out):
    step: Literal["baseline"] = "baseline"
    grade: str
    form: FormRef


class EditionStep(_Out):
    """From the old, unless the new is lighter (从旧兼从轻), on the direct track: the sanction kept
    within the range the conduct's article allows (`within_range`, in the edition in force at the
    act), or lowered to the ceiling of a later edition in force at review (`lighter_later_edition`)."""

    step: Literal["edition"] = "edition"
    ref: str
    effect: Literal["within_range", "lighter_later_edition"]
    act_edition: str
    edition: str
    range: list[str] | None
    sanction: str


class CircumstanceStep(_Out):
    step: Literal["circumstance"] = "circumstance"
    circumstance: str
    effect: Literal["exempt", "lighter", "heavier"]
    steps: int


class FaultStep(_Out):
    """A violation opened the track: the subject's own fault (the rung of the rulebook's scale its
    finding reaches) lifted by the violation's gravity, at most `max_rungs`."""

    step: Literal["fault"] = "fault"
    lapses: list[str]
    fault: FormRef
    violations: list[str]
    gravity: int             # rungs added (after the cap)
    points: int              # gravity points before the cap
    max_rungs: int
    form: FormRef            # fault + gravity


class DutyPerformedStep(_Out):
    """The duty was performed (已履职尽责): the subject reported the problem up or stopped it, so
    these lapses are discharged, not excused."""

    step: Literal["duty_performed"] = "duty_performed"
    lapses: list[str]
    by: list[str]            # circumstance kinds, or "reported" (the finding's fact)


class DirectStep(_Out):
    """The direct track's own adjustments under the disciplinary regulations."""

    step: Literal["direct"] = "direct"
    adjustment: Literal["several_violations", "participant", "within_sanction"]
    steps: int


class ResultStep(_Out):
    step: Literal["result"] = "result"
    outcome: Literal["accountable", "exempt", "undetermined"]
    form: FormRef
    shift: int


class NotInForceStep(_Out):
    """No edition of the list was in force on the lapse date (`repealed` empty), or the clauses
    cited were repealed by the edition in force at review (从旧兼从轻)."""

    step: Literal["not_in_force"] = "not_in_force"
    lapse: str
    date: str
    repealed: list[str] = []


class MissingStep(_Out):
    """A violation opened the track; none of these finding kinds is on record yet."""

    step: Literal["missing"] = "missing"
    kinds: list[str]


WhyStep = Annotated[LapseStep | RuleStep | EditionStep | BaselineStep | CircumstanceStep | ResultStep
                    | NotInForceStep | MissingStep | FaultStep | DutyPerformedStep | DirectStep,
                    Field(discriminator="step")]


class Recommendation(_Out):
    id: str
    track: Literal["primary", "supervisory", "direct"]
    subject: SubjectOut
    grade: Literal[GRADES]  # type: ignore[valid-type]
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
    reason: str = ""          # the Chinese sentence: a view of `why`, outside the digest
    missing: list[str] = []   # undetermined: the finding kinds that would settle it
    # What the recommendation rests on: `established` (findings establish it; accountable or
    # exempt), `opened` (a violation opened the track, no finding settles it yet), `out_of_force`
    # (no edition of the list in force covers it). A subject has at most one of each per track.
    standing: Literal["established", "opened", "out_of_force"]
    why: list[WhyStep] = []
    trace: TraceOut
    category: str = ""            # what the form is (the forms table's category): 批评教育类处理, 问责, 组织处理, 纪律处分
    administrative: str | None = None   # direct track, a public official: the 政务处分 beside the party sanction


class RulebookRef(_Out):
    name: str
    edition: str
    digest: str


class ExcludedOut(_Out):
    """A person a relation reached but who cannot be held for that lapse: `not_in_post` (did not
    hold the post in the lapse's period) or `violator` (answers on the direct track only)."""

    lapse: str
    relation: str
    person: str
    reason: Literal["not_in_post", "violator", "not_named"]
    held: Period
    period: Period


class CaseTrace(_Out):
    excluded: list[ExcludedOut] = []              # people left out, and why
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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    def to_dict(self) -> dict:
        d = self.model_dump(mode="json", by_alias=True)
        if not d["warnings"]:
            del d["warnings"]
        return d
