"""The reminder sweeps (run by Celery beat, or by `manage.py run_reminders`).

Each sweep looks at the rows' own due times as of `now` in each program's time
zone and makes notifications through notify(), whose key (kind, occasion,
recipient) makes every reminder happen once, however often a sweep runs.
"""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from followup.models import (
    CalibrationSession,
    Defect,
    DefectStatus,
    FollowUp,
    FollowUpStatus,
    SessionStatus,
)
from notifications.models import Kind
from notifications.services import members, notify, notify_each
from programs.models import Program, Role, User
from programs.months import add_months
from programs.workdays import add_working_days
from reporting.dates import report_due_day
from reporting.services.reports import current_report, first_report_month
from sampling.models import ContactImport, PlannedShop, PlanStatus, SamplePlan, ShopStatus
from sampling.selectors import week_one_material
from sampling.services import previous_month
from scoring.models import Shop, ShopState

MORNING_HOUR = 6  # today's shops go out from 06:00 in the program's zone
WEEK_I_LAST_DAY = 7  # TLK-5.2.1.1: data and plan ready by the end of week I


def sweep_shops_today(program: Program, now: datetime) -> int:
    """Each shopper's shops of the day, in the morning of the program's zone."""
    local = timezone.localtime(now, program.zone)
    if local.hour < MORNING_HOUR:
        return 0
    shops = (
        PlannedShop.objects.filter(
            plan__program=program,
            plan__status=PlanStatus.APPROVED,
            date=local.date(),
            status=ShopStatus.PLANNED,
        )
        .exclude(shopper=None)
        .select_related("shopper", "slot", "stratum__reason")
        .order_by("slot__start")
    )
    per_shopper: dict[User, list] = {}
    for shop in shops:
        per_shopper.setdefault(shop.shopper, []).append(shop)
    made = 0
    for shopper, mine in per_shopper.items():

        def message(user, mine=mine):
            lines = [f"{s.slot} · {s.stratum.reason.name}" for s in mine]
            title = ngettext(
                "You have %(n)s mystery shop today",
                "You have %(n)s mystery shops today",
                len(mine),
            ) % {"n": len(mine)}
            return title, "\n".join(lines)

        made += bool(
            notify(
                user=shopper,
                kind=Kind.SHOPS_TODAY,
                occasion=f"{program.pk}:{local.date()}",
                program=program,
                message=message,
                url=reverse("agenda", args=[program.code]),
                now=now,
            )
        )
    return made


def sweep_defects(program: Program, now: datetime) -> int:
    """Defects not acknowledged in time: to the team leader; a working day
    later to the team's supervisor."""
    today = timezone.localtime(now, program.zone).date()
    made = 0
    defects = Defect.objects.filter(
        program=program, status=DefectStatus.OPEN, due_on__lt=today
    ).select_related("team_leader", "team__supervisor", "parameter", "agent")
    url = reverse("defect_inbox", args=[program.code])
    for defect in defects:

        def message(user, d=defect):
            return (
                _("Defect to acknowledge: %(parameter)s") % {"parameter": d.parameter.text},
                _("Agent %(agent)s. It was due on %(due)s.")
                % {"agent": d.agent.name if d.agent else "—", "due": d.due_on},
            )

        if defect.team_leader:
            made += bool(
                notify(
                    user=defect.team_leader,
                    kind=Kind.DEFECT_OVERDUE,
                    occasion=f"{defect.pk}",
                    program=program,
                    message=message,
                    url=url,
                    now=now,
                )
            )
        escalate_on = add_working_days(program, defect.due_on, 1)
        supervisor = defect.team.supervisor if defect.team else None
        if supervisor and today > escalate_on:
            made += bool(
                notify(
                    user=supervisor,
                    kind=Kind.DEFECT_ESCALATED,
                    occasion=f"{defect.pk}",
                    program=program,
                    message=message,
                    url=url,
                    now=now,
                )
            )
    return made


def sweep_follow_ups(program: Program, now: datetime) -> int:
    """Coaching / SGD / brief & debrief items past their due date."""
    today = timezone.localtime(now, program.zone).date()
    made = 0
    items = (
        FollowUp.objects.filter(program=program, status=FollowUpStatus.OPEN, due_on__lt=today)
        .exclude(team_leader=None)
        .select_related("team_leader", "agent")
    )
    for item in items:

        def message(user, i=item):
            return (
                _("%(kind)s overdue for %(agent)s")
                % {"kind": i.get_kind_display(), "agent": i.agent.name if i.agent else "—"},
                _("It was due on %(due)s. Log the session when it is held.") % {"due": i.due_on},
            )

        made += bool(
            notify(
                user=item.team_leader,
                kind=Kind.FOLLOW_UP_OVERDUE,
                occasion=f"{item.pk}",
                program=program,
                message=message,
                url=reverse("follow_up_list", args=[program.code]),
                now=now,
            )
        )
    return made


