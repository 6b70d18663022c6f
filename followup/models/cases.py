"""High-impact customer cases (PGD-4.8, PGD-5.5.1): a real customer case — a
complaint escalated to management, a viral post, a letter from the regulator —
about an agent or a team. Logging one makes a calibration due within the
program's `case_calibration_days` working days; the session that evaluates it
closes it when it is held."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Agent, Program, Team
from scoring.models import Shop

__all__ = ["CaseSource", "CaseStatus", "CustomerCase"]


class CaseSource(models.TextChoices):
    ESCALATED_COMPLAINT = "escalated_complaint", _("Complaint escalated to management")
    SOCIAL_MEDIA = "social_media", _("Social media / viral post")
    REGULATOR = "regulator", _("Regulator or ombudsman")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Waiting for its calibration")
    CLOSED = "closed", _("Evaluated")


class CustomerCase(models.Model):
    """One high-impact customer case and the calibration it calls for."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="customer_cases", verbose_name=_("program")
    )
    occurred_at = models.DateTimeField(_("happened"))
    source = models.CharField(_("source"), max_length=30, choices=CaseSource.choices)
    description = models.TextField(_("what happened"))
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_cases",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customer_cases",
        verbose_name=_("team"),
    )
    # SET_NULL: the case stays when retention deletes the shop it was linked to.
    shop = models.ForeignKey(
        Shop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_cases",
        verbose_name=_("mystery shop"),
        help_text=_("Optional: the mystery shop of this program the case is linked to."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    calibration_due_on = models.DateField(_("calibration due"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    logged_at = models.DateTimeField(_("logged"), auto_now_add=True)
    closed_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    closed_by_session = models.ForeignKey(
        "followup.CalibrationSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closed_cases",
        verbose_name=_("evaluated in"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("high-impact customer case")
        verbose_name_plural = _("high-impact customer cases")
        ordering = ["status", "calibration_due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=CaseSource.values),
                name="customer_case_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(agent__isnull=False) | models.Q(team__isnull=False),
                name="customer_case_has_agent_or_team",
            ),
            models.CheckConstraint(
                condition=models.Q(status=CaseStatus.OPEN)
                | models.Q(status=CaseStatus.CLOSED, closed_at__isnull=False),
                name="customer_case_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["program", "status", "calibration_due_on"], name="customer_case_due_idx"
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d} · {self.get_source_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    def is_overdue(self, today) -> bool:
        return self.is_open and self.calibration_due_on < today

    @property
    def concerns(self) -> str:
        """The agent (with their team) or the team the case is about."""
        if self.agent_id:
            return f"{self.agent.name} · {self.team.name}" if self.team_id else self.agent.name
        return self.team.name if self.team_id else ""
