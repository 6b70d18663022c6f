import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from programs.models import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_switching_language_is_remembered_on_the_account(client, program, member):
    user = member(program, Role.MANAGER)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "id"
    # A new device (no cookie) still gets the user's language after login.
    client.logout()
    client.cookies.clear()
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    body = client.get(reverse("home")).content.decode()
    assert "Program Anda" in body or "Selamat datang" in body


def test_anonymous_switch_sets_the_cookie_only(client):
    response = client.post(reverse("set_language"), {"language": "id", "next": "/accounts/login/"})
    assert response.cookies["django_language"].value == "id"
    assert "Masuk" in client.get(reverse("login")).content.decode()


def test_unknown_language_is_ignored(client, program, member):
    user = member(program, Role.MANAGER)
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "xx"})
    user.refresh_from_db()
    assert user.language == ""


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
def test_the_indonesian_catalogue_is_complete():
    po = Path(__file__).resolve().parent.parent / "locale/id/LC_MESSAGES/django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
