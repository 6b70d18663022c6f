"""Forms of the Retention page: the search for records to hold, and the one
hold (or release) form of a record's page."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.forms.library import MonthField
from programs.models import RecordType
from retention import services as retention


def _purged_types() -> list[tuple[str, str]]:
    """The record types the purge deletes, in the order of the rules."""
    return [(value, label) for value, label in RecordType.choices if value in retention.RECORDS]


class RecordSearchForm(forms.Form):
    """Find any record of the program, due or not, to place a hold on it."""

    record_type = forms.ChoiceField(label=_("Record type"), required=False)
    month = MonthField(
        label=_("Month"),
        required=False,
        help_text=_("The month the record is about (a shop's day, a plan's month)."),
    )
    shop = forms.CharField(
        label=_("Shop"),
        required=False,
        max_length=20,
        help_text=_("The shop's number in its plan (#12) or its id."),
    )
    agent = forms.CharField(
        label=_("Agent"),
        required=False,
        max_length=150,
        help_text=_("Employee id or part of the name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", _("Any type")), *_purged_types()]

    def clean_shop(self) -> int | None:
        value = self.cleaned_data["shop"].strip().lstrip("#").strip()
        if not value:
            return None
        if not re.fullmatch(r"\d{1,9}", value):
            raise forms.ValidationError(
                _("“%(value)s” is not a shop number: type digits, e.g. 12 or #12."),
                params={"value": self.cleaned_data["shop"]},
            )
        return int(value)

    def clean_agent(self) -> str:
        return self.cleaned_data["agent"].strip()

    @property
    def searched(self) -> bool:
        """Whether any criterion was given (an empty search lists nothing)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class HoldForm(forms.Form):
    """Place a legal hold on one record: the record is in the address."""

    reason = forms.CharField(
        label=_("Why must it be kept?"),
        max_length=300,
        help_text=_("E.g. an ISO audit finding, a customer complaint, a dispute."),
    )


class ReleaseForm(forms.Form):
    """Release the legal hold on one record."""

    reason = forms.CharField(label=_("Why may it go now?"), max_length=300)
