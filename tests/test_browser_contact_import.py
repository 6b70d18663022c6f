"""Journey (issue 15): the Telkom analyst uploads a 20,000-row export as
Indonesian Excel saves it (semicolons, Windows-1252, 21/10/2026 09:03, Indonesian
categories and a status column, a channel the program lacks), maps the unknown
values in a few clicks and gets the month imported; the manager, who reads
Indonesian, finds the mappings listed.

SCREENSHOTS=folder keeps a picture of each step."""

import os
from datetime import date
from pathlib import Path

import pytest
import time_machine

from devdata import exports as export_data
from programs.models import Role
from sampling.models import ContactImport, ImportMapping, ImportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OCT = date(2026, 10, 1)


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@time_machine.travel("2026-11-02 08:00 +0700", tick=True)
def test_an_indonesian_excel_export_is_mapped_and_imported(
    page, live_server, login, tlk, member, tmp_path
):
    from celery import current_app

    current_app.conf.task_always_eager = True
    analyst = member(tlk, Role.QC_ANALYST, full_name="Andi Analyst")
    manager = member(tlk, Role.MANAGER, full_name="Maya Manager")
    manager.language = "id"
    manager.save()
    items = list(export_data.contacts(export_data.profile_of(tlk), OCT, 20_000, seed=11))
    path = export_data.write(tmp_path / "Laporan Kontak Oktober.csv", items, "excel")
    outbound = sum(1 for c in items if not c.channel_code)

    login(page, analyst)
    page.goto(f"{live_server.url}/p/TLK/sampling/imports/")
    _shot(page, "1-upload-en")
    page.fill("input[name=month]", "2026-10")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="Upload and import").click()
    page.get_by_text("some of its values are not the program's").wait_for()
    _shot(page, "2-values-to-map-en")
    table = page.locator("#unknown-values")
    assert table.locator("tbody tr").count() == 5  # 4 category values, 1 channel
    # The suggestions are chosen; the channel Telkom lacks has none: leave it out.
    row = table.locator("tr", has_text=export_data.EXTRA_CHANNEL)
    row.locator("select").select_option(label="Leave these rows out")
    page.get_by_role("button", name="Save the mappings and import").click()
    page.get_by_text(f"{len(items) - outbound} contacts imported").wait_for()
    page.get_by_text(f"{outbound} rows of ignored channels were left out.").wait_for()
    _shot(page, "3-imported-en")
    record = ContactImport.objects.get(program=tlk)
    assert record.status == ImportStatus.SUCCEEDED
    assert ImportMapping.objects.filter(program=tlk).count() == 5

    page.click("#user-menu")
    page.get_by_role("button", name="Log out").click()
    login(page, manager)
    page.goto(f"{live_server.url}/p/TLK/sampling/imports/mappings/")
    page.get_by_role("heading", name="Pemetaan data kontak").wait_for()
    assert page.locator("#mappings tbody tr").count() == 5
    _shot(page, "4-mappings-id")
    page.goto(f"{live_server.url}/p/TLK/sampling/imports/")
    page.get_by_text("Bulan yang diimpor membedakan 05/10").wait_for()
    _shot(page, "5-upload-id")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/p/TLK/sampling/imports/{record.pk}/")
    _shot(page, "6-import-phone-id")
