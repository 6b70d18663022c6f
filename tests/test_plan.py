"""Plan generation and scheduling (PGD-4.3–4.5, 5.2.1, 5.2.2; TLK-5.2.1.2,
5.2.1.3, 5.2.2) on both presets."""

from collections import Counter
from datetime import date, timedelta

import holidays
import pytest
from django.core.exceptions import ValidationError

from programs.models import Role
from sampling import services
from sampling.models import PlannedShop, PlanStatus
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db
DEC = date(2026, 12, 1)
NOV = date(2026, 11, 1)


@pytest.fixture
def pgd_plan(pgd, member):
    member(pgd, Role.SHOPPER, full_name="Sari")
    member(pgd, Role.SHOPPER, full_name="Dewi")
    member(pgd, Role.SHOPPER, full_name="Budi")
    contact_month(pgd, NOV)
    return services.plan_generate(program=pgd, month=DEC, user=None, seed=7)


@pytest.fixture
def tlk_plan(tlk, member):
    member(tlk, Role.SHOPPER, full_name="Sari")
    member(tlk, Role.SHOPPER, full_name="Dewi")
    contact_month(tlk, NOV)
    return services.plan_generate(program=tlk, month=DEC, user=None, seed=7)


def test_pgd_4_4_plan_has_56_shops_matching_the_strata(pgd_plan):
    assert pgd_plan.shops.count() == 56
    assert sum(pgd_plan.strata.values_list("allocated", flat=True)) == 56
    for stratum in pgd_plan.strata.all():
        assert stratum.shops.count() == stratum.allocated


def test_pgd_4_3_frame_is_the_top_10_reasons(pgd_plan):
    assert len(set(pgd_plan.strata.values_list("reason", flat=True))) == 10


def test_pgd_5_2_1_night_has_no_slot_and_is_left_out(pgd_plan):
    assert not pgd_plan.strata.filter(band__code="night").exists()
    assert any("no usable execution slot" in note for note in pgd_plan.note_messages)


def test_pgd_4_5_at_most_four_sessions_a_week_on_working_days(pgd_plan):
    sessions = set(pgd_plan.shops.values_list("date", "slot"))
    per_week = Counter(day.isocalendar()[1] for day, _slot in sessions)
    assert max(per_week.values()) <= 4
    closed = set(holidays.country_holidays("ID", years=2026))
    for day, _slot in sessions:
        assert day.isoweekday() <= 5
        assert day not in closed
        assert (day.year, day.month) == (2026, 12)


def test_pgd_4_5_four_sessions_in_every_week_with_four_open_days(pgd_plan):
    """The instruction: 4 times every week; a week with fewer open days (a
    holiday, the month's edge) has one on each and the plan says why."""
    closed = set(holidays.country_holidays("ID", years=2026))
    open_days = Counter()
    for i in range(31):
        day = DEC + timedelta(days=i)
        if day.month == 12 and day.isoweekday() <= 5 and day not in closed:
            open_days[day.isocalendar()[1]] += 1
    sessions = set(pgd_plan.shops.values_list("date", "slot"))
    per_week = Counter(day.isocalendar()[1] for day, _slot in sessions)
    for week, days in open_days.items():
        assert per_week[week] == min(4, days), (week, days)
    short = [n for n in pgd_plan.notes if n["code"] == "short_week"]
    assert len(short) == sum(1 for days in open_days.values() if days < 4)
    assert all("sessions instead of 4" in m for m in pgd_plan.note_messages if "open days" in m)


def test_pgd_5_2_2_never_in_a_high_traffic_slot(pgd_plan):
    busy = {tuple(pair) for pair in pgd_plan.busy_slots}
    assert busy  # the synthetic data has a peak 09:00–12:00
    for shop in pgd_plan.shops.all():
        assert (shop.date.isoweekday(), shop.slot_id) not in busy


def test_tlk_5_2_1_2_at_least_40_shops(tlk_plan):
    assert tlk_plan.shops.count() == 40


def test_tlk_5_2_1_3_week_ii_only_and_every_band_covered(tlk_plan):
    assert {d.day for d in tlk_plan.shops.values_list("date", flat=True)} <= set(range(8, 15))
    bands = set(tlk_plan.shops.values_list("slot__band__code", flat=True))
    assert bands == {"morning", "midday", "afternoon", "night"}


def test_tlk_5_2_2_shops_are_divided_evenly(tlk_plan):
    load = Counter(tlk_plan.shops.values_list("shopper", flat=True))
    assert None not in load
    assert max(load.values()) - min(load.values()) <= 1


