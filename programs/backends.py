"""The single sign-on authentication backend (mozilla-django-oidc's, adapted).

Users are matched by e-mail (programs.User has no username), optionally
created, and given the program roles their provider groups map to, all through
programs.services.accounts. The id token is checked more than the library does
by default: its audience must be our client id and its issuer the provider's.
"""

import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from mysteryshop import oidc
from programs.services import accounts

logger = logging.getLogger(__name__)


class SingleSignOnBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the provider's callback: a password sign-in passes username and
        # password to every backend and must never reach the provider.
        if request is None or "username" in kwargs or "password" in kwargs:
            return None
        if not (request.GET.get("code") and request.GET.get("state")):
            return None
        # Endpoints are read when needed (discovery), never at start-up.
        self.OIDC_OP_TOKEN_ENDPOINT = oidc.endpoint("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = oidc.endpoint("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = oidc.endpoint("OIDC_OP_JWKS_ENDPOINT")
        self.issuer = oidc.endpoint("OIDC_OP_ISSUER")
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)  # signature, expiry, nonce
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("id token for another client (aud)")
        if self.issuer and payload.get("iss") != self.issuer:
            raise SuspiciousOperation("id token from another issuer (iss)")
        if "exp" not in payload:
            raise SuspiciousOperation("id token without an expiry (exp)")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        # The id token's claims as well: Entra ID puts groups there, not in userinfo.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims):
        if claims.get("email_verified") is False:
            logger.warning("SSO refused: the provider says the e-mail is not verified")
            return False
        return bool(accounts.sso_email(claims))

    def describe_user_by_claims(self, claims):
        return f"e-mail {accounts.sso_email(claims)}"

    def filter_users_by_claims(self, claims):
        user = accounts.sso_user_find(claims=claims)
        return [user] if user is not None else []

    def create_user(self, claims):
        user = accounts.sso_user_create(claims=claims)
        accounts.sso_roles_apply(user=user, claims=claims)
        return user

    def update_user(self, user, claims):
        accounts.sso_roles_apply(user=user, claims=claims)
        return user
