"""Journey (issue: follow-up): the analyst has finalized a failing shop; the
team leader acknowledges the defect and logs the brief & debrief."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import Defect, DefectStatus, FollowUp, FollowUpStatus
from tests.test_followup import _finalize

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_team_leader_acknowledges_and_logs_the_session(page, live_server, login, pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    team_leader = agent.team.team_leader
    login(page, team_leader)

    page.goto(f"{live_server.url}/p/PGD/followup/defects/")
    card = page.locator("article", has_text="Salah info tarif").first
    assert "Tarif 1,2 % per 15 hari" in card.inner_text()  # the correct solution
    card.get_by_role("button", name="Acknowledge").click()  # empty: the browser asks first
    card.locator("textarea").fill("Dibahas saat briefing pagi dengan Agus")
    card.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("The defect is acknowledged.").wait_for()
    assert Defect.objects.get(shop=shop).status == DefectStatus.ACKNOWLEDGED

    page.goto(f"{live_server.url}/p/PGD/followup/items/")
    page.get_by_role("link", name="Log the session").click()
    page.fill("input[name=held_on]", "2099-01-01")
    page.fill("textarea[name=outcome]", "Agent paham tarif terbaru")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_text("The session cannot be in the future.")).to_be_visible()
    assert page.input_value("textarea[name=outcome]") == "Agent paham tarif terbaru"
    page.fill("input[name=held_on]", timezone.localdate().isoformat())
    page.check("input[name=retest_requested]")
    page.get_by_role("button", name="Save the session").click()
    page.get_by_text("The session is logged.").wait_for()
    item = FollowUp.objects.get(shop=shop)
    assert item.status == FollowUpStatus.DONE and item.retest_requested
