"""Celery tasks of the follow-up app: thin, idempotent, calling one service."""

from celery import shared_task

from followup.services import reminders


@shared_task(name="followup.tasks.sweep_followup_reminders")
def sweep_followup_reminders() -> dict:
    """Periodic (beat): customer-case calibrations due or overdue (PGD-4.8) and
    notes waiting for the supervisor (TLK-5.6.2); safe to overlap."""
    return reminders.run_sweeps()
