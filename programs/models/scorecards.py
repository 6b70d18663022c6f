"""Versioned scorecards (PGD-2.1, PGD-4.1, TLK-5.3.3).

A published scorecard is immutable: editing it creates a new draft version
(services.scorecard_new_version), and scores keep a reference to the version
that produced them, so a later edit never changes a past score.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models.core import Program
from programs.models.schedule import Channel


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Scorecard(models.Model):
    """One version of the QM scorecard of a program's channel."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="scorecards", verbose_name=_("program")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("channel")
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    change_note = models.TextField(
        _("what changed"), blank=True, help_text=_("Shown in the version history.")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["program", "channel", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "channel", "version"], name="scorecard_unique_version"
            ),
            models.UniqueConstraint(
                fields=["program", "channel"],
                condition=models.Q(status="published"),
                name="scorecard_one_published_per_channel",
            ),
            models.UniqueConstraint(
                fields=["program", "channel"],
                condition=models.Q(status="draft"),
                name="scorecard_one_draft_per_channel",
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == ScorecardStatus.DRAFT


class _DraftOnly(models.Model):
    """Sections and parameters may change only while their scorecard is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)

    def _scorecard(self) -> Scorecard:
        raise NotImplementedError

    def _check_editable(self):
        if not self._scorecard().is_editable:
            raise ValidationError(
                _("A published scorecard cannot be changed; edit a new version.")
            )


class Section(_DraftOnly):
    """A section or KPI of a scorecard, e.g. Solution, Process, Attitude."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="sections", verbose_name=_("scorecard")
    )
    code = models.SlugField(
        _("code"),
        max_length=40,
        help_text=_("Stable across versions; coaching rules refer to it, e.g. 'solution'."),
    )
    name = models.CharField(_("name"), max_length=150)
    kpi = models.CharField(
        _("KPI"), max_length=150, blank=True, help_text=_("e.g. solution accuracy (TLK-5.4.1).")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["scorecard", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="section_unique_code"),
        ]

    def __str__(self):
        return self.name

    def _scorecard(self):
        return self.scorecard


class AnswerType(models.TextChoices):
    BINARY = "binary", _("Met / not met")
    SCALE = "scale", _("Scale")


class CriticalType(models.TextChoices):
    NONE = "", _("Not critical")
    CACE = "CACE", _("Customer-affecting (CACE)")
    BACE = "BACE", _("Business-affecting (BACE)")
    COACE = "CoACE", _("Compliance-affecting (CoACE)")


class CriticalScope(models.TextChoices):
    SHOP = "shop", _("Zeroes the whole shop")
    SECTION = "section", _("Zeroes its section")


class ConditionKind(models.TextChoices):
    """What a conditional parameter depends on (issue #23)."""

    ALWAYS = "", _("Always applies")
    SCENARIO = "scenario", _("Only for some scenarios")
    REASON = "reason", _("Only for some contact reasons")
    CATEGORY = "category", _("Only for some interaction categories")
    CHANNEL = "channel", _("Only for some channels")
    ANSWER = "answer", _("Only after an answer to another parameter")


class ConditionAnswer(models.TextChoices):
    MET = "met", _("is met")
    NOT_MET = "not_met", _("is not met")


class Parameter(_DraftOnly):
    """One line of the form: what the agent should do, scored met / not met.

    A conditional parameter applies only when its condition holds for the shop
    (the planned shop's scenario, reason, category or channel is one of
    `condition_ids`, or `condition_parameter` was answered `condition_answer`);
    when it does not, it counts exactly as "not applicable" (scoring.engine).
    A bonus parameter adds points on top of its section, capped at 100.
    """

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="parameters", verbose_name=_("section")
    )
    text = models.CharField(_("parameter"), max_length=300)
    guidance = models.TextField(_("guidance for the shopper"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    answer_type = models.CharField(
        _("answer"), max_length=10, choices=AnswerType.choices, default=AnswerType.BINARY
    )
    scale_max = models.PositiveSmallIntegerField(
        _("scale maximum"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
        help_text=_("For a scale answer: 0 … this value."),
    )
    critical_type = models.CharField(
        _("critical error"), max_length=5, choices=CriticalType.choices, blank=True, default=""
    )
    critical_scope = models.CharField(
        _("a failed critical parameter"),
        max_length=10,
        choices=CriticalScope.choices,
        default=CriticalScope.SHOP,
    )
    allow_not_applicable = models.BooleanField(_("may be not applicable"), default=True)
    is_bonus = models.BooleanField(
        _("bonus"),
        default=False,
        help_text=_(
            "Its points come on top of the section's score (at most 100) and never "
            "offset a critical error."
        ),
    )
    condition_kind = models.CharField(
        _("applies"), max_length=10, choices=ConditionKind.choices, blank=True, default=""
    )
    # The scenarios, reasons, categories or channels (by id, of this program)
    # the parameter applies to; a plain list so that it is copied with the
    # version and frozen with it.
    condition_ids = models.JSONField(_("applies to"), default=list, blank=True)
    condition_parameter = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependents",
        verbose_name=_("when parameter"),
    )
    condition_answer = models.CharField(
        _("is answered"),
        max_length=10,
        choices=ConditionAnswer.choices,
        blank=True,
        default="",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["section", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_bonus=False) | models.Q(critical_type=""),
                name="parameter_bonus_not_critical",
            ),
        ]

    def __str__(self):
        return self.text

    def _scorecard(self):
        return self.section.scorecard

    def clean(self):
        if self.answer_type == AnswerType.SCALE and not self.scale_max:
            raise ValidationError({"scale_max": _("A scale answer needs its maximum.")})
        if self.answer_type == AnswerType.BINARY:
            self.scale_max = None
        if self.is_bonus and self.critical_type:
            raise ValidationError({"is_bonus": _("A bonus parameter cannot be a critical error.")})
        if self.condition_kind != ConditionKind.ANSWER:
            self.condition_parameter = None
            self.condition_answer = ""
        if self.condition_kind in ("", ConditionKind.ANSWER):
            self.condition_ids = []
        if self.condition_kind == ConditionKind.ANSWER:
            if not self.condition_parameter_id or not self.condition_answer:
                raise ValidationError(
                    {"condition_parameter": _("Choose the parameter and its answer.")}
                )
            if self.pk and self.condition_parameter_id == self.pk:
                raise ValidationError(
                    {"condition_parameter": _("A parameter cannot depend on itself.")}
                )
        elif self.condition_kind and not self.condition_ids:
            raise ValidationError({"condition_kind": _("Choose what it applies to.")})

    @property
    def is_critical(self) -> bool:
        return bool(self.critical_type)

    @property
    def is_conditional(self) -> bool:
        return bool(self.condition_kind)
