from axes.helpers import get_client_ip_address
from django.contrib.auth.forms import PasswordResetForm

from programs.services.accounts import password_reset_allowed


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending only what the throttle allows; the page that
    follows is the same whether a mail went out or not."""

    def save(self, *, request=None, **kwargs):
        client = get_client_ip_address(request) if request is not None else None
        if password_reset_allowed(email=self.cleaned_data["email"], client=client):
            super().save(request=request, **kwargs)
