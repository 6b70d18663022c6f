"""Writes of the scoring form: a shop from start to submission, its answers and
its evidence. Views, tasks and tests call these; none re-implements them."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import (
    Agent,
    Channel,
    Parameter,
    Role,
    Scorecard,
    ScorecardStatus,
    User,
)
from programs.workdays import add_working_days
from sampling.models import PlannedShop, PlanStatus, ShopStatus
from scoring import engine
from scoring.models import (
    Answer,
    ReviewAction,
    ReviewEvent,
    Shop,
    ShopState,
)
from scoring.services.evidence import evidence_missing


class StaleEdit(Exception):
    """Someone else saved the shop since this form was loaded."""


@dataclass
class AnswerInput:
    value: str = ""
    nonconformity: str = ""
    correct_solution: str = ""


@dataclass
class ShopInput:
    """What a shopper types into the execution record and the MS form."""

    executed_at: datetime | None = None
    channel_id: int | None = None
    contact_handle: str = ""
    agent_id: int | None = None
    agent_not_identified: bool = False
    interaction_id: str = ""
    duration_seconds: int | None = None
    recognised: str = ""
    notes: str = ""
    time_deviation_reason: str = ""
    answers: dict[int, AnswerInput] = field(default_factory=dict)


EXECUTION_FIELDS = [
    "executed_at",
    "channel_id",
    "contact_handle",
    "agent_id",
    "agent_not_identified",
    "interaction_id",
    "duration_seconds",
    "recognised",
    "notes",
    "time_deviation_reason",
]


def scorecard_for(planned_shop: PlannedShop) -> Scorecard:
    """The published scorecard of the shop's channel (or of the channel it is part of)."""
    channel = planned_shop.channel
    for channel_id in [channel.pk, channel.parent_id]:
        if channel_id is None:
            continue
        scorecard = Scorecard.objects.filter(
            program_id=planned_shop.plan.program_id,
            channel_id=channel_id,
            status=ScorecardStatus.PUBLISHED,
        ).first()
        if scorecard:
            return scorecard
    raise ValidationError(
        _("The channel %(channel)s has no published scorecard: ask the manager to publish one.")
        % {"channel": channel.name}
    )


def _condition(p: Parameter) -> engine.Condition | None:
    if not p.condition_kind:
        return None
    if p.condition_kind == engine.ANSWER:
        return engine.Condition(
            engine.ANSWER, parameter=p.condition_parameter_id, answer=p.condition_answer
        )
    return engine.Condition(p.condition_kind, frozenset(p.condition_ids))


def parameter_spec(p: Parameter) -> engine.ParameterSpec:
    """What the engine needs of a parameter (`p.section` loaded)."""
    return engine.ParameterSpec(
        id=p.pk,
        section=p.section.code,
        weight=p.weight,
        scale_max=p.scale_max if p.answer_type == "scale" else None,
        critical_type=p.critical_type,
        critical_scope=p.critical_scope,
        bonus=p.is_bonus,
        condition=_condition(p),
    )


def parameter_specs(scorecard: Scorecard) -> list[engine.ParameterSpec]:
    return [
        parameter_spec(p)
        for p in Parameter.objects.filter(section__scorecard=scorecard)
        .select_related("section")
        .order_by("section__order", "order", "pk")
    ]


def shop_context(shop: Shop) -> dict[str, frozenset[int]]:
    """What the parameters' conditions look at (issue #23), from the planned
    shop: its scenario, its reason (the scenario's, else its stratum's), that
    reason's interaction category and its channel (with the channel it is part
    of). Decided here, on the server, never by the browser."""
    planned = PlannedShop.objects.select_related(
        "scenario__reason", "stratum__reason", "channel"
    ).get(pk=shop.planned_shop_id)
    reason = planned.scenario.reason if planned.scenario_id else planned.stratum.reason
    return {
        "scenario": frozenset({planned.scenario_id} - {None}),
        "reason": frozenset({reason.pk}),
        "category": frozenset({reason.category_id}),
        "channel": frozenset({planned.channel_id, planned.channel.parent_id} - {None}),
    }


