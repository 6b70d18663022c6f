"""Password reset is throttled per address and per client (issue 19): each
request counts, a throttled one sends nothing, and the page is the same."""

import hashlib
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_cache(settings):
    """A memory cache of this test's own (the shared Redis keeps other runs' counts)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"reset-{uuid.uuid4()}",
        }
    }


def _reset(client, email, ip="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_at_most_n_mails_per_address_an_hour_whatever_the_client(client, own_cache, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    UserFactory(email="sari@example.com")
    answers = set()
    for n, email in enumerate(["sari@example.com", "SARI@example.com "] * 3):
        response = _reset(client, email, ip=f"10.0.0.{n}")
        answers.add((response.status_code, response["Location"]))
    assert len(mail.outbox) == 3
    assert answers == {(302, reverse("password_reset_done"))}  # throttled or not: the same


def test_at_most_n_requests_per_client_an_hour(client, own_cache, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 2
    for n in range(4):
        UserFactory(email=f"agent{n}@example.com")
        assert _reset(client, f"agent{n}@example.com", ip="10.9.9.9").status_code == 302
    assert len(mail.outbox) == 2
    assert _reset(client, "agent3@example.com", ip="10.9.9.10").status_code == 302
    assert len(mail.outbox) == 3  # another client is not held back


def test_unknown_addresses_count_too(client, own_cache, settings):
    """Asking for an unknown address uses the same allowance: the throttle never
    behaves differently for addresses that exist."""
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 2
    UserFactory(email="known@example.com")
    _reset(client, "nobody@example.com", ip="10.1.1.1")
    _reset(client, "nobody2@example.com", ip="10.1.1.1")
    response = _reset(client, "known@example.com", ip="10.1.1.1")
    assert response.status_code == 302 and mail.outbox == []


def test_the_cache_away_does_not_stop_resets(client, own_cache):
    UserFactory(email="sari@example.com")
    with mock.patch.object(cache, "add", side_effect=ConnectionError("redis down")):
        response = _reset(client, "sari@example.com")
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_the_throttle_works_on_the_configured_cache(client, settings):
    """Redis when REDIS_URL is set (CI): an address and a client of this run only."""
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 1
    email, ip = f"{uuid.uuid4().hex}@example.com", f"10.{uuid.uuid4().int % 250}.7.7"
    UserFactory(email=email)
    try:
        _reset(client, email, ip=ip)
        _reset(client, email, ip=ip)
        assert len(mail.outbox) == 1
    finally:
        digest = hashlib.sha256(email.encode()).hexdigest()
        cache.delete_many([f"password-reset:address:{digest}", f"password-reset:client:{ip}"])
