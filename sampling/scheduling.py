"""When the shops run (PGD-4.5, PGD-5.2.2, TLK-5.2.1.3) and who runs them
(TLK-5.2.2). Pure functions on plain data; all randomness comes from the
plan's seeded `random.Random`, and every iteration is over sorted lists, so
the same data and seed give the same schedule.

- Execution days: the program's working days of the month, minus public
  holidays and closures; for the "weeks of the month" pattern only days in
  those weeks (week I = days 1–7, week II = days 8–14, …, week V = 29–31).
- High traffic (when the program has the rule): a (weekday, slot) whose
  contacts per hour per date of that weekday exceed the threshold percentage
  of the mean over the program's slots is not used; a band that must be
  covered and has only busy slots keeps its least busy slot of each weekday.
- Sessions: with "N sessions per week", each calendar week (Monday–Sunday,
  cut at the month's edges, prorated by its working days) gets N sessions,
  shared among the time bands in proportion to their shops; a session is one
  slot on one day. With the weeks pattern every low-traffic slot of those
  days is a session.
- Placement: each shop goes to the least-used session of its band (ties
  drawn at random), which spreads shops across weeks, days and slots; a
  session holds at most (shoppers × shops per shopper per slot) while the
  band has room elsewhere.
- Assignment: each shop goes to the shopper with the fewest shops so far,
  passing over one who holds the most allowed in that slot (ties: fewest
  that day, then name).
"""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from sampling.allocation import hamilton


def key(pk: int) -> str:
    """A record's key here and in allocation, where keys sort as text:
    zero-padded, so that band 9 still comes before band 10."""
    return f"{pk:012d}"


@dataclass(frozen=True)
class Slot:
    id: int
    band: str
    start: time
    end: time

    @property
    def hours(self) -> float:
        start = datetime.combine(date.min, self.start)
        return (datetime.combine(date.min, self.end) - start).total_seconds() / 3600


@dataclass(frozen=True, order=True)
class Session:
    day: date
    slot_start: time
    slot_id: int
    band: str


def month_days(month: date) -> list[date]:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def week_of_month(day: date) -> int:
    """Week I = days 1–7, week II = days 8–14, … week V = days 29–31."""
    return (day.day - 1) // 7 + 1


def execution_days(
    month: date,
    *,
    working_days: list[int],
    closed: set[date],
    weeks: list[int] | None = None,
) -> list[date]:
    """Days of the month on which shops may run."""
    return [
        d
        for d in month_days(month)
        if d.isoweekday() in working_days
        and d not in closed
        and (not weeks or week_of_month(d) in weeks)
    ]


def weekday_days(month: date) -> Counter:
    """{ISO weekday: how many dates of the month fall on it} (4 or 5)."""
    return Counter(d.isoweekday() for d in month_days(month))


