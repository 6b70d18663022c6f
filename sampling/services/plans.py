"""Writes of plans: generation, approval, reschedule, reassign, the shoppers'
calendar feed."""

import logging
import random
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from notifications.models import Kind
from notifications.services import settle
from programs import workdays
from programs.models import (
    Area,
    ContactReason,
    ExecutionPattern,
    Membership,
    Program,
    Role,
    Scenario,
    Scorecard,
    ScorecardStatus,
    TimeBand,
    TimeSlot,
    User,
)
from programs.months import add_months
from sampling import allocation, scheduling
from sampling.models import (
    OPEN_SHOP_STATUSES,
    CalendarFeed,
    ContactStat,
    PlannedShop,
    PlanStatus,
    PlanStratum,
    SamplePlan,
    ShopStatus,
)
from sampling.selectors.imports import traffic_of
from sampling.services import mappings
from sampling.services.imports import latest_import
from sampling.signals import plan_generated

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetestRequest:
    """Ask next month's plan for a shop of the same scenario (a follow-up's re-test)."""

    planned_shop_id: int  # the shop to repeat
    note: str  # shown with the new shop, e.g. "Re-test of shop #12 (team Melati)"


# Later stages register functions (program, month) -> [RetestRequest]; sampling
# calls them without importing those stages (followup registers in ready()).
RETEST_PROVIDERS: list = []


def retest_requests(program: Program, month: date) -> list[RetestRequest]:
    requests = []
    for provider in RETEST_PROVIDERS:
        requests += provider(program, month)
    return requests


def now() -> datetime:
    """The moment plans are made and approved at (tests set it, so they hold on any day)."""
    return timezone.now()


def made_before(program: Program, month: date) -> datetime:
    """Midnight before the month begins, in the program's zone: when a plan made
    ahead of its month was made (records and demo data of months under way)."""
    start = datetime.combine(month.replace(day=1), datetime.min.time(), tzinfo=program.zone)
    return start - timedelta(seconds=1)


def program_today(program: Program) -> date:
    return timezone.localtime(now(), program.zone).date()


def previous_month(month: date) -> date:
    return add_months(month, -1)


def closed_days(program: Program, month: date) -> set[date]:
    """Public holidays (when the program skips them) and closures of the month."""
    last = scheduling.month_days(month)[-1]
    return workdays.closed_days(program, month.replace(day=1), last)


def shoppers_of(program: Program) -> list[User]:
    """Who may be assigned shops: the program's shoppers (QCOs; supervisors and
    team leaders who help hold the shopper role too, TLK-5.2.2)."""
    return list(
        User.objects.filter(
            memberships__program=program, memberships__role=Role.SHOPPER, is_active=True
        )
        .order_by("full_name", "pk")
        .distinct()
    )


class PlanMadeMeanwhile(ValidationError):
    """Someone else generated the month's plan while this request was building
    one (two people pressed Generate at once): `plan` is the one that won.

    A ValidationError, so any caller that shows those answers calmly; the plan
    pages catch it first and open the winning plan."""

    def __init__(self, plan: "SamplePlan"):
        super().__init__(
            _("Someone else generated the plan of %(month)s at the same moment; this is it.")
            % {"month": f"{plan.month:%Y-%m}"}
        )
        self.plan = plan


