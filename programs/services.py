"""Writes of the programs app: presets, scorecard versions, memberships.

Keyword-only, typed, atomic; views, commands and tests all call these.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Channel,
    CoachingRule,
    ContactReason,
    DocumentRevision,
    InteractionCategory,
    Organization,
    Parameter,
    Program,
    RetentionRule,
    Scorecard,
    ScorecardStatus,
    Section,
    TimeBand,
    TimeSlot,
    User,
)
from .presets import PRESETS


@transaction.atomic
def preset_load(
    *,
    key: str,
    organization: Organization,
    code: str | None = None,
    name: str | None = None,
    user: User | None = None,
) -> Program:
    """Create a complete program from a preset: rules, bands, slots, channels,
    published scorecards, retention, change log, coaching rules, reasons."""
    try:
        preset = PRESETS[key]
    except KeyError:
        raise ValidationError(_("Unknown preset: %(key)s") % {"key": key}) from None
    program = Program(
        organization=organization,
        code=code or preset["code"],
        name=name or preset["label"],
        preset=key,
        **preset["program"],
    )
    program.full_clean()
    program.save()

    categories = {
        c: InteractionCategory.objects.create(program=program, code=c, name=n, order=i)
        for i, (c, n) in enumerate(preset["categories"])
    }
    bands = {
        c: TimeBand.objects.create(
            program=program, code=c, name=n, start_hour=start, end_hour=end, order=i
        )
        for i, (c, n, start, end) in enumerate(preset["bands"])
    }
    for band_code, start, end in preset["slots"]:
        slot = TimeSlot(program=program, band=bands[band_code], start=start, end=end)
        slot.full_clean()
        slot.save()
    channels = {}
    for c, n, kind, children in preset["channels"]:
        parent = Channel.objects.create(program=program, code=c, name=n, kind=kind)
        channels[c] = parent
        for child_code, child_name in children:
            Channel.objects.create(
                program=program,
                code=f"{c}-{child_code}",
                name=child_name,
                kind=kind,
                parent=parent,
            )
    for channel_code, title, sections in preset["scorecards"]:
        scorecard = Scorecard.objects.create(
            program=program, channel=channels[channel_code], name=title
        )
        for order, section in enumerate(sections):
            s = Section.objects.create(
                scorecard=scorecard,
                code=section["code"],
                name=section["name"],
                kpi=section["kpi"],
                order=order,
            )
            for p_order, parameter in enumerate(section["parameters"]):
                Parameter.objects.create(section=s, order=p_order, **parameter)
        scorecard_publish(scorecard=scorecard, user=user, change_note=_("From the preset."))
    RetentionRule.objects.bulk_create(
        RetentionRule(program=program, record_type=t, years=y)
        for t, y in preset["retention"].items()
    )
    DocumentRevision.objects.bulk_create(
        DocumentRevision(program=program, revision=r, effective_date=d, description=text)
        for r, d, text in preset["revisions"]
    )
    for order, rule in enumerate(preset["coaching_rules"]):
        rule = CoachingRule(program=program, order=order, **rule)
        rule.full_clean()
        rule.save()
    ContactReason.objects.bulk_create(
        ContactReason(program=program, name=n, category=categories[c])
        for n, c in preset["reasons"]
    )
    return program


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
