"""Reads of contact data: the month's overview (heat map, reasons, unknowns) and
which plan uses an import."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from programs.models import ContactReason, Program, TimeSlot
from sampling import scheduling
from sampling.allocation import top_reasons
from sampling.models import (
    ContactImport,
    ContactStat,
    PlanStatus,
    SamplePlan,
)
from sampling.services.mappings import Target, suggestion

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
    suggested: int | None = None  # the id of the known reason it looks most like
    suggested_name: str = ""


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

    @property
    def suggested_count(self) -> int:
        return sum(1 for u in self.unknown if u.suggested)


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
        unknown=unknown_reasons(program, unknown),
        heat=heat,
        busy_slots=[(WEEKDAY_LABELS[w], by_id[sid], t) for (w, sid), t in sorted(busy.items())],
        threshold=mean * program.traffic_threshold_percent / 100,
        slots=slots,
    )


def _hours(slot: scheduling.Slot) -> set[int]:
    """The hours of the day a slot touches (08:30–10:00 → {8, 9})."""
    last = (slot.end.hour * 60 + slot.end.minute - 1) // 60
    return set(range(slot.start.hour, last + 1))


def unknown_reasons(program: Program, unknown: Counter) -> list[UnknownReason]:
    """The reasons of the file the program does not know, most contacts first,
    each with the known reason it looks most like (rapidfuzz; none when no
    reason is close). One query, whatever the number of reasons."""
    if not unknown:
        return []
    known = [
        Target(str(pk), name, name)
        for pk, name in ContactReason.objects.filter(program=program).values_list("pk", "name")
    ]
    names = {target.choice: target.label for target in known}
    found = []
    for text, n in sorted(unknown.items(), key=lambda x: (-x[1], x[0])):
        suggested = suggestion(text, "", known)
        found.append(
            UnknownReason(text, n, int(suggested) if suggested else None, names.get(suggested, ""))
        )
    return found


def import_unknown_reasons(program: Program, record: ContactImport) -> list[UnknownReason]:
    """unknown_reasons of one import. Two queries."""
    rows = (
        ContactStat.objects.filter(contact_import=record, reason=None)
        .values("reason_text")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return unknown_reasons(program, Counter({r["reason_text"]: r["n"] for r in rows}))


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