@transaction.atomic
def plan_generate(
    *,
    program: Program,
    month: date,
    user: User | None,
    seed: int | None = None,
    at: datetime | None = None,
) -> SamplePlan:
    """Build the month's plan from month N-1's contact data (replacing a draft),
    in named steps: the frame, the allocation, the schedule, the shops drawn
    and placed, their shoppers (re-tests among them).

    The same data, seed and start give the same plan. A plan made during its
    month starts at the next open session after `at` (default: now). An approved
    plan is frozen. Raises PlanMadeMeanwhile when a concurrent request created
    the month's plan first (there was none to lock when both started).
    """
    month = month.replace(day=1)
    existing = SamplePlan.objects.select_for_update().filter(program=program, month=month).first()
    if existing and existing.is_frozen:
        raise ValidationError(_("The plan of this month is approved and cannot be regenerated."))
    source = latest_import(program, previous_month(month))
    if source is None:
        raise ValidationError(
            _("Import the contact data of %(month)s first.")
            % {"month": previous_month(month).strftime("%Y-%m")}
        )
    if seed is None:
        seed = secrets.randbelow(2**53)
    rng = random.Random(seed)
    notes: list[dict] = []  # codes + values, worded when shown (models.PLAN_NOTES)

    shoppers = shoppers_of(program)
    frame = _frame(program, month, source, notes)
    allocated = _allocation(program, frame, notes)
    sessions = _schedule(program, frame, allocated, rng, notes, at or now())

    if existing:
        existing.delete()
    try:
        # A savepoint: the insert waits for a concurrent one of the same month and
        # fails once that commits (plan_unique_month); the winner is then visible.
        with transaction.atomic():
            plan = SamplePlan.objects.create(
                program=program,
                month=month,
                contact_import=source,
                seed=seed,
                sample_size=program.monthly_sample_size,
                frame_total=sum(frame.population.values()),
                frame_per_area=frame.per_area,
                busy_slots=sorted([w, slot_id] for w, slot_id in frame.busy),
                starts_on=sessions[0].day,
                notes=list(notes),  # a copy: the steps below add to `notes`
                created_by=user,
            )
    except IntegrityError:
        winner = SamplePlan.objects.filter(program=program, month=month).first()
        if winner is None:
            raise
        raise PlanMadeMeanwhile(winner) from None
    strata = _save_strata(plan, allocated)
    empty = sum(1 for s in strata if not s.allocated)
    if empty:
        notes.append({"code": "strata_empty", "n": empty})
    shops = _draw_shops(plan, strata, sessions, frame, rng, notes, len(shoppers))
    shops += _retest_shops(plan, strata, sessions, len(shops), rng)
    _assign_shoppers(program, shoppers, shops, notes)
    bulk_create_with_history(shops, PlannedShop)
    if notes != plan.notes:
        plan.notes = notes
        plan.save(update_fields=["notes"])
    transaction.on_commit(lambda: plan_generated.send(sender=SamplePlan, plan=plan, user=user))
    return plan


@dataclass
class _Frame:
    """The sampling frame: the contacts of the top reasons (per area when the
    program asks for it) in the bands that can be sampled, and when shops can run."""

    per_area: bool
    area_order: dict
    reasons: dict[int, ContactReason]
    bands: list[TimeBand]
    slots: list[scheduling.Slot]
    busy: set
    days: list[date]
    population: Counter  # (group, reason id, band id) -> contacts
    channel_mix: dict[tuple, Counter]  # the same key -> contacts per channel


