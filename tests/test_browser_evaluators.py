"""Journey (issue #23): the QC analyst opens the evaluator-quality page from the
menu, goes back one month to December, sees the shopper flagged for coaching on
scoring, and opens what counts against her."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.test_evaluators_data import DISPUTE_RESOLUTION, RETURN_COMMENTS, december

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@time_machine.travel("2027-02-03 10:00 +0700", tick=True)
def test_analyst_switches_month_and_sees_the_flagged_shopper(
    page, live_server, login, pgd, member
):
    w = december(pgd, member)
    login(page, w.analyst)
    page.goto(f"{live_server.url}/p/PGD/dashboard/")
    page.locator("#nav-main button.dropdown-toggle", has_text="Reporting").click()
    page.get_by_role("link", name="Evaluator quality").click()
    page.wait_for_url(f"{live_server.url}/p/PGD/evaluators/")
    # It opens on the last complete month, January: nobody shopped then.
    expect(page.locator("#evaluators-title")).to_contain_text("January 2027")
    expect(page.locator("#no-shops")).to_be_visible()
    page.locator("#month-previous").click()
    page.wait_for_url("**/evaluators/?month=2026-12")
    expect(page.locator("#evaluators-title")).to_contain_text("December 2026")
    sari = page.locator(f"#shopper-{w.sari.pk}")
    expect(sari).to_contain_text("Sari Shopper")
    expect(sari).to_contain_text("75.0 %")
    expect(sari.locator(".coaching-flag")).to_have_text("Needs coaching")
    expect(page.locator(f"#shopper-{w.budi.pk} .coaching-flag")).to_have_count(0)
    expect(page.locator("#flagged-summary")).to_contain_text("1 shopper needs coaching")
    # The returns and the dispute, one click away.
    details = page.locator(f"#details-{w.sari.pk}")
    expect(details.get_by_text(RETURN_COMMENTS[0])).to_be_hidden()
    details.locator("summary").click()
    expect(details.get_by_text(RETURN_COMMENTS[0])).to_be_visible()
    expect(details).to_contain_text(DISPUTE_RESOLUTION)
    # The same month goes to Excel.
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "PGD-2026-12-evaluators.xlsx"
