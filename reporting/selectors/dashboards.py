"""The role dashboards of a program (PGD-4.6, 4.7, 5.1.2, 5.3.1; TLK-2.2, 5.4.1):
one selector per panel, each returning plain data that the dashboard page
renders. A user holding several roles in a program sees every panel of them.

- manager and viewer: the month's health, from `reporting.selectors.reports.monthly_figures`
  (the one selector of the month's figures), plus what the page needs to link
  numbers to the shop list (ids of teams, channels and categories);
- QC analyst: the work queue of the month (contact data, plans, reviews, the
  monthly report, calibration, overdue defects and follow-up items);
- supervisor: sample progress vs plan (the sampling progress selector) and the
  overdue defects of the teams they supervise;
- team leader: their agents' open and overdue defects and follow-up items;
- shopper: their own agenda, nothing of anybody else.

Every panel runs a fixed number of queries, whatever the amount of data.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import (
    CalibrationSession,
    Defect,
    DefectStatus,
    FollowUp,
    FollowUpStatus,
    SessionStatus,
)
from followup.selectors.defects import defects_for, follow_ups_for
from programs.models import Channel, InteractionCategory, Program, Team, User
from programs.months import add_months
from reporting.dates import report_due_at
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors.reports import (
    Group,
    Mean,
    MonthlyFigures,
    ParetoRow,
    StratumCoverage,
    _finalized,
    monthly_figures,
)
from sampling.models import ContactImport, ImportStatus, PlannedShop, SamplePlan
from sampling.selectors import ProgressRow, plan_progress, shopper_shops
from scoring.selectors import review_queue

PARETO_TOP = 5  # defect parameters shown on the dashboard (the report has them all)
LIST_LIMIT = 5  # defects / items listed on a panel; the counts cover them all
AGENDA_NEXT = 5  # upcoming shops shown to a shopper after today's


# Defects not settled yet: with the supervisor (TLK-5.6.2, when notes go through
# them) or with the team leader.
UNSETTLED_DEFECTS = (DefectStatus.WITH_SUPERVISOR, DefectStatus.OPEN)


def overdue_defects(today) -> Q:
    """Past their step's deadline: the supervisor's pass-on, or the team
    leader's acknowledgement."""
    return Q(status=DefectStatus.OPEN, due_on__lt=today) | Q(
        status=DefectStatus.WITH_SUPERVISOR, supervisor_due_on__lt=today
    )


def today_in(program: Program) -> date:
    """Today in the program's time zone."""
    return timezone.localdate(timezone.now(), program.zone)


def month_after(month: date) -> date:
    return add_months(month, 1)


def month_before(month: date) -> date:
    return add_months(month, -1)


def last_complete_month(today: date) -> date:
    """The month the health panel opens on: the last one that has ended (the
    current one has barely started for most of its days)."""
    return month_before(today.replace(day=1))


def as_float(value) -> float | None:
    return None if value is None else float(value)


# --- manager and viewer: the month's health ------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """A breakdown row (team, channel …) with the shop-list filter that shows its shops."""

    label: str
    score: Mean
    query: str = ""  # e.g. "team=3": added to the shop list's month filter; "" = no filter


@dataclass
class Health:
    """Program health at a glance for one month (manager, viewer)."""

    figures: MonthlyFigures
    month: date
    previous_month: date
    next_month: date
    planned: int
    done: int
    below_target: int  # finalized shops of the month scored under the target
    sections: list[GroupRow] = field(default_factory=list)
    channels: list[GroupRow] = field(default_factory=list)
    categories: list[GroupRow] = field(default_factory=list)
    bands: list[GroupRow] = field(default_factory=list)
    teams: list[GroupRow] = field(default_factory=list)
    pareto_top: list[ParetoRow] = field(default_factory=list)
    pareto_total: int = 0
    uncovered: list[StratumCoverage] = field(default_factory=list)
    charts: dict = field(default_factory=dict)  # id -> chart spec for static/js/charts.js

    @property
    def done_percent(self) -> float | None:
        return 100 * self.done / self.planned if self.planned else None

    @property
    def pareto_rows(self) -> list[tuple[ParetoRow, float, float]]:
        """(row, share %, cumulative %) of the top defects."""
        return [(p, 100 * p.share, 100 * p.cumulative) for p in self.pareto_top]

    @property
    def follow_up_open(self) -> int:
        return self.figures.follow_up.get(FollowUpStatus.OPEN, 0)

    @property
    def follow_up_done(self) -> int:
        return self.figures.follow_up.get(FollowUpStatus.DONE, 0)

    @property
    def critical(self) -> list[tuple[str, float]]:
        """(CACE/BACE/CoACE, % of the month's finalized shops failing it), in that order."""
        rates = self.figures.critical_rates
        return [(kind, 100 * rates.get(kind, 0.0)) for kind in CRITICAL_KINDS]


