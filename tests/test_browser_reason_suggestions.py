"""Journey (issue 15): reasons typed the way agents type them are matched to
the program's reasons in one click; the one nothing resembles is added as new."""

import pytest
import time_machine
from playwright.sync_api import expect

from programs.models import Role
from sampling.models import ContactStat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "tanggal;kanal;alasan;kategori\n"
    "01/10/2026 08:15;inbound;Informasi gadai;information\n"
    "01/10/2026 09:15;inbound;Perpanjangn gadai;information\n"
    "02/10/2026 10:15;inbound;Perpanjangn gadai;information\n"
    "02/10/2026 14:15;inbound;Tanya promo bulan ini;information\n"
)


@time_machine.travel("2026-11-02 08:00 +0700", tick=True)
def test_map_all_suggested_reasons_then_add_the_new_one(page, live_server, login, pgd, member):
    from celery import current_app

    current_app.conf.task_always_eager = True
    login(page, member(pgd, Role.QC_ANALYST, full_name="Andi Analyst"))
    page.goto(f"{live_server.url}/p/PGD/sampling/imports/")
    page.fill("input[name=month]", "2026-10")
    page.set_input_files(
        "input[name=file]",
        {"name": "kontak.csv", "mimeType": "text/csv", "buffer": EXPORT.encode("cp1252")},
    )
    page.get_by_role("button", name="Upload and import").click()
    page.get_by_text("4 contacts imported").wait_for()
    page.get_by_role("link", name="Review the top reasons and the traffic").click()

    rows = page.locator("#unknown-reasons tbody tr")
    expect(rows).to_have_count(3)
    suggested = rows.filter(has_text="Perpanjangn gadai")
    expect(suggested.locator("td").nth(2)).to_have_text("Perpanjangan gadai")
    expect(suggested.locator("select")).to_have_value(
        str(pgd.reasons.get(name="Perpanjangan gadai").pk)
    )
    page.locator("#map-suggested").click()
    page.get_by_text("2 reasons mapped as suggested (3 contacts).").wait_for()

    expect(rows).to_have_count(1)
    rows.first.get_by_role("button", name="Add as a new reason").click()
    page.get_by_text("was added to the program's reasons").wait_for()
    expect(page.locator("#unknown-reasons")).to_have_count(0)
    assert not ContactStat.objects.filter(contact_import__program=pgd, reason=None).exists()
