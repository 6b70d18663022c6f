"""Forms of the plan pages: generate, reschedule, reassign."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mysteryshop.widgets import DateInput
from programs.models import TimeSlot, User
from sampling.forms.imports import MonthField


class PlanGenerateForm(forms.Form):
    month = MonthField(label=_("Month to plan"))


class ShopRescheduleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    slot = forms.ModelChoiceField(label=_("Slot"), queryset=TimeSlot.objects.none())
    reason = forms.CharField(label=_("Why"), max_length=300)
    busy_ok = forms.BooleanField(
        label=_("Move into a high-traffic slot"),
        required=False,
        help_text=_("Only with a reason why (PGD-5.2.2); the change is audited."),
    )

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
