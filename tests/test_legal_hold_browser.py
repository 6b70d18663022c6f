"""Journey (PGD-6, TLK-6; issue #18): the manager opens Retention, places a
legal hold on a record the next purge would delete from its row (after
forgetting the reason once), finds a shop made today by its agent and holds it
too (a customer dispute), then releases the first hold; the hold's history
keeps every step. Replaces the journey of the inline hold forms."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Agent, Role, Team
from retention.models import LegalHold
from sampling import services as sampling
from sampling.models import ContactImport, ImportStatus, PlannedShop
from scoring.models import Shop, ShopState
from tests.sampling_data import contact_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-retention")
JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=JAKARTA)


def _import(program, month, name):
    """Contact data of `month`, imported on `month` (past its 2 years)."""
    with time_machine.travel(datetime(month.year, month.month, 1, 12, tzinfo=JAKARTA)):
        record = ContactImport(
            program=program,
            month=month,
            original_name=name,
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
        record.file.save(name, ContentFile(b"timestamp,channel,reason,category\n"), save=False)
        record.save()
    return record


def _shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@time_machine.travel(NOW, tick=True)
def test_hold_a_due_record_and_a_fresh_shop_and_release(
    page, live_server, login, pgd, member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    october = _import(pgd, date(2024, 10, 1), "kontak-oktober-2024.csv")
    # This month's plan and a shop made today that reached agent Siti Rahayu.
    contact_month(pgd, date(2026, 11, 1))
    plan = sampling.plan_generate(program=pgd, month=date(2026, 12, 1), user=None, seed=1)
    sampling.plan_approve(plan=plan, user=manager)
    team = Team.objects.create(program=pgd, code="tim-1", name="Tim Satu")
    agent = Agent.objects.create(program=pgd, employee_id="E-017", name="Siti Rahayu", team=team)
    shop = Shop.objects.create(
        planned_shop=PlannedShop.objects.filter(plan=plan).order_by("number").first(),
        program=pgd,
        scorecard=pgd.scorecards.filter(status="published").first(),
        shopper=member(pgd, Role.SHOPPER),
        agent=agent,
        state=ShopState.FINALIZED,
        submitted_at=timezone.now(),
        finalized_at=timezone.now(),
    )

    login(page, manager)
    page.goto(f"{live_server.url}/p/PGD/retention/")
    row = page.locator(f"#record-contact_data-{october.pk}")
    expect(row).to_be_visible()
    expect(row.locator("form")).to_have_count(0)  # a link per row, no form
    row.get_by_role("link", name="Place a hold").click()

    # Forgetting the reason: the error shows next to the field.
    page.get_by_role("button", name="Hold it").click()
    expect(page.locator("#hold-form .invalid-feedback")).to_contain_text("This field is required.")
    _shoot(page, "record-error-en.png")
    page.get_by_label("Why must it be kept?").fill("Temuan audit ISO 9001 no. 12")
    page.get_by_role("button", name="Hold it").click()
    expect(page.get_by_role("alert").first).to_contain_text("is on hold")
    expect(page.locator(f"#record-contact_data-{october.pk}")).to_contain_text("Kept: legal hold")

    # A shop made today, found by its agent, held for a customer dispute.
    page.get_by_label("Agent").fill("Siti")
    page.get_by_role("button", name="Search").click()
    found = page.locator(f"#found-ms_form-{shop.pk}")
    expect(found).to_be_visible()
    _shoot(page, "found-en.png")
    found.get_by_role("link", name="Place a hold").click()
    page.get_by_label("Why must it be kept?").fill("Sengketa pelanggan 2026-12")
    page.get_by_role("button", name="Hold it").click()
    expect(page.get_by_role("alert").first).to_contain_text("is on hold")
    assert page.url.endswith("#find") is False  # back on the search it came from
    expect(page.locator(f"#found-ms_form-{shop.pk}")).to_have_attribute("data-held", "yes")
    assert LegalHold.objects.count() == 2

    # The 390 px phone view.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _shoot(page, "held-en-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Releasing the first, with its reason, from the list of holds.
    held = LegalHold.objects.get(record_type="contact_data")
    page.locator(f"#hold-{held.pk}").get_by_role("link", name="Release").click()
    page.get_by_label("Why may it go now?").fill("Audit ditutup 2026-12-18")
    page.get_by_role("button", name="Release the hold").click()
    expect(page.get_by_role("alert").first).to_contain_text("The hold is released.")
    expect(page.locator(f"#hold-{held.pk}")).to_have_count(0)
    history = page.locator("#hold-history-table")
    expect(history).to_contain_text("Audit ditutup 2026-12-18")
    expect(history.locator('tr[data-history="-"]')).to_have_count(1)
    assert list(LegalHold.objects.values_list("record_type", flat=True)) == ["ms_form"]

    # The same page in Indonesian, at both widths.
    manager.language = "id"
    manager.save()
    page.goto(f"{live_server.url}/p/PGD/retention/?find=1&agent=Siti")
    page.locator("html[lang=id]").wait_for(state="attached")
    _shoot(page, "page-id.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("html[lang=id]").wait_for(state="attached")
    _shoot(page, "page-id-390.png")
