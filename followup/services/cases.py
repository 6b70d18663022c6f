"""Writes of high-impact customer cases (PGD-4.8, PGD-5.5.1): logging a case,
which makes a calibration due within the program's working days, and closing
it when the session that evaluates it is held (followup.services.calibration)."""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import CaseStatus, CustomerCase
from programs.access import LOG_CASES
from programs.models import Agent, Program, Team, User
from programs.workdays import add_working_days, closed_days
from scoring.models import Shop

# Who logs a case: the people who hear of one. Viewers and shoppers do not.
LOGGERS = LOG_CASES


def calibration_due(program: Program, logged_on: date) -> date:
    """The day the case's calibration is due: `case_calibration_days` working
    days after the day it is logged (that day not counted)."""
    return add_working_days(program, logged_on, program.case_calibration_days)


def working_day_before(program: Program, day: date) -> date:
    """The last working day before `day`: when the analysts are reminded."""
    closed = closed_days(program, day - timedelta(days=40), day)
    current = day - timedelta(days=1)
    for _step in range(40):
        if current.isoweekday() in program.working_days and current not in closed:
            return current
        current -= timedelta(days=1)
    return day - timedelta(days=1)


@transaction.atomic
def case_log(
    *,
    program: Program,
    user: User,
    roles: frozenset,
    occurred_at: datetime | None,
    source: str,
    description: str,
    agent: Agent | None = None,
    team: Team | None = None,
    shop: Shop | None = None,
    now: datetime | None = None,
) -> CustomerCase:
    """Record a high-impact customer case about an agent or a team of the
    program; its calibration is due `case_calibration_days` working days later."""
    if not roles & LOGGERS:
        raise PermissionDenied
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if occurred_at is None:
        errors["occurred_at"] = _("Give the date and time the case happened.")
    elif occurred_at > now:
        errors["occurred_at"] = _("The case cannot have happened in the future.")
    if not description.strip():
        errors["description"] = _("Describe what happened.")
    if agent is not None and agent.program_id != program.pk:
        errors["agent"] = _("Choose an agent of this program.")
    if team is not None and team.program_id != program.pk:
        errors["team"] = _("Choose a team of this program.")
    if agent is None and team is None:
        errors["agent"] = _("Choose the agent or the team the case is about.")
    if shop is not None and shop.program_id != program.pk:
        errors["shop"] = _("Choose a mystery shop of this program.")
    if errors:
        raise ValidationError(errors)
    if agent is not None and team is None:
        team = agent.team
    case = CustomerCase(
        program=program,
        occurred_at=occurred_at,
        source=source,
        description=description.strip(),
        agent=agent,
        team=team,
        shop=shop,
        logged_by=user,
        calibration_due_on=calibration_due(program, timezone.localdate(now, program.zone)),
    )
    case.full_clean(exclude=["logged_at"])
    case.save()
    return case


def cases_close(*, session, now: datetime | None = None) -> list[CustomerCase]:
    """Close the open cases a held session evaluates (saved one by one, so the
    history shows who closed them and when). Called by session_mark_held inside
    its transaction."""
    now = now or timezone.now()
    cases = list(
        CustomerCase.objects.select_for_update().filter(
            pk__in=session.customer_cases.values("pk"), status=CaseStatus.OPEN
        )
    )
    for case in cases:
        case.status, case.closed_at, case.closed_by_session = CaseStatus.CLOSED, now, session
        case.save(update_fields=["status", "closed_at", "closed_by_session"])
    return cases
