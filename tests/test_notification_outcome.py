"""A notification is never e-mailed twice (issue 19): the row records when the
mail server starts receiving the mail, and a delivery that died or timed out
after that is set aside as "outcome unknown" instead of being sent again."""

import smtplib
import socket
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import EmailStatus, Kind, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _notes(n: int) -> list[Notification]:
    notes = []
    for i in range(n):
        user = UserFactory(email=f"user{i}@example.com")
        notes.append(
            services.notify(
                user=user,
                kind=Kind.REPORT_DUE,
                occasion=f"test-{i}",
                program=None,
                message=lambda u: ("Title", "Body"),
            )
        )
    return notes


def _status(note) -> str:
    note.refresh_from_db()
    return note.email_status


def test_a_delivery_killed_after_the_hand_over_is_not_sent_again():
    [note] = _notes(1)
    now = timezone.now()
    with (
        mock.patch(f"{LOCMEM}.send_messages", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        services.deliver_due(now=now)
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENDING and note.email_handed_at is not None
    later = now + services.CLAIM_LEASE + timedelta(minutes=1)
    assert services.deliver_due(now=later) == (0, 0)
    assert _status(note) == EmailStatus.UNKNOWN
    assert services.deliver_due(now=later + timedelta(days=1)) == (0, 0)
    assert mail.outbox == []


def test_a_delivery_killed_before_the_hand_over_is_sent_after_its_lease():
    [note] = _notes(1)
    now = timezone.now()
    with mock.patch(f"{LOCMEM}.open", side_effect=SystemExit), pytest.raises(SystemExit):
        services.deliver_due(now=now)
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENDING and note.email_handed_at is None
    assert services.deliver_due(now=now + services.CLAIM_LEASE + timedelta(minutes=1)) == (1, 0)
    assert _status(note) == EmailStatus.SENT and len(mail.outbox) == 1


def test_a_timeout_after_the_hand_over_is_set_aside_not_retried():
    [note] = _notes(1)
    now = timezone.now()
    with mock.patch(f"{LOCMEM}.send_messages", side_effect=TimeoutError("timed out")):
        assert services.deliver_due(now=now) == (0, 1)
    note.refresh_from_db()
    assert note.email_status == EmailStatus.UNKNOWN
    assert "Outcome unknown: TimeoutError" in note.email_error
    assert services.deliver_due(now=now + timedelta(days=1)) == (0, 0)
    assert mail.outbox == []


def test_a_refusal_by_the_server_is_retried():
    [note] = _notes(1)
    now = timezone.now()
    refused = smtplib.SMTPRecipientsRefused({"user0@example.com": (550, b"no")})
    with mock.patch(f"{LOCMEM}.send_messages", side_effect=refused):
        assert services.deliver_due(now=now) == (0, 1)
    assert _status(note) == EmailStatus.PENDING
    assert services.deliver_due(now=now + timedelta(minutes=2)) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_hung_smtp_server_is_retried_later(settings):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts, never greets
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.getsockname()[1]
        settings.EMAIL_TIMEOUT = 1
        [note] = _notes(1)
        assert services.deliver_due(now=timezone.now()) == (0, 1)
    finally:
        server.close()
    note.refresh_from_db()
    assert note.email_status == EmailStatus.PENDING and note.email_handed_at is None
    assert note.email_attempts == 1


def test_the_soft_time_limit_stops_the_run_and_leaves_the_rest_pending():
    first, second = _notes(2)
    with (
        mock.patch(f"{LOCMEM}.open", side_effect=SoftTimeLimitExceeded()),
        pytest.raises(SoftTimeLimitExceeded),
    ):
        services.deliver_due(now=timezone.now())
    assert _status(first) == EmailStatus.PENDING  # tried once: not handed over
    second.refresh_from_db()
    assert (second.email_status, second.email_attempts) == (EmailStatus.PENDING, 0)