def _frame(program: Program, month: date, source, notes: list[dict]) -> _Frame:
    """Step 1: month N-1's contacts by reason, channel, weekday and hour (and
    area), the top N reasons of each group, the bands whose slots are not all
    high-traffic on the execution days, and the population of each stratum."""
    columns = ["reason_id", "channel_id", "weekday", "hour"]
    if program.top_reasons_per_area:
        columns.append("area")
    stats = list(
        ContactStat.objects.filter(contact_import=source)
        .values(*columns)
        .annotate(n=Sum("count"))
        .order_by(*columns)
    )
    unmapped = sum(s["n"] for s in stats if s["reason_id"] is None)
    if unmapped:
        notes.append({"code": "unmapped", "n": unmapped})
    # The frame's groups: one per area when the rule asks for it and the data has
    # areas (TLK-5.1.2), else a single program-wide group. Group key: an Area's pk,
    # or None (program-wide; or the other / unknown area group of a per-area frame).
    per_area, group_of, area_order = _area_groups(program, stats, notes)
    reasons = {
        r.pk: r for r in ContactReason.objects.filter(program=program).select_related("category")
    }
    per_reason: dict = defaultdict(Counter)
    for s in stats:
        if s["reason_id"] is not None:
            per_reason[group_of(s)][reasons[s["reason_id"]].name] += s["n"]
    # The top N of each group, ties broken by name, are the frame; with the
    # program's option, the best reason of each category first (TLK-5.1.2).
    category_of = (
        {r.name: r.category.name for r in reasons.values()}
        if program.top_reasons_per_category
        else None
    )
    in_frame = {
        (group, name)
        for group, counts in per_reason.items()
        for name, _count in allocation.top_reasons(counts, program.top_n_reasons, category_of)
    }
    if not in_frame:
        raise ValidationError(_("The contact data has no contact with a known reason."))
    if category_of:
        notes.extend(_categories_without_contacts(program, per_reason, category_of, area_order))

    bands = list(TimeBand.objects.filter(program=program).order_by("order", "start_hour"))
    slots = list(TimeSlot.objects.filter(program=program).select_related("band"))
    weeks = (
        program.execution_weeks
        if program.execution_pattern == ExecutionPattern.WEEKS_OF_MONTH
        else None
    )
    days = scheduling.execution_days(
        month, working_days=program.working_days, closed=closed_days(program, month), weeks=weeks
    )
    if not days:
        raise ValidationError(_("No execution day is left in this month for this program."))
    sched_slots = [scheduling.Slot(s.pk, scheduling.key(s.band_id), s.start, s.end) for s in slots]
    rates = traffic_of(program, source, sched_slots, stats)
    busy = dict(rates.busy)
    # A band can be sampled when one of its slots is low-traffic on an execution day.
    weekdays = sorted({d.isoweekday() for d in days})
    for band in bands:
        band_slots = [s for s in sched_slots if s.band == scheduling.key(band.pk)]
        if not band_slots or any((w, s.id) not in busy for w in weekdays for s in band_slots):
            continue
        if program.min_shops_per_band:
            # The band must be covered (TLK-5.2.1.3): its least busy slot of each
            # weekday is used, and the plan says so.
            kept = scheduling.least_busy(rates.rates, band_slots, weekdays)
            for w, slot in kept.items():
                busy.pop((w, slot.id), None)
            names = sorted({f"{x.start:%H:%M}–{x.end:%H:%M}" for x in kept.values()})
            notes.append({"code": "band_least_busy", "band": band.name, "slots": ", ".join(names)})
        else:
            notes.append({"code": "band_busy", "band": band.name})
    usable = {s.band_id for s in slots if any((w, s.pk) not in busy for w in weekdays)}
    band_of_hour = {}
    for hour in range(24):
        band = next((b for b in bands if b.contains_hour(hour)), None)
        if band is not None and band.pk not in usable and band.maps_to_id in usable:
            band = next(b for b in bands if b.pk == band.maps_to_id)
        band_of_hour[hour] = band

    population: Counter = Counter()
    channel_mix: dict[tuple, Counter] = defaultdict(Counter)
    left_out: Counter = Counter()
    frame_all = 0
    for s in stats:
        reason = reasons.get(s["reason_id"])
        group = group_of(s)
        if reason is None or (group, reason.name) not in in_frame:
            continue
        frame_all += s["n"]
        band = band_of_hour[s["hour"]]
        if band is None or band.pk not in usable:
            left_out[band.name if band else "—"] += s["n"]
            continue
        population[(group, reason.pk, band.pk)] += s["n"]
        channel_mix[(group, reason.pk, band.pk)][s["channel_id"]] += s["n"]
    for band_name, n in sorted(left_out.items()):
        notes.append(
            {
                "code": "band_left_out",
                "band": band_name,
                "n": n,
                "share": f"{100 * n / frame_all:.1f}",
            }
        )
    return _Frame(
        per_area=per_area,
        area_order=area_order,
        reasons=reasons,
        bands=bands,
        slots=sched_slots,
        busy=set(busy),
        days=days,
        population=population,
        channel_mix=channel_mix,
    )


