"""Journey (issue: program setup): a manager creates a third program from a
preset, changes its sample size and target, and reads the audit trail — in
English, then Indonesian."""

import pytest
from playwright.sync_api import expect

from programs.models import Program, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_creates_a_program_from_a_preset_and_edits_its_rules(
    page, live_server, login, pgd, tlk, member
):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    login(page, manager)

    page.get_by_role("link", name="New program from a preset").click()
    page.select_option("select[name=preset]", "telkom")
    page.fill("input[name=name]", "CC Telkom Regional 3")
    page.fill("input[name=code]", "TLK3")
    page.get_by_role("button", name="Create program").click()
    page.wait_for_url(f"{live_server.url}/p/TLK3/settings/")
    expect(page.get_by_text("CC Telkom Regional 3 was created from the preset.")).to_be_visible()
    assert page.input_value("input[name=monthly_sample_size]") == "40"

    page.fill("input[name=monthly_sample_size]", "48")
    page.fill("input[name=target_score]", "92.5")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("The program's rules were saved.")).to_be_visible()
    program = Program.objects.get(code="TLK3")
    assert (program.monthly_sample_size, float(program.target_score)) == (48, 92.5)

    # A mistake is explained next to the field and what was typed stays.
    page.fill("input[name=monthly_sample_size]", "0")
    page.fill("input[name=document_code]", "IN.QCC.TELK.W-10-R3")
    page.get_by_role("button", name="Save rules").click()
    expect(page.locator("#id_monthly_sample_size.is-invalid")).to_be_visible()
    assert page.input_value("input[name=document_code]") == "IN.QCC.TELK.W-10-R3"

    page.goto(f"{live_server.url}/p/TLK3/history/")
    row = page.locator("#audit tbody tr", has_text="monthly sample size").first
    assert "40 → 48" in row.inner_text()
    assert "Maya Manager" in row.inner_text()

    # The same pages in Indonesian.
    page.click("#language-menu")
    page.click("button[name=language][value=id]")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Jejak audit")).to_be_visible()
    page.goto(f"{live_server.url}/p/TLK3/settings/")
    expect(page.get_by_role("heading", name="Aturan program")).to_be_visible()
