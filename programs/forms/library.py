"""Forms of the library pages: contact reasons, scenarios, coaching rules."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models import (
    Channel,
    CoachingRule,
    ContactReason,
    Program,
    RuleComparison,
    RuleMetric,
    Scenario,
)
from programs.selectors.library import coaching_rule_next_order, published_section_choices


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        # Browsers without a month picker show a text box: say what to type.
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month typed as YYYY-MM; its value is the first day of that month."""

    widget = MonthInput
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2026-07.")}

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class ProgramModelForm(forms.ModelForm):
    """A form for a row of `program`: the row belongs to it before validation,
    so the model's own checks (clean) see the program."""

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.instance.program = program


class ContactReasonForm(ProgramModelForm):
    class Meta:
        model = ContactReason
        fields = ["name", "category", "is_active"]
        help_texts = {
            "is_active": _(
                "Inactive reasons stay on their scenarios but are not offered for new ones."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = self.program.categories.all()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = ContactReason.objects.filter(program=self.program, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This program already has a reason with this name."))
        return name


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(reason)s (%(category)s)") % {"reason": obj.name, "category": obj.category}


class ChannelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.parent_id:
            return _("%(parent)s › %(channel)s") % {"parent": obj.parent, "channel": obj.name}
        return obj.name


class ScenarioForm(ProgramModelForm):
    reason = ReasonChoiceField(queryset=ContactReason.objects.none(), label=_("Reason"))
    channel = ChannelChoiceField(queryset=Channel.objects.none(), label=_("Channel"))
    valid_from = MonthField(
        label=_("Valid from"), required=False, help_text=_("First month it may be used.")
    )
    valid_to = MonthField(
        label=_("Valid to"), required=False, help_text=_("Last month it may be used.")
    )

    class Meta:
        model = Scenario
        fields = [
            "title",
            "reason",
            "channel",
            "source",
            "customer_script",
            "expected_answer",
            "valid_from",
            "valid_to",
            "is_active",
        ]
        widgets = {
            "customer_script": forms.Textarea(attrs={"rows": 6}),
            "expected_answer": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive reasons and channels are not offered, except the ones the
        # scenario already has, so editing it never loses them.
        reason_id = self.instance.reason_id
        channel_id = self.instance.channel_id
        self.fields["reason"].queryset = (
            ContactReason.objects.filter(program=self.program)
            .filter(Q(is_active=True) | Q(pk=reason_id))
            .select_related("category")
            .order_by("category__order", "name")
        )
        self.fields["channel"].queryset = (
            Channel.objects.filter(program=self.program)
            .filter(Q(is_active=True) | Q(pk=channel_id))
            .select_related("parent")
        )

    @staticmethod
    def initial_from(scenario: Scenario) -> dict:
        """What a new scenario copied from `scenario` starts with."""
        return {
            "title": _("Copy of %(title)s") % {"title": scenario.title},
            "reason": scenario.reason_id,
            "channel": scenario.channel_id,
            "source": scenario.source,
            "customer_script": scenario.customer_script,
            "expected_answer": scenario.expected_answer,
            "valid_from": scenario.valid_from,
            "valid_to": scenario.valid_to,
            "is_active": True,
        }


class CoachingRuleForm(ProgramModelForm):
    section_codes = forms.MultipleChoiceField(
        label=_("Sections"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For section rules. With several sections, their average is compared. "
            "The sections come from the program's published scorecards."
        ),
    )

    class Meta:
        model = CoachingRule
        fields = [
            "name",
            "metric",
            "section_codes",
            "comparison",
            "threshold",
            "action",
            "due_days",
            "is_active",
        ]
        help_texts = {
            "threshold": _("Only for the condition 'is below a value': a score from 0 to 100."),
            "comparison": _("Not needed when the rule is about critical errors."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (code, f"{name} ({code})") for code, name in published_section_choices(self.program)
        ]
        # A code no published scorecard has any more is kept, so saving the
        # rule does not silently drop it.
        known = {code for code, _label in choices}
        for code in self.instance.section_codes or []:
            if code not in known:
                choices.append((code, _("%(code)s (in no published scorecard)") % {"code": code}))
        self.fields["section_codes"].choices = choices
        if self.instance.pk is None:
            self.instance.order = coaching_rule_next_order(self.program)

    def clean(self):
        data = super().clean()
        # Values a rule of this kind does not use are cleared, so the rule
        # reads (and is applied) exactly as its sentence says.
        metric = data.get("metric")
        if metric != RuleMetric.SECTIONS:
            data["section_codes"] = []
        if metric == RuleMetric.CRITICAL:
            data["comparison"] = ""
        if data.get("comparison") != RuleComparison.BELOW_VALUE:
            data["threshold"] = None
        return data
