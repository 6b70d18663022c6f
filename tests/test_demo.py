import pytest
from django.core.management import call_command
from django.urls import reverse

from programs.demo import DEMO_ADMIN, DEMO_PASSWORD, DEMO_USERS
from programs.models import Membership, Program, Role, User

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_has_a_user_per_role():
    call_command("load_demo")
    counts = (User.objects.count(), Program.objects.count(), Membership.objects.count())
    call_command("load_demo")
    assert (User.objects.count(), Program.objects.count(), Membership.objects.count()) == counts
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Program.objects.values_list("code", flat=True)) == {"PGD", "TLK"}


@pytest.mark.parametrize("email", [d.email for d in [*DEMO_USERS, DEMO_ADMIN]])
def test_every_demo_login_works(client, email):
    call_command("load_demo")
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email
    assert client.get(reverse("home")).status_code == 200
