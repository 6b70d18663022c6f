import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_by_email_is_case_insensitive(client):
    UserFactory(email="qc@example.com")
    response = client.post(reverse("login"), {"username": "QC@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_keeps_the_email_and_says_why(client):
    UserFactory(email="qc@example.com")
    response = client.post(reverse("login"), {"username": "qc@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"qc@example.com" in response.content
    assert b"Please enter a correct" in response.content


def test_login_page_renders_for_anonymous(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_pages_require_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_a_post(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_change_password(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-secret-42",
            "new_password2": "a-much-better-secret-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-secret-42")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_login_is_throttled_after_repeated_failures(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="qc@example.com")
    for _ in range(3):
        client.post(reverse("login"), {"username": "qc@example.com", "password": "bad"})
    response = client.post(reverse("login"), {"username": "qc@example.com", "password": PASSWORD})
    assert response.status_code == 429