CRITICAL_KINDS = ("CACE", "BACE", "CoACE")


def _ids_by_name(rows) -> dict[str, int]:
    """name -> pk, leaving out names used twice (a link would be ambiguous)."""
    ids: dict[str, int] = {}
    seen: set[str] = set()
    for pk, name in rows:
        if name in seen:
            ids.pop(name, None)
        else:
            ids[name] = pk
            seen.add(name)
    return ids


def _rows(groups: list[Group], param: str = "", ids: dict[str, int] | None = None):
    ids = ids or {}
    return [
        GroupRow(g.label, g.score, f"{param}={ids[g.label]}" if g.label in ids else "")
        for g in groups
    ]


def trend_chart(points: list[tuple[date, Mean]], target, *, title: str) -> dict:
    """Chart spec of monthly means with their 95 % CI and the target."""
    return {
        "kind": "trend",
        "title": title,
        "labels": [f"{m:%Y-%m}" for m, _mean in points],
        "mean": [as_float(s.mean) for _m, s in points],
        "low": [as_float(s.low) for _m, s in points],
        "high": [as_float(s.high) for _m, s in points],
        "n": [s.n for _m, s in points],
        "target": as_float(target),
        "text": {
            "mean": _("Mean score"),
            "low": _("95 % CI"),
            "high": _("95 % CI"),
            "target": _("Target"),
            "n": _("shops"),
        },
    }


def bars_chart(rows: list[GroupRow], target, *, title: str) -> dict:
    """Chart spec of mean scores per group (KPIs, teams …) against the target."""
    return {
        "kind": "bars",
        "title": title,
        "labels": [r.label for r in rows],
        "mean": [as_float(r.score.mean) for r in rows],
        "n": [r.score.n for r in rows],
        "target": as_float(target),
        "text": {"mean": _("Mean score"), "target": _("Target"), "n": _("shops")},
    }


def pareto_chart(rows: list[ParetoRow], *, title: str) -> dict:
    return {
        "kind": "pareto",
        "title": title,
        "labels": [r.parameter for r in rows],
        "defects": [r.defects for r in rows],
        "cumulative": [round(r.cumulative * 100, 1) for r in rows],
        "text": {"defects": _("Defects"), "cumulative": _("Cumulative share (%)")},
    }


def health(program: Program, month: date) -> Health:
    """The month's figures (monthly_figures) arranged for the dashboard."""
    month = month.replace(day=1)
    figures = monthly_figures(program, month)
    following = month_after(month)
    below = _finalized(program, month, following).filter(score__lt=program.target_score).count()
    teams = _ids_by_name(Team.objects.filter(program=program).values_list("pk", "name"))
    channels = _ids_by_name(Channel.objects.filter(program=program).values_list("pk", "name"))
    categories = _ids_by_name(
        InteractionCategory.objects.filter(program=program).values_list("pk", "name")
    )
    result = Health(
        figures=figures,
        month=month,
        previous_month=month_before(month),
        next_month=following,
        planned=sum(s.planned for s in figures.coverage),
        done=sum(s.done for s in figures.coverage),
        below_target=below,
        sections=_rows(figures.sections),
        channels=_rows(figures.channels, "channel", channels),
        categories=_rows(figures.categories, "category", categories),
        bands=_rows(figures.bands),
        teams=_rows(figures.teams, "team", teams),
        pareto_top=figures.pareto[:PARETO_TOP],
        pareto_total=sum(p.defects for p in figures.pareto),
        uncovered=[s for s in figures.coverage if s.uncovered],
    )
    result.charts = {
        "chart-trend": trend_chart(
            figures.trend, program.target_score, title=_("Mean score, last 12 months")
        ),
        "chart-sections": bars_chart(
            result.sections, program.target_score, title=_("Mean score per section (KPI)")
        ),
        "chart-pareto": pareto_chart(result.pareto_top, title=_("Most frequent defects")),
    }
    return result


# --- QC analyst: the work queue ------------------------------------------------------


@dataclass(frozen=True)
class PlanState:
    month: date
    plan: SamplePlan | None
    shops: int
    unassigned: int


