"""Reads of the follow-up app: who sees which defects and items; the recap."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from programs.models import Program, Role

from .models import Defect, FollowUp

SEE_ALL = {Role.MANAGER, Role.QC_ANALYST, Role.VIEWER}


def _scope(program: Program, user, roles: frozenset, *, leader: str, supervisor: str) -> Q | None:
    """Everything for manager/analyst/viewer; a team leader their own teams'; a
    supervisor the teams they supervise; None when the user sees nothing."""
    if roles & SEE_ALL:
        return Q()
    condition = Q(pk__in=[])
    if Role.TEAM_LEADER in roles:
        condition |= Q(**{leader: user})
    if Role.SUPERVISOR in roles:
        condition |= Q(**{supervisor: user})
    return condition


def defects_for(program: Program, user) -> QuerySet[Defect]:
    scope = _scope(
        program, user, program.user_roles, leader="team_leader", supervisor="team__supervisor"
    )
    return Defect.objects.filter(scope, program=program).select_related(
        "shop__planned_shop",
        "parameter__section",
        "agent",
        "team",
        "team_leader",
        "acknowledged_by",
    )


def follow_ups_for(program: Program, user) -> QuerySet[FollowUp]:
    scope = _scope(
        program,
        user,
        program.user_roles,
        leader="team_leader",
        supervisor="agent__team__supervisor",
    )
    return FollowUp.objects.filter(scope, program=program).select_related(
        "shop__planned_shop", "agent__team", "team_leader", "rule"
    )


@dataclass(frozen=True)
class RecapRow:
    date: date
    shop_number: int
    agent: str
    team: str
    section: str
    parameter: str
    critical: str
    nonconformity: str
    correct_solution: str
    status: str


def nonconformity_recap(program: Program, user, month: date) -> list[RecapRow]:
    """Every nonconformity of the month with its correct solution (TLK-5.6.2):
    the material for agent feedback."""
    defects = (
        defects_for(program, user)
        .filter(
            shop__planned_shop__date__year=month.year, shop__planned_shop__date__month=month.month
        )
        .exclude(status="withdrawn")
        .order_by(
            "shop__planned_shop__date",
            "shop__planned_shop__number",
            "parameter__section__order",
            "parameter__order",
        )
    )
    return [
        RecapRow(
            d.shop.planned_shop.date,
            d.shop.planned_shop.number,
            d.agent.name if d.agent else "",
            d.team.name if d.team else "",
            d.parameter.section.name,
            d.parameter.text,
            d.critical_type,
            d.nonconformity,
            d.correct_solution,
            d.get_status_display(),
        )
        for d in defects
    ]
