"""Reads of the sampling app, as plain data for pages and exports."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from programs.models import Program, TimeSlot, User
from sampling import scheduling
from sampling.allocation import top_reasons
from sampling.models import (
    OTHER_AREA,
    ContactImport,
    ContactStat,
    PlannedShop,
    PlanStatus,
    PlanStratum,
    SamplePlan,
    ShopStatus,
)

WEEKDAYS = range(1, 8)
HOURS = range(24)
HEAT_LEVELS = 10
WEEKDAY_LABELS = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}


@dataclass(frozen=True)
class ReasonRow:
    rank: int | None
    name: str
    category: str
    contacts: int
    share: float
    cumulative: float
    in_frame: bool


@dataclass(frozen=True)
class UnknownReason:
    text: str
    contacts: int


@dataclass(frozen=True)
class HeatCell:
    weekday: int
    hour: int
    contacts: int
    level: int  # 0 … HEAT_LEVELS - 1, for the colour
    in_slot: bool
    busy: bool  # inside a slot that is high-traffic on this weekday


@dataclass
class ContactOverview:
    """What the analyst reviews before generating a plan (TLK-5.1.2, PGD-5.2.2)."""

    contact_import: ContactImport
    total: int
    reasons: list[ReasonRow]
    unknown: list[UnknownReason]
    heat: list[tuple[str, list[HeatCell]]]  # (weekday label, cells by hour)
    busy_slots: list[tuple[str, TimeSlot, float]]  # (weekday label, slot, contacts per hour)
    threshold: float  # contacts per hour above which a slot is high-traffic
    slots: list[TimeSlot] = field(default_factory=list)


def contact_overview(program: Program, record: ContactImport) -> ContactOverview:
    """Top-N, unknown reasons and the weekday × hour traffic of one import.

    A fixed number of queries, whatever the number of rows.
    """
    by_reason = list(
        ContactStat.objects.filter(contact_import=record)
        .values("reason_id", "reason__name", "reason__category__name", "reason_text")
        .annotate(n=Sum("count"))
        .order_by("reason__name", "reason_text")
    )
    total = sum(r["n"] for r in by_reason)
    known: Counter = Counter()
    category = {}
    unknown: Counter = Counter()
    for r in by_reason:
        if r["reason_id"] is None:
            unknown[r["reason_text"]] += r["n"]
        else:
            known[r["reason__name"]] += r["n"]
            category[r["reason__name"]] = r["reason__category__name"]
    top = top_reasons(known, program.top_n_reasons)
    frame = {name for name, _n in top}
    ranked = top + sorted(
        ((n, c) for n, c in known.items() if n not in frame), key=lambda nc: (-nc[1], nc[0])
    )
    rows, cumulative = [], 0
    for i, (name, n) in enumerate(ranked, start=1):
        cumulative += n
        rows.append(
            ReasonRow(
                rank=i if name in frame else None,
                name=name,
                category=category[name],
                contacts=n,
                share=n / total if total else 0,
                cumulative=cumulative / total if total else 0,
                in_frame=name in frame,
            )
        )
    hourly = Counter()
    for r in (
        ContactStat.objects.filter(contact_import=record)
        .values("weekday", "hour")
        .annotate(n=Sum("count"))
    ):
        hourly[(r["weekday"], r["hour"])] = r["n"]
    slots = list(TimeSlot.objects.filter(program=program).select_related("band"))
    peak = max(hourly.values(), default=0)
    sched = [scheduling.Slot(s.pk, scheduling.key(s.band_id), s.start, s.end) for s in slots]
    weekdays = sorted(program.working_days)
    busy = scheduling.high_traffic(hourly, sched, weekdays, program.traffic_threshold_percent)
    slot_hours = {s.id: _hours(s) for s in sched}
    in_slot = set().union(*slot_hours.values()) if slot_hours else set()
    busy_hours = {(w, h) for (w, sid) in busy for h in slot_hours[sid]}
    heat = [
        (
            WEEKDAY_LABELS[w],
            [
                HeatCell(
                    weekday=w,
                    hour=h,
                    contacts=hourly[(w, h)],
                    level=min(HEAT_LEVELS - 1, HEAT_LEVELS * hourly[(w, h)] // peak)
                    if peak
                    else 0,
                    in_slot=h in in_slot,
                    busy=(w, h) in busy_hours,
                )
                for h in HOURS
            ],
        )
        for w in WEEKDAYS
    ]
    traffic = [scheduling.slot_traffic(hourly, w, s) for w in weekdays for s in sched]
    mean = sum(traffic) / len(traffic) if traffic else 0
    by_id = {s.pk: s for s in slots}
    return ContactOverview(
        contact_import=record,
        total=total,
        reasons=rows,
        unknown=[UnknownReason(t, n) for t, n in sorted(unknown.items(), key=lambda x: -x[1])],
        heat=heat,
        busy_slots=[(WEEKDAY_LABELS[w], by_id[sid], t) for (w, sid), t in sorted(busy.items())],
        threshold=mean * program.traffic_threshold_percent / 100,
        slots=slots,
    )


def _hours(slot: scheduling.Slot) -> set[int]:
    """The hours of the day a slot touches (08:30–10:00 → {8, 9})."""
    last = (slot.end.hour * 60 + slot.end.minute - 1) // 60
    return set(range(slot.start.hour, last + 1))


def plan_using_import(program: Program, month: date) -> SamplePlan | None:
    """The approved plan made from `month`'s contact data (the plan of the month after)."""
    return (
        SamplePlan.objects.filter(
            program=program, status=PlanStatus.APPROVED, contact_import__month=month
        )
        .select_related("contact_import")
        .first()
    )


def plans_by_import(imports: list[ContactImport]) -> dict[int, SamplePlan]:
    """Import id → the plan made from it (the latest), for the import list."""
    plans = SamplePlan.objects.filter(contact_import__in=imports).order_by("month")
    return {p.contact_import_id: p for p in plans}


def months_with_data(program: Program) -> list[date]:
    return list(
        ContactImport.objects.filter(program=program, status="succeeded")
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")
    )


@dataclass(frozen=True)
class ProgressRow:
    label: str
    planned: int  # planned in the plan
    due: int  # planned on or before today
    done: int
    behind: bool  # fewer done than due


def plan_progress(plan, today: date) -> tuple[list[ProgressRow], list[ProgressRow], ProgressRow]:
    """Planned vs done to date, per week of the month and per stratum (PGD-4.6, 5.3.1).

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
        return ProgressRow(str(label), len(items), due, done, done < due)

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
    neither done nor cancelled: still to fill in, or to report as not made."""
    return _shopper_queryset(program, user).filter(
        date__lt=today,
        date__gte=today - timedelta(days=OVERDUE_DAYS),
        status__in=[ShopStatus.PLANNED, ShopStatus.RESCHEDULE],
    )
