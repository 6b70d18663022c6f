"""Tasks of the notifications app: thin, idempotent, a service call each."""

from celery import shared_task

from notifications import services as notifications


# The registered name is the one the task had in reporting, so messages queued
# before the move, and the beat schedule, still find it.
@shared_task(name="reporting.tasks.deliver_notifications")
def deliver_notifications() -> tuple[int, int]:
    """Periodic (beat): send due e-mails; failures are retried with backoff."""
    return notifications.deliver_due()
