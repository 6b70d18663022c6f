from celery import shared_task

from sampling import services


@shared_task(name="sampling.tasks.contact_import_run", acks_late=True)
def contact_import_run(import_id: int) -> None:
    """Import one uploaded contact file (idempotent: see the service)."""
    services.contact_import_process(import_id=import_id)


@shared_task(name="sampling.tasks.sweep_waiting_imports")
def sweep_waiting_imports() -> int:
    """Periodic (beat): queue again imports left waiting or stalled (see the service)."""
    return services.imports_sweep()
