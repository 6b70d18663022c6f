"""Reads of high-impact customer cases (PGD-4.8): the list, open cases first
and overdue ones flagged, and one case with the sessions that evaluate it.
Constant query counts."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from followup.models import CalibrationSession, CaseStatus, CustomerCase
from mysteryshop.history import HistoryEntry, history_entries
from programs.models import Program


def cases_for(program: Program, status: str = "") -> QuerySet[CustomerCase]:
    """The program's cases, open ones first (soonest due first), then closed
    ones (latest evaluated first); `status` keeps one status only."""
    cases = CustomerCase.objects.filter(program=program)
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    return (
        cases.select_related(
            "agent", "team", "shop__planned_shop", "logged_by", "closed_by_session"
        )
        .annotate(
            open_first=Case(
                When(status=CaseStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "calibration_due_on", "-closed_at", "-pk")
    )


@dataclass(frozen=True)
class CasePage:
    case: CustomerCase
    sessions: list[CalibrationSession]
    history: list[HistoryEntry]
    today: date

    @property
    def overdue(self) -> bool:
        return self.case.is_overdue(self.today)


def case_page(program: Program, pk: int, today: date) -> CasePage | None:
    """One case of the program with the sessions about it; None if not the program's."""
    case = (
        CustomerCase.objects.filter(program=program, pk=pk)
        .select_related(
            "agent", "team", "shop__planned_shop", "shop__agent", "logged_by", "closed_by_session"
        )
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=CalibrationSession.objects.order_by("held_on", "pk"),
                to_attr="session_list",
            )
        )
        .first()
    )
    if case is None:
        return None
    history = history_entries(case.history.all(), limit=20)
    return CasePage(case=case, sessions=case.session_list, history=history, today=today)
