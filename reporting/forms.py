from django import forms
from django.utils.translation import gettext_lazy as _

from reporting.models import MonthlyReport


class ReportTextForm(forms.ModelForm):
    """The analyst's analysis and recommendations (TLK-5.4.1)."""

    class Meta:
        model = MonthlyReport
        fields = ["analysis", "recommendations"]
        widgets = {
            "analysis": forms.Textarea(attrs={"rows": 8}),
            "recommendations": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "analysis": _(
                "What the figures say: the average against the target, the weakest KPIs "
                "(solution accuracy, courtesy, communication clarity), the recurring defects."
            ),
            "recommendations": _("Improvement actions, with who does what by when."),
        }

    def __init__(self, *args, in_review: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if in_review:
            self.fields["confirm_in_review"] = forms.BooleanField(
                required=False,
                label=_("Submit without the shops still in review"),
                help_text=_(
                    "Shops handed in but not finalized are not in the frozen figures; "
                    "a correction can add them later."
                ),
            )


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
