"""The one access gate: every product view gets its program through here.

A user who is not a member of a program gets 404 for all of its pages (the
program's existence is not revealed); a member without a role the page
needs gets 403.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from programs.models import Membership, Program, Role
from programs.months import add_months

ALL_ROLES: frozenset[str] = frozenset(Role.values)
# Who may change what in program setup; every member may read it.
EDIT_RULES: frozenset[str] = frozenset({Role.MANAGER})  # rules, scorecards, coaching rules
EDIT_PEOPLE: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})  # areas, teams, agents
EDIT_LIBRARY: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})  # reasons, scenarios
# The scenarios' scripts and correct answers, and the month's schedule, must not
# reach the people whose agents are shopped (team leaders, operations viewers):
# a tip-off would defeat mystery shopping. Shoppers read scenarios to run them.
READ_SCENARIOS: frozenset[str] = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.SHOPPER}
)
READ_SCHEDULE: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR})
# Who logs a high-impact customer case (PGD-4.8): the follow-up's case pages
# and the shop page's "log a case" link.
LOG_CASES: frozenset[str] = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER}
)


def schedule_hidden(roles: Iterable[str], month: date, today: date) -> bool:
    """Whether what a page says about `month`'s plan must be left out for someone
    holding `roles`: the month is not over and they may not read the schedule.
    What they see of a running month is about shops already done (finalized),
    never about what is planned, due or overdue: any of those, read day after
    day, tells which area, reason and band is shopped when."""
    return not (frozenset(roles) & READ_SCHEDULE) and today < add_months(month.replace(day=1), 1)


@dataclass(frozen=True)
class ProgramRoles:
    program: Program
    roles: frozenset[str]

    @property
    def roles_display(self) -> list[str]:
        return role_labels(self.roles)


def role_labels(roles: Iterable[str]) -> list[str]:
    """Human labels of `roles`, in the order the Role choices declare them."""
    roles = set(roles)
    return [label for value, label in Role.choices if value in roles]


def get_program_for(user, code: str, *, roles: Iterable[str] | None = None) -> Program:
    """Return the program `code` for a member, with `program.user_roles` set.

    Raises Http404 when the user is not a member, PermissionDenied when
    `roles` is given and the user holds none of them. One query.
    """
    if not user.is_authenticated:
        raise Http404
    memberships = list(
        Membership.objects.select_related("program__organization").filter(
            user=user, program__code=code
        )
    )
    if not memberships:
        raise Http404
    program = memberships[0].program
    program.user_roles = frozenset(m.role for m in memberships)
    if roles is not None and not program.user_roles & frozenset(roles):
        raise PermissionDenied
    return program


def programs_for(user) -> list[ProgramRoles]:
    """Every program the user belongs to, with their roles in it. One query."""
    by_program: dict[int, ProgramRoles] = {}
    memberships = (
        Membership.objects.select_related("program__organization")
        .filter(user=user)
        .order_by("program__name", "program_id", "role")
    )
    for m in memberships:
        entry = by_program.get(m.program_id)
        roles = frozenset({m.role}) | (entry.roles if entry else frozenset())
        by_program[m.program_id] = ProgramRoles(m.program, roles)
    return list(by_program.values())


def memberships_for_nav(request: HttpRequest) -> list[ProgramRoles]:
    """programs_for(request.user), computed once per request."""
    if not hasattr(request, "_nav_programs"):
        request._nav_programs = programs_for(request.user)
    return request._nav_programs
