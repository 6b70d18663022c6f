"""Calibration (PGD-4.8, PGD-5.5.1): the analyst and the agents' direct
superiors jointly evaluate defect findings at least once a month and after
every high-impact customer case, find the root causes and draw up an
improvement plan. Objective evidence: the attendance list and the minutes
(kept as PGD-6 / TLK-6 say).

Raters also score a recorded shop blind, with its own scorecard, so the
session can measure how consistently the team applies the standard."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from followup.models.defects import Defect
from programs.models import Program
from scoring.models import Shop

__all__ = [
    "ActionStatus",
    "Attendee",
    "CalibrationAction",
    "CalibrationCase",
    "CalibrationItem",
    "CalibrationRating",
    "CalibrationSession",
    "ReviewedDefect",
    "RootCause",
    "RootCauseCategory",
    "SessionKind",
    "SessionStatus",
]


class SessionKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly calibration")
    HIGH_IMPACT = "high_impact", _("High-impact customer case")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class CalibrationSession(models.Model):
    """One calibration meeting: who was invited and came, what was discussed and
    decided (the minutes of meeting), the defects reviewed, their root causes
    and the improvement plan."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="calibration_sessions",
        verbose_name=_("program"),
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.MONTHLY
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    related_shop = models.ForeignKey(
        Shop,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calibration_sessions",
        verbose_name=_("high-impact case"),
        help_text=_("The shop whose high-impact case this session evaluates."),
    )
    customer_cases = models.ManyToManyField(
        "followup.CustomerCase",
        blank=True,
        related_name="sessions",
        verbose_name=_("high-impact customer cases"),
        help_text=_("The customer cases this session evaluates; holding it closes them."),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    discussion = models.TextField(_("discussion"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    held_marked_at = models.DateTimeField(_("marked as held"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SessionKind.values),
                name="calibration_session_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=SessionStatus.PLANNED)
                | models.Q(status=SessionStatus.HELD, held_marked_at__isnull=False),
                name="calibration_session_held_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "held_on"], name="calibration_program_date_idx"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} · {self.title}"

    @property
    def is_held(self) -> bool:
        return self.status == SessionStatus.HELD


class Attendee(models.Model):
    """A person on the session's attendance list. `present` is None until the
    attendance is known; each attendee confirms their own presence with one
    click (confirmed_at), or the analyst records it for them."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="attendees",
        verbose_name=_("session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calibration_attendances",
        verbose_name=_("person"),
    )
    invited = models.BooleanField(
        _("invited"),
        default=True,
        help_text=_("Unticked for someone who joined without an invitation."),
    )
    present = models.BooleanField(_("present"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the attendee"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attendance recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="calibration_attendee_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_at__isnull=True) | models.Q(present=True),
                name="calibration_attendee_confirmed_present",
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.user}"


class RootCauseCategory(models.TextChoices):
    PEOPLE = "people", _("People")
    PROCESS = "process", _("Process")
    SYSTEM = "system", _("System")
    KNOWLEDGE = "knowledge", _("Knowledge")
    OTHER = "other", _("Other")


class RootCause(models.Model):
    """A root cause found for a group of reviewed defects."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="root_causes",
        verbose_name=_("session"),
    )
    category = models.CharField(_("category"), max_length=20, choices=RootCauseCategory.choices)
    description = models.TextField(_("root cause"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=RootCauseCategory.values),
                name="calibration_root_cause_category_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.description[:60]}"


class ReviewedDefect(models.Model):
    """A defect the session evaluated; grouped under the root cause found for it."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="reviewed_defects",
        verbose_name=_("session"),
    )
    defect = models.ForeignKey(
        Defect,
        on_delete=models.PROTECT,
        related_name="calibration_reviews",
        verbose_name=_("defect"),
    )
    root_cause = models.ForeignKey(
        RootCause,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("root cause"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("reviewed defect")
        verbose_name_plural = _("reviewed defects")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "defect"], name="calibration_reviewed_defect_unique"
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.defect}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CalibrationAction(models.Model):
    """One line of the improvement plan: what, who, by when, and whether it is done."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("session"),
    )
    root_cause = models.ForeignKey(
        RootCause,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("root cause"),
    )
    description = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calibration_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=ActionStatus.OPEN, done_on__isnull=True)
                | models.Q(status=ActionStatus.DONE, done_on__isnull=False),
                name="calibration_action_done_has_date",
            ),
        ]

    def __str__(self):
        return self.description[:80]


class CalibrationItem(models.Model):
    """ "Calibration needed": made once when a shop is flagged high-impact
    (PGD-4.8); resolved by the session held about it."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="calibration_items",
        verbose_name=_("program"),
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="calibration_items", verbose_name=_("shop")
    )
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)
    resolved_by_session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_items",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("calibration needed")
        verbose_name_plural = _("calibrations needed")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop"], name="calibration_item_unique_shop"),
        ]

    def __str__(self):
        return str(self.shop)


class CalibrationCase(models.Model):
    """A finalized shop the session's raters score blind."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("session"),
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="calibration_cases", verbose_name=_("shop")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration case")
        verbose_name_plural = _("calibration cases")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "shop"], name="calibration_case_unique"),
        ]

    def __str__(self):
        return f"{self.session} · {self.shop}"


class CalibrationRating(models.Model):
    """One rater's blind scoring of a calibration case: their answer per
    parameter ({parameter id: answer}) and the score the engine gives them."""

    session = models.ForeignKey(
        CalibrationSession,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("session"),
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="calibration_ratings", verbose_name=_("shop")
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calibration_ratings",
        verbose_name=_("rater"),
    )
    answers = models.JSONField(_("answers"), default=dict)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration rating")
        verbose_name_plural = _("calibration ratings")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "shop", "rater"], name="calibration_rating_unique"
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.shop} · {self.rater}"
