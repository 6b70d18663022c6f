"""Timeouts (issue 19): a hung SMTP server or Redis fails in seconds, tasks have
time limits per kind, and an upload whose task could not be queued says the file
is saved instead of answering 500."""

import socket
import threading
from datetime import date
from unittest import mock

import kombu.exceptions
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mysteryshop.celery import app as celery_app
from programs.models import Role
from sampling import services as sampling_services
from sampling.models import ContactImport, ImportStatus

LONG_TASKS = (
    "sampling.tasks.contact_import_run",
    "reporting.tasks.build_audit_pack",
    "reporting.tasks.purge_expired_records",
)
CSV = (
    "timestamp,channel,reason,category\n"
    "2026-10-01T08:15:00+07:00,inbound,Informasi produk gadai,information\n"
)


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections (the kernel's backlog) and never answers:
    a hung SMTP server or Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def finishes(work, seconds: float = 60):
    """Run `work` in a thread; its result, or a failure if it is still blocked after
    `seconds` (a generous guard: without the timeouts it would block for ever)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still blocked after {seconds} s"
    return outcome


def test_every_task_has_a_soft_and_a_hard_time_limit():
    conf = celery_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    celery_app.loader.import_default_modules()
    for name in LONG_TASKS:
        task = celery_app.tasks[name]
        assert task.soft_time_limit == settings.LONG_TASK_SOFT_TIME_LIMIT, name
        assert task.time_limit == settings.LONG_TASK_TIME_LIMIT, name
    assert (
        conf.task_time_limit < settings.LONG_TASK_SOFT_TIME_LIMIT < settings.LONG_TASK_TIME_LIMIT
    )
    # Short ones (sweeps, heartbeat, e-mail delivery) keep the defaults.
    delivery = celery_app.tasks["reporting.tasks.deliver_notifications"]
    assert (delivery.soft_time_limit, delivery.time_limit) == (
        conf.task_soft_time_limit,
        conf.task_time_limit,
    )


def test_long_tasks_are_killed_before_their_sweeps_start_them_again():
    from reporting.services.auditpack import RUNNING_STALE
    from sampling.services.imports import IMPORT_STALLED

    assert IMPORT_STALLED.total_seconds() > settings.LONG_TASK_TIME_LIMIT
    assert RUNNING_STALE.total_seconds() > settings.LONG_TASK_TIME_LIMIT


def test_publishing_gives_up_quickly():
    conf = celery_app.conf
    assert conf.broker_connection_timeout <= 5
    assert conf.task_publish_retry_policy["max_retries"] <= 2


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL not set: no Redis timeouts")
def test_redis_broker_and_cache_have_socket_timeouts():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 0 < options["socket_timeout"] <= 5 and 0 < options["socket_connect_timeout"] <= 5
    cache_options = settings.CACHES["default"]["OPTIONS"]
    assert 0 < cache_options["socket_timeout"] <= 5


def test_a_hung_smtp_server_times_out(settings, silent_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_server
    settings.EMAIL_TIMEOUT = 1
    outcome = finishes(lambda: mail.send_mail("s", "b", "a@example.com", ["b@example.com"]))
    assert "timed out" in str(outcome.get("error"))  # SMTPServerDisconnected or TimeoutError


def test_email_timeout_is_set():
    assert 0 < settings.EMAIL_TIMEOUT <= 60


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL not set: no Redis timeouts")
@pytest.mark.django_db
def test_a_hung_redis_broker_fails_the_publish_in_seconds(pgd, member, silent_server):
    from tests.test_faults import broker

    upload = SimpleUploadedFile("oct.csv", CSV.encode())
    with broker(f"redis://127.0.0.1:{silent_server}/0"):
        record = sampling_services.contact_import_start(
            program=pgd,
            month=date(2026, 10, 1),
            upload=upload,
            user=member(pgd, Role.QC_ANALYST),
        )
        outcome = finishes(lambda: sampling_services.enqueue_import(record.pk))
    assert outcome == {"value": False}  # logged; the sweep sends it later


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: on_commit runs at once
def test_an_upload_the_queue_refused_says_it_is_saved(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    refused = kombu.exceptions.OperationalError("Timeout reading from socket")
    with mock.patch("sampling.tasks.contact_import_run.delay", side_effect=refused):
        response = client.post(
            reverse("contact_import_list", args=[pgd.code]),
            {"month": "2026-10", "file": SimpleUploadedFile("oct.csv", CSV.encode())},
        )
    assert response.status_code == 302
    record = ContactImport.objects.get()
    assert record.status == ImportStatus.PENDING  # kept: the sweep queues it again
    [message] = get_messages(response.wsgi_request)
    assert "saved" in str(message) and "no need to upload it again" in str(message)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_upload_the_queue_took_says_it_runs(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    with mock.patch("sampling.tasks.contact_import_run.delay") as delay:
        response = client.post(
            reverse("contact_import_list", args=[pgd.code]),
            {"month": "2026-10", "file": SimpleUploadedFile("oct.csv", CSV.encode())},
        )
    assert delay.called
    [message] = get_messages(response.wsgi_request)
    assert "runs in the background" in str(message)


@pytest.mark.django_db(transaction=True)
def test_mappings_saved_while_the_queue_is_away_say_the_file_is_read_later(
    client, pgd, member, tmp_path
):
    from tests.test_import_mapping_views import _waiting

    analyst = member(pgd, Role.QC_ANALYST)
    record = _waiting(pgd, analyst, tmp_path)
    client.force_login(analyst)
    url = reverse("contact_import_detail", args=[pgd.code, record.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    refused = kombu.exceptions.OperationalError("Timeout reading from socket")
    with mock.patch("sampling.tasks.contact_import_run.delay", side_effect=refused):
        response = client.post(url, data)
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("read again by itself when the queue is back" in t for t in texts), texts
    record.refresh_from_db()
    assert record.status == ImportStatus.PENDING
