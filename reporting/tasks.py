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


@shared_task(name="reporting.tasks.build_report_documents", acks_late=True)
def build_report_documents(report_id: int) -> None:
    """Render and store the F-27 XLSX and PDF of a submitted report
    (idempotent: see the service)."""
    from reporting.models import MonthlyReport
    from reporting.services import reports

    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report is not None:
        reports.report_documents_build(report=report)


@shared_task(name="reporting.tasks.sweep_report_documents")
def sweep_report_documents() -> int:
    """Periodic (beat): queue again F-27 files a broker outage left unasked or
    a dead worker left unmade."""
    from reporting.services import reports

    return reports.requeue_stale_documents()
