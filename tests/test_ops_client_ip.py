"""Client addresses behind the reverse proxy: lockout per e-mail and client
address, X-Forwarded-For believed only from TRUSTED_PROXIES."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from mysteryshop.clientip import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.1"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXIES = ["127.0.0.1", "172.16.0.0/12"]
    settings.TRUSTED_PROXY_COUNT = 1
    return UserFactory(email="qc@example.com")


def login(client, password, **meta):
    return client.post(
        reverse("login"), {"username": "qc@example.com", "password": password}, **meta
    )


def via_proxy(client_address: str, *, forged: str = "") -> dict:
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


def test_five_failures_from_one_address_do_not_lock_the_account_elsewhere(client, lockout):
    for _ in range(5):
        login(client, "bad", **via_proxy("203.0.113.7"))
    assert login(client, PASSWORD, **via_proxy("203.0.113.7")).status_code == 429
    other = login(client, PASSWORD, **via_proxy("198.51.100.20"))
    assert other.status_code == 302, "another office signs in"


def test_a_forged_header_before_the_proxys_entry_is_ignored(client, lockout):
    """The client writes `X-Forwarded-For: <random>`; nginx appends the real address."""
    for n in range(5):
        login(client, "bad", **via_proxy("203.0.113.7", forged=f"192.0.2.{n}"))
    assert (
        login(client, PASSWORD, **via_proxy("203.0.113.7", forged="192.0.2.99")).status_code == 429
    )


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(client, lockout):
    """Straight to the app (not through the proxy): every failure counts for the
    peer's own address, whatever X-Forwarded-For says."""
    for n in range(5):
        login(client, "bad", REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    locked = login(
        client, PASSWORD, REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="192.0.2.50"
    )
    assert locked.status_code == 429
    assert login(client, PASSWORD, REMOTE_ADDR="198.51.100.67").status_code == 302


def address(settings, **meta) -> str | None:
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_no_header_is_believed(settings):
    settings.TRUSTED_PROXIES = []
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert address(settings, **meta) == "127.0.0.1"


def test_the_client_is_counted_from_the_right_by_the_number_of_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer, then nginx
    chain = "192.0.2.1, 203.0.113.7, 10.1.1.1"
    assert address(settings, REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR=chain) == "203.0.113.7"
    # A chain shorter than the proxies in front: the peer, not a guess.
    assert address(settings, REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR="10.1.1.1") == (
        "10.2.2.2"
    )


def test_a_private_client_address_is_kept_and_garbage_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert address(settings, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.8.7") == (
        "10.9.8.7"
    )
    assert address(settings, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip") == (
        "127.0.0.1"
    )
    assert address(settings, REMOTE_ADDR="127.0.0.1") == "127.0.0.1"
    assert address(settings, REMOTE_ADDR="::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.8.7") == (
        "10.9.8.7"
    )
