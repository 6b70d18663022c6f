"""Reads of contact data: the month's overview (heat map, reasons, unknowns) and
which plan uses an import."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from programs.models import ContactReason, Program, TimeSlot
from programs.workdays import WEEKDAY_NAMES
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

WEEKDAY_LABELS = WEEKDAY_NAMES


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
    contacts: int  # in the month
    per_day: float  # on each date of the month that weekday falls on
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
    busy_slots: list[tuple[str, TimeSlot, float]]  # (weekday, slot, contacts per hour per day)
    threshold: float | None  # the rate above which a slot is high-traffic; None: no rule
    mean: float  # the mean rate over the program's slots on its working days
    days: list[tuple[str, int]]  # (weekday, dates of the month it falls on)
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
    top = top_reasons(
        known, program.top_n_reasons, category if program.top_reasons_per_category else None
    )
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
    slots = list(TimeSlot.objects.filter(program=program).select_related("band"))
    sched = [scheduling.Slot(s.pk, scheduling.key(s.band_id), s.start, s.end) for s in slots]
    hourly_rows = list(
        ContactStat.objects.filter(contact_import=record)
        .values("weekday", "hour")
        .annotate(n=Sum("count"))
        .order_by()
    )
    hourly = Counter()
    for r in hourly_rows:
        hourly[(r["weekday"], r["hour"])] += r["n"]
    rates = traffic_of(program, record, sched, hourly_rows)
    days = scheduling.weekday_days(record.month)
    peak = max(hourly.values(), default=0)
    slot_hours = {s.id: _hours(s) for s in sched}
    in_slot = set().union(*slot_hours.values()) if slot_hours else set()
    busy_hours = {(w, h) for (w, sid) in rates.busy for h in slot_hours[sid]}
    heat = [
        (
            WEEKDAY_LABELS[w],
            [
                HeatCell(
                    weekday=w,
                    hour=h,
                    contacts=hourly[(w, h)],
                    per_day=hourly[(w, h)] / days[w] if days[w] else 0.0,
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
    by_id = {s.pk: s for s in slots}
    return ContactOverview(
        contact_import=record,
        total=total,
        reasons=rows,
        unknown=unknown_reasons(program, unknown),
        heat=heat,
        busy_slots=[
            (WEEKDAY_LABELS[w], by_id[sid], t) for (w, sid), t in sorted(rates.busy.items())
        ],
        threshold=rates.limit,
        mean=rates.mean,
        days=[(WEEKDAY_LABELS[w], days[w]) for w in WEEKDAYS],
        slots=slots,
    )


def traffic_of(
    program: Program, source, slots: list[scheduling.Slot], stats: list[dict] | None = None
) -> scheduling.Traffic:
    """How busy each (weekday, slot) of the program was in the import's month,
    as a rate, and which slots are high-traffic by the program's rule (PGD-5.2.2).
    `stats` are rows with weekday, hour and n, when already read."""
    if stats is None:
        stats = list(
            ContactStat.objects.filter(contact_import=source)
            .values("weekday", "hour")
            .annotate(n=Sum("count"))
            .order_by()
        )
    hourly: Counter = Counter()
    for s in stats:
        hourly[(s["weekday"], s["hour"])] += s["n"]
    return scheduling.traffic(
        hourly,
        slots,
        sorted(program.working_days),
        scheduling.weekday_days(source.month),
        program.traffic_threshold_percent if program.avoid_high_traffic else None,
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
