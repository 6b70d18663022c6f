"""Journey (PGD-6, TLK-6): the manager opens Retention, sees a record the next
purge would delete, places a legal hold on it with a reason (after forgetting
the reason once), sees it held, and releases it again; the hold's history keeps
both steps."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from programs.models import Role
from retention import services as retention
from retention.models import LegalHold, PurgeLog
from sampling import services as sampling
from sampling.models import ContactImport, ImportStatus
from tests.sampling_data import contact_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-retention")
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def _on(day: date):
    """Records made inside are dated `day` (noon in Jakarta)."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False
    )


def _import(program, month, name):
    """Contact data of `month`, imported on `month`."""
    with _on(month):
        record = ContactImport(
            program=program,
            month=month,
            original_name=name,
            status=ImportStatus.SUCCEEDED,
            finished_at=datetime.now(tz=ZoneInfo("UTC")),
        )
        record.file.save(name, ContentFile(b"timestamp,channel,reason,category\n"), save=False)
        record.save()
    return record


def _shoot(page, name):
    page.screenshot(path=str(SHOTS / name), full_page=True)


@time_machine.travel(NOW, tick=True)
def test_hold_a_record_due_and_release_it(
    page, live_server, login, pgd, member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(exist_ok=True)
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    october = _import(pgd, date(2024, 10, 1), "kontak-oktober-2024.csv")
    _import(pgd, date(2025, 2, 1), "kontak-februari-2025.csv")
    # Contact data still used by a younger plan: listed, but it stays.
    with _on(date(2024, 12, 20)):
        contact_month(pgd, date(2024, 12, 1))
    with _on(date(2025, 2, 1)):
        sampling.plan_generate(program=pgd, month=date(2025, 1, 1), user=None, seed=1)
    # An earlier hold, placed and released, and an earlier purge.
    earlier = _import(pgd, date(2024, 8, 1), "kontak-agustus-2024.csv")
    hold = retention.place_hold(
        program=pgd,
        record_type="contact_data",
        object_id=earlier.pk,
        reason="Keluhan pelanggan #4411",
        user=manager,
    )
    retention.release_hold(
        program=pgd, hold_id=hold.pk, reason="Keluhan ditutup 2026-11-30", user=manager
    )
    PurgeLog.objects.create(
        program=pgd,
        program_code="PGD",
        record_type="monthly_report",
        object_id=3,
        description="report 2024-07 revision 0",
        record_date=date(2024, 7, 1),
        retention_years=2,
    )

    login(page, manager)
    page.goto(f"{live_server.url}/p/PGD/")
    page.get_by_role("button", name="Reporting").click()
    page.get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", name="Retention", exact=False).first).to_be_visible()
    row = page.locator(f"#record-contact_data-{october.pk}")
    expect(row).to_be_visible()
    expect(page.locator("#due-now")).to_contain_text("kontak-oktober-2024.csv")
    expect(page.locator("#due-later")).to_contain_text("kontak-februari-2025.csv")
    expect(page.locator("#next-purge")).to_contain_text("2027-01-01 02:30")  # Jakarta time
    expect(page.locator("#due-now")).to_contain_text("depends on it and is kept until 2027-02-02")
    _shoot(page, "page-en.png")

    # Forgetting the reason: the error shows next to the field, the form stays open.
    row.get_by_text("Place a hold").click()
    row.get_by_role("button", name="Hold it").click()
    row = page.locator(f"#record-contact_data-{october.pk}")
    expect(row.locator(".invalid-feedback")).to_contain_text("This field is required.")
    expect(row.get_by_label("Why must it be kept?")).to_be_visible()
    _shoot(page, "hold-error-en.png")
    row.get_by_label("Why must it be kept?").fill("Temuan audit ISO 9001 no. 12")
    row.get_by_role("button", name="Hold it").click()
    expect(page.get_by_role("alert")).to_contain_text("is on hold")
    row = page.locator(f"#record-contact_data-{october.pk}")
    expect(row).to_contain_text("Kept: legal hold")
    expect(row).to_contain_text("Temuan audit ISO 9001 no. 12")
    held = LegalHold.objects.get()
    holds = page.locator("#legal-holds")
    expect(holds).to_contain_text("Maya Manager")
    _shoot(page, "held-en.png")

    # The 390 px phone view of the same page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(f"#hold-{held.pk}")).to_be_visible()
    _shoot(page, "held-en-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Releasing it, with its reason.
    hold_row = page.locator(f"#hold-{held.pk}")
    hold_row.get_by_text("Release", exact=True).click()
    hold_row.get_by_label("Why may it go now?").fill("Audit ditutup 2026-12-18")
    hold_row.get_by_role("button", name="Release the hold").click()
    expect(page.get_by_role("alert")).to_contain_text("The hold is released.")
    expect(page.locator(f"#hold-{held.pk}")).to_have_count(0)
    history = page.locator("#hold-history-table")
    expect(history).to_contain_text("Audit ditutup 2026-12-18")
    expect(history.locator('tr[data-history="-"]')).to_have_count(2)
    expect(page.locator(f"#record-contact_data-{october.pk}")).not_to_contain_text("Kept")
    assert not LegalHold.objects.exists()

    # The same page in Indonesian, at both widths.
    manager.language = "id"
    manager.save()
    retention.place_hold(
        program=pgd,
        record_type="contact_data",
        object_id=october.pk,
        reason="Temuan audit ISO 9001 no. 12",
        user=manager,
    )
    page.goto(f"{live_server.url}/p/PGD/retention/")
    page.locator("html[lang=id]").wait_for(state="attached")
    _shoot(page, "page-id.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("html[lang=id]").wait_for(state="attached")
    _shoot(page, "page-id-390.png")
