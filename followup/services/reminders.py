"""The follow-up app's own reminder sweeps (beat: followup.tasks.sweep_followup_reminders).

- PGD-4.8: a high-impact customer case's calibration — the analysts are
  reminded on the working day before it is due, the managers are told once it
  is overdue.
- TLK-5.6.2: nonconformity notes the supervisor has not passed on by their
  day — the supervisor is reminded.

Each notification is made through notify(), whose key (kind, occasion,
recipient) makes it happen exactly once however often, or concurrently, a
sweep runs.
"""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import CaseStatus, CustomerCase, Defect, DefectStatus
from followup.services.cases import working_day_before
from notifications.models import Kind
from notifications.services import members, notify, notify_each
from programs.models import Program, Role


def sweep_cases(program: Program, now: datetime) -> int:
    """Open cases: a reminder to the analysts from the working day before the
    calibration is due; an escalation to the managers from the day after."""
    today = timezone.localtime(now, program.zone).date()
    cases = list(
        CustomerCase.objects.filter(program=program, status=CaseStatus.OPEN).select_related(
            "agent", "team"
        )
    )
    if not cases:
        return 0
    analysts = members(program, Role.QC_ANALYST)
    managers = members(program, Role.MANAGER)
    made = 0
    for case in cases:
        due = case.calibration_due_on
        url = reverse("case_detail", args=[program.code, case.pk])

        def message(user, case=case, due=due):
            return (
                _("Calibration of a customer case due %(day)s") % {"day": f"{due:%Y-%m-%d}"},
                _("%(source)s about %(concerns)s: evaluate it in a calibration session (PGD-4.8).")
                % {"source": case.get_source_display(), "concerns": case.concerns},
            )

        def escalation(user, case=case, due=due):
            return (
                _("Customer case not evaluated in time (due %(day)s)")
                % {"day": f"{due:%Y-%m-%d}"},
                _(
                    "%(source)s about %(concerns)s has had no calibration session held "
                    "by its due day (PGD-4.8)."
                )
                % {"source": case.get_source_display(), "concerns": case.concerns},
            )

        if today > due:
            made += notify_each(
                managers,
                kind=Kind.CASE_CALIBRATION_OVERDUE,
                occasion=f"{case.pk}",
                program=program,
                message=escalation,
                url=url,
                now=now,
            )
        elif today >= working_day_before(program, due):
            made += notify_each(
                analysts,
                kind=Kind.CASE_CALIBRATION_DUE,
                occasion=f"{case.pk}",
                program=program,
                message=message,
                url=url,
                now=now,
            )
    return made


def sweep_pass_on(program: Program, now: datetime) -> int:
    """Notes still with the supervisor after their pass-on day: one reminder
    to that supervisor per defect."""
    today = timezone.localtime(now, program.zone).date()
    defects = (
        Defect.objects.filter(
            program=program, status=DefectStatus.WITH_SUPERVISOR, supervisor_due_on__lt=today
        )
        .exclude(supervisor=None)
        .select_related("supervisor", "parameter", "agent")
    )
    url = reverse("defect_pass_on_inbox", args=[program.code])
    made = 0
    for defect in defects:

        def message(user, d=defect):
            return (
                _("Nonconformity notes to pass on: %(parameter)s")
                % {"parameter": d.parameter.text},
                _("Agent %(agent)s. Pass them on to the team leader; they were due by %(day)s.")
                % {
                    "agent": d.agent.name if d.agent else "—",
                    "day": f"{d.supervisor_due_on:%Y-%m-%d}",
                },
            )

        made += bool(
            notify(
                user=defect.supervisor,
                kind=Kind.DEFECT_TO_PASS_ON,
                occasion=f"{defect.pk}",
                program=program,
                message=message,
                url=url,
                now=now,
            )
        )
    return made


SWEEPS = {"cases": sweep_cases, "pass_on": sweep_pass_on}


def run_sweeps(*, now: datetime | None = None, only: list[str] | None = None) -> dict[str, int]:
    """Run the follow-up sweeps for every active program as of `now`."""
    now = now or timezone.now()
    made = dict.fromkeys(only or SWEEPS, 0)
    for program in Program.objects.filter(is_active=True):
        for name in made:
            made[name] += SWEEPS[name](program, now)
    return made
