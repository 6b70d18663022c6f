"""A realistic month of contact data: the sample file analysts download, the
demo, and the import benchmark.

Reasons follow a Zipf-like frequency, hours a daily curve peaking late morning,
weekdays busier than weekends, timestamps with the Jakarta offset. A few rows
carry a reason the program does not know yet, to show the mapping step.
"""

import csv
import random
from datetime import date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7))
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 15, 14, 11, 12, 13, 12, 10, 8, 7, 6, 5, 4, 3, 2]


def month_rows(
    month: date,
    rows: int,
    *,
    reasons: list[tuple[str, str]],
    channels: list[str],
    seed: int = 1,
    unknown: list[tuple[str, str]] = (),
):
    """Yield (timestamp, channel, reason, category, area) tuples."""
    rng = random.Random(seed)
    days = [
        month + timedelta(days=i)
        for i in range(31)
        if (month + timedelta(days=i)).month == month.month
    ]
    day_weights = [1.0 if d.isoweekday() <= 5 else 0.6 for d in days]
    reason_weights = [1 / (i + 1) for i in range(len(reasons))]
    if unknown:
        reasons = [*reasons, *unknown]
        reason_weights += [0.02] * len(unknown)
    areas = ["Jakarta", "Bandung", "Surabaya"]
    for _ in range(rows):
        day = rng.choices(days, day_weights)[0]
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        moment = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=WIB
        )
        reason, category = rng.choices(reasons, reason_weights)[0]
        yield (moment.isoformat(), rng.choice(channels), reason, category, rng.choice(areas))


HEADER = ["timestamp", "channel", "reason", "category", "area"]


def write_csv(fh, month: date, rows: int, **kwargs) -> None:
    """Write the CSV to an open text file."""
    writer = csv.writer(fh)
    writer.writerow(HEADER)
    writer.writerows(month_rows(month, rows, **kwargs))


def program_sample(program, month: date, rows: int = 4000):
    """Sample rows for a program: its own reasons, categories and channels."""
    reasons = [(r.name, r.category.code) for r in program.reasons.select_related("category")]
    channels = list(program.channels.filter(parent=None).values_list("code", flat=True))
    category = reasons[0][1] if reasons else "information"
    return month_rows(
        month,
        rows,
        reasons=reasons,
        channels=channels,
        seed=month.toordinal(),
        unknown=[("Tanya promo bulan ini", category)],
    )