def _categories_without_contacts(program, per_reason, category_of, area_order) -> list[dict]:
    """A note for each interaction category with no contact in a group of the frame."""
    categories = list(program.categories.order_by("order", "pk").values_list("name", flat=True))
    area_names = dict(Area.objects.filter(program=program).values_list("pk", "name"))
    found = []
    for group in sorted(per_reason, key=lambda g: area_order.get(g, ())):
        if group is None and len(area_order) > 1:
            continue  # the other / unknown area group of a per-area frame is no area
        seen = {category_of[name] for name, n in per_reason[group].items() if n}
        for category in categories:
            if category in seen:
                continue
            if group is None:
                found.append({"code": "category_none", "category": category})
            else:
                found.append(
                    {"code": "category_none_area", "category": category, "area": area_names[group]}
                )
    return found


def _allocation(program: Program, frame: _Frame, notes: list[dict]) -> list:
    """Step 2: the monthly sample spread over the strata in proportion to their
    contacts (PGD-4.5), at least `min_shops_per_band` in every band."""
    band_order = {b.pk: i for i, b in enumerate(frame.bands)}
    reasons = frame.reasons
    strata_in = [
        allocation.Stratum(
            reason=scheduling.key(reason_id),
            band=scheduling.key(band_id),
            population=n,
            # A program-wide frame keeps its key; a per-area one sorts by area first.
            order=(
                (frame.area_order[group], reasons[reason_id].name, band_order[band_id])
                if frame.per_area
                else (reasons[reason_id].name, band_order[band_id])
            ),
            area="" if group is None else str(group),
        )
        for (group, reason_id, band_id), n in frame.population.items()
    ]
    strata_in.sort(key=lambda s: s.order)
    try:
        return allocation.allocate(
            strata_in,
            program.monthly_sample_size,
            min_per_band=program.min_shops_per_band,
            min_per_reason=1,  # every top reason (of every area) gets a shop
        )
    except allocation.ReasonsUncovered as exc:
        reasons = len({(s.area, s.reason) for s in strata_in})
        notes.append(
            {"code": "reasons_uncovered", "n": reasons, "size": program.monthly_sample_size}
        )
        return exc.allocated
    except allocation.AllocationError as exc:
        raise ValidationError(str(exc)) from exc


def _schedule(
    program: Program,
    frame: _Frame,
    allocated: list,
    rng: random.Random,
    notes: list[dict],
    now: datetime,
) -> list:
    """Step 3: the sessions shops can run in: every low-traffic slot of every
    execution day, or `sessions_per_week` of them a week (PGD-4.6); none
    before `now` (a plan made during its month starts at the next open session)."""
    candidates = scheduling.candidate_sessions(frame.days, frame.slots, set(frame.busy))
    local = timezone.localtime(now, program.zone)
    today, moment = local.date(), local.time()
    future = [s for s in candidates if (s.day, s.slot_start) > (today, moment)]
    if not future:
        future = candidates  # the month is over: the plan is a record made afterwards
    elif len(future) < len(candidates):
        passed = {s.day for s in candidates} - {s.day for s in future}
        notes.append(
            {
                "code": "late_start",
                "made": today.isoformat(),
                "start": future[0].day.isoformat(),
                "days": len(passed),
            }
        )
    candidates = future
    shops_per_band = Counter()
    for a in allocated:
        shops_per_band[a.stratum.band] += a.allocated
    if program.execution_pattern == ExecutionPattern.SESSIONS_PER_WEEK:
        sessions = scheduling.weekly_sessions(
            candidates,
            per_week=program.sessions_per_week,
            shops_per_band=shops_per_band,
            working_days=program.working_days,
            rng=rng,
        )
    else:
        sessions = candidates
    if not sessions:
        raise ValidationError(_("No execution day is left in this month for this program."))
    if program.execution_pattern == ExecutionPattern.SESSIONS_PER_WEEK:
        notes.extend(_short_weeks(candidates, sessions, program.sessions_per_week))
    return sessions


