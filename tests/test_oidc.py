"""Single sign-on (OpenID Connect), against a small provider run here on
127.0.0.1: discovery, JWKS, authorize, token and userinfo, with an RSA key made
for the run. The whole code flow (PKCE, nonce, state) goes through the test
client; nothing leaves the loopback."""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from mysteryshop import oidc
from programs.models import Membership, Role, User
from programs.services import accounts
from tests.factories import PASSWORD, MembershipFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENT_ID = "mysteryshop-test"
CLIENT_SECRET = "client-secret-for-the-test-provider"
ROOT = Path(__file__).resolve().parent.parent


class Provider:
    """A tiny OpenID provider: who is signed in there is `signed_in` (an e-mail)."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.people: dict[str, dict] = {}
        self.disabled: set[str] = set()
        self.signed_in: str | None = None
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.audience = CLIENT_ID
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body, status=200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                provider.requests.append(url.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._json(provider.discovery())
                if url.path == "/jwks":
                    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key(), True)
                    return self._json({"keys": [{**jwk, "kid": "k1", "alg": "RS256"}]})
                if url.path == "/authorize":
                    return self._redirect(provider.authorize(query))
                if url.path == "/userinfo":
                    email = provider.tokens.get(self.headers.get("Authorization", "")[7:])
                    if email is None or email in provider.disabled:
                        return self._json({"error": "invalid_token"}, 401)
                    person = provider.people[email]
                    return self._json({k: person[k] for k in ("sub", "email", "name")})
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                provider.requests.append(self.path)
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                body, status = provider.token(form)
                return self._json(body, status)

            def _redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
        }

    def person(self, email, *, name="Sari Dewi", groups=()):
        self.people[email] = {
            "sub": f"sub-{len(self.people)}",
            "email": email,
            "name": name,
            "groups": list(groups),
        }

    def authorize(self, query):
        back = query["redirect_uri"]
        email = self.signed_in
        if email is None or email in self.disabled:
            error = "login_required" if query.get("prompt") == "none" else "access_denied"
            return f"{back}?{urlencode({'error': error, 'state': query['state']})}"
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**query, "email": email}
        return f"{back}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form):
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_secret") != CLIENT_SECRET:
            return {"error": "invalid_grant"}, 400
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.rstrip(b"=").decode() != grant["code_challenge"]:
            return {"error": "invalid_grant", "error_description": "PKCE"}, 400
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return {"error": "invalid_grant"}, 400
        person = self.people[grant["email"]]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": person["sub"],
            "email": person["email"],
            "groups": person["groups"],
            "nonce": grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = person["email"]
        return {"id_token": id_token, "access_token": access, "token_type": "Bearer"}, 200


@pytest.fixture(scope="module")
def provider():
    server = Provider()
    yield server
    server.server.shutdown()


@pytest.fixture
def sso(settings, provider, monkeypatch):
    """Single sign-on switched on as the environment would (settings.py)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    provider.people.clear()
    provider.disabled.clear()
    provider.signed_in = None
    provider.audience = CLIENT_ID
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY_URL = f"{provider.issuer}/.well-known/openid-configuration"
    settings.OIDC_GROUP_ROLES = "qc-managers=PGD:manager,shoppers=PGD:shopper,tlk-view=TLK:viewer"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "programs.backends.SingleSignOnBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "mysteryshop.oidc.SessionRefresh",
    )
    settings.MIDDLEWARE = middleware
    oidc.forget_discovery()
    yield provider
    oidc.forget_discovery()


