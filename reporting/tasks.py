from celery import shared_task

from reporting.services import reminders


@shared_task(name="reporting.tasks.sweep_reminders")
def sweep_reminders() -> dict:
    """Periodic (beat): make the reminders that are due; safe to overlap."""
    return reminders.run_sweeps()


@shared_task(name="reporting.tasks.build_audit_pack", acks_late=True)
def build_audit_pack(pack_id: int) -> None:
    """Build one requested ISO audit pack (idempotent: see the service)."""
    from reporting.models import AuditPack
    from reporting.services import auditpack

    pack = AuditPack.objects.filter(pk=pack_id).first()
    if pack is not None:
        auditpack.audit_pack_build(pack=pack)


@shared_task(name="reporting.tasks.sweep_audit_packs")
def sweep_audit_packs() -> int:
    """Periodic (beat): queue again packs a broker outage left waiting or a
    dead worker left half-built."""
    from reporting.services import auditpack

    return auditpack.requeue_stale()
