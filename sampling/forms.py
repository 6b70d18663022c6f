from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models import ContactReason, TimeSlot, User

MAX_UPLOAD_MB = 200


def last_month() -> date:
    today = timezone.localdate()
    return (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (input type=month), stored as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class ContactImportForm(forms.Form):
    month = MonthField(label=_("Month of the data"), help_text=_("Usually last month (N-1)."))
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("One row per contact; see the columns below. Up to %(mb)s MB.")
        % {"mb": MAX_UPLOAD_MB},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_MB}
            )
        return upload


class ReasonMapForm(forms.Form):
    text = forms.CharField(widget=forms.HiddenInput, max_length=200)
    reason = forms.ModelChoiceField(label=_("Same as"), queryset=ContactReason.objects.none())

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = ContactReason.objects.filter(program=program)


class PlanGenerateForm(forms.Form):
    month = MonthField(label=_("Month to plan"))


class ShopRescheduleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.ModelChoiceField(label=_("Slot"), queryset=TimeSlot.objects.none())
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = TimeSlot.objects.filter(program=program).select_related(
            "band"
        )


class ShopReassignForm(forms.Form):
    shopper = forms.ModelChoiceField(
        label=_("Shopper"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (unassigned)"),
    )
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args, shoppers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shopper"].queryset = User.objects.filter(pk__in=[u.pk for u in shoppers])