@dataclass
class AnalystQueue:
    now: datetime
    today: date
    last_month: date
    contact_import: ContactImport | None  # the newest upload of last month's data
    plans: list[PlanState]
    review_count: int
    report_month: date
    report: MonthlyReport | None  # the newest revision of last month's report
    report_due_at: datetime  # in the program's zone
    calibrations_held: int  # this month
    calibrations_planned: int  # this month, not held yet
    defects_open: int
    defects_overdue: int
    follow_ups_open: int
    follow_ups_overdue: int

    @property
    def data_imported(self) -> bool:
        return (
            self.contact_import is not None
            and self.contact_import.status == ImportStatus.SUCCEEDED
        )

    @property
    def report_submitted(self) -> bool:
        return self.report is not None and self.report.submitted_at is not None

    @property
    def report_due_day(self) -> date:
        """The last day on which the report is on time, in the program's zone."""
        return (self.report_due_at - timedelta(microseconds=1)).date()

    @property
    def report_overdue(self) -> bool:
        """Not submitted and past its due time."""
        return not self.report_submitted and self.now >= self.report_due_at


def analyst_queue(program: Program, user: User, today: date) -> AnalystQueue:
    """What the analyst has to do this month (PGD-4.7, 4.8, 5.3.2; TLK-5.1.1)."""
    this_month = today.replace(day=1)
    last_month = month_before(this_month)
    next_month = month_after(this_month)
    contact_import = (
        ContactImport.objects.filter(program=program, month=last_month)
        # A succeeded import counts even when a later upload of the month failed.
        .order_by(Case(When(status=ImportStatus.SUCCEEDED, then=0), default=1), "-created_at")
        .first()
    )
    plans = {
        p.month: p
        for p in SamplePlan.objects.filter(
            program=program, month__in=[this_month, next_month]
        ).annotate(
            n_shops=Count("shops"),
            n_unassigned=Count("shops", filter=Q(shops__shopper=None)),
        )
    }
    report = (
        MonthlyReport.objects.filter(program=program, month=last_month)
        .exclude(status=ReportStatus.SUPERSEDED)
        .order_by("-revision")
        .first()
    )
    calibrations = CalibrationSession.objects.filter(
        program=program, held_on__gte=this_month, held_on__lt=next_month
    ).aggregate(
        held=Count("pk", filter=Q(status=SessionStatus.HELD)),
        planned=Count("pk", filter=Q(status=SessionStatus.PLANNED)),
    )
    defects = defects_for(program, user).aggregate(
        open=Count("pk", filter=Q(status__in=UNSETTLED_DEFECTS)),
        overdue=Count("pk", filter=overdue_defects(today)),
    )
    items = follow_ups_for(program, user).aggregate(
        open=Count("pk", filter=Q(status=FollowUpStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=FollowUpStatus.OPEN, due_on__lt=today)),
    )
    return AnalystQueue(
        now=timezone.now(),
        today=today,
        last_month=last_month,
        contact_import=contact_import,
        plans=[
            PlanState(
                m,
                plans.get(m),
                plans[m].n_shops if m in plans else 0,
                plans[m].n_unassigned if m in plans else 0,
            )
            for m in (this_month, next_month)
        ],
        review_count=review_queue(program).count(),
        report_month=last_month,
        report=report,
        report_due_at=(
            report.due_at.astimezone(program.zone)
            if report is not None
            else report_due_at(program, last_month)
        ),
        calibrations_held=calibrations["held"],
        calibrations_planned=calibrations["planned"],
        defects_open=defects["open"],
        defects_overdue=defects["overdue"],
        follow_ups_open=items["open"],
        follow_ups_overdue=items["overdue"],
    )


# --- supervisor: sample progress and escalated defects -------------------------------


@dataclass
class SupervisorPanel:
    month: date
    plan: SamplePlan | None
    weeks: list[ProgressRow]
    strata: list[ProgressRow]
    total: ProgressRow | None
    overdue_defects: list[Defect]
    overdue_count: int
    charts: dict = field(default_factory=dict)


def progress_chart(
    labels: list[str], planned: list[int], done: list[int], due: list[int] | None, *, title: str
) -> dict:
    """Chart spec of shops planned, due by today (optional) and done."""
    return {
        "kind": "progress",
        "title": title,
        "labels": labels,
        "planned": planned,
        "due": due,
        "done": done,
        "text": {"planned": _("Planned"), "due": _("Due by today"), "done": _("Done")},
    }


