"""Scorecard versions: create, copy into a new draft, publish (PGD-2.1, 4.1).

A published scorecard never changes; editing means a new draft version.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Channel, Program, Scorecard, ScorecardStatus, User


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
        Scorecard.objects.select_for_update().select_related("program").get(pk=scorecard.pk)
    )
    if scorecard.status != ScorecardStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    problems = scorecard_problems(scorecard)
    if problems:
        raise ValidationError(problems)
    Scorecard.objects.filter(
        program=scorecard.program, channel=scorecard.channel, status=ScorecardStatus.PUBLISHED
    ).update(status=ScorecardStatus.RETIRED)
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
    existing = Scorecard.objects.filter(
        program=scorecard.program_id, channel=scorecard.channel_id, status=ScorecardStatus.DRAFT
    ).first()
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
