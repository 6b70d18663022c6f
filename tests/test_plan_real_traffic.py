"""Plans on a month with a real day curve (#16): the instructions stated as
properties, on the one realistic generator (devdata.exports via
devdata.traffic.realistic_contact_month). PGD-4.3/4.5/5.2.2, TLK-5.1.2,
TLK-5.2.1.3."""

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from fractions import Fraction
from math import floor

import pytest
from django.core.exceptions import ValidationError

from devdata.traffic import realistic_contact_month
from programs.models import Area, Role
from sampling import allocation, scheduling, services
from sampling.models import ContactStat, PlannedShop, ShopStatus
from sampling.selectors import plan_progress

pytestmark = pytest.mark.django_db
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def telkom(tlk, member):
    for code, name in [("jkt", "Jakarta"), ("bdg", "Bandung"), ("sby", "Surabaya")]:
        Area.objects.create(program=tlk, code=code, name=name)
    for name in ("Sari", "Dewi", "Budi"):
        member(tlk, Role.SHOPPER, full_name=name)
    realistic_contact_month(tlk, NOV, seed=3)
    return tlk


@pytest.fixture
def pegadaian(pgd, member):
    for name in ("Sari", "Dewi", "Budi"):
        member(pgd, Role.SHOPPER, full_name=name)
    realistic_contact_month(pgd, NOV, seed=4)
    return pgd


def _top_groups(plan):
    return {(s.area_id, s.reason_id) for s in plan.strata.all()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_telkom_plan_covers_all_four_bands_and_every_top_reason_in_week_two(telkom, seed):
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=seed)
    shops = list(plan.shops.select_related("stratum", "slot"))
    assert {s.slot.band.code for s in shops} == {"morning", "midday", "afternoon", "night"}
    covered = {(s.stratum.area_id, s.stratum.reason_id) for s in shops}
    assert covered == _top_groups(plan)  # every top-5 reason of every area has a shop
    assert all(8 <= s.date.day <= 14 for s in shops)  # week II
    assert len({s.date for s in shops}) == len({s.date for s in shops if s.date.day <= 14})
    # No traffic rule in the Telkom preset: no band is left out for being busy.
    assert not telkom.avoid_high_traffic
    assert not any(n["code"] in {"band_busy", "band_left_out"} for n in plan.notes)


def test_telkom_top_n_holds_the_best_reason_of_each_category(telkom):
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=1)
    for area in [*Area.objects.filter(program=telkom), None]:
        categories = {
            s.reason.category.code for s in plan.strata.filter(area=area).select_related("reason")
        }
        assert {"information", "request", "complaint_fcr", "complaint_escalated"} <= categories


def test_a_category_without_contacts_is_said(telkom):
    ContactStat.objects.filter(
        contact_import__program=telkom, reason__category__code="complaint_escalated"
    ).delete()
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=1)
    said = [n for n in plan.notes if n["code"].startswith("category_none")]
    assert said and all("eskalasi" in n["category"].lower() for n in said)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pegadaian_four_sessions_every_week_with_four_open_days_none_busy(pegadaian, seed):
    plan = services.plan_generate(program=pegadaian, month=DEC, user=None, seed=seed)
    shops = list(plan.shops.all())
    closed = services.closed_days(pegadaian, DEC)
    open_days = defaultdict(set)
    for d in scheduling.month_days(DEC):
        if d.isoweekday() in pegadaian.working_days and d not in closed:
            open_days[d.isocalendar()[:2]].add(d)
    sessions = Counter(
        day.isocalendar()[:2] for day, _slot in {(x.date, x.slot_id) for x in shops}
    )
    for week, days in open_days.items():
        assert sessions[week] == min(4, len(days)), week
    busy = {tuple(pair) for pair in plan.busy_slots}
    assert busy  # the real curve has busy slots as a rate
    assert not [s for s in shops if (s.date.isoweekday(), s.slot_id) in busy]


def test_traffic_is_a_rate_five_mondays_do_not_make_monday_busier():
    slot = scheduling.Slot(1, "b", time(10), time(12))
    other = scheduling.Slot(2, "b", time(14), time(16))
    # The same traffic per day on every weekday; the month has 5 Mondays, 4 Tuesdays.
    hourly = {(1, 10): 500, (1, 11): 500, (2, 10): 400, (2, 11): 400}
    hourly |= {(1, 14): 250, (1, 15): 250, (2, 14): 200, (2, 15): 200}
    t = scheduling.traffic(hourly, [slot, other], [1, 2], {1: 5, 2: 4}, 120)
    assert t.rates[(1, 1)] == t.rates[(2, 1)] == 100
    assert set(t.busy) == {(1, 1), (2, 1)}
    assert scheduling.traffic(hourly, [slot, other], [1, 2], {1: 5, 2: 4}, None).busy == {}


