"""Single sign-on with OpenID Connect (mozilla-django-oidc), configured only by
the environment (settings.py, "Single sign-on"); off unless OIDC_RP_CLIENT_ID
is set.

The provider's endpoints come from its discovery document
(OIDC_OP_DISCOVERY_URL: Entra ID's
https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration,
Keycloak's https://<host>/realms/<realm>/.well-known/openid-configuration), read
when first needed and kept for an hour, or from OIDC_OP_*_ENDPOINT, which win.
Nothing is fetched at start-up, so a provider that is down never stops the
product from starting; only the sign-in through it fails, politely.

Who the user is and which roles their groups give lives in programs
(programs.backends, programs.services.accounts); this module is the plumbing.
"""

import logging
import threading
import time

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc import middleware as oidc_middleware
from mozilla_django_oidc import views as oidc_views

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600
# Our setting → the discovery document's key.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_ISSUER": "issuer",
}


class ProviderUnavailable(Exception):
    """The identity provider's discovery document could not be read."""


_lock = threading.Lock()
_cache: dict[str, tuple[float, dict]] = {}


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def discovery() -> dict:
    url = settings.OIDC_OP_DISCOVERY_URL
    if not url:
        return {}
    with _lock:
        cached = _cache.get(url)
        if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    try:
        response = requests.get(
            url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC discovery at %s failed: %s", url, exc)
        raise ProviderUnavailable(str(exc)) from exc
    with _lock:
        _cache[url] = (time.monotonic(), document)
    return document


def forget_discovery() -> None:
    """Read the discovery document again on next use (tests, key rotation)."""
    with _lock:
        _cache.clear()


def endpoint(setting: str) -> str:
    """The explicit OIDC_OP_* setting when given, else the discovery document's."""
    explicit = getattr(settings, setting, "")
    if explicit:
        return explicit
    value = discovery().get(ENDPOINTS[setting], "")
    if not value and setting != "OIDC_OP_ISSUER":
        raise ProviderUnavailable(f"{setting}: not set and not in the discovery document")
    return value


def _unavailable(request) -> HttpResponseRedirect:
    messages.error(
        request, _("Single sign-on is not available right now. Please try again later.")
    )
    return HttpResponseRedirect(resolve_url("login"))


class AuthenticationRequestView(oidc_views.OIDCAuthenticationRequestView):
    """The sign-in button's target: off the site to the identity provider."""

    def __init__(self, **kwargs):
        # Not the parent's __init__: it requires OIDC_OP_AUTHORIZATION_ENDPOINT in
        # settings, and ours may come from discovery, read in get().
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not enabled():
            raise Http404("single sign-on is off")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable:
            return _unavailable(request)
        return super().get(request)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """The provider's answer. A failed sign-in (refused, unknown user, a session
    refresh the provider declined) leaves nobody signed in and says so."""

    def get(self, request):
        if not enabled():
            raise Http404("single sign-on is off")
        try:
            return super().get(request)
        except ProviderUnavailable:
            if request.user.is_authenticated:
                auth.logout(request)
            return _unavailable(request)
        except (SuspiciousOperation, requests.RequestException) as exc:
            # A token that fails its checks, a replayed state, a provider that
            # refuses the code: logged for the administrators, a message for the user.
            logger.warning("SSO callback refused: %s", exc)
            return self.login_failure()

    def login_failure(self):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        messages.error(
            self.request,
            _(
                "Single sign-on did not sign you in. If you should have access, "
                "ask your administrator to give your account a role."
            ),
        )
        return HttpResponseRedirect(resolve_url("login"))


class SessionRefresh(oidc_middleware.SessionRefresh):
    """mozilla-django-oidc's SessionRefresh: once the id token's time is up
    (OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS), a GET goes to the provider again with
    prompt=none; a user the provider has disabled comes back with an error and
    is signed out (CallbackView). Sessions signed in with a password are left alone.
    """

    @property
    def OIDC_OP_AUTHORIZATION_ENDPOINT(self):  # read only when a refresh is due
        return endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")

    @OIDC_OP_AUTHORIZATION_ENDPOINT.setter
    def OIDC_OP_AUTHORIZATION_ENDPOINT(self, value):
        pass  # the parent's __init__ sets it from settings; ours is read on use

    def process_request(self, request):
        try:
            response = super().process_request(request)
        except ProviderUnavailable:
            # The session cannot be checked with the provider: it does not go on.
            auth.logout(request)
            return _unavailable(request)
        if response is not None and request.headers.get("HX-Request") == "true":
            # htmx would follow the redirect inside the page: send the browser instead.
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response


def axes_exempt(request, credentials) -> bool:
    """AXES_WHITELIST_CALLABLE: the provider's callback is not counted by the lockout.

    No password is typed here (the provider guards, and throttles, the
    credentials), and a refused callback names no username, so counting it would
    let five refused sign-ins lock everyone behind one office address out of
    single sign-on. Password sign-ins are counted as before.
    """
    if request is None or (credentials or {}).get("password"):
        return False
    return request.path == reverse("oidc_authentication_callback")


def passwords_off(request, *args, **kwargs):
    """The password pages when LOCAL_PASSWORDS=false (mysteryshop.urls): gone."""
    raise Http404("passwords are off: sign in with single sign-on")