@transaction.atomic
def shop_start(*, planned_shop: PlannedShop, user: User) -> Shop:
    """Open the MS form of a planned shop; a second call returns the same shop."""
    planned_shop = (
        PlannedShop.objects.select_for_update()
        .select_related("plan", "channel")
        .get(pk=planned_shop.pk)
    )
    existing = Shop.objects.filter(planned_shop=planned_shop).first()
    if existing:
        return existing
    if planned_shop.plan.status != PlanStatus.APPROVED:
        raise ValidationError(_("The plan of this shop is not approved yet."))
    if planned_shop.shopper_id != user.pk:
        raise PermissionDenied
    # The shop keeps the rules it starts with: the published scorecard version
    # and the program's scoring mode of this moment (a later change of either
    # applies to new shops only).
    program = planned_shop.plan.program
    shop = Shop.objects.create(
        planned_shop=planned_shop,
        program_id=program.pk,
        scorecard=scorecard_for(planned_shop),
        scoring_mode=program.scoring_mode,
        shopper=user,
        channel=planned_shop.channel,
        handin_due=handin_due(program, user, planned_shop.date),
    )
    plan_status_follow(shop)
    return shop


# Where the planned shop stands, from its form's state: the plan, the progress
# page and the agendas read it (a draft is not done; a submitted form is shown apart).
PLAN_STATUS_OF = {
    ShopState.DRAFT: ShopStatus.STARTED,
    ShopState.RETURNED: ShopStatus.RETURNED,
    ShopState.SUPERVISOR_REVIEW: ShopStatus.SUBMITTED,
    ShopState.SUBMITTED: ShopStatus.SUBMITTED,
    ShopState.FINALIZED: ShopStatus.DONE,
}


def _filled_by(program, user: User, roles) -> bool:
    return (
        program.team_leader_forms_via_supervisor
        and program.memberships.filter(user=user, role__in=roles).exists()
    )


def goes_via_supervisor(program, user: User) -> bool:
    """TLK-5.3.4: a form filled by a team leader goes to the service
    supervisor before the QC analyst, when the program says so."""
    return _filled_by(program, user, [Role.TEAM_LEADER])


def handin_due(program, user: User, day: date) -> date | None:
    """The day a form by a team leader or supervisor is handed in by (TLK-5.3.4:
    "by a set date"): the shop's day plus the program's hand-in working days;
    None for the shoppers' forms."""
    if not _filled_by(program, user, [Role.TEAM_LEADER, Role.SUPERVISOR]):
        return None
    return add_working_days(program, day, program.supervisor_handin_days)


def time_deviation(shop: Shop) -> int | None:
    """Minutes the contact started outside its planned day and slot, read in
    the program's zone (0 inside it, rounded up outside it); None before the
    start is known (TLK-5.3.1)."""
    if shop.executed_at is None:
        return None
    planned = shop.planned_shop
    zone = shop.program.zone
    start = datetime.combine(planned.date, planned.slot.start, zone)
    end = datetime.combine(planned.date, planned.slot.end, zone)
    if end <= start:  # a night slot that ends after midnight
        end += timedelta(days=1)
    moment = shop.executed_at.astimezone(zone)
    if start <= moment <= end:
        return 0
    off = (start - moment) if moment < start else (moment - end)
    return math.ceil(off.total_seconds() / 60)


def needs_deviation_reason(shop: Shop) -> bool:
    minutes = shop.time_deviation_minutes
    return minutes is not None and minutes > shop.program.contact_time_tolerance_minutes


def plan_status_follow(shop: Shop) -> None:
    """Set the planned shop's status from the form's state."""
    PlannedShop.objects.filter(pk=shop.planned_shop_id).update(status=PLAN_STATUS_OF[shop.state])


def _claim(shop: Shop, version: int) -> None:
    """Raise the version if nobody saved since `version` was read; else StaleEdit."""
    if not Shop.objects.filter(pk=shop.pk, version=version).update(version=F("version") + 1):
        raise StaleEdit
    shop.version = version + 1


