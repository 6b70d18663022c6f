"""An uploaded agents file and its import, run by the worker (PGD-4.2)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from programs.models.core import Program


class AgentImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Not imported")


def agent_import_upload_to(instance, filename: str) -> str:
    return f"agent-imports/{instance.program_id}/{filename}"


class AgentImport(models.Model):
    """One uploaded agents file (CSV or XLSX) and what its import did.

    Made by `programs.services.people.agent_import_start`, imported by the
    worker (`programs.tasks.agent_import_run`): all or nothing, and `result`
    keeps what the page shows — the counts, or the file's problem and the
    rows in error (worded in the uploader's language)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="agent_imports", verbose_name=_("program")
    )
    file = models.FileField(_("file"), upload_to=agent_import_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AgentImportStatus.choices,
        default=AgentImportStatus.PENDING,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("agents import")
        verbose_name_plural = _("agents imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.program_id} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in {AgentImportStatus.SUCCEEDED, AgentImportStatus.FAILED}