def _short_weeks(candidates: list, sessions: list, per_week: int) -> list[dict]:
    """A note for each week with fewer than `per_week` sessions: why (its open days)."""
    open_days: dict[tuple, set] = defaultdict(set)
    for s in candidates:
        open_days[s.day.isocalendar()[:2]].add(s.day)
    held = Counter(s.day.isocalendar()[:2] for s in sessions)
    return [
        {
            "code": "short_week",
            "week": min(days).isoformat(),
            "days": len(days),
            "sessions": held[week],
            "per_week": per_week,
        }
        for week, days in sorted(open_days.items())
        if held[week] < per_week
    ]


def _save_strata(plan: SamplePlan, allocated: list) -> list[PlanStratum]:
    return PlanStratum.objects.bulk_create(
        PlanStratum(
            plan=plan,
            area_id=int(a.stratum.area) if a.stratum.area else None,
            reason_id=int(a.stratum.reason),
            band_id=int(a.stratum.band),
            population=a.stratum.population,
            share=_dec(a.share, 6),
            quota=_dec(a.quota, 4),
            allocated=a.allocated,
            lifted=a.lifted,
            order=i,
        )
        for i, a in enumerate(allocated)
    )


def _draw_shops(
    plan: SamplePlan,
    strata,
    sessions,
    frame: _Frame,
    rng: random.Random,
    notes: list[dict],
    n_shoppers: int,
) -> list[PlannedShop]:
    """Step 4: one shop per allocated seat, in a seeded random order, placed in
    a session of its band, its channel drawn from the stratum's channel mix
    (among channels with a published scorecard) and a scenario of its reason."""
    program = plan.program
    seats = [s for s in strata for _i in range(s.allocated)]
    rng.shuffle(seats)
    # A session holds what its shoppers may take in one slot (PGD-4.6).
    capacity = program.max_shops_per_shopper_slot * max(1, n_shoppers)
    placed = scheduling.place(
        [scheduling.key(s.band_id) for s in seats], sessions, rng, capacity=capacity
    )
    scorecard_channels = set(
        Scorecard.objects.filter(program=program, status=ScorecardStatus.PUBLISHED).values_list(
            "channel_id", flat=True
        )
    )
    scenarios = _scenarios_by_reason_channel(program, plan.month)
    shops = []
    gaps = 0
    for number, (stratum, session) in enumerate(zip(seats, placed, strict=True), start=1):
        mix = frame.channel_mix[(stratum.area_id, stratum.reason_id, stratum.band_id)]
        channel_id = _draw_channel(mix, scorecard_channels, rng)
        options = scenarios.get((stratum.reason_id, channel_id), [])
        scenario = rng.choice(options) if options else None
        gaps += scenario is None
        shops.append(
            PlannedShop(
                plan=plan,
                stratum=stratum,
                area_id=stratum.area_id,
                channel_id=channel_id,
                scenario=scenario,
                date=session.day,
                slot_id=session.slot_id,
                number=number,
            )
        )
    if gaps:
        notes.append({"code": "scenario_gaps", "n": gaps})
    return shops


def _assign_shoppers(
    program: Program, shoppers: list[User], shops: list[PlannedShop], notes: list[dict]
) -> None:
    """Step 5: the program's shoppers, spread evenly over the days (PGD-4.6)."""
    shops.sort(key=lambda s: (s.date, s.slot_id, s.number))
    per_slot = program.max_shops_per_shopper_slot
    assignment = scheduling.assign(
        [(i, s.date, s.slot_id) for i, s in enumerate(shops)],
        [(u.full_name, u.pk) for u in shoppers],
        per_slot=per_slot,
    )
    for i, shop in enumerate(shops):
        shop.shopper_id = assignment.get(i)
    if not shoppers:
        notes.append({"code": "no_shopper"})
        return
    crowded = Counter((s.shopper_id, s.date, s.slot_id) for s in shops)
    over = sum(n - per_slot for n in crowded.values() if n > per_slot)
    if over:
        notes.append({"code": "slot_crowded", "n": over, "k": per_slot})


