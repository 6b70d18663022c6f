"""Form widgets shared by the apps."""

from django import forms
from django.utils.translation import gettext_noop


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always ISO (YYYY-MM-DD), whatever the
    language: `<input type="date">` shows nothing for a localized value such as
    19-06-2019, and saving the form then erased the date."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# Django 6.1's label of an empty choice; its own Indonesian catalogue has no
# translation for it yet, so ours carries one (the project's locale comes first).
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")
