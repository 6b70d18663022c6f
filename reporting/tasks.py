from celery import shared_task

from . import notifications, reminders


@shared_task(name="reporting.tasks.sweep_reminders")
def sweep_reminders() -> dict:
    """Periodic (beat): make the reminders that are due; safe to overlap."""
    return reminders.run_sweeps()


@shared_task(name="reporting.tasks.deliver_notifications")
def deliver_notifications() -> tuple[int, int]:
    """Periodic (beat): send due e-mails; failures are retried with backoff."""
    return notifications.deliver_due()
