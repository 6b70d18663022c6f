"""The shop itself: the execution record (F-32, TLK-5.3.2), the MS form (F-31,
TLK-5.3.3) with its answers, evidence files, review, revisions and disputes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Agent, Channel, Parameter, Program, Scorecard, ScoringMode
from sampling.models import PlannedShop


class ShopState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUPERVISOR_REVIEW = "supervisor_review", _("With the supervisor")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    FINALIZED = "finalized", _("Finalized")


class Recognised(models.TextChoices):
    NO = "no", _("No")
    MAYBE = "maybe", _("Maybe")
    YES = "yes", _("Yes")


class NotExecutedReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Line busy")
    SYSTEM_DOWN = "system_down", _("System down")
    OTHER = "other", _("Other")


class Shop(models.Model):
    """One executed mystery contact and its MS form, scored under the rules it
    was started with: its scorecard version and its scoring mode (a later
    scorecard edit or change of the program's mode never changes it)."""

    planned_shop = models.OneToOneField(
        PlannedShop,
        on_delete=models.PROTECT,
        related_name="shop",
        verbose_name=_("planned shop"),
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="shops", verbose_name=_("program")
    )
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="shops", verbose_name=_("scorecard")
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="shops",
        verbose_name=_("shopper"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ShopState.choices, default=ShopState.DRAFT
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Raised on every save: two editors cannot overwrite each other unknowingly."),
    )

    # Execution record (F-32).
    executed_at = models.DateTimeField(_("contact started"), null=True, blank=True)
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel used"),
    )
    contact_handle = models.CharField(_("number or handle used"), max_length=120, blank=True)
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shops",
        verbose_name=_("agent reached"),
    )
    agent_not_identified = models.BooleanField(_("agent not identified"), default=False)
    interaction_id = models.CharField(_("interaction or ticket id"), max_length=120, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    recognised = models.CharField(
        _("the agent may have recognised the shopper"),
        max_length=5,
        choices=Recognised.choices,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    # TLK-5.3.1: shops run at the set time. Minutes the contact started
    # outside its planned day and slot (0 inside it), kept on every save; past
    # the program's tolerance the shopper says why.
    time_deviation_minutes = models.PositiveIntegerField(
        _("minutes outside the planned slot"), null=True, blank=True
    )
    time_deviation_reason = models.TextField(_("why the contact was off its slot"), blank=True)
    # TLK-5.3.4: a form filled by a team leader or supervisor is handed in by
    # this day (the shop's day plus the program's hand-in working days).
    handin_due = models.DateField(_("hand in by"), null=True, blank=True)

    # Scores, computed by the engine on every save (scoring.engine), always
    # under the shop's own scoring mode: the program's mode when the shop was
    # started. Revisions, late finalizations and calibration ratings use it, so
    # a later change of the program's mode applies to new shops only.
    scoring_mode = models.CharField(
        _("scoring mode"),
        max_length=10,
        choices=ScoringMode.choices,
        help_text=_("The program's scoring mode when the shop was started; it never changes."),
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    section_scores = models.JSONField(_("section scores"), default=dict, blank=True)
    critical_failures = models.JSONField(_("critical errors"), default=list, blank=True)

    high_impact = models.BooleanField(
        _("high impact"),
        default=False,
        help_text=_("A case with a large customer impact: calls for a calibration (PGD-4.8)."),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("finalized by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["-planned_shop__date", "-pk"]
        indexes = [
            models.Index(fields=["program", "state"], name="shop_program_state_idx"),
            models.Index(fields=["program", "finalized_at"], name="shop_program_final_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scoring_mode__in=ScoringMode.values),
                name="shop_scoring_mode_known",
            ),
        ]

    def __str__(self):
        return f"{self.program.code} #{self.planned_shop.number} {self.planned_shop.date:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        # A new shop takes the program's mode of the moment, once; it is never
        # read from the program again (bulk_create must give it explicitly).
        if not self.scoring_mode:
            self.scoring_mode = Program.objects.values_list("scoring_mode", flat=True).get(
                pk=self.program_id
            )
        super().save(*args, **kwargs)

    @property
    def is_editable_by_shopper(self) -> bool:
        return self.state in {ShopState.DRAFT, ShopState.RETURNED}


class Answer(models.Model):
    """The answer to one parameter of the MS form; for "not met", the
    nonconformity and the correct solution (TLK-5.6.1)."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="answers", verbose_name=_("shop")
    )
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="answers", verbose_name=_("parameter")
    )
    value = models.CharField(_("answer"), max_length=10, blank=True)
    nonconformity = models.TextField(_("nonconformity"), blank=True)
    correct_solution = models.TextField(_("correct solution"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "parameter"], name="answer_unique_parameter"),
        ]

    def __str__(self):
        return f"{self.parameter_id}: {self.value}"


class EvidenceKind(models.TextChoices):
    RECORDING = "recording", _("Call recording")
    TRANSCRIPT = "transcript", _("Chat or e-mail transcript")
    SCREENSHOT = "screenshot", _("Screenshot")
    OTHER = "other", _("Other")


def evidence_upload_to(instance, filename):
    return f"evidence/{instance.shop.program_id}/{instance.shop_id}/{filename}"


class Evidence(models.Model):
    """A file proving what happened in the contact (objective evidence)."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    FORWARD = "forward", _("Passed on by the supervisor")
    RETURN = "return", _("Returned")
    FINALIZE = "finalize", _("Finalized")
    REVISE = "revise", _("Corrected after finalizing")
    NOT_EXECUTED = "not_executed", _("Not executed")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    EVIDENCE_REMOVED = "evidence_gone", _("Evidence removed")


class ReviewEvent(models.Model):
    """One step of the shop's workflow, with who did it and their comment."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="events", verbose_name=_("shop")
    )
    action = models.CharField(_("action"), max_length=15, choices=ReviewAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class Revision(models.Model):
    """An audited correction of a finalized shop: what changed, why, by whom."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("shop")
    )
    number = models.PositiveSmallIntegerField(_("revision"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["shop", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="revision_unique_number"),
        ]

    def __str__(self):
        return f"{self.shop} r{self.number}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Score kept")
    CHANGED = "changed", _("Score changed")


class Dispute(models.Model):
    """A team leader's objection to one parameter of a finalized shop."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("shop")
    )
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="+", verbose_name=_("parameter")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "parameter"],
                condition=models.Q(status="open"),
                name="dispute_one_open_per_parameter",
            ),
        ]

    def __str__(self):
        return f"{self.shop} · {self.parameter}"
