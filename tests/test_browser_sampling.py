"""Journey (issue: sampling and scheduling): the analyst imports last month's
contacts, reviews the top reasons, generates the plan; the manager approves;
the analyst reassigns a shop; the shopper sees the agenda and its feed."""

import io

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Role
from sampling.models import PlannedShop, PlanStatus, SamplePlan
from sampling.sample_file import HEADER, program_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sample_csv(program, month) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    for row in program_sample(program, month, rows=1500):
        out.write(",".join(row) + "\n")
    return out.getvalue().encode()


@time_machine.travel("2026-11-02 08:00 +0700", tick=True)
def test_import_plan_approve_assign_and_agenda(page, live_server, login, tlk, member):
    from celery import current_app

    current_app.conf.task_always_eager = True
    analyst = member(tlk, Role.QC_ANALYST, full_name="Andi Analyst")
    manager = member(tlk, Role.MANAGER, full_name="Maya Manager")
    sari = member(tlk, Role.SHOPPER, full_name="Sari Shopper")
    member(tlk, Role.SHOPPER, full_name="Dewi Shopper")
    oct_ = timezone.datetime(2026, 10, 1).date()

    login(page, analyst)
    page.goto(f"{live_server.url}/p/TLK/sampling/imports/")
    page.fill("input[name=month]", "2026-10")
    page.set_input_files(
        "input[name=file]",
        {"name": "telkom-2026-10.csv", "mimeType": "text/csv", "buffer": _sample_csv(tlk, oct_)},
    )
    page.get_by_role("button", name="Upload and import").click()
    page.get_by_text("1500 contacts imported").wait_for()
    page.get_by_role("link", name="Review the top reasons and the traffic").click()
    assert page.locator("#reasons tbody tr.fw-semibold").count() == 5  # top 5 (TLK-5.1.2)
    expect(page.locator("#heatmap")).to_be_visible()
    # The heat shows: the busiest hour is dark blue, a quiet one pale (not white).
    colour = "el => getComputedStyle(el).backgroundColor"
    assert page.locator("#heatmap td.heat-9").first.evaluate(colour) == "rgb(10, 88, 202)"
    assert page.locator("#heatmap td.heat-0").first.evaluate(colour) == "rgb(248, 251, 255)"
    # The unknown reason of the sample is mapped to a known one.
    row = page.locator("#unknown-reasons tbody tr").first
    row.locator("select").select_option(label="Informasi tagihan")
    row.get_by_role("button", name="Map").click()
    page.get_by_text("is now counted as").wait_for()

    page.get_by_role("link", name="Plan 2026-11").click()
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("The plan was generated.").wait_for()
    assert page.locator("#shops tbody tr").count() == 40
    assert page.locator("#strata tfoot").inner_text().split()[-1] == "40"

    page.click("#user-menu")
    page.get_by_role("button", name="Log out").click()
    login(page, manager)
    page.goto(f"{live_server.url}/p/TLK/sampling/plans/2026-11/")
    # The library has no scenario for some shops: approving them asks first (#22).
    question = page.locator("#approve-past")
    if question.count():
        expect(question.locator("#scenario-gaps")).to_contain_text("no scenario yet")
        question.get_by_label("I approve the plan with shops that have no scenario yet.").check()
    page.get_by_role("button", name="Approve the plan").click()
    page.get_by_text("The plan is approved and frozen.").wait_for()
    assert SamplePlan.objects.get(program=tlk).status == PlanStatus.APPROVED

    # Give one shop to Sari, with a reason (audited).
    shop = PlannedShop.objects.exclude(shopper=sari).order_by("number").first()
    page.goto(f"{live_server.url}/p/TLK/sampling/shops/{shop.pk}/")
    page.select_option("select[name=give-shopper]", str(sari.pk))
    page.fill("input[name=give-reason]", "Dewi is on leave")
    page.get_by_role("button", name="Give to this shopper").click()
    page.get_by_text(f"Shop #{shop.number} was changed.").wait_for()

    page.click("#user-menu")
    page.get_by_role("button", name="Log out").click()
    login(page, sari)
    page.goto(f"{live_server.url}/p/TLK/sampling/agenda/")
    expect(page.get_by_role("heading", name="My agenda")).to_be_visible()
    assert page.locator(".agenda li").count() == PlannedShop.objects.filter(shopper=sari).count()
    feed = page.input_value("#feed-url")
    response = page.request.get(feed)
    assert response.ok and "BEGIN:VEVENT" in response.text()
