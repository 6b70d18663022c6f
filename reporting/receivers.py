"""reporting listens to the earlier stages' events (they never import reporting)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import members, notify_each
from programs.models import Role
from sampling.models import PlanStatus, SamplePlan
from sampling.signals import plan_generated


def on_plan_generated(sender, plan: SamplePlan, user=None, **kwargs) -> int:
    """Tell the program's managers that a draft plan waits for their approval
    (the manager approves the schedule). Once per program and month."""
    plan = SamplePlan.objects.select_related("program").filter(pk=plan.pk).first()
    if plan is None or plan.status != PlanStatus.DRAFT:
        return 0  # approved in the same breath (the demo, the bench) or gone
    program, month = plan.program, f"{plan.month:%Y-%m}"
    by = (user.get_full_name() or user.email) if user else _("the system")
    return notify_each(
        members(program, Role.MANAGER),
        kind=Kind.PLAN_TO_APPROVE,
        # Once a month, however often it is regenerated; settled by plan_approve.
        occasion=f"{program.pk}:{month}",
        program=program,
        url=reverse("plan_detail", args=[program.code, month]),
        message=lambda u: (
            _("The %(month)s sample plan of %(program)s waits for your approval")
            % {"month": month, "program": program.name},
            _(
                "%(name)s generated it (%(n)s shops). Check the strata and the schedule, "
                "then approve it from the plan page."
            )
            % {"name": by, "n": plan.shops.count()},
        ),
    )


def connect() -> None:
    plan_generated.connect(on_plan_generated, dispatch_uid="reporting.plan_generated")