AREAS_NAMED = 5  # unknown areas named in the plan's note; the rest are counted


def _area_groups(
    program: Program, stats: list[dict], notes: list[dict]
) -> tuple[bool, Callable[[dict], int | None], dict]:
    """How the frame is grouped: (per_area, group_of(stat) -> key, key -> sort key).

    Per area only when the program's rule asks for it and the data has an area
    on some row; the data's area text is matched to the program's areas by code,
    name or the analyst's mapping, case-insensitively. Rows whose area is blank or unknown form the
    other / unknown group (key None), so no contact silently leaves the frame.
    """
    if not program.top_reasons_per_area:
        return False, lambda s: None, {None: ()}
    if not any(s["area"].strip() for s in stats):
        notes.append({"code": "area_fallback"})
        return False, lambda s: None, {None: ()}
    areas = list(Area.objects.filter(program=program).order_by("pk"))
    lookup = mappings.area_lookup(program)
    matched = {text: lookup.get(text.strip().lower()) for text in {s["area"] for s in stats}}
    unknown, blank = Counter(), 0
    for s in stats:
        if not s["area"].strip():
            blank += s["n"]
        elif matched[s["area"]] is None:
            unknown[s["area"].strip()] += s["n"]
    if blank:
        notes.append({"code": "area_blank", "n": blank})
    if unknown:
        names = sorted(unknown, key=lambda t: (-unknown[t], t))
        shown = ", ".join(names[:AREAS_NAMED]) + (" …" if len(names) > AREAS_NAMED else "")
        notes.append({"code": "area_unknown", "n": sum(unknown.values()), "areas": shown})
    # Areas by name, the other / unknown group last.
    order = {a.pk: (0, a.name.lower(), a.pk) for a in areas}
    order[None] = (1, "", 0)
    return True, lambda s: matched[s["area"]], order


def _retest_shops(plan, strata, sessions, numbered: int, rng) -> list[PlannedShop]:
    """Shops re-testing last month's defects: same scenario and channel, in the
    original's time band, on top of the sample (not counted in the allocation)."""
    requests = retest_requests(plan.program, plan.month)
    if not requests:
        return []
    originals = {
        s.pk: s
        for s in PlannedShop.objects.filter(
            pk__in=[r.planned_shop_id for r in requests]
        ).select_related("stratum")
    }
    by_key = {(s.area_id, s.reason_id, s.band_id): s for s in strata}
    shops = []
    for request in requests:
        original = originals.get(request.planned_shop_id)
        if original is None:
            continue
        # On a per-area plan the re-test stays in the original's area.
        area_id = original.area_id if plan.frame_per_area else None
        key = (area_id, original.stratum.reason_id, original.stratum.band_id)
        stratum = by_key.get(key)
        if stratum is None:  # the reason left the frame: a stratum of its own, 0 allocated
            stratum = PlanStratum.objects.create(
                plan=plan,
                area_id=key[0],
                reason_id=key[1],
                band_id=key[2],
                population=0,
                share=0,
                quota=0,
                allocated=0,
                order=len(by_key) + len(shops),
            )
            by_key[key] = stratum
        band_sessions = [s for s in sessions if s.band == str(key[2])] or sessions
        session = rng.choice(band_sessions)
        shops.append(
            PlannedShop(
                plan=plan,
                stratum=stratum,
                area_id=stratum.area_id,
                channel_id=original.channel_id,
                scenario_id=original.scenario_id,
                date=session.day,
                slot_id=session.slot_id,
                number=numbered + len(shops) + 1,
                retest_of=original,
                change_reason=request.note,
            )
        )
    return shops


def _dec(value, places: int) -> Decimal:
    return (
        Decimal(value.numerator) / Decimal(value.denominator)
        if places is None
        else (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            Decimal(1).scaleb(-places)
        )
    )


