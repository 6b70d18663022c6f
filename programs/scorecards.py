"""Scorecard versions: create, copy into a new draft, publish (PGD-2.1, 4.1).

A published scorecard never changes; editing means a new draft version.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.models import (
    AnswerType,
    Channel,
    Parameter,
    Program,
    Scorecard,
    ScorecardStatus,
    ScoringMode,
    Section,
    User,
)


def scorecard_problems(scorecard: Scorecard) -> list[str]:
    """What stops a draft from being published; empty when it can be."""
    problems = []
    sections = list(scorecard.sections.prefetch_related("parameters"))
    if not sections:
        problems.append(_("Add at least one section."))
    weighted = scorecard.program.scoring_mode == "weighted"
    for section in sections:
        parameters = list(section.parameters.all())
        if not parameters:
            problems.append(_("Section %(name)s has no parameter.") % {"name": section.name})
        elif weighted and not any(p.weight > 0 for p in parameters):
            problems.append(
                _("Section %(name)s needs a parameter with a weight above 0.")
                % {"name": section.name}
            )
    return problems


@transaction.atomic
def scorecard_publish(
    *, scorecard: Scorecard, user: User | None, change_note: str = ""
) -> Scorecard:
    """Publish a draft: it becomes the channel's scorecard and the previous
    published version is retired. A published version never changes again."""
    scorecard = (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=scorecard.pk)
    )
    if scorecard.status != ScorecardStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    problems = scorecard_problems(scorecard)
    if problems:
        raise ValidationError(problems)
    # Saved one by one (there is at most one) so the retirement is in the history.
    for previous in Scorecard.objects.filter(
        program=scorecard.program, channel=scorecard.channel, status=ScorecardStatus.PUBLISHED
    ):
        previous.status = ScorecardStatus.RETIRED
        previous.save(update_fields=["status"])
    scorecard.status = ScorecardStatus.PUBLISHED
    scorecard.published_at = timezone.now()
    scorecard.published_by = user
    if change_note:
        scorecard.change_note = change_note
    scorecard.save()
    return scorecard


@transaction.atomic
def scorecard_new_version(*, scorecard: Scorecard, user: User | None = None) -> Scorecard:
    """A draft copy of `scorecard` (sections and parameters) as the next version.

    If the channel already has a draft, that draft is returned unchanged: there
    is one draft per channel at a time.
    """
    # Lock the channel's versions: two managers clicking "Edit" at once get the
    # same draft instead of the second one failing on the one-draft constraint.
    versions = Scorecard.objects.filter(program=scorecard.program_id, channel=scorecard.channel_id)
    list(versions.select_for_update())
    existing = versions.filter(status=ScorecardStatus.DRAFT).first()
    if existing:
        return existing
    last = Scorecard.objects.filter(
        program=scorecard.program_id, channel=scorecard.channel_id
    ).aggregate(v=Max("version"))["v"]
    draft = Scorecard.objects.create(
        program_id=scorecard.program_id,
        channel_id=scorecard.channel_id,
        name=scorecard.name,
        version=(last or 0) + 1,
    )
    sections = scorecard.sections.prefetch_related("parameters")
    for section in sections:
        parameters = list(section.parameters.all())
        section.pk = None
        section.scorecard = draft
        section.save()
        for parameter in parameters:
            parameter.pk = None
            parameter.section = section
            parameter.save()
    return draft


@transaction.atomic
def scorecard_create(*, program: Program, channel: Channel, name: str) -> Scorecard:
    """A first (empty) draft for a channel that has no scorecard yet."""
    if channel.program_id != program.pk:
        raise ValidationError(_("Choose a channel of this program."))
    if Scorecard.objects.filter(program=program, channel=channel).exists():
        raise ValidationError(
            _("This channel already has a scorecard; edit it to create a new version.")
        )
    return Scorecard.objects.create(program=program, channel=channel, name=name)


# --- Editing a draft ---------------------------------------------------------
#
# Every edit locks the scorecard row and checks it is still a draft, so an edit
# racing a publish either lands before it or is refused: a published version
# never changes.


def _locked_draft(scorecard_id: int) -> Scorecard:
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard_id)
    if not scorecard.is_editable:
        raise ValidationError(
            _("Version %(version)s is not a draft: edit a new version instead.")
            % {"version": scorecard.version}
        )
    return scorecard


def _renumber(items: list, model) -> None:
    for order, item in enumerate(items):
        item.order = order
    # bulk_update skips the model's save(); the draft check was done by the caller.
    model.objects.bulk_update(items, ["order"])


def _move(items: list, item, step: int) -> list:
    """`items` (in their order) with `item` moved `step` places, clamped to the ends."""
    position = next(i for i, x in enumerate(items) if x.pk == item.pk)
    moved = items.pop(position)
    items.insert(max(0, min(len(items), position + step)), moved)
    return items


@transaction.atomic
def scorecard_rename(*, scorecard: Scorecard, name: str) -> Scorecard:
    """Change the name of a draft."""
    scorecard = _locked_draft(scorecard.pk)
    scorecard.name = name
    scorecard.full_clean()
    scorecard.save(update_fields=["name"])
    return scorecard


@transaction.atomic
def scorecard_discard(*, scorecard: Scorecard) -> None:
    """Delete a draft with its sections and parameters; published versions stay."""
    _locked_draft(scorecard.pk).delete()


@transaction.atomic
def section_save(*, section: Section) -> Section:
    """Add `section` (no pk: placed last) to its draft, or save its changes."""
    _locked_draft(section.scorecard_id)
    if section.pk is None:
        last = Section.objects.filter(scorecard=section.scorecard_id).aggregate(o=Max("order"))
        section.order = 0 if last["o"] is None else last["o"] + 1
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def section_delete(*, section: Section) -> None:
    """Remove a section and its parameters from a draft."""
    _locked_draft(section.scorecard_id)
    section.delete()
    _renumber(list(Section.objects.filter(scorecard=section.scorecard_id)), Section)


@transaction.atomic
def section_move(*, section: Section, step: int) -> None:
    """Move a section `step` places up (negative) or down in its draft."""
    _locked_draft(section.scorecard_id)
    siblings = list(Section.objects.filter(scorecard=section.scorecard_id))
    _renumber(_move(siblings, section, step), Section)


@transaction.atomic
def parameter_save(*, parameter: Parameter) -> Parameter:
    """Add `parameter` (no pk: placed last in its section) or save its changes."""
    _locked_draft(parameter.section.scorecard_id)
    if parameter.pk is None:
        last = Parameter.objects.filter(section=parameter.section_id).aggregate(o=Max("order"))
        parameter.order = 0 if last["o"] is None else last["o"] + 1
    parameter.full_clean()
    parameter.save()
    return parameter


@transaction.atomic
def parameter_delete(*, parameter: Parameter) -> None:
    """Remove a parameter from a draft."""
    _locked_draft(parameter.section.scorecard_id)
    parameter.delete()
    _renumber(list(Parameter.objects.filter(section=parameter.section_id)), Parameter)


@transaction.atomic
def parameter_move(*, parameter: Parameter, step: int) -> None:
    """Move a parameter `step` places up (negative) or down within its section."""
    _locked_draft(parameter.section.scorecard_id)
    siblings = list(Parameter.objects.filter(section=parameter.section_id))
    _renumber(_move(siblings, parameter, step), Parameter)


# --- Reading a version -------------------------------------------------------


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


def scorecard_outline(scorecard: Scorecard) -> ScorecardOutline:
    """Sections, parameters and weight totals of `scorecard`, in two queries
    (`scorecard.program` should already be loaded)."""
    sections = [
        SectionOutline(
            s, list(s.parameters.all()), sum((p.weight for p in s.parameters.all()), Decimal(0))
        )
        for s in scorecard.sections.prefetch_related("parameters")
    ]
    return ScorecardOutline(
        scorecard=scorecard,
        weighted=scorecard.program.scoring_mode == ScoringMode.WEIGHTED,
        sections=sections,
        total_weight=sum((s.total_weight for s in sections), Decimal(0)),
        parameter_count=sum(len(s.parameters) for s in sections),
    )


# --- The MS form (F-31) as the shopper fills it ----------------------------------

MET, NOT_MET, NOT_APPLICABLE = "met", "not_met", "na"


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


@dataclass(frozen=True)
class MsSection:
    section: Section
    number: int
    lines: list[MsLine]


@dataclass(frozen=True)
class MsForm:
    """What programs/scorecards/_ms_form.html renders."""

    scorecard: Scorecard
    form_code: str
    binary: bool
    sections: list[MsSection]


def _ms_choices(parameter: Parameter, binary: bool, answer: str) -> list[tuple]:
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
    return [MsChoice(v, label, hint, not_met, v == answer) for v, label, hint, not_met in choices]


def ms_form(
    outline: ScorecardOutline,
    *,
    answers: Mapping[int, Mapping[str, str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> MsForm:
    """The shopper's form for a version (F-31, TLK-5.3.3, TLK-5.6.1).

    `answers` maps a parameter id to {"answer", "nonconformity",
    "correct_solution"}; the inputs are named answer-<id>, nonconformity-<id>
    and correct_solution-<id>. Answers are "met", "not_met", "na", or the
    number chosen on a scale. `errors` maps an input's name to its message,
    shown next to the parameter (without any script).
    """
    answers = answers or {}
    errors = errors or {}
    program = outline.scorecard.program
    binary = program.scoring_mode == ScoringMode.BINARY
    sections = []
    for s_number, s in enumerate(outline.sections, start=1):
        lines = []
        for p_number, parameter in enumerate(s.parameters, start=1):
            given = answers.get(parameter.pk, {})
            choices = _ms_choices(parameter, binary, str(given.get("answer", "")))
            lines.append(
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
                )
            )
        sections.append(MsSection(s.section, s_number, lines))
    return MsForm(outline.scorecard, program.form_code_ms_form, binary, sections)


# --- Version history ---------------------------------------------------------


@dataclass(frozen=True)
class HistoryChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    user: User | None
    version: int
    action: str  # "+" created, "~" changed, "-" deleted (simple-history's codes)
    changes: list[HistoryChange]


_HISTORY_FIELDS = ("name", "status", "change_note")


def _history_value(record, field: str) -> str:
    value = getattr(record, field)
    if field == "status":
        return str(ScorecardStatus(value).label)
    return value or ""


def scorecard_history(*, program: Program, channel_id: int) -> list[HistoryEntry]:
    """Every recorded change of the channel's scorecard versions, newest first:
    who created, renamed, published, retired or discarded which version. One query."""
    records = (
        Scorecard.history.filter(program=program, channel_id=channel_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous: dict[int, object] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        changes = []
        if record.history_type == "~" and before is not None:
            for field in _HISTORY_FIELDS:
                old, new = _history_value(before, field), _history_value(record, field)
                if old != new:
                    label = Scorecard._meta.get_field(field).verbose_name
                    changes.append(HistoryChange(str(label), old, new))
            if not changes:
                previous[record.id] = record
                continue  # e.g. a save that changed nothing shown here
        previous[record.id] = record
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                version=record.version,
                action=record.history_type,
                changes=changes,
            )
        )
    entries.reverse()
    return entries
