from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .models import ContactImport, ImportStatus


@shared_task(name="sampling.tasks.contact_import_run", acks_late=True)
def contact_import_run(import_id: int) -> None:
    """Import one uploaded contact file (idempotent: see the service)."""
    services.contact_import_process(import_id=import_id)


@shared_task(name="sampling.tasks.sweep_waiting_imports")
def sweep_waiting_imports() -> int:
    """Periodic (beat): queue again imports left waiting by a broker outage, and
    restart imports whose worker died mid-way (the write is all-or-nothing)."""
    now = timezone.now()
    stale = ContactImport.objects.filter(
        status=ImportStatus.PENDING, created_at__lt=now - timedelta(minutes=1)
    ) | ContactImport.objects.filter(
        status=ImportStatus.RUNNING, started_at__lt=now - timedelta(minutes=30)
    )
    ids = list(stale.values_list("pk", flat=True))
    for pk in ids:
        ContactImport.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.PENDING
        )
        services.enqueue_import(pk)
    return len(ids)
