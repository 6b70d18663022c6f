"""Liveness of the pieces the product needs: database, broker, worker."""

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from mysteryshop.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


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


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    """A check that raises anyway is a failed check, never a 500 page."""
    try:
        return check()
    except Exception as exc:
        logger.warning("health check %s raised %s", name, type(exc).__name__)
        return Check(name, False, type(exc).__name__)


def _within(name: str, seconds: float, check: Callable[[], Check]) -> Check:
    """Run `check` in a thread of its own and give up after `seconds`.

    For the broker only: a hung Redis (accepting connections, never answering)
    would otherwise hold the request until gunicorn kills it. The thread is a
    daemon and ends when its socket times out (broker_transport_options). Not
    used for the database: Django's connections belong to their thread, and a
    new connection would not see the request's (a test's) transaction.
    """
    result: list[Check] = []
    thread = threading.Thread(
        target=lambda: result.append(_guarded(name, check)), name=f"healthz-{name}", daemon=True
    )
    thread.start()
    thread.join(seconds)
    if not result:
        return Check(name, False, f"no answer within {seconds:g} s")
    return result[0]


def run_checks() -> list[Check]:
    """Every check, each one guarded: the view always has a list to answer with."""
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    return [
        _guarded("database", check_database),
        _within("broker", timeout, check_broker),
        _guarded("worker", check_worker),
    ]