def test_same_data_and_seed_give_the_same_plan(pgd, member, pgd_plan):
    def snapshot(plan):
        return list(
            plan.shops.order_by("number").values_list(
                "number",
                "stratum__reason",
                "stratum__band",
                "date",
                "slot",
                "channel",
                "scenario",
                "shopper",
            )
        )

    before = snapshot(pgd_plan)
    again = services.plan_generate(program=pgd, month=DEC, user=None, seed=7)
    assert snapshot(again) == before
    other = services.plan_generate(program=pgd, month=DEC, user=None, seed=8)
    assert snapshot(other) != before


def test_missing_scenarios_are_gaps_not_errors(pgd_plan):
    gaps = pgd_plan.shops.filter(scenario=None).count()
    note = next((n for n in pgd_plan.notes if n["code"] == "scenario_gaps"), None)
    assert (note["n"] if note else 0) == gaps
    assert pgd_plan.status == PlanStatus.DRAFT  # a gap does not keep the plan from being made
    for shop in pgd_plan.shops.exclude(scenario=None).select_related("scenario", "stratum"):
        assert shop.scenario.reason_id == shop.stratum.reason_id


def test_tlk_4_1_planned_shops_follow_their_scenarios(pgd_plan):
    for shop in pgd_plan.shops.exclude(scenario=None).select_related("scenario", "stratum"):
        assert shop.scenario.reason_id == shop.stratum.reason_id


def test_an_approved_plan_is_frozen(pgd, pgd_plan, member):
    manager = member(pgd, Role.MANAGER)
    services.plan_approve(plan=pgd_plan, user=manager)
    pgd_plan.refresh_from_db()
    assert pgd_plan.status == PlanStatus.APPROVED
    with pytest.raises(ValidationError, match="approved"):
        services.plan_generate(program=pgd, month=DEC, user=manager)
    with pytest.raises(ValidationError, match="approved already"):
        services.plan_approve(plan=pgd_plan, user=manager)


def test_reschedule_and_reassign_need_a_reason_and_are_audited(pgd, pgd_plan, member):
    shop = pgd_plan.shops.first()
    busy = {slot for weekday, slot in pgd_plan.busy_slots if weekday == 2}  # 15 Dec: Tuesday
    other_slot = pgd.time_slots.exclude(pk=shop.slot_id).exclude(pk__in=busy).first()
    with pytest.raises(ValidationError):
        services.shop_reschedule(shop=shop, day=date(2026, 12, 15), slot=other_slot, reason=" ")
    with pytest.raises(ValidationError):
        services.shop_reschedule(shop=shop, day=date(2027, 1, 5), slot=other_slot, reason="x")
    services.shop_reschedule(
        shop=shop, day=date(2026, 12, 15), slot=other_slot, reason="Line maintenance"
    )
    shop.refresh_from_db()
    assert (shop.date, shop.slot, shop.change_reason) == (
        date(2026, 12, 15),
        other_slot,
        "Line maintenance",
    )
    assert shop.history.count() == 2
    outsider = member(pgd, Role.VIEWER)
    with pytest.raises(ValidationError):
        services.shop_reassign(shop=shop, shopper=outsider, reason="x")


def test_plan_needs_last_months_data(pgd):
    with pytest.raises(ValidationError, match="Import the contact data of 2026-11 first"):
        services.plan_generate(program=pgd, month=DEC, user=None)


def test_unassigned_shops_are_assigned_evenly_later(pgd, member):
    contact_month(pgd, NOV)
    plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=1)
    assert plan.shops.filter(shopper=None).count() == 56
    member(pgd, Role.SHOPPER, full_name="A")
    member(pgd, Role.SHOPPER, full_name="B")
    assert services.plan_assign_evenly(plan=plan) == 56
    load = Counter(PlannedShop.objects.filter(plan=plan).values_list("shopper", flat=True))
    assert sorted(load.values()) == [28, 28]


def test_tlk_5_1_2_without_areas_in_the_data_the_frame_is_program_wide(tlk_plan):
    # The Telkom preset picks its top reasons per area; the synthetic data has none.
    assert tlk_plan.program.top_reasons_per_area and not tlk_plan.frame_per_area
    assert tlk_plan.notes[0] == {"code": "area_fallback"}
    assert len(set(tlk_plan.strata.values_list("reason", flat=True))) == 5
    assert not tlk_plan.strata.exclude(area=None).exists()


def test_notes_made_after_the_plan_row_are_stored(pgd, member):
    """A plan without shoppers says so after a reload, not only in memory."""
    contact_month(pgd, NOV)
    plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=7)
    plan.refresh_from_db()
    assert "no_shopper" in [n["code"] for n in plan.notes]
