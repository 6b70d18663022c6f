"""Tasks of the retention app: thin, idempotent, a service call each."""

from celery import shared_task

from retention import services as retention


# The registered name is the one the task had in reporting, so messages queued
# before the move, and the beat schedule, still find it.
@shared_task(name="reporting.tasks.purge_expired_records")
def purge_expired_records() -> int:
    """Monthly (beat): delete records past their retention (PGD-6, TLK-6)."""
    return sum(1 for item in retention.purge() if not item.kept_because)
