"""Forms of the scorecard pages: a first draft, a draft's name, sections,
parameters, and publishing with a change note."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import AnswerType, Channel, Parameter, Program, Scorecard, Section
from programs.models.scorecards import ConditionKind
from programs.selectors.scorecards import condition_choices

# The list field that holds a condition's ids, per kind.
CONDITION_FIELDS = {
    ConditionKind.SCENARIO: ("condition_scenarios", _("Scenarios")),
    ConditionKind.REASON: ("condition_reasons", _("Contact reasons")),
    ConditionKind.CATEGORY: ("condition_categories", _("Interaction categories")),
    ConditionKind.CHANNEL: ("condition_channels", _("Channels")),
}


class ScorecardCreateForm(forms.ModelForm):
    """A first, empty draft for a channel that has no scorecard yet."""

    class Meta:
        model = Scorecard
        fields = ["channel", "name"]

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.program = program
        self.fields["channel"].queryset = (
            Channel.objects.filter(program=program, is_active=True)
            .exclude(scorecards__isnull=False)
            .select_related("parent")
        )
        self.fields["channel"].label_from_instance = lambda c: (
            f"{c.parent.name} › {c.name}" if c.parent_id else c.name
        )
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. QM Score Layanan Inbound")


class ScorecardNameForm(forms.ModelForm):
    class Meta:
        model = Scorecard
        fields = ["name"]


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the version history: what changed in this version, and why."),
    )


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["name", "code", "kpi"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("name", css_class="col-md-5"),
                Column("code", css_class="col-md-3"),
                Column("kpi", css_class="col-md-4"),
            )
        )

    def clean_code(self):
        # The (scorecard, code) constraint is not checked by the ModelForm
        # because the scorecard is not one of its fields.
        code = self.cleaned_data["code"]
        taken = Section.objects.filter(scorecard=self.instance.scorecard_id, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another section of this scorecard has this code."))
        return code


class ParameterForm(forms.ModelForm):
    """A parameter; in binary scoring (TLK-5.3.3) every parameter is 1 / 0, so
    weight and answer type are left out. Its condition (issue #23) is chosen
    from lists: the program's scenarios, reasons, categories or channels, or
    another met / not met parameter of the same version."""

    class Meta:
        model = Parameter
        fields = [
            "text",
            "guidance",
            "weight",
            "answer_type",
            "scale_max",
            "critical_type",
            "critical_scope",
            "allow_not_applicable",
            "is_bonus",
            "condition_kind",
            "condition_parameter",
            "condition_answer",
        ]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, weighted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["autofocus"] = True
        scorecard = self.instance.section.scorecard
        choices = condition_choices(scorecard.program)
        for kind, (name, label) in CONDITION_FIELDS.items():
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=label,
                choices=choices[kind],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=self.instance.condition_ids
                if self.instance.condition_kind == kind
                else [],
                help_text="" if choices[kind] else _("None in this program yet."),
            )
        others = Parameter.objects.filter(
            section__scorecard=scorecard, answer_type=AnswerType.BINARY
        ).select_related("section")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["condition_parameter"].queryset = others.order_by(
            "section__order", "order", "pk"
        )
        self.fields["condition_parameter"].label_from_instance = lambda p: (
            f"{p.section.name} › {p.text}"
        )
        if weighted:
            numbers = Row(
                Column(Field("weight", step="0.01"), css_class="col-sm-4"),
                Column("answer_type", css_class="col-sm-4"),
                Column("scale_max", css_class="col-sm-4"),
            )
        else:
            for name in ("weight", "answer_type", "scale_max"):
                del self.fields[name]
            numbers = None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "text",
            "guidance",
            *([numbers] if numbers else []),
            Row(
                Column("critical_type", css_class="col-sm-6"),
                Column("critical_scope", css_class="col-sm-6"),
            ),
            "allow_not_applicable",
            "is_bonus",
            Fieldset(
                _("When it applies"),
                Field("condition_kind", css_class="sc-condition-kind"),
                *[
                    Div(name, css_class="sc-condition", data_condition=kind)
                    for kind, (name, _label) in CONDITION_FIELDS.items()
                ],
                Div(
                    Row(
                        Column("condition_parameter", css_class="col-sm-8"),
                        Column("condition_answer", css_class="col-sm-4"),
                    ),
                    css_class="sc-condition",
                    data_condition=ConditionKind.ANSWER,
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        kind = data.get("condition_kind", "")
        if kind in CONDITION_FIELDS:
            self.instance.condition_ids = sorted(data.get(CONDITION_FIELDS[kind][0]) or [])
            if not self.instance.condition_ids:
                self.add_error(CONDITION_FIELDS[kind][0], _("Choose at least one."))
        else:
            self.instance.condition_ids = []
        return data
