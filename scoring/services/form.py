"""Writes of the scoring form: a shop from start to submission, its answers and
its evidence. Views, tasks and tests call these; none re-implements them."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from sampling.models import PlannedShop, PlanStatus, ShopStatus
from scoring import engine
from scoring.models import (
    Answer,
    Evidence,
    ReviewAction,
    ReviewEvent,
    Shop,
    ShopState,
)


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


def parameter_specs(scorecard: Scorecard) -> list[engine.ParameterSpec]:
    return [
        engine.ParameterSpec(
            id=p.pk,
            section=p.section.code,
            weight=p.weight,
            scale_max=p.scale_max if p.answer_type == "scale" else None,
            critical_type=p.critical_type,
            critical_scope=p.critical_scope,
        )
        for p in Parameter.objects.filter(section__scorecard=scorecard)
        .select_related("section")
        .order_by("section__order", "order", "pk")
    ]


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
    shop = Shop.objects.create(
        planned_shop=planned_shop,
        program_id=planned_shop.plan.program_id,
        scorecard=scorecard_for(planned_shop),
        scoring_mode=planned_shop.plan.program.scoring_mode,
        shopper=user,
        channel=planned_shop.channel,
    )
    plan_status_follow(shop)
    return shop


# Where the planned shop stands, from its form's state: the plan, the progress
# page and the agendas read it (a draft is not done; a submitted form is shown apart).
PLAN_STATUS_OF = {
    ShopState.DRAFT: ShopStatus.STARTED,
    ShopState.RETURNED: ShopStatus.STARTED,
    ShopState.SUPERVISOR_REVIEW: ShopStatus.SUBMITTED,
    ShopState.SUBMITTED: ShopStatus.SUBMITTED,
    ShopState.FINALIZED: ShopStatus.DONE,
}


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


def shop_score(shop: Shop, answers: dict[int, str]) -> engine.ScoreResult:
    """Score `answers` under the rules the shop is scored with: its own
    scorecard version and its own scoring mode, never the program's current
    mode. Revisions, finalizing and calibration ratings all score through it."""
    return engine.compute(parameter_specs(shop.scorecard), answers, shop.scoring_mode)


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
    answers = {a.parameter_id: a for a in shop.answers.all()}
    for spec in parameter_specs(shop.scorecard):
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
    via_supervisor = (
        shop.program.team_leader_forms_via_supervisor
        and shop.program.memberships.filter(user=user, role=Role.TEAM_LEADER).exists()
    )
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


EVIDENCE_MAX_BYTES = 25 * 1024 * 1024

SIGNATURES = [  # (what the file starts with, offset, content type)
    (b"%PDF", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"WEBP", 8, "image/webp"),
    (b"WAVE", 8, "audio/wav"),
    (b"ID3", 0, "audio/mpeg"),
    (b"\xff\xfb", 0, "audio/mpeg"),
    (b"\xff\xf3", 0, "audio/mpeg"),
    (b"OggS", 0, "audio/ogg"),
    (b"ftyp", 4, "audio/mp4"),
]


def sniff(head: bytes) -> str | None:
    """The content type a file's first bytes show; plain UTF-8 text counts too."""
    for magic, offset, content_type in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a cut multi-byte character
                return None
        return "text/plain"
    return None


@transaction.atomic
def evidence_add(*, shop: Shop, user: User, upload, kind: str) -> Evidence:
    """Attach a file, checked by its content (not its name) and size."""
    if shop.shopper_id != user.pk or not shop.is_editable_by_shopper:
        raise PermissionDenied
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 25 MB.")})
    head = upload.read(512)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "This kind of file is not accepted: use a recording (MP3, WAV, M4A, "
                    "OGG), a screenshot (PNG, JPEG, WebP), a PDF or a text transcript."
                )
            }
        )
    evidence = Evidence(
        shop=shop,
        kind=kind,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence
