from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from mysteryshop import health
from mysteryshop.tasks import record_heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_up_when_database_broker_and_worker_are(client):
    record_heartbeat.delay()  # eager in tests: runs here
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_down_without_any_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "detail": "no heartbeat yet"}


def test_healthz_down_when_the_heartbeat_is_stale(client, settings):
    health.heartbeat_record(
        now=timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS + 5)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_healthz_down_when_the_broker_is(client):
    health.heartbeat_record()
    with mock.patch("kombu.Connection.ensure_connection", side_effect=ConnectionError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "detail": "ConnectionError"}


def test_healthz_down_when_the_database_is(client):
    with mock.patch.object(health, "connection") as conn:
        conn.cursor.side_effect = RuntimeError("database gone")
        conn.vendor = "x"
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_heartbeat_is_one_row_per_worker():
    health.heartbeat_record(worker="w1")
    health.heartbeat_record(worker="w1")
    health.heartbeat_record(worker="w2")
    from mysteryshop.models import WorkerHeartbeat

    assert WorkerHeartbeat.objects.count() == 2
