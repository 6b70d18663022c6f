"""Journey (TLK-5.1.2, top reasons per area): the analyst of the Telkom program
generates the month's plan and sees its frame per area: the Area column, a
subtotal per area, the other / unknown area group and the explanation.
Screenshots (English and Indonesian, desktop and a 390 px phone) go to
$AREA_SHOTS when it is set."""

import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Area, Role
from sampling.models import ContactImport, ContactStat, ImportStatus, SamplePlan
from sampling.sample_file import program_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("AREA_SHOTS")
NOV = date(2026, 11, 1)


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _demo_contacts(program, month: date) -> None:
    """The sample file's month (areas Jakarta, Bandung and Surabaya), stored as counts."""
    reasons = {r.name: r for r in program.reasons.select_related("category")}
    channels = {c.code: c for c in program.channels.all()}
    categories = {c.code: c for c in program.categories.all()}
    counts = Counter()
    for moment, channel, reason, category, area in program_sample(program, month, rows=3000):
        at = datetime.fromisoformat(moment)
        counts[(reason, category, channel, at.isoweekday(), at.hour, area)] += 1
    record = ContactImport.objects.create(
        program=program,
        month=month,
        original_name="telkom.csv",
        status=ImportStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    ContactStat.objects.bulk_create(
        ContactStat(
            contact_import=record,
            reason_text=reason,
            reason=reasons.get(reason),
            category=categories[category],
            channel=channels[channel],
            weekday=weekday,
            hour=hour,
            area=area,
            count=n,
        )
        for (reason, category, channel, weekday, hour, area), n in sorted(counts.items())
    )


@time_machine.travel("2026-12-01 08:00 +0700", tick=True)
def test_analyst_generates_a_per_area_plan(page, live_server, login, tlk, member):
    Area.objects.create(program=tlk, code="jkt", name="Jakarta")
    Area.objects.create(program=tlk, code="bdg", name="Bandung")  # Surabaya is not an area
    analyst = member(tlk, Role.QC_ANALYST, full_name="Andi Analyst")
    member(tlk, Role.SHOPPER, full_name="Sari Shopper")
    member(tlk, Role.SHOPPER, full_name="Dewi Shopper")
    _demo_contacts(tlk, NOV)

    login(page, analyst)
    page.goto(f"{live_server.url}/p/TLK/sampling/plans/")
    expect(page.get_by_text("The top reasons are picked in each area")).to_be_visible()
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("The plan was generated.").wait_for()

    strata = page.locator("#strata")
    expect(strata.locator("thead th").first).to_have_text("Area")
    expect(page.locator("#per-area-badge")).to_be_visible()
    expect(page.locator("#frame-per-area")).to_contain_text("The frame is per area")
    subtotals = strata.locator("tr.area-subtotal")
    expect(subtotals).to_have_count(3)
    expect(subtotals.nth(0)).to_contain_text("Subtotal Bandung")
    expect(subtotals.nth(1)).to_contain_text("Subtotal Jakarta")
    expect(subtotals.nth(2)).to_contain_text("Subtotal Other / unknown area")
    expect(page.get_by_text("Surabaya")).to_be_visible()  # named in the plan's note
    assert strata.locator("tfoot").inner_text().split()[-1] == "40"
    expect(page.locator("#shops thead")).to_contain_text("Area")
    expect(page.locator("#shops tbody tr")).to_have_count(40)
    plan = SamplePlan.objects.get(program=tlk)
    assert plan.frame_per_area and plan.shops.exclude(area=None).exists()

    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "plan-en")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "plan-en-390")
    analyst.language = "id"
    analyst.save(update_fields=["language"])
    page.reload()
    expect(page.locator("#strata thead th").first).to_have_text("Area")
    _shot(page, "plan-id-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "plan-id")
