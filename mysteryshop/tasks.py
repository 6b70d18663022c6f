from celery import shared_task

from mysteryshop import health


@shared_task(name="mysteryshop.tasks.record_heartbeat")
def record_heartbeat(worker: str | None = None):
    """Periodic (beat): record that a worker is alive, for /healthz."""
    health.heartbeat_record(worker=worker)
