"""Contact reasons, the scenario library (TLK-5.1.2, TLK-5.2.1.1) and the
coaching rules (TLK-5.5)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models.core import Program
from programs.models.schedule import Channel, InteractionCategory


class ContactReason(models.Model):
    """Why customers contact the center; belongs to one interaction category."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="reasons", verbose_name=_("program")
    )
    name = models.CharField(_("reason"), max_length=200)
    category = models.ForeignKey(
        InteractionCategory,
        on_delete=models.PROTECT,
        related_name="reasons",
        verbose_name=_("category"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact reason")
        verbose_name_plural = _("contact reasons")
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="reason_unique_name"),
        ]

    def __str__(self):
        return self.name


class ScenarioSource(models.TextChoices):
    FREQUENT_PROBLEM = "frequent_problem", _("Problem customers often raise")
    NEW_PRODUCT = "new_product", _("New product or program")
    TRAINING = "training", _("Last month's training or refresh material")


class Scenario(models.Model):
    """A scripted customer question with its correct answer (TLK-5.2.1.1)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="scenarios", verbose_name=_("program")
    )
    reason = models.ForeignKey(
        ContactReason,
        on_delete=models.PROTECT,
        related_name="scenarios",
        verbose_name=_("reason"),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="scenarios", verbose_name=_("channel")
    )
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=ScenarioSource.choices,
        default=ScenarioSource.FREQUENT_PROBLEM,
    )
    customer_script = models.TextField(_("what the shopper says"))
    expected_answer = models.TextField(_("the correct answer"))
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("First month it may be used.")
    )
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last month it may be used.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["program", "reason__name", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValidationError({"valid_to": _("The end month is before the start month.")})
        if self.reason_id and self.program_id and self.reason.program_id != self.program_id:
            raise ValidationError({"reason": _("Choose a reason of this program.")})

    def is_valid_in(self, month) -> bool:
        """Usable in the month starting on `month` (a date, day 1)."""
        if not self.is_active:
            return False
        if self.valid_from and month < self.valid_from.replace(day=1):
            return False
        return not (self.valid_to and month > self.valid_to.replace(day=1))


class FollowUpType(models.TextChoices):
    COACHING = "coaching", _("Coaching")
    SGD = "sgd", _("Small group discussion")
    COACHING_OR_SGD = "coaching_or_sgd", _("Coaching or small group discussion")
    BRIEF_DEBRIEF = "brief_debrief", _("Brief and debrief")


class RuleMetric(models.TextChoices):
    SECTIONS = "sections", _("Score of the sections named")
    SHOP = "shop", _("Score of the shop")
    CRITICAL = "critical", _("Any critical error")


class RuleComparison(models.TextChoices):
    ZERO = "zero", _("is 0")
    BELOW_TARGET = "below_target", _("is below the program's target")
    BELOW_VALUE = "below_value", _("is below a value")


class CoachingRule(models.Model):
    """When a finalized shop calls for follow-up (TLK-5.5), as data.

    E.g. "sections [solution] is 0 → coaching"; "sections [process, attitude]
    below target → coaching or SGD". With several sections, their average
    counts.
    """

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="coaching_rules",
        verbose_name=_("program"),
    )
    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(
        _("when"), max_length=10, choices=RuleMetric.choices, default=RuleMetric.SECTIONS
    )
    section_codes = models.JSONField(
        _("section codes"),
        default=list,
        blank=True,
        help_text=_("For section rules: the codes of the sections, e.g. solution."),
    )
    comparison = models.CharField(
        _("condition"), max_length=15, choices=RuleComparison.choices, blank=True
    )
    threshold = models.DecimalField(
        _("value"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    action = models.CharField(
        _("follow-up"),
        max_length=20,
        choices=FollowUpType.choices,
        default=FollowUpType.COACHING,
    )
    due_days = models.PositiveSmallIntegerField(
        _("due in working days"), default=5, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coaching rule")
        verbose_name_plural = _("coaching rules")
        ordering = ["program", "order", "id"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: a preset's rule is stored under its
        English name (an msgid of the catalogue) and worded when shown; a name
        the manager typed is shown as typed."""
        return gettext(self.name) if self.name else ""

    def clean(self):
        errors = {}
        if self.metric == RuleMetric.SECTIONS:
            codes = self.section_codes or []
            if not codes or not all(isinstance(c, str) and c for c in codes):
                errors["section_codes"] = _("Name at least one section code.")
        if self.metric != RuleMetric.CRITICAL and not self.comparison:
            errors["comparison"] = _("Choose a condition.")
        if self.comparison == RuleComparison.BELOW_VALUE and self.threshold is None:
            errors["threshold"] = _("Give the value to compare with.")
        if errors:
            raise ValidationError(errors)

    def matches(
        self,
        *,
        section_scores: dict[str, Decimal | None],
        shop_score: Decimal | None,
        has_critical_error: bool,
        target: Decimal,
    ) -> bool:
        """Whether a finalized shop with these scores triggers this rule.

        Sections that are absent or not applicable (None) are left out; a rule
        whose sections are all absent does not fire.
        """
        if self.metric == RuleMetric.CRITICAL:
            return has_critical_error
        if self.metric == RuleMetric.SHOP:
            value = shop_score
        else:
            scores = [section_scores.get(c) for c in self.section_codes]
            scores = [s for s in scores if s is not None]
            value = sum(scores) / len(scores) if scores else None
        if value is None:
            return False
        if self.comparison == RuleComparison.ZERO:
            return value == 0
        if self.comparison == RuleComparison.BELOW_TARGET:
            return value < target
        return value < self.threshold
