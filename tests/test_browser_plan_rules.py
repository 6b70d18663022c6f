"""Journey (#16): the manager approves a Pegadaian plan that already has shops
on past days (the page asks first); the analyst moves a shop, and the move is
refused on a Saturday, on Christmas Day and in a high-traffic slot until the
analyst says so, in English and in Indonesian."""

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from devdata.traffic import realistic_contact_month
from programs.models import Role
from sampling import services
from sampling.models import PlannedShop, PlanStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
MADE = datetime(2026, 11, 25, 3, tzinfo=UTC)  # the plan is made before its month


def _log_out(page):
    page.click("#user-menu")
    page.get_by_role("button", name="Log out").click()


def test_approve_with_past_shops_and_reschedule_by_the_rules(
    page, live_server, login, pgd, member, monkeypatch
):
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    for name in ("Sari", "Dewi", "Budi"):
        member(pgd, Role.SHOPPER, full_name=name)
    realistic_contact_month(pgd, NOV, seed=4)
    plan = services.plan_generate(program=pgd, month=DEC, user=analyst, seed=1, at=MADE)
    assert plan.busy_slots  # the real day curve has busy slots (PGD-5.2.2)
    # The manager comes to approve on the 20th: part of the plan is past.
    monkeypatch.setattr(services.plans, "now", lambda: datetime(2026, 12, 20, 3, tzinfo=UTC))
    past = services.past_shops(plan)
    assert past > 0

    login(page, manager)
    page.goto(f"{live_server.url}/p/PGD/sampling/plans/2026-12/")
    warning = page.locator("#approve-past")
    expect(warning).to_contain_text(f"{past} shops are on days already past")
    # The box must be ticked: the browser keeps the form from going without it.
    warning.get_by_role("button", name="Approve the plan").click()
    assert plan.__class__.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    warning.get_by_label("I approve the plan with its shops on past days.").check()
    if warning.locator("#gaps_ok").count():  # shops without a scenario ask too
        warning.get_by_label("I approve the plan with shops that have no scenario yet.").check()
    warning.get_by_role("button", name="Approve the plan").click()
    page.get_by_text("The plan is approved and frozen.").wait_for()
    assert plan.__class__.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    _log_out(page)

    login(page, analyst)
    shop = PlannedShop.objects.filter(plan=plan, date__gt=date(2026, 12, 21)).order_by("number")[0]
    page.goto(f"{live_server.url}/p/PGD/sampling/shops/{shop.pk}/")
    move = page.locator("form", has=page.locator("input[value=reschedule]"))

    def try_move(day, slot_id=None):
        move.locator("input[name=move-day]").fill(day)
        if slot_id:
            move.locator("select[name=move-slot]").select_option(str(slot_id))
        move.locator("input[name=move-reason]").fill("The line is down that day")
        move.get_by_role("button").click()

    try_move("2026-12-26")
    day_error = move.locator("#id_move-day ~ .invalid-feedback, #error_1_id_move-day")
    expect(day_error.first).to_contain_text("2026-12-26 is a Saturday")
    # What was typed stays in the form.
    expect(move.locator("input[name=move-reason]")).to_have_value("The line is down that day")
    try_move("2026-12-25")
    expect(day_error.first).to_contain_text("is closed")

    weekday, slot_id = plan.busy_slots[0]
    busy_day = next(
        date(2026, 12, d) for d in range(22, 32) if date(2026, 12, d).isoweekday() == weekday
    )
    try_move(busy_day.isoformat(), slot_id)
    expect(
        move.locator("#id_move-slot ~ .invalid-feedback, #error_1_id_move-slot").first
    ).to_contain_text("high-traffic")

    # In Indonesian, the same refusal is worded in Indonesian.
    with page.expect_navigation():  # the switch finishes before the next page is asked for
        page.evaluate(
            "() => { const b = document.querySelector('button[name=language][value=id]');"
            " b.form.requestSubmit(b); }"
        )
    page.goto(f"{live_server.url}/p/PGD/sampling/shops/{shop.pk}/")
    move = page.locator("form", has=page.locator("input[value=reschedule]"))
    try_move("2026-12-26")
    expect(move.locator(".invalid-feedback").first).to_contain_text("Sabtu")

    move.locator("input[name=move-day]").fill(busy_day.isoformat())
    move.locator("select[name=move-slot]").select_option(str(slot_id))
    move.locator("input[name=move-reason]").fill("Diminta operasional")
    move.locator("input[name=move-busy_ok]").check()
    move.get_by_role("button").click()
    expect(page.locator(".alert-success")).to_contain_text(f"#{shop.number}")
    shop.refresh_from_db()
    assert (shop.date, shop.slot_id, shop.change_reason) == (
        busy_day,
        slot_id,
        "Diminta operasional",
    )