def test_a_required_band_with_only_busy_slots_keeps_its_least_busy_one(telkom):
    telkom.avoid_high_traffic = True
    telkom.traffic_threshold_percent = 50  # nearly every daytime slot is busy
    telkom.save()
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=1)
    bands = {s.slot.band.code for s in plan.shops.select_related("slot__band")}
    assert bands == {"morning", "midday", "afternoon", "night"}
    assert any(n["code"] == "band_least_busy" for n in plan.notes)


def test_a_plan_made_during_its_month_starts_at_the_next_open_session(pegadaian):
    made = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
    plan = services.plan_generate(program=pegadaian, month=DEC, user=None, seed=1, at=made)
    shops = list(plan.shops.select_related("slot"))
    local = (date(2026, 12, 9), time(10, 0))
    assert all((s.date, s.slot.start) > local for s in shops)
    note = next(n for n in plan.notes if n["code"] == "late_start")
    assert note["made"] == "2026-12-09" and note["days"] >= 6
    assert plan.starts_on >= date(2026, 12, 9)
    assert any("during its month" in m for m in plan.note_messages)


def test_approving_a_plan_with_past_shops_asks_first(pegadaian, monkeypatch):
    plan = services.plan_generate(program=pegadaian, month=DEC, user=None, seed=1)
    monkeypatch.setattr(services.plans, "now", lambda: datetime(2026, 12, 20, tzinfo=UTC))
    with pytest.raises(ValidationError) as caught:
        services.plan_approve(plan=plan, user=None)
    assert caught.value.code == "past_shops"
    services.plan_approve(plan=plan, user=None, past_ok=True)


def test_reschedule_refuses_closed_days_and_warns_on_a_busy_slot(pegadaian):
    plan = services.plan_generate(program=pegadaian, month=DEC, user=None, seed=1)
    shop = plan.shops.first()
    free = pegadaian.time_slots.first()
    for day, word in [(date(2026, 12, 12), "Saturday"), (date(2026, 12, 25), "closed")]:
        with pytest.raises(ValidationError, match=word):
            services.shop_reschedule(shop=shop, day=day, slot=free, reason="Line down")
    weekday, slot_id = plan.busy_slots[0]
    day = next(d for d in scheduling.month_days(DEC) if d.isoweekday() == weekday and d.day > 14)
    busy_slot = pegadaian.time_slots.get(pk=slot_id)
    with pytest.raises(ValidationError, match="high-traffic"):
        services.shop_reschedule(shop=shop, day=day, slot=busy_slot, reason="Asked by ops")
    services.shop_reschedule(
        shop=shop, day=day, slot=busy_slot, reason="Asked by ops", busy_ok=True
    )
    shop.refresh_from_db()
    assert (shop.date, shop.slot_id, shop.change_reason) == (day, slot_id, "Asked by ops")


def test_progress_counts_only_finalized_shops_and_a_past_draft_is_overdue(pegadaian):
    plan = services.plan_generate(program=pegadaian, month=DEC, user=None, seed=1)
    first, second, third = plan.shops.order_by("date", "number")[:3]
    PlannedShop.objects.filter(pk=first.pk).update(status=ShopStatus.STARTED)
    PlannedShop.objects.filter(pk=second.pk).update(status=ShopStatus.SUBMITTED)
    PlannedShop.objects.filter(pk=third.pk).update(status=ShopStatus.DONE)
    _weeks, _strata, total = plan_progress(plan, date(2027, 1, 1))
    assert (total.done, total.submitted) == (1, 1)
    assert total.overdue == total.planned - 2  # the draft counts as overdue, not done


@pytest.mark.parametrize("seed", range(30))
def test_allocation_property_every_reason_and_band_covered_within_floor_ceil(seed):
    """Every top reason ≥ 1 when n ≥ their count, every band ≥ its minimum, and
    strata not lifted or giving stay within floor/ceil of the quota where seats allow."""
    rng = random.Random(seed)
    reasons, bands = [f"r{i}" for i in range(rng.randint(3, 10))], ["a", "b", "c", "d"]
    strata = [
        allocation.Stratum(r, b, rng.choice([0, 1, 2, 5, 40, 300]) * rng.randint(1, 3))
        for r in reasons
        for b in bands
    ]
    strata = [s for s in strata if s.population]
    live_reasons = {s.reason for s in strata}
    n = rng.randint(len(live_reasons) + len(bands), 60)
    result = allocation.allocate(strata, n, min_per_band=1, min_per_reason=1)
    assert sum(a.allocated for a in result) == n
    per_reason, per_band = Counter(), Counter()
    for a in result:
        per_reason[a.stratum.reason] += a.allocated
        per_band[a.stratum.band] += a.allocated
    assert all(per_reason[r] >= 1 for r in live_reasons)
    assert all(per_band[b] >= 1 for b in {s.band for s in strata})
    moved = sum(abs(a.allocated - a.quota) >= 1 for a in result)
    total = sum(s.population for s in strata)
    assert all(a.quota == Fraction(n * a.stratum.population, total) for a in result)
    assert moved <= sum(1 for a in result if a.lifted) + sum(
        1 for a in result if a.allocated < floor(a.quota)
    )
