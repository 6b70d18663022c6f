"""/healthz answers JSON 503 for every dependency failure (issue 19): the database
down (also for a signed-in browser), the broker down or hung, a check that
raises something unexpected — never the HTML 500 page, and never a hang."""

import threading
from unittest import mock

import pytest
from django.db import OperationalError

from mysteryshop import health

pytestmark = pytest.mark.django_db

DATABASE_DOWN = mock.patch(
    "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
    side_effect=OperationalError("connection refused"),
)


def _json_503(response) -> dict:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "down"
    return body["checks"]


def test_database_down(client):
    with DATABASE_DOWN:
        checks = _json_503(client.get("/healthz"))
    assert checks["database"] == {"ok": False, "detail": "OperationalError"}
    assert checks["worker"] == {"ok": False, "detail": "OperationalError"}


def test_database_down_for_a_signed_in_browser(client, member, program):
    """A session cookie makes middleware load the user from the database."""
    client.force_login(member(program))
    with DATABASE_DOWN:
        checks = _json_503(client.get("/healthz"))
    assert checks["database"]["ok"] is False


def test_broker_down(client):
    health.heartbeat_record()
    with mock.patch("kombu.Connection.ensure_connection", side_effect=OSError("refused")):
        checks = _json_503(client.get("/healthz"))
    assert checks["broker"] == {"ok": False, "detail": "OSError"}
    assert checks["database"]["ok"] is True


def test_broker_hung_answers_within_the_health_timeout(client, settings):
    """The broker check blocks until the test releases it: /healthz does not wait."""
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.2
    health.heartbeat_record()
    release = threading.Event()
    with mock.patch(
        "kombu.Connection.ensure_connection", side_effect=lambda *a, **k: release.wait(60)
    ):
        try:
            checks = _json_503(client.get("/healthz"))
        finally:
            release.set()
    assert checks["broker"] == {"ok": False, "detail": "no answer within 0.2 s"}
    assert checks["database"]["ok"] is True


def test_a_check_that_raises_is_a_failed_check(client):
    health.heartbeat_record()
    with mock.patch.object(health, "check_worker", side_effect=RuntimeError("bug")):
        checks = _json_503(client.get("/healthz"))
    assert checks["worker"] == {"ok": False, "detail": "RuntimeError"}


def test_run_checks_raising_is_still_json(client):
    with mock.patch.object(health, "run_checks", side_effect=RuntimeError("bug")):
        checks = _json_503(client.get("/healthz"))
    assert checks == {"healthz": {"ok": False, "detail": "RuntimeError"}}
