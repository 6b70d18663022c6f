"""Notifications and reminders (PGD-4.6, 4.7, 4.8, 5.3.1; TLK-4.2, 5.2.1.1).

A reminder is a Notification with a key: one per kind, occasion and
recipient, enforced by a unique constraint, so overlapping sweeps, retries and
duplicate schedules never remind anybody twice. E-mail delivery is claimed
row by row with a conditional UPDATE and retried with backoff.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import RecordType


class Kind(models.TextChoices):
    SHOPS_TODAY = "shops_today", _("Today's shops")
    DEFECT_OVERDUE = "defect_overdue", _("Defect not acknowledged in time")
    DEFECT_ESCALATED = "defect_escalated", _("Overdue defect of a team you supervise")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("Follow-up item overdue")
    PROGRESS_BEHIND = "progress_behind", _("Sample progress behind plan")
    DATA_MISSING = "data_missing", _("Last month's contact data not imported")
    PLAN_NOT_APPROVED = "plan_not_approved", _("Sample plan not approved")
    PLAN_TO_APPROVE = "plan_to_approve", _("Sample plan waiting for approval")
    CALIBRATION_MISSING = "calibration_missing", _("No calibration session held this month")
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
    email_error = models.TextField(_("last error"), blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("Stored files sent with the e-mail: [{name, path, type}]."),
    )

    class Meta:
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
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}: {self.email}"


class LegalHold(models.Model):
    """Keeps one record past its retention period (an audit, a dispute, a claim).

    Placed and released through `reporting.retention.place_hold` /
    `release_hold`; releasing deletes the row, and its history keeps who placed
    and released it, when and why (the release reason is the history's change
    reason), for ISO audits."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="legal_holds",
        verbose_name=_("program"),
    )
    record_type = models.CharField(_("record type"), max_length=30, choices=RecordType.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    description = models.CharField(
        _("record"),
        max_length=300,
        blank=True,
        help_text=_("What the record was when the hold was placed, e.g. “plan 2024-10”."),
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("placed by"),
    )
    created_at = models.DateTimeField(_("placed"), auto_now_add=True)

    # A release reason can be as long as a hold's reason (the default column holds 100).
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "record_type", "object_id"], name="legalhold_unique_record"
            ),
        ]

    def __str__(self):
        return f"{self.record_type} #{self.object_id}: {self.reason}"


class PurgeLog(models.Model):
    """One record deleted at the end of its retention period. Never purged itself."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("program"),
    )
    program_code = models.CharField(_("program code"), max_length=20)
    record_type = models.CharField(_("record type"), max_length=30, choices=RecordType.choices)
    object_id = models.PositiveBigIntegerField(_("record id"))
    description = models.CharField(_("record"), max_length=300)
    record_date = models.DateField(_("record date"))
    retention_years = models.PositiveSmallIntegerField(_("kept (years)"))
    purged_at = models.DateTimeField(_("purged"), auto_now_add=True)

    class Meta:
        verbose_name = _("purge log entry")
        verbose_name_plural = _("purge log")
        ordering = ["-purged_at", "-pk"]

    def __str__(self):
        return f"{self.program_code} {self.record_type} #{self.object_id}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUPERSEDED = "superseded", _("Superseded by a correction")


def report_file_path(report, filename):
    return f"reports/{report.program_id}/{report.month:%Y-%m}/r{report.revision}/{filename}"


class MonthlyReport(models.Model):
    """The month's report of a program (F-27; PGD-4.7, 5.4; TLK-5.4.1).

    A draft renders the live figures; submitting freezes them in `snapshot` and
    stores the XLSX and PDF made from that snapshot, so later edits to shops do
    not change what was sent. A correction is a new revision that supersedes
    the submitted one."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="monthly_reports",
        verbose_name=_("program"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    status = models.CharField(
        _("status"), max_length=15, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    due_at = models.DateTimeField(
        _("due"), help_text=_("The end of the program's due day of the next month, in its zone.")
    )
    analysis = models.TextField(_("analysis"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    snapshot = models.JSONField(_("frozen figures"), null=True, blank=True, editable=False)
    xlsx_file = models.FileField(_("XLSX"), upload_to=report_file_path, blank=True)
    pdf_file = models.FileField(_("PDF"), upload_to=report_file_path, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "month", "revision"], name="monthlyreport_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["program", "month"],
                condition=models.Q(status="draft"),
                name="monthlyreport_one_draft",
            ),
        ]

    def __str__(self):
        return f"{self.program} {self.month:%Y-%m} r{self.revision}"

    @property
    def on_time(self) -> bool | None:
        """Submitted before the due time; None while not submitted."""
        if self.submitted_at is None:
            return None
        return self.submitted_at < self.due_at

    @property
    def frozen(self) -> bool:
        return self.status != ReportStatus.DRAFT

    @property
    def sent(self) -> bool:
        """Submitted, or a correction's draft following a submitted revision."""
        return self.submitted_at is not None or self.revision > 0


class PackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def pack_file_path(pack, filename):
    return f"audit-packs/{pack.program_id}/{pack.month:%Y-%m}/{filename}"


class AuditPack(models.Model):
    """The ISO audit pack of a program's month (PGD-6, TLK-6): one ZIP with the
    sample plan, the F-31/F-32 records, F-28, F-27, calibration evidence and a
    manifest of SHA-256 sums, built by a Celery task that reports progress."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="audit_packs",
        verbose_name=_("program"),
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("files done"), default=0)
    total = models.PositiveIntegerField(_("files in all"), default=0)
    file = models.FileField(_("ZIP"), upload_to=pack_file_path, blank=True)
    manifest = models.JSONField(_("manifest"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit pack")
        verbose_name_plural = _("audit packs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.program} {self.month:%Y-%m} audit pack"
