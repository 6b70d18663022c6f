"""Retention of records (PGD-6, TLK-6): legal holds and the purge log.

The tables keep the names they got in ``reporting``, where these models were
first written (migration retention 0001 takes them over without a change).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import RecordType


class LegalHold(models.Model):
    """Keeps one record past its retention period (an audit, a dispute, a claim).

    Placed and released through `retention.services.place_hold` /
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
    history = HistoricalRecords(
        history_change_reason_field=models.TextField(null=True),
        table_name="reporting_historicallegalhold",
    )

    class Meta:
        db_table = "reporting_legalhold"  # made when this lived in reporting
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "record_type", "object_id"], name="legalhold_unique_record"
            ),
        ]

    def __str__(self):
        return f"{self.record_type} #{self.object_id}: {self.reason}"


class PurgeRun(models.Model):
    """The scheduled monthly purge of one program: one row per program and
    month, claimed before the purge runs, so an hourly beat task (or two beats)
    purges each program once a month, at night in its own time zone."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="purge_runs",
        verbose_name=_("program"),
    )
    month = models.DateField(_("month"))
    by = models.CharField(_("run by"), max_length=150)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    purged = models.PositiveIntegerField(_("records deleted"), default=0)

    class Meta:
        verbose_name = _("purge run")
        verbose_name_plural = _("purge runs")
        ordering = ["-month", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "month"], name="purgerun_unique_month"),
        ]

    def __str__(self):
        return f"{self.program_id} {self.month:%Y-%m}"


class PurgeLog(models.Model):
    """One record deleted at the end of its retention period, with the rows
    that went with it. Never purged itself.

    It proves the purge and keeps nothing of the record's contents: type, id,
    its dates, the deleted rows as model and id, who ran the purge, and a
    SHA-256 of the deleted rows as they were (`retention.services._checksum`)."""

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
    clock = models.CharField(
        _("dated from"), max_length=30, blank=True, help_text=_("E.g. submitted, imported.")
    )
    due_on = models.DateField(_("past its retention from"), null=True, blank=True)
    retention_years = models.PositiveSmallIntegerField(_("kept (years)"))
    purged_at = models.DateTimeField(_("purged"), auto_now_add=True)
    purged_by = models.CharField(_("purged by"), max_length=150, blank=True)
    checksum = models.CharField(_("SHA-256 of the deleted rows"), max_length=64, blank=True)
    rows = models.JSONField(_("deleted rows"), default=dict, blank=True)
    run = models.ForeignKey(
        PurgeRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="log",
        verbose_name=_("purge run"),
    )

    class Meta:
        db_table = "reporting_purgelog"  # made when this lived in reporting
        verbose_name = _("purge log entry")
        verbose_name_plural = _("purge log")
        ordering = ["-purged_at", "-pk"]

    def __str__(self):
        return f"{self.program_code} {self.record_type} #{self.object_id}"
