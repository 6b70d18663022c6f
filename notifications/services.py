"""Making and delivering notifications: exactly once per key, in the
recipient's language, e-mail retried with backoff."""

import logging
from datetime import datetime, timedelta

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


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send the e-mails that are due; returns (sent, failed attempts).

    Each row is claimed with a conditional UPDATE (pending → sending), so two
    workers never send the same e-mail.
    """
    now = now or timezone.now()
    # Due: pending ones whose time has come, and claims whose lease ran out (a
    # worker killed while sending leaves its row "sending": it is tried again).
    due = Q(email_status=EmailStatus.PENDING) | Q(email_status=EmailStatus.SENDING)
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
        ).update(email_status=EmailStatus.SENDING, email_next_at=now + CLAIM_LEASE)
        if not claimed:
            continue
        notification = Notification.objects.select_related("user", "program").get(pk=pk)
        try:
            _send(notification)
        except Exception as exc:  # SMTP refused, timed out, … : try again later
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
        else:
            sent += 1
            Notification.objects.filter(pk=pk).update(
                email_status=EmailStatus.SENT,
                email_sent_at=timezone.now(),
                email_attempts=notification.email_attempts + 1,
                email_error="",
            )
    return sent, failed


def _send(notification: Notification) -> None:
    user = notification.user
    link = site_url(notification.url) if notification.url else ""
    with translation.override(user.language_or_default):
        context = {
            "notification": notification,
            "user": user,
            "link": link,
            "site_url": site_url(),
        }
        subject = render_to_string("notifications/email/notification_subject.txt", context).strip()
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    for attachment in notification.attachments:
        with default_storage.open(attachment["path"], "rb") as handle:
            message.attach(attachment["name"], handle.read(), attachment["type"])
    message.send()


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
