"""Writes of the review side of a shop: the supervisor's step, return, finalize,
audited revisions, disputes and the high-impact flag."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import (
    Parameter,
    Team,
    User,
)
from scoring.models import (
    Dispute,
    DisputeStatus,
    ReviewAction,
    ReviewEvent,
    Revision,
    Shop,
    ShopState,
)
from scoring.services.form import (
    EXECUTION_FIELDS,
    AnswerInput,
    ShopInput,
    _apply,
    plan_status_follow,
    rescore,
    submit_errors,
)
from scoring.signals import shop_finalized


@transaction.atomic
def shop_forward(*, shop: Shop, user: User, comment: str = "") -> Shop:
    """The supervisor passes a team leader's form on to the QC analyst (TLK-5.3.4).
    When the team leader's teams name a supervisor, only that supervisor may."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    if shop.state != ShopState.SUPERVISOR_REVIEW:
        raise ValidationError(_("This shop is not waiting for the supervisor."))
    supervisors = set(
        Team.objects.filter(program_id=shop.program_id, team_leader_id=shop.shopper_id)
        .exclude(supervisor=None)
        .values_list("supervisor_id", flat=True)
    )
    if supervisors and user.pk not in supervisors:
        raise ValidationError(
            _("Only the supervisor of the team leader's team passes this form on.")
        )
    shop.state = ShopState.SUBMITTED
    shop.save()
    ReviewEvent.objects.create(shop=shop, action=ReviewAction.FORWARD, by=user, comment=comment)
    return shop


@transaction.atomic
def shop_return(*, shop: Shop, user: User, comment: str) -> Shop:
    """The analyst sends the form back to the shopper with what to fix."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the shopper should correct.")})
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    if shop.state not in {ShopState.SUBMITTED, ShopState.SUPERVISOR_REVIEW}:
        raise ValidationError(_("Only a submitted shop can be returned."))
    shop.state = ShopState.RETURNED
    shop.version += 1
    shop.save()
    plan_status_follow(shop)
    ReviewEvent.objects.create(
        shop=shop, action=ReviewAction.RETURN, by=user, comment=comment.strip()
    )
    return shop


@transaction.atomic
def shop_finalize(*, shop: Shop, user: User, comment: str = "") -> Shop:
    """Accept the form: the shop becomes final and read-only; followers are told."""
    shop = Shop.objects.select_for_update().select_related("program", "scorecard").get(pk=shop.pk)
    if shop.state == ShopState.FINALIZED:
        return shop
    if shop.state != ShopState.SUBMITTED:
        raise ValidationError(_("Only a submitted shop can be finalized."))
    rescore(shop)
    shop.state = ShopState.FINALIZED
    shop.finalized_at = timezone.now()
    shop.finalized_by = user
    shop.version += 1
    shop.save()
    plan_status_follow(shop)
    ReviewEvent.objects.create(shop=shop, action=ReviewAction.FINALIZE, by=user, comment=comment)
    transaction.on_commit(lambda: shop_finalized.send(sender=Shop, shop=shop))
    return shop


def _snapshot(shop: Shop) -> dict:
    return {
        "score": str(shop.score) if shop.score is not None else None,
        "answers": {
            str(a.parameter_id): [a.value, a.nonconformity, a.correct_solution]
            for a in shop.answers.order_by("parameter_id")
        },
    }


@transaction.atomic
def shop_revise(
    *, shop: Shop, user: User, reason: str, answers: dict[int, AnswerInput]
) -> Revision:
    """Correct a finalized shop: an audited revision with its reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the finalized shop is corrected.")})
    shop = Shop.objects.select_for_update().select_related("program", "scorecard").get(pk=shop.pk)
    if shop.state != ShopState.FINALIZED:
        raise ValidationError(_("Only a finalized shop is corrected by revision."))
    before = _snapshot(shop)
    data = ShopInput(**{name: getattr(shop, name) for name in EXECUTION_FIELDS})
    current = {
        a.parameter_id: AnswerInput(a.value, a.nonconformity, a.correct_solution)
        for a in shop.answers.all()
    }
    data.answers = {**current, **answers}
    _apply(shop, data)
    errors = {
        k: v
        for k, v in submit_errors(shop).items()
        if k.startswith(("answer-", "nonconformity-", "correct_solution-"))
    }
    if errors:
        raise ValidationError(errors)
    rescore(shop)
    shop.version += 1
    shop.save()
    revision = Revision.objects.create(
        shop=shop,
        number=shop.revisions.count() + 1,
        reason=reason.strip(),
        by=user,
        before=before,
        after=_snapshot(shop),
    )
    ReviewEvent.objects.create(
        shop=shop, action=ReviewAction.REVISE, by=user, comment=reason.strip()
    )
    transaction.on_commit(lambda: shop_finalized.send(sender=Shop, shop=shop))
    return revision


def team_leader_of(shop: Shop) -> User | None:
    if not shop.agent_id:
        return None
    team = Team.objects.filter(agents=shop.agent_id).select_related("team_leader").first()
    return team.team_leader if team else None


@transaction.atomic
def dispute_open(*, shop: Shop, parameter: Parameter, user: User, reason: str) -> Dispute:
    """A team leader disputes one parameter of their agent's finalized shop."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you dispute this parameter.")})
    if shop.state != ShopState.FINALIZED:
        raise ValidationError(_("Only a finalized shop can be disputed."))
    if team_leader_of(shop) != user:
        raise PermissionDenied
    window = timedelta(days=shop.program.dispute_window_days)
    if timezone.now() > shop.finalized_at + window:
        raise ValidationError(
            _("The dispute window of %(days)s days after finalizing has passed.")
            % {"days": shop.program.dispute_window_days}
        )
    if parameter.section.scorecard_id != shop.scorecard_id:
        raise ValidationError({"parameter": _("Choose a parameter of this shop's form.")})
    if Dispute.objects.filter(shop=shop, parameter=parameter, status=DisputeStatus.OPEN).exists():
        raise ValidationError({"parameter": _("This parameter is disputed already.")})
    return Dispute.objects.create(
        shop=shop, parameter=parameter, raised_by=user, reason=reason.strip()
    )


@transaction.atomic
def dispute_resolve(
    *,
    dispute: Dispute,
    user: User,
    keep: bool,
    comment: str,
    new_answer: AnswerInput | None = None,
) -> Dispute:
    """The analyst keeps the score or changes it (by revision); both are audited."""
    dispute = Dispute.objects.select_for_update().select_related("shop").get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError(_("This dispute is resolved already."))
    if not comment.strip():
        raise ValidationError({"comment": _("Explain the decision.")})
    if not keep:
        if new_answer is None:
            raise ValidationError({"value": _("Give the new answer.")})
        shop_revise(
            shop=dispute.shop,
            user=user,
            reason=_("Dispute: %(comment)s") % {"comment": comment.strip()},
            answers={dispute.parameter_id: new_answer},
        )
    dispute.status = DisputeStatus.KEPT if keep else DisputeStatus.CHANGED
    dispute.resolution = comment.strip()
    dispute.resolved_by = user
    dispute.resolved_at = timezone.now()
    dispute.save()
    return dispute


def shop_set_high_impact(*, shop: Shop, high_impact: bool) -> Shop:
    """Flag a case with a large customer impact (PGD-4.8: it calls for a
    calibration; followup listens to the save). Audited in the shop's history."""
    shop.high_impact = high_impact
    shop.save(update_fields=["high_impact", "updated_at"])
    return shop


# --- Evidence files ---------------------------------------------------------------
