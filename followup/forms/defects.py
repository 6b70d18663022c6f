"""Forms of the follow-up pages: acknowledging a defect, logging a coaching session."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mysteryshop.widgets import DateInput
from programs.models.library import FollowUpType


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("What you did with the agent"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class PassOnForm(forms.Form):
    note = forms.CharField(
        label=_("Your note to the team leader (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    session_type = forms.ChoiceField(
        label=_("Session"),
        choices=[(k, v) for k, v in FollowUpType.choices if k != "coaching_or_sgd"],
    )
    participants = forms.CharField(label=_("Participants"), max_length=1000, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    commitment = forms.CharField(
        label=_("The agent's commitment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))
    retest_requested = forms.BooleanField(
        label=_("Ask for a re-test next month"),
        required=False,
    )
