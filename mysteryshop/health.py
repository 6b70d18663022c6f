"""Liveness of the pieces the product needs: database, broker, worker."""

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from mysteryshop.models import WorkerHeartbeat


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def heartbeat_record(*, worker: str | None = None, now: datetime | None = None) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=worker or socket.gethostname(), defaults={"beat_at": now or timezone.now()}
    )


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def check_broker() -> Check:
    from mysteryshop.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return Check("broker", False, type(exc).__name__)
    return Check("broker", True, str(transport))


def check_worker(*, now: datetime | None = None) -> Check:
    now = now or timezone.now()
    try:
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)
        last = last.first()
    except Exception as exc:
        return Check("worker", False, type(exc).__name__)
    if last is None:
        return Check("worker", False, "no heartbeat yet")
    age = now - last
    ok = age <= timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    return Check("worker", ok, f"last heartbeat {int(age.total_seconds())} s ago")


def run_checks() -> list[Check]:
    return [check_database(), check_broker(), check_worker()]
