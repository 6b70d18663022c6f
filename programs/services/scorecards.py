"""Scorecard versions: create, copy into a new draft, publish (PGD-2.1, 4.1).

A published scorecard never changes; editing means a new draft version.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import (
    Channel,
    Parameter,
    Program,
    Scorecard,
    ScorecardStatus,
    Section,
    User,
)
from programs.selectors.scorecards import scorecard_problems


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
    copies: dict[int, Parameter] = {}  # old parameter id -> its copy in the draft
    for section in sections:
        parameters = list(section.parameters.all())
        section.pk = None
        section.scorecard = draft
        section.save()
        for parameter in parameters:
            old_pk = parameter.pk
            parameter.pk = None
            parameter.section = section
            parameter.save()
            copies[old_pk] = parameter
    # "If 2.1 is met" points at the draft's own 2.1, not at the old version's.
    for parameter in copies.values():
        if parameter.condition_parameter_id:
            parameter.condition_parameter = copies.get(parameter.condition_parameter_id)
            parameter.save(update_fields=["condition_parameter"])
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


# --- The MS form (F-31) as the shopper fills it ----------------------------------


# --- Version history ---------------------------------------------------------