def _draw_channel(mix: Counter, allowed: set[int], rng: random.Random) -> int:
    """A channel drawn in proportion to the stratum's contacts per channel,
    among channels that have a published scorecard when any does."""
    items = sorted(mix.items())
    usable = [(c, n) for c, n in items if c in allowed] or items
    channels, weights = zip(*usable, strict=True)
    return rng.choices(channels, weights=weights)[0]


def _scenarios_by_reason_channel(program: Program, month: date) -> dict:
    found = defaultdict(list)
    for scenario in (
        Scenario.objects.filter(program=program, is_active=True)
        .select_related("channel")
        .order_by("pk")
    ):
        if scenario.is_valid_in(month):
            found[(scenario.reason_id, scenario.channel_id)].append(scenario)
            if scenario.channel.parent_id:  # a chat scenario also serves "digital"
                found[(scenario.reason_id, scenario.channel.parent_id)].append(scenario)
    return found


def scenario_gaps(plan: SamplePlan) -> int:
    """Shops of the plan with no scenario yet (the library had none for their
    reason and channel): the shopper would not know what to ask."""
    return plan.shops.filter(scenario=None).exclude(status=ShopStatus.CANCELLED).count()


def past_shops(plan: SamplePlan) -> int:
    """Shops of the plan on days already past that nobody has handed in."""
    return plan.shops.filter(
        date__lt=program_today(plan.program), status__in=OPEN_SHOP_STATUSES
    ).count()


@transaction.atomic
def plan_approve(
    *, plan: SamplePlan, user: User, past_ok: bool = False, gaps_ok: bool = True
) -> SamplePlan:
    """Approve and freeze the plan. A plan with shops on days already past is
    approved only when the approver says so (`past_ok`); regenerating it starts
    it at the next open session instead."""
    plan = SamplePlan.objects.select_for_update().select_related("program").get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("This plan is approved already."))
    late = past_shops(plan)
    if late and not past_ok:
        raise ValidationError(
            ngettext(
                "%(n)s shop is on a day already past: regenerate the plan so it starts at "
                "the next open session, or confirm that you approve it as it is.",
                "%(n)s shops are on days already past: regenerate the plan so it starts at "
                "the next open session, or confirm that you approve it as it is.",
                late,
            )
            % {"n": late},
            code="past_shops",
        )
    # The plan page passes gaps_ok from its "approve with gaps" box (#22); the
    # demo, the benchmark and programmatic callers approve as they are.
    gaps = scenario_gaps(plan)
    if gaps and not gaps_ok:
        raise ValidationError(
            ngettext(
                "%(n)s shop has no scenario yet: add scenarios to the library and "
                "regenerate, or confirm that you approve the plan with the gap.",
                "%(n)s shops have no scenario yet: add scenarios to the library and "
                "regenerate, or confirm that you approve the plan with the gaps.",
                gaps,
            )
            % {"n": gaps},
            code="scenario_gaps",
        )
    plan.status = PlanStatus.APPROVED
    plan.approved_by = user
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    # "waits for your approval" is settled for every manager told of it.
    settle(kind=Kind.PLAN_TO_APPROVE, occasion=f"{plan.program_id}:{plan.month:%Y-%m}")
    return plan


MOVABLE = (ShopStatus.PLANNED, ShopStatus.RESCHEDULE, ShopStatus.STARTED)


