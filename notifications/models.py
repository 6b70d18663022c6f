"""Notifications and reminders (PGD-4.6, 4.7, 4.8, 5.3.1; TLK-4.2, 5.2.1.1).

A reminder is a Notification with a key: one per kind, occasion and
recipient, enforced by a unique constraint, so overlapping sweeps, retries and
duplicate schedules never remind anybody twice. E-mail delivery is claimed
row by row with a conditional UPDATE and retried with backoff.

The tables keep the names they got in ``reporting``, where these models were
first written (migration notifications 0001 takes them over without a change).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SHOPS_TODAY = "shops_today", _("Today's shops")
    DEFECT_OVERDUE = "defect_overdue", _("Defect not acknowledged in time")
    DEFECT_ESCALATED = "defect_escalated", _("Overdue defect of a team you supervise")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up item overdue")
    PROGRESS_BEHIND = "progress_behind", _("Sample progress behind plan")
    DATA_MISSING = "data_missing", _("Last month's contact data not imported")
    PLAN_NOT_APPROVED = "plan_not_approved", _("Sample plan not approved")
    MATERIAL_NOT_READY = "material_not_ready", _("Scenario material of week I not ready")
    PLAN_TO_APPROVE = "plan_to_approve", _("Sample plan waiting for approval")
    CALIBRATION_MISSING = "calibration_missing", _("No calibration session held this month")
    CASE_CALIBRATION_DUE = "case_calibration_due", _("Calibration of a customer case due")
    CASE_CALIBRATION_OVERDUE = "case_calibration_over", _("Calibration of a customer case overdue")
    DEFECT_TO_PASS_ON = "defect_to_pass_on", _("Nonconformity notes to pass on")
    HANDIN_OVERDUE = "handin_overdue", _("MS form not handed in by its date")
    REPORT_DUE = "report_due", _("Monthly report due soon")
    REPORT_OVERDUE = "report_overdue", _("Monthly report overdue")
    REPORT_SUBMITTED = "report_submitted", _("Monthly report submitted")
    REPORT_ACKNOWLEDGED = "report_acknowledged", _("Monthly report acknowledged")
    AUDIT_PACK_READY = "audit_pack_ready", _("Audit pack ready")


class EmailStatus(models.TextChoices):
    NONE = "none", _("No e-mail")
    PENDING = "pending", _("To send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The delivery stopped after the server began receiving the mail (a timeout
    # waiting for its answer, a worker killed): it may have gone out, so it is
    # not sent again automatically (nobody gets a mail twice).
    UNKNOWN = "unknown", _("Outcome unknown")


class Notification(models.Model):
    """A message to one user, in their language, shown in the inbox and
    optionally e-mailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("program"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(
        _("occasion key"),
        max_length=200,
        unique=True,
        help_text=_("kind:occasion:user — the same reminder is never made twice."),
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    email_next_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    email_handed_at = models.DateTimeField(
        _("handed to the mail server"),
        null=True,
        blank=True,
        help_text=_(
            "Set just before the mail server receives the mail; a delivery that died "
            "after this is not repeated."
        ),
    )
    email_error = models.TextField(_("last error"), blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("Stored files sent with the e-mail: [{name, path, type}]."),
    )

    class Meta:
        db_table = "reporting_notification"  # made when this lived in reporting
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["email_status", "email_next_at"], name="notification_email_idx"),
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """Whether a user wants a kind of notification by e-mail (default: yes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        db_table = "reporting_preference"  # made when this lived in reporting
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}: {self.email}"
