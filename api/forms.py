"""The form of the API token page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken, TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What will use it, e.g. “contact-logging export”."),
        error_messages={"required": _("Name the token after what will use it.")},
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "Read: imports, plans, shops, defects and figures. Read and push: also "
            "pushes a month of contact data."
        ),
    )
