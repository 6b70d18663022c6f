"""Reads of scorecards: what a draft lacks before it can be published, its outline,
the MS form it renders (TLK-5.6.1) and its version history."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mysteryshop.history import HistoryEntry, history_entries, model_fields
from programs.models import (
    AnswerType,
    Channel,
    ContactReason,
    InteractionCategory,
    Parameter,
    Program,
    Scenario,
    Scorecard,
    ScoringMode,
    Section,
)
from programs.models.scorecards import ConditionKind


def scorecard_problems(scorecard: Scorecard, *, mode: str | None = None) -> list[str]:
    """What stops a draft from being published; empty when it can be. New shops
    are scored under the program's current mode, unless `mode` says otherwise."""
    problems = []
    sections = list(scorecard.sections.prefetch_related("parameters"))
    if not sections:
        problems.append(_("Add at least one section."))
    weighted = (mode or scorecard.program.scoring_mode) == ScoringMode.WEIGHTED
    problems += _condition_problems(scorecard, [p for s in sections for p in s.parameters.all()])
    for section in sections:
        parameters = list(section.parameters.all())
        if not parameters:
            problems.append(_("Section %(name)s has no parameter.") % {"name": section.name})
        elif weighted and not any(p.weight > 0 for p in parameters):
            problems.append(
                _("Section %(name)s needs a parameter with a weight above 0.")
                % {"name": section.name}
            )
        if parameters and all(p.is_bonus for p in parameters):
            problems.append(
                _("Section %(name)s has only bonus parameters.") % {"name": section.name}
            )
    return problems


def condition_choices(program: Program) -> dict[str, list[tuple[int, str]]]:
    """What a parameter's condition may name, per kind: the program's
    scenarios, contact reasons, interaction categories and channels."""
    return {
        ConditionKind.SCENARIO: [
            (s.pk, s.title) for s in Scenario.objects.filter(program=program).order_by("title")
        ],
        ConditionKind.REASON: [
            (r.pk, r.name) for r in ContactReason.objects.filter(program=program).order_by("name")
        ],
        ConditionKind.CATEGORY: [
            (c.pk, c.name) for c in InteractionCategory.objects.filter(program=program)
        ],
        ConditionKind.CHANNEL: [
            (c.pk, f"{c.parent.name} › {c.name}" if c.parent_id else c.name)
            for c in Channel.objects.filter(program=program).select_related("parent")
        ],
    }


def _condition_problems(scorecard: Scorecard, parameters: list[Parameter]) -> list[str]:
    """Conditions that could never be decided: an answer condition on a parameter
    that is gone or in a loop, or ids that are not of this program."""
    problems = []
    by_id = {p.pk: p for p in parameters}
    known = {
        kind: {pk for pk, _label in rows}
        for kind, rows in condition_choices(scorecard.program).items()
    }
    for parameter in parameters:
        kind = parameter.condition_kind
        if kind == ConditionKind.ANSWER:
            seen, current = {parameter.pk}, parameter
            while current and current.condition_kind == ConditionKind.ANSWER:
                current = by_id.get(current.condition_parameter_id)
                if current is None:
                    problems.append(
                        _("%(parameter)s depends on a parameter that is not in this version.")
                        % {"parameter": parameter.text}
                    )
                    break
                if current.pk in seen:
                    problems.append(
                        _("%(parameter)s depends on itself through other parameters.")
                        % {"parameter": parameter.text}
                    )
                    break
                seen.add(current.pk)
        elif kind and not set(parameter.condition_ids) <= known.get(kind, set()):
            problems.append(
                _("%(parameter)s applies to something that is not of this program.")
                % {"parameter": parameter.text}
            )
    return problems


@dataclass(frozen=True)
class SectionOutline:
    section: Section
    parameters: list[Parameter]
    total_weight: Decimal


@dataclass(frozen=True)
class ScorecardOutline:
    """A version's sections and parameters with their weight totals."""

    scorecard: Scorecard
    weighted: bool
    sections: list[SectionOutline]
    total_weight: Decimal
    parameter_count: int


def scorecard_outline(scorecard: Scorecard, *, mode: str | None = None) -> ScorecardOutline:
    """Sections, parameters and weight totals of `scorecard`, in two queries
    (`scorecard.program` should already be loaded), under scoring `mode`: a
    shop's own mode (scoring.selectors.shop_outline), or by default the
    program's current mode, the one new shops get."""
    sections = [
        SectionOutline(
            s, list(s.parameters.all()), sum((p.weight for p in s.parameters.all()), Decimal(0))
        )
        for s in scorecard.sections.prefetch_related("parameters")
    ]
    return ScorecardOutline(
        scorecard=scorecard,
        weighted=(mode or scorecard.program.scoring_mode) == ScoringMode.WEIGHTED,
        sections=sections,
        total_weight=sum((s.total_weight for s in sections), Decimal(0)),
        parameter_count=sum(len(s.parameters) for s in sections),
    )


@dataclass(frozen=True)
class MsChoice:
    value: str
    label: str
    hint: str  # read by screen readers after a terse label such as "1"
    not_met: bool  # choosing it asks for the nonconformity and correct solution
    checked: bool


