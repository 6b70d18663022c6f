"""The demo of `make run`: both programs, a user per role, plans, an agenda."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devdata.demo import DEMO_ADMIN, DEMO_PASSWORD, DEMO_USERS
from programs.models import Agent, Membership, Program, Role, Scenario, User
from programs.months import add_months
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors.reports import monthly_figures
from sampling.models import PlannedShop, PlanStatus, SamplePlan
from scoring.models import Shop

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
    # Three months of history, this month's and next month's plans, approved, for both
    # programs; the history is done (its shops finalized, so the dashboards and reports
    # have figures), the two older reports acknowledged and last month's left to write.
    assert SamplePlan.objects.filter(status=PlanStatus.APPROVED).count() == 10
    current = timezone.localdate().replace(day=1)
    history = [add_months(current, -k) for k in (3, 2, 1)]
    for program in Program.objects.all():
        for month in history:
            figures = monthly_figures(program, month)
            assert figures.overall.n > 30 and figures.pareto and figures.nonconformities
        # This month is under way: what was due before today is done, the rest ahead.
        this_month = Shop.objects.filter(program=program, planned_shop__date__gte=current)
        assert not this_month.filter(planned_shop__date__gte=timezone.localdate()).exists()
        done = this_month.values_list("planned_shop", flat=True)
        due = PlannedShop.objects.filter(
            plan__program=program, plan__month=current, date__lt=timezone.localdate()
        ).exclude(shopper=None)
        assert due.exclude(pk__in=done).count() <= due.count() // 10 + 1
        reports = MonthlyReport.objects.filter(program=program)
        assert sorted(reports.values_list("month", "status")) == [
            (history[0], ReportStatus.ACKNOWLEDGED),
            (history[1], ReportStatus.ACKNOWLEDGED),
        ]
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
