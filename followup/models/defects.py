"""What happens after a defect (PGD-4.6, 4.8, 4.9, 5.3.2, 5.5; TLK-5.5, 5.6.2):
defects routed to team leaders, and follow-up items (coaching, SGD, brief &
debrief) made by the program's coaching rules (F-28)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Agent, CoachingRule, Parameter, Program, Team
from programs.models.library import FollowUpType
from scoring.models import Shop


class DefectStatus(models.TextChoices):
    # TLK-5.6.2, when the program sends nonconformity notes through the supervisor.
    WITH_SUPERVISOR = "with_supervisor", _("Waiting for the supervisor")
    OPEN = "open", _("Waiting for the team leader")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    WITHDRAWN = "withdrawn", _("Withdrawn (corrected score)")


class Defect(models.Model):
    """A "not met" parameter of a finalized shop, routed to the team leader of
    the agent's team at the time it is finalized (PGD-5.3.2, TLK-5.6.2)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="defects", verbose_name=_("program")
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="defects", verbose_name=_("shop")
    )
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="defects", verbose_name=_("parameter")
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("team"),
    )
    team_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("team leader"),
    )
    # TLK-5.6.2: with `program.defect_notes_via_supervisor`, the notes go to the
    # service supervisor of the agent's team first, who passes them on.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects_to_pass_on",
        verbose_name=_("supervisor"),
    )
    sent_to_supervisor_at = models.DateTimeField(
        _("sent to the supervisor"), null=True, blank=True
    )
    supervisor_due_on = models.DateField(_("pass on by"), null=True, blank=True)
    passed_on_at = models.DateTimeField(_("passed on"), null=True, blank=True)
    passed_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("passed on by"),
    )
    supervisor_note = models.TextField(_("supervisor's note"), blank=True)
    nonconformity = models.TextField(_("nonconformity"))
    correct_solution = models.TextField(_("correct solution"))
    critical_type = models.CharField(_("critical error"), max_length=5, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=DefectStatus.choices, default=DefectStatus.OPEN
    )
    due_on = models.DateField(
        _("acknowledge by"),
        help_text=_("Through the supervisor, counted from the day the notes are passed on."),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    comment = models.TextField(_("team leader's comment"), blank=True)
    created_at = models.DateTimeField(_("routed"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("defect")
        verbose_name_plural = _("defects")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "parameter"], name="defect_unique_parameter"),
        ]
        indexes = [
            models.Index(fields=["team_leader", "status"], name="defect_inbox_idx"),
            models.Index(fields=["program", "created_at"], name="defect_program_idx"),
            models.Index(fields=["supervisor", "status"], name="defect_supervisor_idx"),
        ]

    def __str__(self):
        return f"{self.shop} · {self.parameter}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class FollowUp(models.Model):
    """A coaching, small group discussion or brief & debrief item (TLK-5.5,
    PGD-4.9), made by a coaching rule when a shop is finalized; the team
    leader logs the session (F-28)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("program")
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("shop")
    )
    rule = models.ForeignKey(
        CoachingRule, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("rule")
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("agent"),
    )
    team_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("team leader"),
    )
    kind = models.CharField(_("follow-up"), max_length=20, choices=FollowUpType.choices)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    # The session, as the team leader logs it.
    held_on = models.DateField(_("held on"), null=True, blank=True)
    session_type = models.CharField(
        _("session"), max_length=20, choices=FollowUpType.choices, blank=True
    )
    participants = models.TextField(_("participants"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    commitment = models.TextField(_("the agent's commitment"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    retest_requested = models.BooleanField(
        _("re-test requested"),
        default=False,
        help_text=_("Next month's plan includes a shop of the same scenario for this team."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "rule"], name="followup_unique_rule"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.agent or self.shop}"
