"""Writes of the program set-up: programs from presets, formsets of its tables.

Keyword-only, typed, atomic; views, commands and tests all call these.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from programs.models import (
    Channel,
    CoachingRule,
    ContactReason,
    DocumentRevision,
    InteractionCategory,
    Membership,
    Organization,
    Parameter,
    Program,
    RetentionRule,
    Role,
    Scorecard,
    Section,
    TimeBand,
    TimeSlot,
    User,
)
from programs.presets import PRESETS
from programs.services.scorecards import scorecard_publish


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
    # Before the scorecards: a conditional parameter names reasons (issue #23).
    reasons = {
        r.name: r
        for r in ContactReason.objects.bulk_create(
            ContactReason(program=program, name=n, category=categories[c])
            for n, c in preset["reasons"]
        )
    }
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
                parameter = dict(parameter)
                if when := parameter.pop("when", None):
                    kind, keys = when
                    found = reasons if kind == "reason" else categories
                    parameter["condition_kind"] = kind
                    parameter["condition_ids"] = sorted(found[key].pk for key in keys)
                Parameter.objects.create(section=s, order=p_order, **parameter)
        scorecard_publish(
            scorecard=scorecard, user=user, change_note=gettext_noop("From the preset.")
        )
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
    return program


@transaction.atomic
def program_create_from_preset(
    *, user: User, preset: str, organization: Organization, code: str, name: str
) -> Program:
    """A new program from a preset; its creator becomes its manager (Accountable)."""
    program = preset_load(key=preset, organization=organization, code=code, name=name, user=user)
    Membership.objects.create(user=user, program=program, role=Role.MANAGER)
    return program


def formset_save(formset) -> None:
    """Save a formset of program rows in one transaction.

    A row that other records still use cannot be deleted: the whole save is
    undone and the formset gets an error naming the row.
    """
    try:
        with transaction.atomic():
            formset.save()
    except ProtectedError as exc:
        used = ", ".join(sorted({str(obj) for obj in exc.protected_objects})[:5])
        raise ValidationError(
            _("Some rows are still in use and cannot be deleted (used by: %(used)s).")
            % {"used": used}
        ) from exc
