from celery import shared_task

from reporting import notifications, reminders


@shared_task(name="reporting.tasks.sweep_reminders")
def sweep_reminders() -> dict:
    """Periodic (beat): make the reminders that are due; safe to overlap."""
    return reminders.run_sweeps()


@shared_task(name="reporting.tasks.deliver_notifications")
def deliver_notifications() -> tuple[int, int]:
    """Periodic (beat): send due e-mails; failures are retried with backoff."""
    return notifications.deliver_due()


@shared_task(name="reporting.tasks.purge_expired_records")
def purge_expired_records() -> int:
    """Monthly (beat): delete records past their retention (PGD-6, TLK-6)."""
    from reporting import retention

    return sum(1 for item in retention.purge() if not item.kept_because)


@shared_task(name="reporting.tasks.build_audit_pack", acks_late=True)
def build_audit_pack(pack_id: int) -> None:
    """Build one requested ISO audit pack (idempotent: see the service)."""
    from reporting import auditpack
    from reporting.models import AuditPack

    pack = AuditPack.objects.filter(pk=pack_id).first()
    if pack is not None:
        auditpack.audit_pack_build(pack=pack)


@shared_task(name="reporting.tasks.sweep_audit_packs")
def sweep_audit_packs() -> int:
    """Periodic (beat): queue again packs a broker outage left waiting or a
    dead worker left half-built."""
    from reporting import auditpack

    return auditpack.requeue_stale()
