"""Tasks of the retention app: thin, idempotent, a service call each."""

from celery import shared_task

from retention import services as retention


# The registered name is the one the task had in reporting, so messages queued
# before the move, and the beat schedule, still find it.
@shared_task(name="reporting.tasks.purge_expired_records")
def purge_expired_records() -> int:
    """Hourly (beat): purge each program whose local time is past the night of
    the 1st and whose monthly purge has not run yet (PGD-6, TLK-6). Running it
    again, or twice at once, purges nothing twice."""
    return retention.purge_due_programs(by="beat")
