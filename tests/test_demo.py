"""The demo of `make run`: both programs, a user per role, plans, an agenda."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from programs.demo import DEMO_ADMIN, DEMO_PASSWORD, DEMO_USERS
from programs.models import Agent, Membership, Program, Role, Scenario, User
from reporting.figures import monthly_figures
from sampling.models import PlanStatus, SamplePlan

pytestmark = pytest.mark.django_db


def test_demo_is_complete_idempotent_and_every_login_works(client):
    call_command("load_demo")
    counts = [m.objects.count() for m in (User, Program, Membership, Agent, Scenario, SamplePlan)]
    call_command("load_demo")
    assert [
        m.objects.count() for m in (User, Program, Membership, Agent, Scenario, SamplePlan)
    ] == counts
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Program.objects.values_list("code", flat=True)) == {"PGD", "TLK"}
    assert Agent.objects.count() == 40
    # Last month's, this month's and next month's plans, approved, for both programs;
    # last month is done: its shops finalized, so the report has figures to show.
    assert SamplePlan.objects.filter(status=PlanStatus.APPROVED).count() == 6
    last = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    for program in Program.objects.all():
        figures = monthly_figures(program, last)
        assert figures.overall.n > 30 and figures.pareto and figures.nonconformities
    for demo in [*DEMO_USERS, DEMO_ADMIN]:
        client.logout()
        response = client.post(
            reverse("login"), {"username": demo.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, demo.email
        assert client.get(reverse("home")).status_code == 200
    client.logout()
    client.post(reverse("login"), {"username": "shopper@demo.local", "password": DEMO_PASSWORD})
    assert client.get(reverse("agenda", args=["PGD"])).status_code == 200