@dataclass(frozen=True)
class MsLine:
    parameter: Parameter
    number: str
    answer_name: str
    nonconformity_name: str
    correct_solution_name: str
    choices: list[MsChoice]
    nonconformity: str
    correct_solution: str
    not_met: bool
    answer_error: str = ""
    nonconformity_error: str = ""
    correct_solution_error: str = ""
    applies: bool = True  # False: hidden until its answer condition holds
    when_answer_name: str = ""  # the input an answer condition watches …
    when_answer: str = ""  # … and the answer that shows this line


@dataclass(frozen=True)
class MsSection:
    section: Section
    number: int
    lines: list[MsLine]
    bonus_lines: list[MsLine] = field(default_factory=list)  # shown apart, "Bonus"


@dataclass(frozen=True)
class MsForm:
    """What programs/scorecards/_ms_form.html renders."""

    scorecard: Scorecard
    form_code: str
    binary: bool
    sections: list[MsSection]

    @property
    def has_bonus(self) -> bool:
        return any(s.bonus_lines for s in self.sections)


MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "na"


def _ms_choices(parameter: Parameter, binary: bool, answer: str) -> list[MsChoice]:
    if parameter.answer_type == AnswerType.SCALE and not binary:
        top = parameter.scale_max or 1
        choices = [(str(v), str(v), "", v < top) for v in range(top + 1)]
    elif binary:
        choices = [
            (MET, "1", gettext_lazy("correct, as the standard says"), False),
            (NOT_MET, "0", gettext_lazy("wrong or not as the standard says"), True),
        ]
    else:
        choices = [
            (MET, gettext_lazy("Met"), "", False),
            (NOT_MET, gettext_lazy("Not met"), "", True),
        ]
    if parameter.allow_not_applicable:
        label = gettext_lazy("N/A") if binary else gettext_lazy("Not applicable")
        hint = gettext_lazy("not applicable") if binary else ""
        choices.append((NOT_APPLICABLE, label, hint, False))
    if parameter.is_bonus:  # a bonus not earned is no nonconformity
        choices = [(v, label, hint, False) for v, label, hint, _not_met in choices]
    return [MsChoice(v, label, hint, not_met, v == answer) for v, label, hint, not_met in choices]


def ms_form(
    outline: ScorecardOutline,
    *,
    answers: Mapping[int, Mapping[str, str]] | None = None,
    errors: Mapping[str, str] | None = None,
    shown: Collection[int] | None = None,
    applies: Collection[int] | None = None,
) -> MsForm:
    """The shopper's form for a version (F-31, TLK-5.3.3, TLK-5.6.1).

    `answers` maps a parameter id to {"answer", "nonconformity",
    "correct_solution"}; the inputs are named answer-<id>, nonconformity-<id>
    and correct_solution-<id>. Answers are "met", "not_met", "na", or the
    number chosen on a scale. `errors` maps an input's name to its message,
    shown next to the parameter (without any script).

    Conditions (issue #23), decided by the caller on the server: only the
    parameters in `shown` (all by default) are on the form; a shown one not in
    `applies` is hidden until the answer it waits for is given (the line says
    which input and answer, for static/js/scorecards.js). Bonus parameters are
    listed apart at the end of their section.
    """
    answers = answers or {}
    errors = errors or {}
    program = outline.scorecard.program
    binary = not outline.weighted  # the outline's mode: a shop's own, for a shop
    sections = []
    for s_number, s in enumerate(outline.sections, start=1):
        lines, bonus_lines = [], []
        for p_number, parameter in enumerate(s.parameters, start=1):
            if shown is not None and parameter.pk not in shown:
                continue
            given = answers.get(parameter.pk, {})
            choices = _ms_choices(parameter, binary, str(given.get("answer", "")))
            watched = parameter.condition_kind == ConditionKind.ANSWER
            (bonus_lines if parameter.is_bonus else lines).append(
                MsLine(
                    parameter=parameter,
                    number=f"{s_number}.{p_number}",
                    answer_name=f"answer-{parameter.pk}",
                    nonconformity_name=f"nonconformity-{parameter.pk}",
                    correct_solution_name=f"correct_solution-{parameter.pk}",
                    choices=choices,
                    nonconformity=given.get("nonconformity", ""),
                    correct_solution=given.get("correct_solution", ""),
                    not_met=any(c.checked and c.not_met for c in choices),
                    answer_error=errors.get(f"answer-{parameter.pk}", ""),
                    nonconformity_error=errors.get(f"nonconformity-{parameter.pk}", ""),
                    correct_solution_error=errors.get(f"correct_solution-{parameter.pk}", ""),
                    applies=applies is None or parameter.pk in applies,
                    when_answer_name=(
                        f"answer-{parameter.condition_parameter_id}" if watched else ""
                    ),
                    when_answer=parameter.condition_answer if watched else "",
                )
            )
        if lines or bonus_lines:
            sections.append(MsSection(s.section, s_number, lines, bonus_lines))
    return MsForm(outline.scorecard, program.form_code_ms_form, binary, sections)


HISTORY_LIMIT = 200


def scorecard_history(*, program: Program, channel_id: int) -> list[HistoryEntry]:
    """Every recorded change of the channel's scorecard versions, newest first:
    who created, renamed, published, retired or discarded which version. Two queries."""
    records = Scorecard.history.filter(program=program, channel_id=channel_id)
    return history_entries(
        records,
        limit=HISTORY_LIMIT,
        fields=model_fields(records.model, only=("name", "status", "change_note")),
        skip_unchanged=True,  # e.g. a save that changed nothing shown here
    )
