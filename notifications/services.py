"""Making and delivering notifications: exactly once per key, in the
recipient's language, e-mail retried with backoff."""

import contextlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from mysteryshop.site import site_url
from notifications.models import EmailStatus, Notification, Preference
from programs.models import Program, User

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6  # 1, 2, 4, 8, 16 minutes between tries, then "failed"
CLAIM_LEASE = timedelta(minutes=15)  # a claim not finished by then is taken again


def wants_email(user: User, kind: str) -> bool:
    pref = Preference.objects.filter(user=user, kind=kind).values_list("email", flat=True).first()
    return True if pref is None else pref


def notify(
    *,
    user: User,
    kind: str,
    occasion: str,
    program: Program | None,
    message,
    url: str = "",
    now: datetime | None = None,
    attachments: list[dict] | None = None,
) -> Notification | None:
    """Make the notification `kind` for `occasion` unless it exists already.

    `message(user)` returns (title, body) and is called in the user's language.
    Returns None when this reminder was made before (by this or another sweep).
    """
    key = f"{kind}:{occasion}:{user.pk}"
    if Notification.objects.filter(key=key).exists():
        return None
    with translation.override(user.language_or_default):
        title, body = message(user)
        title, body = str(title), str(body)
    email = bool(user.email) and user.is_active and wants_email(user, kind)
    try:
        with transaction.atomic():  # a concurrent sweep may win the unique key
            return Notification.objects.create(
                user=user,
                program=program,
                kind=kind,
                key=key,
                title=title[:300],
                body=body,
                url=url,
                attachments=attachments or [],
                email_status=EmailStatus.PENDING if email else EmailStatus.NONE,
                email_next_at=now or timezone.now(),
            )
    except IntegrityError:
        return None


class OutcomeUnknown(Exception):
    """Sending failed after the mail server began receiving the mail (a timeout
    waiting for its answer, a dropped connection): it may have gone out."""


# The server answered "no" to the sender, the recipients or the message: nothing was sent.
SERVER_REFUSED = (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send the e-mails that are due; returns (sent, failed attempts).

    Each row is claimed with a conditional UPDATE (pending → sending), so two
    workers never send the same e-mail. Just before the mail server receives a
    mail, the row records it (email_handed_at): a claim whose worker died is
    sent again only when that mark is missing (it provably did not send), else
    it is set aside as "outcome unknown" for an operator — never sent twice.
    """
    now = now or timezone.now()
    # Claims whose lease ran out after the hand-over: their worker died while or
    # after the server received the mail.
    Notification.objects.filter(
        email_status=EmailStatus.SENDING, email_next_at__lte=now, email_handed_at__isnull=False
    ).update(
        email_status=EmailStatus.UNKNOWN,
        email_next_at=None,
        email_error="The delivery stopped after the mail server began receiving the mail; "
        "not sent again, as it may have gone out.",
    )
    # Due: pending ones whose time has come, and claims whose lease ran out before
    # the hand-over (a worker killed before sending): those are tried again.
    due = Q(email_status=EmailStatus.PENDING) | Q(
        email_status=EmailStatus.SENDING, email_handed_at__isnull=True
    )
    rows = list(
        Notification.objects.filter(due, email_next_at__lte=now)
        .order_by("email_next_at", "pk")
        .values_list("pk", "email_status", "email_next_at")[:limit]
    )
    sent = failed = 0
    for pk, status, next_at in rows:
        # The claim holds a lease: nobody else takes the row until it runs out.
        claimed = Notification.objects.filter(
            pk=pk, email_status=status, email_next_at=next_at
        ).update(
            email_status=EmailStatus.SENDING,
            email_next_at=now + CLAIM_LEASE,
            email_handed_at=None,
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("user", "program").get(pk=pk)
        try:
            _send(notification, handing_over=lambda pk=pk: _record_hand_over(pk))
        except OutcomeUnknown as exc:  # it may have gone out: never sent again by itself
            failed += 1
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.UNKNOWN,
                email_attempts=notification.email_attempts + 1,
                email_next_at=None,
                email_error=f"Outcome unknown: {exc}"[:2000],
            )
            logger.error("E-mail of notification %s may or may not have gone: %s", pk, exc)
            if isinstance(exc.__cause__, SoftTimeLimitExceeded):
                raise  # the task's time is up: leave the rest to the next run
        except Exception as exc:  # refused, or failed before the hand-over: try again later
            failed += 1
            attempts = notification.email_attempts + 1
            give_up = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.FAILED if give_up else EmailStatus.PENDING,
                email_attempts=attempts,
                email_next_at=now + timedelta(minutes=2 ** (attempts - 1)),
                email_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            logger.warning("E-mail of notification %s failed (attempt %s): %s", pk, attempts, exc)
            if isinstance(exc, SoftTimeLimitExceeded):
                raise  # the task's time is up: leave the rest to the next run
        else:
            sent += 1
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.SENT,
                email_sent_at=timezone.now(),
                email_attempts=notification.email_attempts + 1,
                email_error="",
            )
    return sent, failed


def _record_hand_over(pk: int) -> None:
    Notification.objects.filter(pk=pk).update(email_handed_at=timezone.now())


def _send(notification: Notification, *, handing_over: Callable[[], None] = lambda: None) -> None:
    """Send the notification's e-mail. Connecting, TLS and logging in come first:
    a failure there sent nothing (raised as is). `handing_over()` runs once the
    server is ready, before it receives the mail; a failure after it raises
    OutcomeUnknown, unless the server refused the mail (nothing sent)."""
    user = notification.user
    link = site_url(notification.url) if notification.url else ""
    with translation.override(user.language_or_default):
        context = {
            "notification": notification,
            "user": user,
            "link": link,
            "site_url": site_url(),
            "language": translation.get_language(),  # the mail's lang attribute
        }
        subject = render_to_string("notifications/email/notification_subject.txt", context).strip()
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    for attachment in notification.attachments:
        with default_storage.open(attachment["path"], "rb") as handle:
            message.attach(attachment["name"], handle.read(), attachment["type"])
    connection = mail.get_connection()
    connection.open()  # a hung or refusing server fails here (EMAIL_TIMEOUT): nothing sent
    try:
        handing_over()
        try:
            connection.send_messages([message])
        except SERVER_REFUSED:
            raise
        except Exception as exc:
            raise OutcomeUnknown(f"{type(exc).__name__}: {exc}") from exc
    finally:
        with contextlib.suppress(Exception):  # a server hung after sending: the mail went
            connection.close()


def settle(*, kind: str, occasion: str, now: datetime | None = None) -> int:
    """The subject of the notifications `kind` for `occasion` is settled (the
    plan was approved, …): they are marked read for every recipient, so the
    unread count no longer asks for what is done. How many were marked."""
    return Notification.objects.filter(key__startswith=f"{kind}:{occasion}:", read_at=None).update(
        read_at=now or timezone.now()
    )


def members(program: Program, *roles: str) -> list[User]:
    """The program's active members in any of `roles`."""
    return list(
        User.objects.filter(
            memberships__program=program, memberships__role__in=roles, is_active=True
        ).distinct()
    )


def notify_each(users, **reminder) -> int:
    """The same notification to each of `users`; how many were made (not made before)."""
    return sum(bool(notify(user=user, **reminder)) for user in users)
