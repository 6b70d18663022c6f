"""Reads of the follow-up app: who sees which defects and items; the recap."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from followup.models import Defect, DefectStatus, FollowUp
from programs.models import Program, Role

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


DEFECT_RELATED = (
    "shop__planned_shop",
    "parameter__section",
    "agent",
    "team",
    "team_leader",
    "acknowledged_by",
    "supervisor",
    "passed_on_by",
)


def defects_for(program: Program, user) -> QuerySet[Defect]:
    """The defects `user` may see. A team leader sees theirs once the
    supervisor has passed them on (TLK-5.6.2), not before."""
    roles = program.user_roles
    if roles & SEE_ALL:
        scope = Q()
    else:
        scope = Q(pk__in=[])
        if Role.TEAM_LEADER in roles:
            scope |= Q(team_leader=user) & ~Q(status=DefectStatus.WITH_SUPERVISOR)
        if Role.SUPERVISOR in roles:
            scope |= Q(team__supervisor=user) | Q(supervisor=user)
    return Defect.objects.filter(scope, program=program).select_related(*DEFECT_RELATED)


def defects_to_pass_on(program: Program, user) -> QuerySet[Defect]:
    """TLK-5.6.2: the notes waiting for `user` (a supervisor) to pass them on,
    the soonest due first; every waiting one for a manager or QC analyst."""
    waiting = Defect.objects.filter(program=program, status=DefectStatus.WITH_SUPERVISOR)
    if not program.user_roles & {Role.MANAGER, Role.QC_ANALYST}:
        waiting = waiting.filter(Q(supervisor=user) | Q(team__supervisor=user))
    return waiting.select_related(*DEFECT_RELATED).order_by("supervisor_due_on", "pk")


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
    status: str  # a DefectStatus value; the label is read in the reader's language

    @property
    def status_label(self) -> str:
        return DefectStatus(self.status).label


def nonconformity_recap(program: Program, user, month: date) -> list[RecapRow]:
    """Every nonconformity of the month that `user` may see, with its correct
    solution (TLK-5.6.2): the material for agent feedback."""
    return recap_rows(defects_for(program, user), month)


def recap_rows(defects: QuerySet[Defect], month: date) -> list[RecapRow]:
    """The recap rows of `defects` in `month` (withdrawn ones left out), in shop
    and scorecard order."""
    defects = (
        defects.filter(
            shop__planned_shop__date__year=month.year, shop__planned_shop__date__month=month.month
        )
        .exclude(status=DefectStatus.WITHDRAWN)
        .select_related("shop__planned_shop", "parameter__section", "agent", "team")
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
            d.status,
        )
        for d in defects
    ]
