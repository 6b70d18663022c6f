"""The plan page's #16 parts, on the realistic generator: approving with shops on
past days asks first, strata without a shop are listed, the week-I material is
shown, and a reschedule refused is shown next to its field (or above the form
when it is about the shop itself) with what was typed kept."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from devdata.traffic import realistic_contact_month
from programs.models import Role, Scenario
from sampling import scheduling, services
from sampling.models import PlannedShop, PlanStatus, ShopStatus
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
MADE = datetime(2026, 11, 25, 3, tzinfo=UTC)  # the plan is made before its month
ON_THE_20TH = datetime(2026, 12, 20, 3, tzinfo=UTC)  # 10:00 in Jakarta


@pytest.fixture
def plan(pgd, member):
    for name in ("Sari", "Dewi", "Budi"):
        member(pgd, Role.SHOPPER, full_name=name)
    realistic_contact_month(pgd, NOV, seed=4)
    return services.plan_generate(program=pgd, month=DEC, user=None, seed=1, at=MADE)


def _detail(pgd):
    return reverse("plan_detail", args=[pgd.code, "2026-12"])


def _field_error(body: str, field: str) -> str:
    """The text of the error crispy puts under the form field `field`."""
    found = re.search(rf'id="error_\d+_id_{field}"[^>]*>(.*?)</', body, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("role", Role.values)
def test_the_past_shops_question_is_for_the_manager_only(
    client, pgd, member, plan, role, monkeypatch
):
    monkeypatch.setattr(services.plans, "now", lambda: ON_THE_20TH)
    client.force_login(member(pgd, role))
    response = client.get(_detail(pgd))
    if role not in {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR}:
        assert response.status_code == 403
        return
    body = response.content.decode()
    assert ('id="approve-past"' in body) == (role == Role.MANAGER)
    # No plain approve button beside the question: approving asks first.
    assert body.count('value="approve"') == (1 if role == Role.MANAGER else 0)


def test_approving_with_past_shops_needs_the_box_ticked(client, pgd, member, plan, monkeypatch):
    monkeypatch.setattr(services.plans, "now", lambda: ON_THE_20TH)
    past = services.past_shops(plan)
    assert past > 0
    client.force_login(member(pgd, Role.MANAGER))
    body = client.get(_detail(pgd)).content.decode()
    assert f"{past} shops are on days already past" in body
    url = reverse("plan_action", args=[pgd.code, "2026-12"])
    refused = client.post(url, {"action": "approve"}, follow=True).content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert "already past" in refused
    client.post(url, {"action": "approve", "past_ok": "1", "gaps_ok": "1"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_a_plan_on_future_days_is_approved_without_the_past_question(client, pgd, member, plan):
    client.force_login(member(pgd, Role.MANAGER))
    with time_machine.travel(datetime(2026, 11, 25, 3, tzinfo=UTC), tick=False):
        body = client.get(_detail(pgd)).content.decode()
    assert "already past" not in body and 'value="approve"' in body
    assert 'name="past_ok"' not in body


def test_shops_without_a_scenario_need_the_gap_box_ticked(client, pgd, member, plan):
    """#22: a preset's program has no scenarios yet; one click approved it."""
    gaps = services.scenario_gaps(plan)
    assert gaps > 0
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("plan_action", args=[pgd.code, "2026-12"])
    with time_machine.travel(datetime(2026, 11, 25, 3, tzinfo=UTC), tick=False):
        body = client.get(_detail(pgd)).content.decode()
        assert f"{gaps} shops have no scenario yet" in body and 'name="gaps_ok"' in body
        refused = client.post(url, {"action": "approve"}, follow=True).content.decode()
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DRAFT and "no scenario yet" in refused
        client.post(url, {"action": "approve", "gaps_ok": "1"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_strata_without_a_shop_are_listed(client, pgd, member):
    for name in ("Sari", "Dewi"):
        member(pgd, Role.SHOPPER, full_name=name)
    realistic_contact_month(pgd, NOV, seed=5)
    pgd.monthly_sample_size = 20  # fewer seats than the 10 reasons × bands
    pgd.save()
    plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=2, at=MADE)
    empty = list(plan.strata.filter(allocated=0).select_related("reason", "band"))
    assert empty
    client.force_login(member(pgd, Role.QC_ANALYST))
    body = client.get(_detail(pgd)).content.decode()
    assert f"{len(empty)} strata get no shop" in body
    section = body.split('id="empty-strata"', 1)[1].split("</section>", 1)[0]
    for stratum in empty:
        assert f"{stratum.reason.name} × {stratum.band.name}" in section.replace("&amp;", "&")


def test_the_week_one_material_says_what_is_missing(client, pgd, member, plan):
    gaps = plan.shops.filter(scenario=None).count()
    client.force_login(member(pgd, Role.QC_ANALYST))
    body = client.get(_detail(pgd)).content.decode()
    section = body.split('id="week-one-material"', 1)[1].split("</section>", 1)[0]
    assert "was not updated in week I" in section
    assert (
        (f"{gaps} shops have no scenario yet" in section) if gaps else "Every shop has a scenario"
    )
    assert reverse("scenario_list", args=[pgd.code]) in section

    shop = plan.shops.select_related("stratum__reason", "channel").first()
    with time_machine.travel(datetime(2026, 12, 3, 3, tzinfo=UTC), tick=False):
        Scenario.objects.create(
            program=pgd,
            reason=shop.stratum.reason,
            channel=shop.channel,
            title="Tanya tarif gadai emas",
            customer_script="Berapa tarif sewa modal?",
            expected_answer="1,2 % per 15 hari",
        )
    section = client.get(_detail(pgd)).content.decode().split('id="week-one-material"', 1)[1]
    assert "1 scenario was added or changed in the library in week I." in section


def test_the_week_one_material_is_worded_in_indonesian(client, pgd, member, plan):
    client.force_login(member(pgd, Role.QC_ANALYST))
    body = client.get(_detail(pgd), headers={"accept-language": "id"}).content.decode()
    section = body.split('id="week-one-material"', 1)[1].split("</section>", 1)[0]
    assert "week I" not in section and "minggu I" in section


def test_a_busy_slot_is_refused_next_to_the_slot_until_the_analyst_says_so(
    client, pgd, member, plan
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    shop = plan.shops.order_by("number").first()
    url = reverse("shop_edit", args=[pgd.code, shop.pk])
    weekday, slot_id = plan.busy_slots[0]
    day = next(d for d in scheduling.month_days(DEC) if d.isoweekday() == weekday and d.day > 14)
    data = {
        "action": "reschedule",
        "move-day": day.isoformat(),
        "move-slot": slot_id,
        "move-reason": "Diminta operasional",
    }
    with time_machine.travel(datetime(2026, 12, 1, 1, tzinfo=UTC), tick=False):
        response = client.post(url, data)
        assert response.status_code == 200
        body = response.content.decode()
        assert "high-traffic" in _field_error(body, "move-slot")
        assert not _field_error(body, "move-day")
        assert 'value="Diminta operasional"' in body
        # Saturday: the error is next to the day, in Indonesian when read in Indonesian.
        saturday = next(d for d in scheduling.month_days(DEC) if d.isoweekday() == 6)
        response = client.post(
            url, {**data, "move-day": saturday.isoformat()}, headers={"accept-language": "id"}
        )
        assert "Sabtu" in _field_error(response.content.decode(), "move-day")
        response = client.post(url, {**data, "move-busy_ok": "on"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.date, shop.slot_id) == (day, slot_id)


def test_a_shop_handed_in_is_not_moved_and_the_page_says_why(client, pgd, member, plan):
    client.force_login(member(pgd, Role.QC_ANALYST))
    shop = plan.shops.order_by("number").first()
    PlannedShop.objects.filter(pk=shop.pk).update(status=ShopStatus.SUBMITTED)
    slot = pgd.time_slots.first()
    response = client.post(
        reverse("shop_edit", args=[pgd.code, shop.pk]),
        {
            "action": "reschedule",
            "move-day": shop.date.isoformat(),
            "move-slot": slot.pk,
            "move-reason": "Line down",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A shop whose form was handed in cannot be moved." in body
    assert 'value="Line down"' in body


def test_the_plan_page_query_count_does_not_grow_with_the_plan(client, pgd, member, monkeypatch):
    monkeypatch.setattr(services.plans, "now", lambda: ON_THE_20TH)
    for name in ("Sari", "Dewi", "Budi"):
        member(pgd, Role.SHOPPER, full_name=name)
    realistic_contact_month(pgd, NOV, seed=4)
    client.force_login(member(pgd, Role.MANAGER))
    services.plan_generate(program=pgd, month=DEC, user=None, seed=1, at=MADE)
    small = page_queries(client, _detail(pgd))
    pgd.monthly_sample_size = 140
    pgd.save()
    services.plan_generate(program=pgd, month=DEC, user=None, seed=1, at=MADE)
    assert_same_query_count(small, page_queries(client, _detail(pgd)))