def sweep_progress(program: Program, now: datetime) -> int:
    """Shops due by today but not done: to the supervisors, once a week (PGD-4.6)."""
    today = timezone.localtime(now, program.zone).date()
    plan = SamplePlan.objects.filter(
        program=program, month=today.replace(day=1), status=PlanStatus.APPROVED
    ).first()
    if plan is None:
        return 0
    due = plan.shops.filter(date__lt=today).exclude(status=ShopStatus.CANCELLED)
    behind = due.exclude(status=ShopStatus.DONE).count()
    if not behind:
        return 0
    done = due.count() - behind
    week = today.isocalendar()

    def message(user):
        return (
            _("Sample progress behind plan: %(behind)s shops late") % {"behind": behind},
            _("%(done)s of %(due)s shops due by today are done (plan %(month)s).")
            % {"done": done, "due": done + behind, "month": f"{plan.month:%Y-%m}"},
        )

    return notify_each(
        members(program, Role.SUPERVISOR),
        kind=Kind.PROGRESS_BEHIND,
        occasion=f"{plan.pk}:{week.year}-W{week.week}",
        program=program,
        message=message,
        url=reverse("sample_progress", args=[program.code]),
        now=now,
    )


def sweep_week_one(program: Program, now: datetime) -> int:
    """After week I: last month's data not imported, or this month's plan not
    approved (TLK-5.2.1.1) — to the analysts and the manager; the month's
    scenario material not ready (library not updated in week I, shops without
    a scenario) — to the analysts."""
    local = timezone.localtime(now, program.zone)
    if local.day <= WEEK_I_LAST_DAY:
        return 0
    month = local.date().replace(day=1)
    made = 0
    people = members(program, Role.QC_ANALYST, Role.MANAGER)
    if not ContactImport.objects.filter(
        program=program, month=previous_month(month), status="succeeded"
    ).exists():
        made += notify_each(
            people,
            kind=Kind.DATA_MISSING,
            occasion=f"{program.pk}:{month:%Y-%m}",
            program=program,
            now=now,
            message=lambda u: (
                _("Contact data of %(month)s is not imported")
                % {"month": f"{previous_month(month):%Y-%m}"},
                _("Week I is over: import last month's contacts to plan the shops."),
            ),
            url=reverse("contact_import_list", args=[program.code]),
        )
    if not SamplePlan.objects.filter(
        program=program, month=month, status=PlanStatus.APPROVED
    ).exists():
        made += notify_each(
            people,
            kind=Kind.PLAN_NOT_APPROVED,
            occasion=f"{program.pk}:{month:%Y-%m}",
            program=program,
            now=now,
            message=lambda u: (
                _("The sample plan of %(month)s is not approved") % {"month": f"{month:%Y-%m}"},
                _("Week I is over: generate and approve the plan."),
            ),
            url=reverse("plan_list", args=[program.code]),
        )
    plan = (
        SamplePlan.objects.filter(program=program, month=month).select_related("program").first()
    )
    material = week_one_material(plan) if plan else None
    if material and not material.ready:
        made += notify_each(
            members(program, Role.QC_ANALYST),
            kind=Kind.MATERIAL_NOT_READY,
            occasion=f"{program.pk}:{month:%Y-%m}",
            program=program,
            now=now,
            message=lambda u: (
                _("The scenario material of %(month)s is not ready") % {"month": f"{month:%Y-%m}"},
                _material_missing(material),
            ),
            url=reverse("plan_detail", args=[program.code, f"{month:%Y-%m}"]),
        )
    return made


def _material_missing(material) -> str:
    """What the week-I material lacks, in the current language."""
    parts = []
    if not material.updated:
        parts.append(_("The scenario library was not updated in week I (TLK-5.2.1.1)."))
    if material.gaps:
        parts.append(
            ngettext(
                "%(n)s shop of the plan has no scenario.",
                "%(n)s shops of the plan have no scenario.",
                material.gap_shops,
            )
            % {"n": material.gap_shops}
        )
    return " ".join(parts)


def sweep_calibration(program: Program, now: datetime) -> int:
    """PGD-4.8: at least one calibration a month. From the program's due day,
    while no session of the month is held, remind the analysts and the manager."""
    local = timezone.localtime(now, program.zone)
    if local.day < program.calibration_due_day:
        return 0
    month = local.date().replace(day=1)
    held = CalibrationSession.objects.filter(
        program=program, status=SessionStatus.HELD, held_on__gte=month, held_on__lte=local.date()
    ).exists()
    if held:
        return 0
    return notify_each(
        members(program, Role.QC_ANALYST, Role.MANAGER),
        kind=Kind.CALIBRATION_MISSING,
        occasion=f"{program.pk}:{month:%Y-%m}",
        program=program,
        now=now,
        message=lambda u: (
            _("No calibration session held in %(month)s yet") % {"month": f"{month:%Y-%m}"},
            _(
                "PGD-4.8: hold at least one calibration of defect findings "
                "each month, with an attendance list and minutes."
            ),
        ),
        url=reverse("calibration_list", args=[program.code]),
    )


