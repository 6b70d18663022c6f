"""Forms of the scorecard pages: a first draft, a draft's name, sections,
parameters, and publishing with a change note."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Channel, Parameter, Program, Scorecard, Section


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
    weight and answer type are left out."""

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
        ]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, weighted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["autofocus"] = True
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
        )
