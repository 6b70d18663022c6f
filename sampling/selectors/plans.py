"""Reads of plans: progress against the plan, strata by area, the shopper's agenda."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from programs.models import Program, Scenario, User
from sampling import scheduling
from sampling.models import (
    OPEN_SHOP_STATUSES,
    OTHER_AREA,
    PlannedShop,
    PlanStatus,
    PlanStratum,
    ShopStatus,
)


@dataclass(frozen=True)
class ProgressRow:
    label: str
    planned: int  # planned in the plan
    due: int  # planned on or before today
    done: int  # finalized
    submitted: int  # handed in, still in review (not done yet)
    overdue: int  # day passed, form not handed in (never started, or a draft)
    behind: bool  # fewer done than due


def plan_progress(plan, today: date) -> tuple[list[ProgressRow], list[ProgressRow], ProgressRow]:
    """Planned vs done to date, per week of the month and per stratum (PGD-4.6, 5.3.1).

    Done is finalized; a submitted form is counted apart, and a shop whose day
    passed without a form handed in (never started, or a draft) is overdue.

    Two queries whatever the size of the plan.
    """

    shops = list(
        PlannedShop.objects.filter(plan=plan)
        .values(
            "date",
            "status",
            "stratum__reason__name",
            "stratum__band__name",
            "stratum__order",
            "stratum__area__name",
        )
        .order_by("date")
    )
    weeks: dict[int, list] = {}
    strata: dict[tuple, list] = {}
    for s in shops:
        weeks.setdefault(scheduling.week_of_month(s["date"]), []).append(s)
        key = (s["stratum__order"], s["stratum__reason__name"], s["stratum__band__name"])
        if plan.frame_per_area:  # the same reason and band can be a stratum of several areas
            area = s["stratum__area__name"] or str(OTHER_AREA)
            key = (s["stratum__order"], f"{area} · {key[1]}", key[2])
        strata.setdefault(key, []).append(s)

    def row(label, items):
        due = sum(1 for s in items if s["date"] <= today and s["status"] != ShopStatus.CANCELLED)
        done = sum(1 for s in items if s["status"] == ShopStatus.DONE)
        submitted = sum(1 for s in items if s["status"] == ShopStatus.SUBMITTED)
        overdue = sum(1 for s in items if s["date"] < today and s["status"] in OPEN_SHOP_STATUSES)
        return ProgressRow(str(label), len(items), due, done, submitted, overdue, done < due)

    week_rows = [row(_("Week %(n)s") % {"n": w}, items) for w, items in sorted(weeks.items())]
    stratum_rows = [row(f"{k[1]} × {k[2]}", items) for k, items in sorted(strata.items())]
    return week_rows, stratum_rows, row(_("Total"), shops)


@dataclass(frozen=True)
class AreaStrata:
    """The strata of one area of a per-area plan (TLK-5.1.2), with its subtotal."""

    label: str  # the area's name, or the other / unknown area group
    strata: list[PlanStratum]
    population: int
    share: float  # of the frame's contacts
    quota: float  # the exact quotas added up: sample size × share
    allocated: int


def strata_by_area(plan, strata: list[PlanStratum]) -> list[AreaStrata]:
    """A per-area plan's strata (read with their area) grouped by area in the
    plan's order, each group with its subtotal; no query."""
    groups: dict[int | None, list[PlanStratum]] = {}
    for stratum in strata:
        groups.setdefault(stratum.area_id, []).append(stratum)
    result = []
    for rows in groups.values():
        population = sum(s.population for s in rows)
        share = population / plan.frame_total if plan.frame_total else 0.0
        result.append(
            AreaStrata(
                label=rows[0].area_label,
                strata=rows,
                population=population,
                share=share,
                quota=plan.sample_size * share,
                allocated=sum(s.allocated for s in rows),
            )
        )
    return result


AGENDA_RELATED = (
    "area",
    "slot__band",
    "stratum__reason",
    "stratum__band",
    "channel",
    "scenario",
    "shopper",
)


def _shopper_queryset(program: Program, user: User) -> QuerySet[PlannedShop]:
    return (
        PlannedShop.objects.filter(
            plan__program=program, shopper=user, plan__status=PlanStatus.APPROVED
        )
        .select_related(*AGENDA_RELATED)
        .order_by("date", "slot__start", "number")
    )


def shopper_shops(program: Program, user: User, since: date) -> QuerySet[PlannedShop]:
    """A shopper's own shops of approved plans from `since` on, in date and slot
    order: the agenda page, its calendar feed and the shopper's dashboard."""
    return _shopper_queryset(program, user).filter(date__gte=since)


OVERDUE_DAYS = 31  # how far back the agenda looks for shops left undone


def shopper_overdue(program: Program, user: User, today: date) -> QuerySet[PlannedShop]:
    """A shopper's shops whose day has passed (within OVERDUE_DAYS) and that are
    not handed in (never started, a draft, a form returned) nor cancelled: still
    to fill in, or to report as not made."""
    return _shopper_queryset(program, user).filter(
        date__lt=today,
        date__gte=today - timedelta(days=OVERDUE_DAYS),
        status__in=OPEN_SHOP_STATUSES,
    )


WEEK_I_DAYS = 7  # TLK-5.2.1.1: week I = days 1–7 of the month


@dataclass(frozen=True)
class WeekOneMaterial:
    """TLK-5.2.1.1: the scenario material of the month, prepared in week I."""

    month: date
    updated: int  # scenarios added or changed in the library during week I
    gaps: list[tuple[str, str, int]]  # (reason, channel, shops) with no scenario

    @property
    def gap_shops(self) -> int:
        return sum(n for _reason, _channel, n in self.gaps)

    @property
    def ready(self) -> bool:
        return bool(self.updated) and not self.gaps


def week_one_material(plan) -> WeekOneMaterial:
    """Whether the library was updated in the plan month's week I, and the
    plan's scenario gaps by reason and channel. Two queries."""
    program = plan.program
    start = datetime.combine(plan.month, time(), tzinfo=program.zone)
    updated = (
        Scenario.history.filter(
            program_id=program.pk,
            history_date__gte=start,
            history_date__lt=start + timedelta(days=WEEK_I_DAYS),
        )
        .values("id")
        .distinct()
        .count()
    )
    gaps = [
        (row["stratum__reason__name"], row["channel__name"], row["n"])
        for row in PlannedShop.objects.filter(plan=plan, scenario=None)
        .values("stratum__reason__name", "channel__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "stratum__reason__name", "channel__name")
    ]
    return WeekOneMaterial(plan.month, updated, gaps)