def sweep_report(program: Program, now: datetime) -> int:
    """PGD-4.7: last month's report is due by the program's due day. From
    `report_reminder_days` before it, the analysts are reminded; from the day
    after it, while still not submitted, the analysts and the manager are told
    it is overdue."""
    local = timezone.localtime(now, program.zone).date()
    month = add_months(local, -1)
    due_on = report_due_day(program, month)
    overdue = local > due_on
    if not overdue and local < due_on - timedelta(days=program.report_reminder_days):
        return 0
    if month < first_report_month(program):
        return 0  # the program did not run yet that month
    report = current_report(program, month)
    if report is not None and report.sent:
        return 0
    period, due = f"{month:%Y-%m}", f"{due_on:%Y-%m-%d}"
    url = reverse("report_detail", args=[program.code, period])
    if overdue:
        return notify_each(
            members(program, Role.QC_ANALYST, Role.MANAGER),
            kind=Kind.REPORT_OVERDUE,
            occasion=f"{program.pk}:{period}",
            program=program,
            now=now,
            url=url,
            message=lambda u: (
                _("The %(month)s report of %(program)s is overdue")
                % {"month": period, "program": program.name},
                _(
                    "It was due by %(due)s (PGD-4.7) and has not been submitted. "
                    "The analyst submits it from the report page."
                )
                % {"due": due},
            ),
        )
    return notify_each(
        members(program, Role.QC_ANALYST),
        kind=Kind.REPORT_DUE,
        occasion=f"{program.pk}:{period}",
        program=program,
        now=now,
        url=url,
        message=lambda u: (
            _("The %(month)s report of %(program)s is due by %(due)s")
            % {"month": period, "program": program.name, "due": due},
            _(
                "Write the analysis and recommendations and submit the report; it is "
                "e-mailed to the manager and the consulted on submission (PGD-4.7)."
            ),
        ),
    )


def sweep_handins(program: Program, now: datetime) -> int:
    """TLK-5.3.4: MS forms filled by team leaders or supervisors past their
    hand-in day. One not handed in: its filler is reminded; one waiting with
    the supervisor: the program's supervisors are, once per form and step."""
    today = timezone.localtime(now, program.zone).date()
    shops = Shop.objects.filter(
        program=program,
        handin_due__lt=today,
        state__in=[ShopState.DRAFT, ShopState.RETURNED, ShopState.SUPERVISOR_REVIEW],
    ).select_related("shopper", "planned_shop")
    supervisors = None
    made = 0
    for shop in shops:
        waiting = shop.state == ShopState.SUPERVISOR_REVIEW

        def message(user, shop=shop, waiting=waiting):
            values = {"number": shop.planned_shop.number, "due": shop.handin_due.isoformat()}
            if waiting:
                return (
                    _("MS form #%(number)s waits for you to pass it on") % values,
                    _("It was to reach the QC analyst by %(due)s (TLK-5.3.4).") % values,
                )
            return (
                _("MS form #%(number)s not handed in") % values,
                _("It was to be handed in to the supervisor by %(due)s (TLK-5.3.4).") % values,
            )

        if waiting:
            if supervisors is None:
                supervisors = members(program, Role.SUPERVISOR)
            recipients, url = supervisors, reverse("review_queue", args=[program.code])
        else:
            recipients, url = [shop.shopper], reverse("shop_form", args=[program.code, shop.pk])
        made += notify_each(
            recipients,
            kind=Kind.HANDIN_OVERDUE,
            occasion=f"{shop.pk}:{shop.state}",
            program=program,
            message=message,
            url=url,
            now=now,
        )
    return made


SWEEPS = {
    "shops_today": sweep_shops_today,
    "defects": sweep_defects,
    "follow_ups": sweep_follow_ups,
    "progress": sweep_progress,
    "week_one": sweep_week_one,
    "calibration": sweep_calibration,
    "report": sweep_report,
    "handins": sweep_handins,
}


def run_sweeps(*, now: datetime | None = None, only: list[str] | None = None) -> dict[str, int]:
    """Run the sweeps for every active program as of `now`; {sweep: reminders made}."""
    now = now or timezone.now()
    made = dict.fromkeys(only or SWEEPS, 0)
    for program in Program.objects.filter(is_active=True):
        for name in made:
            made[name] += SWEEPS[name](program, now)
    return made
