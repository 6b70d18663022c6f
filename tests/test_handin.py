"""TLK-5.3.4: forms filled by team leaders or supervisors go to the service
supervisor by a set date; whoever holds one past it is reminded, once."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification
from programs.models import Role
from programs.workdays import add_working_days
from reporting.services.reminders import run_sweeps
from scoring import services
from scoring.models import ShopState
from tests.scoring_data import ready_shop
from tests.test_shop_workflow import _filled


@pytest.fixture
def tl_shop(tlk, member):
    leader = member(tlk, Role.TEAM_LEADER, full_name="Tono TL")
    supervisor = member(tlk, Role.SUPERVISOR, full_name="Sinta SPV")
    planned, _shopper, agent = ready_shop(tlk, member, shopper=leader)
    shop = services.shop_start(planned_shop=planned, user=leader)
    return shop, leader, supervisor, agent


def _morning_after(program, day):
    return datetime.combine(day + timedelta(days=1), time(9), program.zone)


def test_a_team_leaders_form_carries_its_hand_in_date_in_working_days(tlk, tl_shop):
    shop, *_ = tl_shop
    assert tlk.supervisor_handin_days == 2
    assert shop.handin_due == add_working_days(tlk, shop.planned_shop.date, 2)


def test_a_shoppers_form_has_no_hand_in_date(tlk, member):
    planned, shopper, _agent = ready_shop(tlk, member)
    assert services.shop_start(planned_shop=planned, user=shopper).handin_due is None


def test_a_program_without_the_rule_sets_no_date(pgd, member):
    leader = member(pgd, Role.TEAM_LEADER)
    planned, _shopper, _agent = ready_shop(pgd, member, shopper=leader)
    assert not pgd.team_leader_forms_via_supervisor
    assert services.shop_start(planned_shop=planned, user=leader).handin_due is None


def _handins(leader_or_supervisor):
    return Notification.objects.filter(user=leader_or_supervisor, kind=Kind.HANDIN_OVERDUE)


def test_the_filler_then_the_supervisor_are_reminded_once_each(tlk, tl_shop):
    shop, leader, supervisor, agent = tl_shop
    on_due = datetime.combine(shop.handin_due, time(9), tlk.zone)
    assert run_sweeps(now=on_due, only=["handins"])["handins"] == 0  # not late on the day
    late = _morning_after(tlk, shop.handin_due)
    assert run_sweeps(now=late, only=["handins"])["handins"] == 1
    assert _handins(leader).count() == 1 and not _handins(supervisor).exists()
    shop = services.shop_save(
        shop=shop, user=leader, data=_filled(shop, agent), version=shop.version
    )
    shop = services.shop_submit(shop=shop, user=leader, version=shop.version)
    assert shop.state == ShopState.SUPERVISOR_REVIEW
    run_sweeps(now=late, only=["handins"])
    run_sweeps(now=late + timedelta(hours=5), only=["handins"])
    assert _handins(supervisor).count() == 1
    assert "waits for you to pass it on" in _handins(supervisor).get().title
    assert _handins(leader).count() == 1


def test_the_queue_flags_a_form_waiting_past_its_date(client, tlk, tl_shop, time_machine):
    shop, leader, supervisor, agent = tl_shop
    shop = services.shop_save(
        shop=shop, user=leader, data=_filled(shop, agent), version=shop.version
    )
    services.shop_submit(shop=shop, user=leader, version=shop.version)
    client.force_login(supervisor)
    url = reverse("review_queue", args=[tlk.code])
    assert "Hand in by" in client.get(url).content.decode()
    time_machine.move_to(_morning_after(tlk, shop.handin_due))
    client.force_login(supervisor)
    assert "Overdue: due" in client.get(url).content.decode()