@transaction.atomic
def shop_reschedule(
    *,
    shop: PlannedShop,
    day: date,
    slot: TimeSlot,
    reason: str,
    busy_ok: bool = False,
) -> PlannedShop:
    """Move a shop to another day and slot of its month, saying why (audited).

    Refused: a day of another month or already past, a day the program does
    not work, a public holiday or closure, a slot of another program. A slot
    that was high-traffic when the plan was made needs `busy_ok` (the reason
    then says why; PGD-5.2.2)."""
    shop = (
        PlannedShop.objects.select_for_update()
        .select_related("plan", "plan__program")
        .get(pk=shop.pk)
    )
    program = shop.plan.program
    if shop.status not in MOVABLE:
        raise ValidationError(_("A shop whose form was handed in cannot be moved."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the shop is moved.")})
    if (day.year, day.month) != (shop.plan.month.year, shop.plan.month.month):
        raise ValidationError({"day": _("Choose a day of the plan's month.")})
    if day < program_today(program) and day != shop.date:
        raise ValidationError(
            {"day": _("%(day)s has passed: choose today or a later day.") % {"day": day}}
        )
    if day.isoweekday() not in program.working_days:
        days = sorted(program.working_days)
        raise ValidationError(
            {
                "day": _("%(day)s is a %(weekday)s: the program runs shops on %(days)s only.")
                % {
                    "day": day,
                    "weekday": workdays.weekday_name(day.isoweekday()),
                    "days": ", ".join(workdays.weekday_name(d) for d in days),
                }
            }
        )
    closed = workdays.closures(program, day, day)
    if day in closed:
        raise ValidationError(
            {
                "day": _("%(day)s is closed (%(why)s): shops do not run on it.")
                % {"day": day, "why": closed[day]}
            }
        )
    if slot.program_id != program.pk:
        raise ValidationError({"slot": _("Choose a slot of this program.")})
    if [day.isoweekday(), slot.pk] in shop.plan.busy_slots and not busy_ok:
        raise ValidationError(
            {
                "slot": _(
                    "%(slot)s is high-traffic on %(weekday)s (PGD-5.2.2). Tick “move into a "
                    "high-traffic slot” and say why in the reason to move it there anyway."
                )
                % {"slot": slot, "weekday": workdays.weekday_name(day.isoweekday())}
            },
            code="busy",
        )
    shop.date, shop.slot, shop.change_reason = day, slot, reason.strip()
    if shop.status == ShopStatus.RESCHEDULE:
        shop.status = ShopStatus.PLANNED
    shop.save()
    return shop


@transaction.atomic
def shop_reassign(*, shop: PlannedShop, shopper: User | None, reason: str) -> PlannedShop:
    """Give a shop to another shopper of the program, saying why (audited)."""
    shop = PlannedShop.objects.select_for_update().select_related("plan").get(pk=shop.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the shop is reassigned.")})
    if (
        shopper is not None
        and not Membership.objects.filter(
            program=shop.plan.program_id, user=shopper, role=Role.SHOPPER
        ).exists()
    ):
        raise ValidationError({"shopper": _("Choose a shopper of this program.")})
    shop.shopper, shop.change_reason = shopper, reason.strip()
    shop.save()
    return shop


@transaction.atomic
def plan_assign_evenly(*, plan: SamplePlan) -> int:
    """Assign the plan's unassigned shops evenly, counting what shoppers have."""
    shops = list(
        PlannedShop.objects.select_for_update()
        .filter(plan=plan, shopper=None)
        .order_by("date", "slot__start", "number")
    )
    held = list(
        PlannedShop.objects.filter(plan=plan)
        .exclude(shopper=None)
        .values_list("shopper_id", "date", "slot_id")
    )
    shoppers = shoppers_of(plan.program)
    assignment = scheduling.assign(
        [(s.pk, s.date, s.slot_id) for s in shops],
        [(u.full_name, u.pk) for u in shoppers],
        Counter(shopper for shopper, _day, _slot in held),
        per_slot=plan.program.max_shops_per_shopper_slot,
        taken=Counter(held),
    )
    for shop in shops:
        shop.shopper_id = assignment.get(shop.pk)
        shop.change_reason = _("Assigned evenly.")
        shop.save(update_fields=["shopper", "change_reason"])
    return len(assignment)


# --- Contact data import (TLK-5.1.1) -------------------------------------------


def calendar_feed_for(*, program: Program, user: User) -> CalendarFeed:
    """The user's secret calendar address for the program, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        program=program, user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


def calendar_feed_reset(*, program: Program, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working (e.g. after it leaked)."""
    feed = calendar_feed_for(program=program, user=user)
    feed.token = secrets.token_urlsafe(32)
    feed.save(update_fields=["token"])
    return feed
