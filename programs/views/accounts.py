"""The sign-in page: e-mail and password, a single sign-on button, or both."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from mysteryshop import oidc
from programs.forms import EmailAuthenticationForm


class LoginView(auth_views.LoginView):
    """Django's sign-in, plus "Sign in with single sign-on" when it is configured.

    With LOCAL_PASSWORDS=false the password form is not shown and a posted one
    is refused (the password backend is off as well, settings.py).
    """

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_PASSWORDS:
            raise PermissionDenied(
                _("Signing in with a password is turned off: use single sign-on.")
            )
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": oidc.enabled(),
            "local_passwords": settings.LOCAL_PASSWORDS,
        }
