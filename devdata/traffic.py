"""Synthetic month-N-1 contact counts (aggregates, not rows): for plan tests and
the three-year benchmark data set, where importing real files would be slow."""

import random
from datetime import date

from django.utils import timezone

from programs.models import Channel
from sampling.models import ContactImport, ContactStat, ImportStatus


def synthetic_contact_month(program, month: date, *, seed: int = 1, peak_hours=range(9, 12)):
    """A succeeded import of `month` with counts for every reason, weekday and
    hour; hours in `peak_hours` get ten times the traffic (high traffic)."""
    record = ContactImport.objects.create(
        program=program,
        month=month,
        original_name="synthetic.csv",
        status=ImportStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    rng = random.Random(seed)
    channels = list(Channel.objects.filter(program=program, parent=None).order_by("code"))
    stats = []
    for i, reason in enumerate(program.reasons.order_by("name")):
        for weekday in range(1, 8):
            for hour in range(24):
                base = 40 if 7 <= hour < 22 else 4
                if hour in peak_hours:
                    base *= 10
                stats.append(
                    ContactStat(
                        contact_import=record,
                        reason_text=reason.name,
                        reason=reason,
                        category=reason.category,
                        channel=channels[(i + hour) % len(channels)],
                        weekday=weekday,
                        hour=hour,
                        count=max(1, rng.randint(base // 2, base) * (len(channels) + 12 - i)),
                    )
                )
    ContactStat.objects.bulk_create(stats)
    return record


def realistic_contact_month(program, month: date, *, rows: int = 20000, seed: int = 1):
    """A succeeded import of `month` counted from the one realistic generator
    (devdata.exports): the day curve with peaks at 10–11 and 14–15, quiet nights,
    weekday effects, holidays; each contact counted under the program's reason,
    category, channel and area it stands for (the importer's result, without the file)."""
    from collections import Counter

    from devdata import exports

    record = ContactImport.objects.create(
        program=program,
        month=month,
        original_name="realistic.csv",
        status=ImportStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    reasons = {r.name: r for r in program.reasons.select_related("category")}
    channels = {c.code: c for c in Channel.objects.filter(program=program)}
    counts: Counter = Counter()
    for c in exports.contacts(exports.profile_of(program), month, rows, seed=seed):
        reason = reasons.get(c.reason_name)
        channel = channels.get(c.channel_code)
        if reason is None or channel is None:
            continue  # the unknown reason and the channel the program lacks
        counts[(reason, channel, c.moment.isoweekday(), c.moment.hour, c.area)] += 1
    ContactStat.objects.bulk_create(
        ContactStat(
            contact_import=record,
            reason_text=reason.name,
            reason=reason,
            category=reason.category,
            channel=channel,
            weekday=weekday,
            hour=hour,
            area=area,
            count=n,
        )
        for (reason, channel, weekday, hour, area), n in sorted(
            counts.items(), key=lambda kv: (kv[0][0].pk, kv[0][1].pk, *kv[0][2:])
        )
    )
    return record
