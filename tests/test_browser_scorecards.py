"""User journey: the manager edits Pegadaian's Inbound scorecard into a new
version, publishes it, and previews the shopper's form (PGD-4.1, F-31)."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Parameter, Role, Scorecard, ScorecardStatus
from programs.services import scorecards as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_edits_publishes_and_previews_the_inbound_scorecard(
    page, live_server, login, pgd, member
):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    login(page, manager)
    page.goto(f"{live_server.url}/p/{pgd.code}/scorecards/")
    page.get_by_role("link", name="QM Score Layanan Inbound").click()
    expect(page.get_by_role("heading", name="QM Score Layanan Inbound")).to_be_visible()

    page.get_by_role("button", name="Edit (creates version 2)").click()
    expect(page.get_by_role("heading", name="Edit draft version 2")).to_be_visible()
    draft = Scorecard.objects.get(program=pgd, channel__code="inbound", status="draft")

    # Change the weight of 1.1 in place (htmx), with the keyboard's help.
    page.get_by_role("link", name="Edit 1.1").click()
    weight = page.get_by_label("Weight")
    expect(page.get_by_role("textbox", name=re.compile(r"^Parameter"))).to_be_focused()
    weight.fill("30")
    weight.press("Enter")
    first = page.locator(".sc-item").filter(has_text="Memberikan informasi/solusi").first
    expect(first).to_contain_text("weight 30")
    expect(page.get_by_role("link", name="Edit 1.1")).to_be_focused()

    # Add a parameter to the Process section.
    page.get_by_role("link", name="Add a parameter to Proses (Process)").click()
    page.get_by_role("textbox", name=re.compile(r"^Parameter")).fill(
        "Mengonfirmasi ulang kebutuhan nasabah"
    )
    page.get_by_label("Weight").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#scorecard-editor")).to_contain_text(
        "Mengonfirmasi ulang kebutuhan nasabah"
    )
    expect(page.locator("#scorecard-editor")).to_contain_text("13 parameters, total weight 107.")

    page.get_by_label("What changed").fill("Solution accuracy weighs more; added re-confirmation.")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Version 2 is published; shops now use it.")).to_be_visible()
    versions = page.locator(".list-group").filter(has_text="Version 1")
    expect(versions.get_by_role("link", name=re.compile("Version 2"))).to_contain_text("Published")
    expect(versions.get_by_role("link", name=re.compile("Version 1"))).to_contain_text("Retired")
    expect(
        page.get_by_text("Solution accuracy weighs more; added re-confirmation.").first
    ).to_be_visible()

    draft.refresh_from_db()
    assert draft.status == ScorecardStatus.PUBLISHED
    v1 = Scorecard.objects.get(program=pgd, channel__code="inbound", version=1)
    assert v1.status == ScorecardStatus.RETIRED
    assert Parameter.objects.filter(section__scorecard=v1).count() == 12

    # The preview: real radios, "not met" asks for the nonconformity and the solution.
    page.get_by_role("link", name="Preview the shopper's form").click()
    expect(page.get_by_role("heading", name="Preview of the MS form (F-31)")).to_be_visible()
    line = page.locator(".ms-line").first
    nonconformity = line.get_by_label("Nonconformity")
    expect(nonconformity).to_be_hidden()
    line.get_by_text("Met", exact=True).click()
    line.get_by_role("radio", name="Met", exact=True).press("ArrowRight")
    expect(line.get_by_role("radio", name="Not met")).to_be_checked()
    expect(nonconformity).to_be_visible()
    expect(line.get_by_label("Correct solution")).to_be_visible()
    nonconformity.fill("Biaya salah disebutkan")
    line.get_by_text("Not applicable").click()
    expect(nonconformity).to_be_hidden()
    expect(page.locator(".ms-line").filter(has_text="Mengonfirmasi ulang")).to_have_count(1)
    expect(line.locator(".badge")).to_have_text("CACE")


def test_the_draft_editor_works_from_the_keyboard(page, live_server, login, pgd, member):
    login(page, member(pgd, Role.MANAGER))
    v1 = Scorecard.objects.get(program=pgd, channel__code="inbound")
    draft = services.scorecard_new_version(scorecard=v1)
    first = draft.sections.first().parameters.first()
    page.goto(f"{live_server.url}/p/{pgd.code}/scorecards/{draft.pk}/edit/")

    # Reordering keeps the focus on the moved parameter's button.
    page.focus(f"#parameter-{first.pk}-down")
    page.keyboard.press("Enter")
    expect(page.locator(f"#parameter-{first.pk}")).to_contain_text("1.2")
    expect(page.locator(f"#parameter-{first.pk}-down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#parameter-{first.pk}")).to_contain_text("1.3")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#parameter-{first.pk} .btn-outline-danger").click()
    expect(page.locator(f"#parameter-{first.pk}")).to_have_count(0)
    expect(page.locator("#scorecard-editor")).to_contain_text("11 parameters, total weight 75.")

    # Escape closes a form opened in place; errors show in place.
    page.get_by_role("link", name="Add a section").click()
    expect(page.locator("form.sc-item input[name=name]")).to_be_focused()
    page.keyboard.type("Kepatuhan")
    page.keyboard.press("Escape")
    expect(page.locator("form.sc-item")).to_have_count(0)
    page.get_by_role("link", name="Add a section").click()
    expect(page.locator("form.sc-item input[name=name]")).to_be_focused()
    page.keyboard.type("Kepatuhan")
    page.keyboard.press("Tab")
    page.keyboard.type("solution")
    page.keyboard.press("Enter")
    expect(page.locator("form.sc-item")).to_contain_text(
        "Another section of this scorecard has this code."
    )
    page.locator("form.sc-item input[name=code]").fill("compliance")
    page.keyboard.press("Enter")
    expect(page.locator("#scorecard-editor")).to_contain_text("4. Kepatuhan")
    expect(page.locator("#scorecard-editor")).to_contain_text(
        "Section Kepatuhan has no parameter."
    )

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_text("Draft version 2 is discarded.")).to_be_visible()
    assert not Scorecard.objects.filter(pk=draft.pk).exists()
