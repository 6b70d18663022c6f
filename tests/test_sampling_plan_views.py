"""Plan pages: generate, check, approve, adjust; agenda, ICS, progress."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from programs.models import Role
from sampling import services
from sampling.models import CalendarFeed, PlannedShop, PlanStatus, SamplePlan, ShopStatus
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def plan(pgd, member):
    member(pgd, Role.SHOPPER, full_name="Sari Shopper", email="sari@example.com")
    member(pgd, Role.SHOPPER, full_name="Dewi Shopper")
    contact_month(pgd, NOV)
    return services.plan_generate(program=pgd, month=DEC, user=None, seed=3)


@pytest.mark.parametrize("role", Role.values)
def test_the_schedule_is_hidden_from_those_whose_agents_are_shopped(
    client, pgd, member, plan, role
):
    client.force_login(member(pgd, role))
    expected = 200 if role in {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR} else 403
    assert client.get(reverse("plan_list", args=[pgd.code])).status_code == expected
    assert client.get(reverse("plan_detail", args=[pgd.code, "2026-12"])).status_code == expected


def test_outsider_gets_404(client, pgd, outsider, plan):
    client.force_login(outsider)
    assert client.get(reverse("plan_detail", args=[pgd.code, "2026-12"])).status_code == 404


def test_analyst_generates_and_the_table_can_be_checked(client, pgd, member):
    contact_month(pgd, NOV)
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"})
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "Allocation per stratum" in body and "Exact quota" in body
    assert SamplePlan.objects.get().shops.count() == 56


def test_generating_without_data_explains_what_to_do(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"})
    assert response.status_code == 200
    assert "Import the contact data of 2026-11 first." in response.content.decode()


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.SUPERVISOR, Role.TEAM_LEADER, Role.VIEWER])
def test_only_planners_generate(client, pgd, member, role):
    contact_month(pgd, NOV)
    client.force_login(member(pgd, role))
    assert (
        client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"}).status_code == 403
    )


def test_only_the_manager_approves(client, pgd, member, plan):
    url = reverse("plan_action", args=[pgd.code, "2026-12"])
    client.force_login(member(pgd, Role.QC_ANALYST))
    assert client.post(url, {"action": "approve"}).status_code == 403
    client.force_login(member(pgd, Role.MANAGER))
    client.post(url, {"action": "approve", "gaps_ok": "1"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    response = client.post(url, {"action": "regenerate"}, follow=True)
    assert "approved and cannot be regenerated" in response.content.decode()


def test_reschedule_keeps_input_on_error_and_is_audited(client, pgd, member, plan):
    client.force_login(member(pgd, Role.QC_ANALYST))
    shop = plan.shops.first()
    url = reverse("shop_edit", args=[pgd.code, shop.pk])
    assert client.get(url).status_code == 200
    slot = pgd.time_slots.last()
    response = client.post(
        url,
        {
            "action": "reschedule",
            "move-day": "2027-01-04",
            "move-slot": slot.pk,
            "move-reason": "Holiday",
        },
    )
    assert response.status_code == 200
    assert "Choose a day of the plan" in response.content.decode()
    assert 'value="Holiday"' in response.content.decode()
    response = client.post(
        url,
        {
            "action": "reschedule",
            "move-day": "2026-12-15",
            "move-slot": slot.pk,
            "move-reason": "Holiday",
        },
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.date == date(2026, 12, 15)
    assert "Holiday" in client.get(url).content.decode()


def test_shops_of_another_program_are_out_of_reach(client, pgd, tlk, member, plan):
    client.force_login(member(tlk, Role.QC_ANALYST))
    shop = plan.shops.first()
    assert client.get(reverse("shop_edit", args=[tlk.code, shop.pk])).status_code == 404


@time_machine.travel(date(2026, 12, 7), tick=False)
def test_shopper_agenda_and_calendar_feed(client, pgd, member, plan):
    manager = member(pgd, Role.MANAGER)
    services.plan_approve(plan=plan, user=manager)
    shopper = plan.shops.exclude(shopper=None).first().shopper
    client.force_login(shopper)
    body = client.get(reverse("agenda", args=[pgd.code])).content.decode()
    assert "My agenda" in body and "/ics/" in body
    assert 'data-copy="#feed-url"' in body  # #22: a copy button for the address on a phone
    feed = CalendarFeed.objects.get(user=shopper, program=pgd)
    client.logout()
    ics = client.get(f"/ics/{feed.token}.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    mine = PlannedShop.objects.filter(plan=plan, shopper=shopper)
    assert text.count("BEGIN:VEVENT") == mine.count()
    first = mine.order_by("date", "slot__start").first()
    start_utc = f"DTSTART:{first.date:%Y%m%d}T{(first.slot.start.hour - 7) % 24:02d}"
    assert start_utc in text  # WIB (+07:00) converted to UTC
    assert client.get("/ics/not-a-token.ics").status_code == 404
    # The subscriber reads Indonesian: so does the feed (a calendar app sends no language).
    shopper.language = "id"
    shopper.save()
    text = client.get(f"/ics/{feed.token}.ics").content.decode()
    assert "DESCRIPTION:Kanal: " in text and "DESCRIPTION:Channel: " not in text


@time_machine.travel(date(2026, 12, 7), tick=False)
def test_the_feed_links_to_the_sites_address_whoever_asks(client, pgd, member, plan, settings):
    """The address to subscribe to and the events' ids come from SITE_URL, not from
    the Host header of the request (a proxy's inner name, or a forged one)."""
    settings.SITE_URL = "https://qc.example.id"
    settings.ALLOWED_HOSTS = ["internal-web"]
    services.plan_approve(plan=plan, user=member(pgd, Role.MANAGER))
    shopper = plan.shops.exclude(shopper=None).first().shopper
    client.force_login(shopper)
    body = client.get(reverse("agenda", args=[pgd.code]), HTTP_HOST="internal-web").content
    feed = CalendarFeed.objects.get(user=shopper, program=pgd)
    assert f"https://qc.example.id/ics/{feed.token}.ics".encode() in body
    assert f"webcal://qc.example.id/ics/{feed.token}.ics".encode() in body
    ics = client.get(f"/ics/{feed.token}.ics", HTTP_HOST="internal-web").content.decode()
    assert "@qc.example.id" in ics and "internal-web" not in ics


def test_only_shoppers_have_an_agenda(client, pgd, member):
    client.force_login(member(pgd, Role.VIEWER))
    assert client.get(reverse("agenda", args=[pgd.code])).status_code == 403


def test_resetting_the_feed_address_kills_the_old_one(client, pgd, member):
    shopper = member(pgd, Role.SHOPPER)
    client.force_login(shopper)
    client.get(reverse("agenda", args=[pgd.code]))
    old = CalendarFeed.objects.get().token
    client.post(reverse("agenda_feed_reset", args=[pgd.code]))
    assert client.get(f"/ics/{old}.ics").status_code == 404


@time_machine.travel(date(2026, 12, 20), tick=False)
@pytest.mark.parametrize("role", Role.values)
def test_pgd_4_6_progress_for_supervisor_and_manager(client, pgd, member, plan, role):
    client.force_login(member(pgd, role))
    response = client.get(reverse("sample_progress", args=[pgd.code]) + "?month=2026-12")
    expected = (
        200 if role in {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.VIEWER} else 403
    )
    assert response.status_code == expected
    if role == Role.VIEWER:  # the running month's schedule stays with the planners
        body = response.content.decode()
        assert 'id="schedule-hidden"' in body and "behind plan" not in body
        assert 'id="progress-strata"' not in body
    elif expected == 200:
        body = response.content.decode()
        assert "behind plan" in body  # nothing is done yet
        PlannedShop.objects.filter(plan=plan, date__lte=date(2026, 12, 20)).update(
            status=ShopStatus.DONE
        )
        assert (
            "on plan"
            in client.get(
                reverse("sample_progress", args=[pgd.code]) + "?month=2026-12"
            ).content.decode()
        )


def test_plan_pages_have_constant_query_counts(client, pgd, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    member(tlk, Role.SHOPPER)
    contact_month(tlk, NOV)
    services.plan_generate(program=tlk, month=DEC, user=None, seed=1)
    urls = [
        reverse("plan_list", args=[tlk.code]),
        reverse("plan_detail", args=[tlk.code, "2026-12"]),
        reverse("sample_progress", args=[tlk.code]) + "?month=2026-12",
    ]
    small = [page_queries(client, u) for u in urls]
    tlk.monthly_sample_size = 120
    tlk.save()
    services.plan_generate(program=tlk, month=DEC, user=None, seed=1)
    for before, url in zip(small, urls, strict=True):
        assert_same_query_count(before, page_queries(client, url))


@time_machine.travel(date(2026, 12, 20), tick=False)
def test_the_agenda_lists_the_shoppers_overdue_shops_first(client, pgd, member, plan):
    """A shop whose day passed undone stays on the shopper's agenda (the walkthrough
    saw them vanish while the supervisor counted them behind plan)."""
    services.plan_approve(plan=plan, user=member(pgd, Role.MANAGER))
    shopper = plan.shops.exclude(shopper=None).first().shopper
    mine = PlannedShop.objects.filter(plan=plan, shopper=shopper)
    past = list(mine.filter(date__lt=date(2026, 12, 20)).order_by("date", "number"))
    assert len(past) >= 3
    done, cancelled, *missed = past
    PlannedShop.objects.filter(pk=done.pk).update(status=ShopStatus.DONE)
    PlannedShop.objects.filter(pk=cancelled.pk).update(status=ShopStatus.CANCELLED)
    client.force_login(shopper)
    response = client.get(reverse("agenda", args=[pgd.code]))
    overdue = response.context["overdue_shops"]
    assert [s.pk for s in overdue] == [s.pk for s in missed]
    html = response.content.decode()
    assert html.index('id="overdue"') < html.index('id="today-title"')
    # Done, the section goes.
    PlannedShop.objects.filter(pk__in=[s.pk for s in missed]).update(status=ShopStatus.DONE)
    html = client.get(reverse("agenda", args=[pgd.code])).content.decode()
    assert 'id="overdue"' not in html


def test_the_managers_are_told_a_generated_plan_waits_for_approval(
    client, pgd, member, django_capture_on_commit_callbacks
):
    """Found in the walkthrough: nothing told the manager a draft was waiting."""
    from notifications.models import Kind, Notification

    manager = member(pgd, Role.MANAGER, email="manajer@example.com", language="id")
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    contact_month(pgd, NOV)
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"})
    told = Notification.objects.get(kind=Kind.PLAN_TO_APPROVE)
    assert told.user == manager and told.url == "/p/PGD/sampling/plans/2026-12/"
    assert "2026-12" in told.title and "Andi Analyst" in told.body
    assert "menunggu persetujuan" in told.title  # in the manager's language
    with django_capture_on_commit_callbacks(execute=True):  # regenerated: told once
        client.post(reverse("plan_action", args=[pgd.code, "2026-12"]), {"action": "regenerate"})
    assert Notification.objects.filter(kind=Kind.PLAN_TO_APPROVE).count() == 1
    # Approved: the request is settled, so it leaves the manager's unread count.
    services.plan_approve(plan=SamplePlan.objects.get(program=pgd), user=manager, past_ok=True)
    told.refresh_from_db()
    assert told.read_at is not None


def test_a_plan_approved_in_the_same_transaction_tells_nobody(pgd, member):
    from django.db import transaction
    from django.test import TestCase

    from notifications.models import Notification

    manager = member(pgd, Role.MANAGER)
    contact_month(pgd, NOV)
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=3)
        services.plan_approve(plan=plan, user=manager)
    assert not Notification.objects.exists()


@time_machine.travel(date(2026, 11, 22), tick=False)
def test_the_generate_form_suggests_the_first_month_without_an_approved_plan(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    url = reverse("plan_list", args=[pgd.code])
    assert client.get(url).context["form"].initial["month"] == "2026-11"
    contact_month(pgd, date(2026, 10, 1))
    manager = member(pgd, Role.MANAGER)
    services.plan_approve(
        plan=services.plan_generate(program=pgd, month=NOV, user=None, seed=1), user=manager
    )
    assert client.get(url).context["form"].initial["month"] == "2026-12"


@time_machine.travel(date(2026, 12, 1), tick=False)
def test_the_agenda_groups_later_shops_by_week(client, pgd, member, plan):
    """#22: one unbroken list of ~60 shops over two months; now a month at a
    time, week by week (Monday first)."""
    manager = member(pgd, Role.MANAGER)
    services.plan_approve(plan=plan, user=manager, past_ok=True)
    shopper = plan.shops.exclude(shopper=None).first().shopper
    client.force_login(shopper)
    response = client.get(reverse("agenda", args=[pgd.code]) + "?month=2099-01")
    weeks = response.context["later_weeks"]
    assert response.context["later_month"] == date(2026, 12, 1)  # unknown month: the first
    mondays = [monday for monday, _shops in weeks]
    assert mondays == sorted(mondays) and all(m.isoweekday() == 1 for m in mondays)
    for monday, shops in weeks:
        assert all(monday <= s.date < monday + timedelta(days=7) for s in shops)
    later = response.context["later_shops"]
    assert sum(len(shops) for _m, shops in weeks) == len(later)
    assert "Week of Monday" in response.content.decode()