def at_provider(url: str) -> str:
    """The browser at the provider: where its answer sends us back (no redirects followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        return answer.headers["Location"]
    raise AssertionError("the provider did not redirect")


def local(url: str) -> str:
    parsed = urlparse(url)
    assert parsed.netloc == "testserver", url
    return f"{parsed.path}?{parsed.query}"


def sign_in(client, provider, *, next_url="/"):
    start = client.get(reverse("oidc_authentication_init"), {"next": next_url})
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer)
    return client.get(local(at_provider(start["Location"])))


def signed_in_user(client):
    from django.contrib.auth import get_user

    user = get_user(client)
    return user if user.is_authenticated else None


def test_the_full_code_flow_signs_a_known_user_in_by_e_mail(client, sso, program):
    user = UserFactory(email="sari@example.com")
    sso.person("Sari@Example.com")
    sso.signed_in = "Sari@Example.com"
    answer = sign_in(client, sso, next_url="/programs/new/")
    assert answer.status_code == 302 and answer["Location"] == "/programs/new/"
    assert signed_in_user(client) == user
    assert {"/authorize", "/token", "/jwks", "/userinfo"} <= set(sso.requests)


def test_provider_groups_give_program_roles_through_the_membership_service(
    client, sso, program, other_program
):
    user = UserFactory(email="mgr@example.com")
    sso.person("mgr@example.com", groups=["qc-managers", "tlk-view", "unmapped"])
    sso.signed_in = "mgr@example.com"
    sign_in(client, sso)
    roles = set(Membership.objects.filter(user=user).values_list("program__code", "role"))
    assert roles == {("PGD", Role.MANAGER), ("TLK", Role.VIEWER)}
    # Signing in again changes nothing (no duplicate, no error).
    client.logout()
    sign_in(client, sso)
    assert Membership.objects.filter(user=user).count() == 2


def test_sync_takes_away_a_mapped_role_the_groups_no_longer_give(client, sso, settings, program):
    settings.OIDC_GROUP_ROLES_SYNC = True
    user = UserFactory(email="shop@example.com")
    MembershipFactory(user=user, program=program, role=Role.SHOPPER)
    MembershipFactory(user=user, program=program, role=Role.SUPERVISOR)  # not mapped: kept
    sso.person("shop@example.com", groups=[])
    sso.signed_in = "shop@example.com"
    sign_in(client, sso)
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.SUPERVISOR
    }


def test_an_unknown_user_is_refused_unless_creation_is_on(client, sso, settings, program):
    sso.person("new@example.com", name="Budi Santoso", groups=["shoppers"])
    sso.signed_in = "new@example.com"
    answer = sign_in(client, sso)
    assert answer["Location"] == reverse("login") and signed_in_user(client) is None
    assert "did not sign you in" in client.get(reverse("login")).content.decode()
    assert not User.objects.filter(email="new@example.com").exists()

    settings.OIDC_CREATE_USER = True
    sign_in(client, sso)
    user = User.objects.get(email="new@example.com")
    assert signed_in_user(client) == user and user.full_name == "Budi Santoso"
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, program=program, role=Role.SHOPPER).exists()


def test_a_token_for_another_client_is_refused(client, sso):
    UserFactory(email="sari@example.com")
    sso.person("sari@example.com")
    sso.signed_in = "sari@example.com"
    sso.audience = "some-other-application"
    answer = sign_in(client, sso)
    assert answer["Location"] == reverse("login") and signed_in_user(client) is None


def test_a_user_disabled_at_the_provider_loses_the_session_at_the_refresh(client, sso, settings):
    user = UserFactory(email="sari@example.com")
    sso.person("sari@example.com")
    sso.signed_in = "sari@example.com"
    sign_in(client, sso)
    assert client.get(reverse("home")).status_code == 200
    # The id token's time is up: the next page checks with the provider (prompt=none).
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()
    refresh = client.get(reverse("home"))
    assert refresh.status_code == 302 and "prompt=none" in refresh["Location"]
    # Still fine at the provider: back in, same user.
    assert client.get(local(at_provider(refresh["Location"]))).status_code == 302
    assert signed_in_user(client) == user
    # Disabled there: the provider answers login_required and the session ends.
    sso.disabled.add("sari@example.com")
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()
    refresh = client.get(reverse("home"))
    client.get(local(at_provider(refresh["Location"])))
    assert signed_in_user(client) is None
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_a_password_session_is_not_sent_to_the_provider(client, sso):
    UserFactory(email="local@example.com")
    client.post(reverse("login"), {"username": "local@example.com", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


def test_the_login_page_offers_single_sign_on_when_configured(client, sso):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with single sign-on" in page and 'id="login-form"' in page


def test_without_local_passwords_only_the_button_is_left(client, sso, settings):
    settings.LOCAL_PASSWORDS = False
    settings.AUTHENTICATION_BACKENDS = [
        b for b in settings.AUTHENTICATION_BACKENDS if not b.endswith("ModelBackend")
    ]
    UserFactory(email="local@example.com")
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with single sign-on" in page
    assert 'id="login-form"' not in page and "Forgot your password?" not in page
    answer = client.post(reverse("login"), {"username": "local@example.com", "password": PASSWORD})
    assert answer.status_code == 403 and signed_in_user(client) is None


def test_a_provider_that_is_down_is_a_message_not_an_error(client, sso, settings):
    settings.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    oidc.forget_discovery()
    answer = client.get(reverse("oidc_authentication_init"))
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    assert "not available right now" in client.get(reverse("login")).content.decode()


def test_single_sign_on_is_off_without_a_client_id(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert "single sign-on" not in client.get(reverse("login")).content.decode()


def test_group_roles_are_checked():
    entries = accounts.group_roles_parse(" a=PGD:manager , /qc/team=leads=TLK:viewer,")
    assert [(e.group, e.program_code, e.role) for e in entries] == [
        ("a", "PGD", "manager"),
        ("/qc/team=leads", "TLK", "viewer"),
    ]
    with pytest.raises(ImproperlyConfigured, match="not group=PROGRAMCODE:role"):
        accounts.group_roles_parse("just-a-group")
    with pytest.raises(ImproperlyConfigured, match="names the role 'boss'"):
        accounts.group_roles_parse("g=PGD:boss")


HOST_ONLY = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "HOST", "PORT"}


def _check(**env_vars):
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_environment_configures_it_and_refuses_half_a_configuration():
    assert "OIDC_RP_CLIENT_SECRET" in _check(OIDC_RP_CLIENT_ID="x").stderr
    assert (
        "OIDC_OP_DISCOVERY_URL" in _check(OIDC_RP_CLIENT_ID="x", OIDC_RP_CLIENT_SECRET="y").stderr
    )
    assert "needs single sign-on" in _check(LOCAL_PASSWORDS="false").stderr
    configured = _check(
        OIDC_RP_CLIENT_ID="x",
        OIDC_RP_CLIENT_SECRET="y",
        OIDC_OP_DISCOVERY_URL="https://login.example.com/.well-known/openid-configuration",
        LOCAL_PASSWORDS="false",
    )
    assert configured.returncode == 0, configured.stderr


def test_a_program_created_later_is_not_an_error(sso, settings):
    settings.OIDC_GROUP_ROLES = "g=NEW:viewer"
    user = UserFactory(email="x@example.com")
    assert accounts.sso_roles_apply(user=user, claims={"groups": ["g"]}) == []
    ProgramFactory(code="NEW", name="New program")
    assert accounts.sso_roles_apply(user=user, claims={"groups": ["g"]}) == ["+NEW:viewer"]


def test_an_htmx_request_due_for_a_refresh_sends_the_whole_page(client, sso):
    UserFactory(email="sari@example.com")
    sso.person("sari@example.com")
    sso.signed_in = "sari@example.com"
    sign_in(client, sso)
    session = client.session
    session["oidc_id_token_expiration"] = time.time() - 1
    session.save()
    answer = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert answer.status_code == 204 and answer["HX-Redirect"].startswith(sso.issuer)


def test_single_sign_on_works_with_the_lockout_on(client, sso, settings):
    settings.AXES_ENABLED = True
    user = UserFactory(email="sari@example.com")
    sso.person("sari@example.com")
    sso.signed_in = "sari@example.com"
    sign_in(client, sso)
    assert signed_in_user(client) == user
    client.logout()
    sso.signed_in = "someone-else@example.com"
    sso.person("someone-else@example.com")
    for _ in range(6):  # refused sign-ins through the provider lock nobody out
        sign_in(client, sso)
    sso.signed_in = "sari@example.com"
    sign_in(client, sso)
    assert signed_in_user(client) == user


def test_without_local_passwords_the_password_pages_and_the_admin_login_are_gone():
    code = """
import django
django.setup()
from django.test import Client
client = Client()
for path in ("/accounts/password/reset/", "/accounts/password/", "/admin/login/?next=/admin/"):
    answer = client.get(path)
    print(path, answer.status_code, answer.get("Location", ""))
"""
    env = {k: v for k, v in os.environ.items() if k not in HOST_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="mysteryshop.settings",
        OIDC_RP_CLIENT_ID="x",
        OIDC_RP_CLIENT_SECRET="y",
        OIDC_OP_DISCOVERY_URL="https://login.example.com/.well-known/openid-configuration",
        LOCAL_PASSWORDS="false",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "/accounts/password/reset/ 404 " and lines[1] == "/accounts/password/ 404 "
    assert lines[2] == "/admin/login/?next=/admin/ 302 /accounts/login/?next=/admin/"