def supervisor_panel(program: Program, user: User, today: date) -> SupervisorPanel:
    """PGD-4.6 / 5.3.1: the month's progress vs plan, and the defects of the teams
    the user supervises that their team leaders have not acknowledged in time."""
    month = today.replace(day=1)
    plan = SamplePlan.objects.filter(program=program, month=month).first()
    weeks, strata, total = plan_progress(plan, today) if plan else ([], [], None)
    overdue = defects_for(program, user).filter(overdue_defects(today), team__supervisor=user)
    panel = SupervisorPanel(
        month=month,
        plan=plan,
        weeks=weeks,
        strata=strata,
        total=total,
        overdue_defects=list(overdue.order_by("due_on", "pk")[:LIST_LIMIT]),
        overdue_count=overdue.count(),
    )
    if weeks:
        panel.charts["chart-progress"] = progress_chart(
            [r.label for r in weeks],
            [r.planned for r in weeks],
            [r.done for r in weeks],
            [r.due for r in weeks],
            title=_("Sample progress per week"),
        )
    return panel


# --- team leader: their agents' defects and coaching ---------------------------------


@dataclass(frozen=True)
class AgentLoad:
    agent: str
    team: str
    defects_open: int
    defects_overdue: int
    follow_ups_open: int
    follow_ups_overdue: int


@dataclass
class TeamLeaderPanel:
    today: date
    defects: list[Defect]  # open, oldest due first (up to LIST_LIMIT)
    follow_ups: list[FollowUp]  # open, oldest due first (up to LIST_LIMIT)
    agents: list[AgentLoad]

    @property
    def defects_open(self) -> int:
        return sum(a.defects_open for a in self.agents)

    @property
    def defects_overdue(self) -> int:
        return sum(a.defects_overdue for a in self.agents)

    @property
    def follow_ups_open(self) -> int:
        return sum(a.follow_ups_open for a in self.agents)

    @property
    def follow_ups_overdue(self) -> int:
        return sum(a.follow_ups_overdue for a in self.agents)


def team_leader_panel(program: Program, user: User, today: date) -> TeamLeaderPanel:
    """PGD-4.9, 5.3.2; TLK-5.5: what the team leader still owes their agents. Items
    routed to the user as team leader (not everything a manager may also see)."""
    defects = defects_for(program, user).filter(team_leader=user, status=DefectStatus.OPEN)
    items = follow_ups_for(program, user).filter(team_leader=user, status=FollowUpStatus.OPEN)
    loads: dict[tuple[str, str], dict[str, int]] = {}

    def load(agent, team):
        key = (agent or _("Agent not identified"), team or "")
        return loads.setdefault(key, {"d_open": 0, "d_overdue": 0, "f_open": 0, "f_overdue": 0})

    for row in defects.values("agent__name", "team__name").annotate(
        n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))
    ):
        counts = load(row["agent__name"], row["team__name"])
        counts["d_open"] += row["n"]
        counts["d_overdue"] += row["late"]
    for row in items.values("agent__name", "agent__team__name").annotate(
        n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))
    ):
        counts = load(row["agent__name"], row["agent__team__name"])
        counts["f_open"] += row["n"]
        counts["f_overdue"] += row["late"]
    return TeamLeaderPanel(
        today=today,
        defects=list(defects.order_by("due_on", "pk")[:LIST_LIMIT]),
        follow_ups=list(items.order_by("due_on", "pk")[:LIST_LIMIT]),
        agents=[
            AgentLoad(agent, team, c["d_open"], c["d_overdue"], c["f_open"], c["f_overdue"])
            for (agent, team), c in sorted(
                loads.items(), key=lambda kv: (-kv[1]["d_overdue"] - kv[1]["f_overdue"], kv[0])
            )
        ],
    )


# --- shopper: their agenda -----------------------------------------------------------


@dataclass
class ShopperAgenda:
    today: date
    today_shops: list[PlannedShop]
    next_shops: list[PlannedShop]
    more: bool  # shops beyond those listed


def shopper_agenda(program: Program, user: User, today: date) -> ShopperAgenda:
    """The user's own shops from today on, of approved plans: the same rows as
    the agenda page. Nothing of other shoppers."""
    shops = list(shopper_shops(program, user, today)[:100])
    today_shops = [s for s in shops if s.date == today]
    later = [s for s in shops if s.date > today]
    return ShopperAgenda(today, today_shops, later[:AGENDA_NEXT], len(later) > AGENDA_NEXT)
