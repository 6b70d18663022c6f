"""Tasks of the programs app: thin, idempotent, a service call each."""

from celery import shared_task

from programs.services import people


@shared_task(name="programs.tasks.agent_import_run", acks_late=True)
def agent_import_run(import_id: int) -> None:
    """Import one uploaded agents file (idempotent: see the service)."""
    people.agent_import_process(import_id=import_id)


@shared_task(name="programs.tasks.sweep_waiting_agent_imports")
def sweep_waiting_agent_imports() -> int:
    """Periodic (beat): queue again agents imports left waiting or stalled."""
    return people.agent_imports_sweep()