def _apply(shop: Shop, data: ShopInput) -> None:
    for name in EXECUTION_FIELDS:
        setattr(shop, name, getattr(data, name))
    if (
        shop.agent_id
        and not Agent.objects.filter(pk=shop.agent_id, program=shop.program_id).exists()
    ):
        raise ValidationError({"agent_id": _("Choose an agent of this program.")})
    if (
        shop.channel_id
        and not Channel.objects.filter(pk=shop.channel_id, program=shop.program_id).exists()
    ):
        raise ValidationError({"channel_id": _("Choose a channel of this program.")})
    shop.time_deviation_minutes = time_deviation(shop)
    valid = set(
        Parameter.objects.filter(section__scorecard=shop.scorecard_id).values_list("pk", flat=True)
    )
    existing = {a.parameter_id: a for a in shop.answers.all()}
    for parameter_id, given in data.answers.items():
        if parameter_id not in valid:
            continue
        answer = existing.get(parameter_id) or Answer(shop=shop, parameter_id=parameter_id)
        answer.value = given.value.strip()
        answer.nonconformity = given.nonconformity.strip()
        answer.correct_solution = given.correct_solution.strip()
        answer.save()


def applying_parameters(shop: Shop) -> set[int]:
    """The ids of the parameters that apply to the shop with its stored
    answers (#23): what its page shows; the others counted as not applicable."""
    answers = dict(shop.answers.values_list("parameter_id", "value"))
    return engine.applying(parameter_specs(shop.scorecard), answers, shop_context(shop))


def shop_score(shop: Shop, answers: dict[int, str]) -> engine.ScoreResult:
    """Score `answers` under the rules the shop is scored with: its own
    scorecard version and its own scoring mode, never the program's current
    mode. Revisions, finalizing and calibration ratings all score through it."""
    return engine.compute(
        parameter_specs(shop.scorecard), answers, shop.scoring_mode, shop_context(shop)
    )


def rescore(shop: Shop) -> engine.ScoreResult:
    """Compute and store the shop's scores under its own rules (shop_score)."""
    answers = dict(shop.answers.values_list("parameter_id", "value"))
    result = shop_score(shop, answers)
    store_scores(shop, result)
    return result


def store_scores(shop: Shop, result: engine.ScoreResult) -> None:
    """The engine's result on the shop (not saved): the total and section scores
    rounded as reported, the critical failures as plain data."""
    shop.score = result.total_rounded
    shop.section_scores = {
        k: str(v) if v is not None else None for k, v in result.sections_rounded().items()
    }
    shop.critical_failures = [
        {"parameter": f.parameter, "type": f.critical_type, "scope": f.scope}
        for f in result.critical_failures
    ]


@transaction.atomic
def shop_save(*, shop: Shop, user: User, data: ShopInput, version: int) -> Shop:
    """Save a draft (autosave): nothing is required yet. Raises StaleEdit when
    someone else saved since the form was loaded."""
    shop = Shop.objects.select_for_update().select_related("program", "scorecard").get(pk=shop.pk)
    if not shop.is_editable_by_shopper:
        raise ValidationError(_("This shop was submitted and can no longer be edited here."))
    if shop.shopper_id != user.pk:
        raise PermissionDenied
    _claim(shop, version)
    _apply(shop, data)
    rescore(shop)
    shop.save()
    return shop


CLOCK_SKEW = timedelta(minutes=5)  # a shopper's clock a little ahead of the server's


