"""Logs, errors and metrics: a request id on every line (JSON in production),
error mails to ADMINS, Sentry only with a DSN, /metrics behind a bearer token."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.http import HttpResponse
from django.urls import include, path, reverse

from mysteryshop import health, logs

ROOT = Path(__file__).resolve().parent.parent
HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "HOST", "PORT"}
log = logging.getLogger("mysteryshop.test")


def _logs_and_answers(request):
    log.info("inside the view")
    return HttpResponse("ok")


def _breaks(request):
    raise RuntimeError("the view broke")


# This module is also the URLconf of the tests marked `urls` below.
urlpatterns = [
    path("logs-and-answers/", _logs_and_answers),
    path("breaks/", _breaks),
    path("", include("mysteryshop.urls")),
]
handler500 = "mysteryshop.errors.server_error"


@pytest.fixture
def captured():
    """The records of this test, formatted as production writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.urls("tests.test_ops_logs")
def test_every_response_has_a_request_id_and_every_log_line_carries_it(client, captured):
    response = client.get("/logs-and-answers/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    line = next(r for r in captured() if r["message"] == "inside the view")
    assert line["request_id"] == request_id
    assert client.get("/logs-and-answers/")["X-Request-ID"] != request_id


@pytest.mark.urls("tests.test_ops_logs")
def test_the_proxys_request_id_is_kept_when_it_is_a_valid_one(client, captured):
    given = "3f2b9c1e-5d6a-4e7f-8a9b-0c1d2e3f4a5b"
    assert client.get("/logs-and-answers/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    assert captured()[-1]["request_id"] == given
    for bad in ("short", "a" * 200, 'x" injected\nline', "has spaces in it"):
        answered = client.get("/logs-and-answers/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert answered != bad and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_outside_a_request_the_id_is_a_dash(captured):
    log.warning("no request here")
    assert captured()[-1]["request_id"] == "-"


def test_a_task_queued_in_a_request_logs_the_requests_id():
    token = logs.request_id.set("req-1234567890")
    try:
        headers = {}
        logs._send_request_id(headers=headers)
    finally:
        logs.request_id.reset(token)
    assert headers == {logs.TASK_HEADER: "req-1234567890"}
    # In the worker, with no request around: the id comes from the message.
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    logs._task_request_id(task_id="task-0000000001", task=task)
    assert logs.request_id.get() == "req-1234567890"
    logs._task_request_id_done(task_id="task-0000000001")
    assert logs.request_id.get() == "-"
    # Queued by beat (no request): the task's own id.
    logs._task_request_id(task_id="beat-task-00000001", task=SimpleNamespace(request={}))
    assert logs.request_id.get() == "beat-task-00000001"
    logs._task_request_id_done(task_id="beat-task-00000001")


@pytest.mark.django_db
@pytest.mark.urls("tests.test_ops_logs")
def test_a_500_page_names_its_reference_and_the_admins_get_a_mail(client, settings):
    settings.ADMINS = ["ops@example.com"]
    client.raise_request_exception = False
    response = client.get("/breaks/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert request_id.encode() in response.content
    assert b"recorded for the administrators" in response.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.com"]
    assert "the view broke" in mail.outbox[0].body


def _fresh(code: str, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(DJANGO_SETTINGS_MODULE="mysteryshop.settings", **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_logs_are_json_lines_with_the_request_id():
    code = (
        "import django, logging; django.setup(); from mysteryshop import logs; "
        "logs.request_id.set('abc-12345678'); logging.getLogger('x').warning('hello %s', 'there')"
    )
    result = _fresh(code, LOG_FORMAT="json")
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello there" and line["level"] == "WARNING"
    assert line["request_id"] == "abc-12345678" and line["logger"] == "x" and "time" in line
    plain = _fresh(code).stderr.strip().splitlines()[-1]
    assert "[abc-12345678] hello there" in plain


def test_admins_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.ADMINS)"
    )
    out = _fresh(code, DJANGO_ADMINS="ops@example.com,it@example.com").stdout
    assert out.strip() == "['ops@example.com', 'it@example.com']"


def test_sentry_is_initialised_only_with_a_dsn():
    code = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    assert _fresh(code).stdout.strip() == "False"
    dsn = "https://0123456789abcdef@o1.ingest.sentry.io/1"
    assert _fresh(code, SENTRY_DSN=dsn).stdout.strip() == "True"


@pytest.mark.django_db
def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_bearer_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-metrics-token").status_code == 403
    )


@pytest.mark.django_db
def test_metrics_count_requests_by_view_name(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    health.heartbeat_record(worker="w1")
    client.get(reverse("login"))
    client.get("/no-such-page/")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200
    text = response.content.decode()
    assert re.search(
        r'mysteryshop_http_requests_total\{method="GET",status="200",view="login"\} \d', text
    )
    assert 'view="<unresolved>"' in text
    assert 'mysteryshop_http_request_duration_seconds_bucket{le="0.1",view="login"}' in text
    age = re.search(r"^mysteryshop_worker_heartbeat_age_seconds (\S+)$", text, re.MULTILINE)
    assert age and 0 <= float(age.group(1)) < 60


def test_metrics_add_up_the_gunicorn_processes(tmp_path):
    """The image runs gunicorn with PROMETHEUS_MULTIPROC_DIR: each process writes
    its figures there and /metrics reads them all."""
    code = """
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings
with override_settings(METRICS_TOKEN="t0ken-for-the-test", ALLOWED_HOSTS=["testserver"]):
    client = Client()
    client.get("/accounts/login/")
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-the-test")
    print(answer.status_code)
    print(answer.content.decode())
"""
    result = _fresh(code, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    status, _, text = result.stdout.partition("\n")
    assert status == "200"
    assert 'mysteryshop_http_requests_total{method="GET",status="200",view="login"} 1.0' in text
    assert list(tmp_path.glob("*.db")), "the figures are in the shared folder"