def slot_traffic(
    hourly: dict[tuple[int, int], int], weekday: int, slot: Slot, days: int = 1
) -> float:
    """Contacts per hour in `slot` on one `weekday` (of `days` such dates), from
    counts per (weekday, hour) summed over the month."""
    start = slot.start.hour * 60 + slot.start.minute
    end = slot.end.hour * 60 + slot.end.minute
    contacts = 0.0
    for hour in range(slot.start.hour, (end - 1) // 60 + 1):
        overlap = min(end, (hour + 1) * 60) - max(start, hour * 60)
        if overlap > 0:
            contacts += hourly.get((weekday, hour), 0) * overlap / 60
    return contacts / slot.hours / max(days, 1) if slot.hours else 0.0


@dataclass(frozen=True)
class Traffic:
    """How busy each (weekday, slot) is as a rate, and which are high-traffic.

    rate = contacts per hour of the slot per date that weekday falls on in the
    data's month (a month with five Mondays does not make Monday look busier);
    `mean` is over the program's own slots on its working days; a slot is busy
    when its rate exceeds `threshold` % of the mean, and only when the rule is on.
    """

    rates: dict[tuple[int, int], float]
    mean: float
    threshold: int | None  # None: the program has no traffic rule
    busy: dict[tuple[int, int], float]

    @property
    def limit(self) -> float | None:
        return None if self.threshold is None else self.mean * self.threshold / 100


def traffic(
    hourly: dict[tuple[int, int], int],
    slots: list[Slot],
    weekdays: list[int],
    days_per_weekday: dict[int, int],
    threshold_percent: int | None,
) -> Traffic:
    rates = {
        (w, s.id): slot_traffic(hourly, w, s, days_per_weekday.get(w, 1))
        for w in weekdays
        for s in slots
    }
    mean = sum(rates.values()) / len(rates) if rates else 0.0
    busy = {}
    if threshold_percent is not None and mean:
        limit = mean * threshold_percent / 100
        busy = {key: rate for key, rate in rates.items() if rate > limit}
    return Traffic(rates, mean, threshold_percent, busy)


def least_busy(
    rates: dict[tuple[int, int], float], slots: list[Slot], weekdays: list[int]
) -> dict[int, Slot]:
    """{weekday: the slot among `slots` with the lowest rate that day} (ties: earlier)."""
    return {
        w: min(slots, key=lambda s: (rates.get((w, s.id), 0.0), s.start, s.id)) for w in weekdays
    }


def candidate_sessions(
    days: list[date], slots: list[Slot], excluded: set[tuple[int, int]]
) -> list[Session]:
    return sorted(
        Session(d, s.start, s.id, s.band)
        for d in days
        for s in slots
        if (d.isoweekday(), s.id) not in excluded
    )


def weekly_sessions(
    candidates: list[Session],
    *,
    per_week: int,
    shops_per_band: dict[str, int],
    working_days: list[int],
    rng: random.Random,
) -> list[Session]:
    """Pick `per_week` sessions in every week that has as many open days (one
    on each open day of a shorter week), on distinct days, shared among the
    bands by their shops."""
    by_week: dict[tuple[int, int], list[Session]] = defaultdict(list)
    for s in candidates:
        by_week[s.day.isocalendar()[:2]].append(s)
    bands = sorted(b for b, n in shops_per_band.items() if n > 0)
    total_shops = sum(shops_per_band[b] for b in bands)
    chosen: list[Session] = []
    used_per_band: Counter = Counter()
    for week in sorted(by_week):
        sessions = by_week[week]
        open_days = {s.day for s in sessions}
        # N sessions in every week with N open days; a shorter week (a holiday,
        # the month's edge) one on each of its open days (PGD-4.5).
        n = min(per_week, len(open_days), len(sessions))
        quotas = [n * Fraction(shops_per_band[b], total_shops) for b in bands]
        # Ties go to the band with fewer sessions so far: every band gets its turn.
        seats = hamilton(quotas, n, [(used_per_band[b], b) for b in bands])
        # Spread the week's sessions over distinct days while days are left.
        days_taken: set[date] = set()
        for band, k in zip(bands, seats, strict=True):
            pool = [s for s in sessions if s.band == band]
            rng.shuffle(pool)
            pool.sort(key=lambda s: s.day in days_taken)  # stable: untaken days first
            picked = []
            for s in pool:
                if len(picked) == k:
                    break
                if s.day not in days_taken or len(days_taken) >= len(open_days):
                    picked.append(s)
                    days_taken.add(s.day)
            picked += [s for s in pool if s not in picked][: k - len(picked)]
            days_taken.update(s.day for s in picked)
            chosen += picked
            used_per_band[band] += len(picked)
    # A band with shops but no session yet takes one, in a week with room or
    # else in place of a session of the band that has most.
    for band in bands:
        if used_per_band[band]:
            continue
        pool = [s for s in candidates if s.band == band and s not in chosen]
        if not pool:
            continue
        session = rng.choice(pool)
        week = session.day.isocalendar()[:2]
        in_week = [s for s in chosen if s.day.isocalendar()[:2] == week]
        if len(in_week) >= per_week:
            richest = max(in_week, key=lambda s: (used_per_band[s.band], s))
            chosen.remove(richest)
            used_per_band[richest.band] -= 1
        chosen.append(session)
        used_per_band[band] += 1
    return sorted(chosen)


def place(
    shop_bands: list[str],
    sessions: list[Session],
    rng: random.Random,
    capacity: int | None = None,
) -> list[Session | None]:
    """For each shop (given by its band), the session it runs in; None if its
    band has no session. Least-used session first (then the least-used day),
    ties at random; a session holds at most `capacity` shops while another
    session of the band has room."""
    uses: Counter = Counter()
    day_uses: Counter = Counter()
    by_band: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        by_band[s.band].append(s)
    placed: list[Session | None] = []
    for band in shop_bands:
        pool = by_band.get(band)
        if not pool:
            placed.append(None)
            continue
        if capacity:
            pool = [s for s in pool if uses[s] < capacity] or pool
        least = min(uses[s] for s in pool)
        ties = [s for s in pool if uses[s] == least]
        fewest_day = min(day_uses[s.day] for s in ties)
        ties = [s for s in ties if day_uses[s.day] == fewest_day]
        session = rng.choice(ties)
        uses[session] += 1
        day_uses[session.day] += 1
        placed.append(session)
    return placed


def assign(
    shops: list[tuple[int, date, int | None]],
    shoppers: list[tuple[str, int]],
    load: Counter | None = None,
    *,
    per_slot: int | None = None,
    taken: Counter | None = None,
) -> dict[int, int]:
    """{shop key: shopper id}: evenly, the least-loaded shopper first.

    `shops` are (key, day, slot id) in the order to assign; `shoppers` are
    (name, id). A shopper with `per_slot` shops in that slot of that day is
    passed over while another has room (`taken` counts what they hold already).
    Ties: fewer shops that day, then name.
    """
    if not shoppers:
        return {}
    load = Counter(load or {})
    in_slot = Counter(taken or {})
    per_day: Counter = Counter()
    result = {}
    for key, day, slot in shops:
        _name, shopper = min(
            shoppers,
            key=lambda ns: (
                bool(per_slot) and in_slot[(ns[1], day, slot)] >= per_slot,
                load[ns[1]],
                per_day[(ns[1], day)],
                ns[0],
                ns[1],
            ),
        )
        result[key] = shopper
        load[shopper] += 1
        per_day[(shopper, day)] += 1
        in_slot[(shopper, day, slot)] += 1
    return result