def submit_errors(shop: Shop) -> dict[str, str]:
    """What stops a shop from being submitted: {field or 'answer-<id>': message}."""
    errors = {}
    if not shop.executed_at:
        errors["executed_at"] = _("Give the time the contact started.")
    elif shop.executed_at > timezone.now() + CLOCK_SKEW:
        errors["executed_at"] = _("The contact cannot have started in the future.")
    if not shop.channel_id:
        errors["channel_id"] = _("Choose the channel you used.")
    if not shop.agent_id and not shop.agent_not_identified:
        errors["agent_id"] = _("Choose the agent you reached, or tick 'agent not identified'.")
    if not shop.recognised:
        errors["recognised"] = _("Say whether the agent may have recognised you.")
    if needs_deviation_reason(shop) and not shop.time_deviation_reason.strip():
        errors["time_deviation_reason"] = _(
            "The contact started %(minutes)d minutes outside its planned slot (%(slot)s on "
            "%(day)s); say why (at most %(tolerance)d minutes are allowed without a reason)."
        ) % {
            "minutes": shop.time_deviation_minutes,
            "slot": shop.planned_shop.slot,
            "day": shop.planned_shop.date.isoformat(),
            "tolerance": shop.program.contact_time_tolerance_minutes,
        }
    if evidence_missing(shop):
        errors["evidence"] = _(
            "Attach the evidence of the contact (a recording or a screenshot): the "
            "channel %(channel)s needs it at submit."
        ) % {"channel": shop.channel.name}
    answers = {a.parameter_id: a for a in shop.answers.all()}
    specs = parameter_specs(shop.scorecard)
    # A parameter whose condition does not hold is not asked (issue #23).
    applies = engine.applying(
        specs, {pk: a.value for pk, a in answers.items()}, shop_context(shop)
    )
    for spec in specs:
        if spec.id not in applies:
            continue
        answer = answers.get(spec.id)
        value = answer.value if answer else ""
        key = f"answer-{spec.id}"
        try:
            engine.earned(spec, value)
        except ValueError:
            errors[key] = _("This answer is not valid.")
            continue
        if not value:
            errors[key] = _("Answer this parameter.")
        elif spec.bonus:
            continue  # a bonus not earned is no nonconformity
        elif value == engine.NOT_MET or (spec.scale_max and value == "0"):
            if not answer.nonconformity:
                errors[f"nonconformity-{spec.id}"] = _("Describe the nonconformity.")
            if not answer.correct_solution:
                errors[f"correct_solution-{spec.id}"] = _("Give the correct solution.")
    return errors


@transaction.atomic
def shop_submit(*, shop: Shop, user: User, version: int) -> Shop:
    """Hand the form in. A second submit (double click, two tabs) changes nothing."""
    shop = Shop.objects.select_for_update().select_related("program", "scorecard").get(pk=shop.pk)
    if shop.state in {ShopState.SUBMITTED, ShopState.SUPERVISOR_REVIEW, ShopState.FINALIZED}:
        return shop
    if shop.shopper_id != user.pk:
        raise PermissionDenied
    if shop.version != version:
        raise StaleEdit
    errors = submit_errors(shop)
    if errors:
        raise ValidationError(errors)
    rescore(shop)
    via_supervisor = goes_via_supervisor(shop.program, user)
    shop.state = ShopState.SUPERVISOR_REVIEW if via_supervisor else ShopState.SUBMITTED
    shop.submitted_at = timezone.now()
    shop.version += 1
    shop.save()
    plan_status_follow(shop)
    ReviewEvent.objects.create(shop=shop, action=ReviewAction.SUBMIT, by=user)
    return shop


@transaction.atomic
def shop_not_executed(
    *, planned_shop: PlannedShop, user: User, reason: str, note: str = ""
) -> None:
    """The contact could not be made: the planned shop goes back for rescheduling."""
    planned_shop = (
        PlannedShop.objects.select_for_update().select_related("plan").get(pk=planned_shop.pk)
    )
    if planned_shop.shopper_id != user.pk:
        raise PermissionDenied
    if planned_shop.plan.status != PlanStatus.APPROVED:
        raise ValidationError(_("The plan of this shop is not approved yet."))
    shop = Shop.objects.filter(planned_shop=planned_shop).first()
    if shop and not shop.is_editable_by_shopper:
        raise ValidationError(_("This shop was submitted already."))
    planned_shop.status = ShopStatus.RESCHEDULE
    planned_shop.change_reason = f"{reason}: {note}".strip(": ")
    planned_shop.save()
    if shop:
        ReviewEvent.objects.create(
            shop=shop,
            action=ReviewAction.NOT_EXECUTED,
            by=user,
            comment=planned_shop.change_reason,
        )
