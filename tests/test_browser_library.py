"""User journey on the library pages (TLK-5.2.1.1, TLK-5.5): a QC analyst adds a
scenario for a Telkom reason and finds it with the search box; a manager adds
a coaching rule."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Channel, CoachingRule, ContactReason, Role, Scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_adds_and_finds_a_scenario_then_manager_adds_a_rule(
    page, live_server, login, tlk, member
):
    analyst = member(tlk, Role.QC_ANALYST, full_name="Ani Analis")
    manager = member(tlk, Role.MANAGER, full_name="Maya Manajer")
    reason = ContactReason.objects.get(program=tlk, name="Internet lambat")
    channel = Channel.objects.get(program=tlk, code="inbound")

    login(page, analyst)
    page.goto(f"{live_server.url}/p/{tlk.code}/scenarios/")
    page.get_by_role("link", name="Add a scenario").click()
    page.fill("#id_title", "Internet lemot setiap malam")
    page.select_option("#id_reason", str(reason.pk))
    page.select_option("#id_channel", str(channel.pk))
    page.select_option("#id_source", "frequent_problem")
    page.fill("#id_customer_script", "Internet saya lambat setiap jam 8 malam, kenapa?")
    page.fill("#id_expected_answer", "Cek redaman, lalu buat tiket gangguan bila di atas batas.")
    page.fill("#id_valid_from", "2026-07")
    page.fill("#id_valid_to", "2026-06")
    page.get_by_role("button", name="Save").click()
    # The months are the wrong way round: the page says so and keeps the text.
    expect(page.get_by_text("The end month is before the start month.")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Internet lemot setiap malam")
    page.fill("#id_valid_to", "2026-09")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="Internet lemot setiap malam")).to_be_visible()
    expect(page.locator("#expected-answer")).to_contain_text("Cek redaman")
    expect(page.locator("#history")).to_contain_text("Ani Analis")
    scenario = Scenario.objects.get(program=tlk)
    assert scenario.reason == reason

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Scenarios").click()
    results = page.locator("#scenarios")
    page.get_by_role("searchbox", name="Search").fill("redaman")
    # The results follow the search box as the user types (htmx), URL included.
    expect(page).to_have_url(re.compile(r"q=redaman"))
    expect(results).to_contain_text("Internet lemot setiap malam")
    page.get_by_role("searchbox", name="Search").fill("tagihan")
    expect(results).not_to_contain_text("Internet lemot setiap malam")
    expect(page.locator("#scenario-count")).to_contain_text("0 scenarios found.")

    page.click("#user-menu")
    page.get_by_role("button", name="Log out").click()
    login(page, manager)
    page.goto(f"{live_server.url}/p/{tlk.code}/coaching-rules/")
    expect(page.locator("#coaching-rules")).to_contain_text(
        "When section “Solusi (Solution)” is 0 → Coaching, due in 5 working days."
    )
    page.get_by_role("link", name="Add a rule").click()
    page.fill("#id_name", "Critical error → brief and debrief")
    page.select_option("#id_metric", "critical")
    # Parts a critical-error rule does not use are hidden.
    expect(page.locator("[data-rule-part=sections]")).to_be_hidden()
    expect(page.locator("[data-rule-part=threshold]")).to_be_hidden()
    page.select_option("#id_metric", "sections")
    page.get_by_label("Proses (Process) (process)").check()
    page.select_option("#id_comparison", "below_value")
    expect(page.locator("#id_threshold")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    # No value given for "below a value": the model's message shows at the field.
    expect(page.get_by_text("Give the value to compare with.")).to_be_visible()
    page.fill("#id_name", "Process below 75 → SGD")
    page.fill("#id_threshold", "75")
    page.select_option("#id_action", "sgd")
    page.fill("#id_due_days", "3")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#coaching-rules")).to_contain_text(
        "When section “Proses (Process)” is below 75 → Small group discussion, "
        "due in 3 working days."
    )
    expect(page.locator("#history")).to_contain_text("Maya Manajer")
    rule = CoachingRule.objects.get(program=tlk, name="Process below 75 → SGD")
    assert (rule.section_codes, rule.order) == (["process"], 2)
