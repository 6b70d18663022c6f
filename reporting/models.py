"""Monthly reports (PGD-4.7, TLK-5.4.1) and ISO audit packs."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUPERSEDED = "superseded", _("Superseded by a correction")


def report_file_path(report, filename):
    return f"reports/{report.program_id}/{report.month:%Y-%m}/r{report.revision}/{filename}"


class MonthlyReport(models.Model):
    """The month's report of a program (F-27; PGD-4.7, 5.4; TLK-5.4.1).

    A draft renders the live figures; submitting freezes them in `snapshot`, and
    the worker then stores the XLSX and PDF made from that snapshot (while
    `documents_asked_at` is set), so later edits to shops do not change what
    was sent. A correction is a new revision that supersedes
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
    documents_asked_at = models.DateTimeField(
        _("documents asked for"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Set when the stored XLSX and PDF must be made (again) by the worker; "
            "cleared once they are in."
        ),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
        help_text=_("The supervisor who checked the submitted report (not its author)."),
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
    def documents_pending(self) -> bool:
        """The worker has still to make (or remake) the stored XLSX and PDF."""
        return self.documents_asked_at is not None

    @property
    def documents_late(self) -> bool:
        """Pending for more than ten minutes (a build takes seconds): the worker
        is down or the build fails; the sweep keeps asking."""
        asked = self.documents_asked_at
        return asked is not None and timezone.now() - asked > timedelta(minutes=10)

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
    started_at = models.DateTimeField(
        _("build started"),
        null=True,
        blank=True,
        help_text=_("When a worker claimed it: a build is judged stale from here."),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit pack")
        verbose_name_plural = _("audit packs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.program} {self.month:%Y-%m} audit pack"
