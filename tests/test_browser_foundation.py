"""User journey: log in, see my programs, switch to Indonesian, log out."""

import pytest
from playwright.sync_api import expect

from programs.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_switch_to_indonesian_and_log_out(page, live_server, login, program, member):
    user = member(program, Role.QC_ANALYST, full_name="Andi Analyst")
    login(page, user)
    expect(page.get_by_role("heading", name="Welcome, Andi")).to_be_visible()
    expect(page.get_by_text("QC analyst").first).to_be_visible()

    page.click("#language-menu")
    page.click("button[name=language][value=id]")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Selamat datang, Andi")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "id"

    page.get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", name=program.name)).to_be_visible()

    page.click("#user-menu")
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    # The language stays with the browser after logging out.
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
