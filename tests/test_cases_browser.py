"""Journeys. PGD-4.8: a supervisor logs a high-impact customer case; the
analyst plans the calibration that evaluates it and, once held, the case is
closed. TLK-5.6.2: the supervisor passes nonconformity notes on to the team
leader, who acknowledges them."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import CaseStatus, CustomerCase, Defect, DefectStatus
from followup.services import calibration as calibration_services
from programs.models import Agent, Role, Team
from tests.test_cases import finalized

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_case_is_logged_evaluated_and_closed(page, live_server, login, pgd, member):
    team = Team.objects.create(program=pgd, code="t9", name="Tim Gadai")
    agent = Agent.objects.create(program=pgd, employee_id="A9", name="Budi", team=team)
    supervisor = member(pgd, Role.SUPERVISOR, full_name="Sinta Supervisor")
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    login(page, supervisor)

    page.goto(f"{live_server.url}/p/PGD/followup/cases/")
    page.get_by_role("link", name="Log a case").click()
    page.select_option("select[name=source]", "social_media")
    page.fill("textarea[name=description]", "Video viral: agen salah info tarif gadai emas.")
    page.get_by_role("button", name="Log the case").click()
    expect(page.get_by_text("Choose the agent or the team the case is about.")).to_be_visible()
    assert page.input_value("textarea[name=description]").startswith("Video viral")
    page.select_option("select[name=agent]", str(agent.pk))
    page.get_by_role("button", name="Log the case").click()
    expect(page.get_by_text("The case is logged.")).to_be_visible()
    case = CustomerCase.objects.get()
    expect(page.locator("#case-due")).to_contain_text(f"{case.calibration_due_on:%Y-%m-%d}")
    expect(page.locator("#case-status")).to_have_text("Waiting for its calibration")

    page.context.clear_cookies()
    login(page, analyst)
    page.goto(f"{live_server.url}/p/PGD/followup/calibration/")
    page.locator("#cases-waiting").get_by_role("link", name="Plan its session").click()
    expect(page.locator(f"input[name=customer_cases][value='{case.pk}']")).to_be_checked()
    page.get_by_role("button", name="Plan the session").click()
    expect(page.get_by_text("The session is planned and its attendees invited.")).to_be_visible()
    expect(page.locator("#customer-cases")).to_contain_text("Budi")
    session = case.sessions.get()
    calibration_services.minutes_save(
        session=session,
        user=analyst,
        agenda="Kasus viral",
        discussion="Agen memakai tarif lama.",
        decisions="Refresh tarif ke semua agen tim.",
    )
    calibration_services.attendance_confirm(session=session, user=analyst)
    page.reload()
    page.get_by_role("button", name="Mark as held").click()
    expect(page.get_by_text("The session is marked as held.")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by_session == session

    page.goto(f"{live_server.url}/p/PGD/followup/cases/{case.pk}/")
    expect(page.locator("#case-status")).to_have_text("Evaluated")
    expect(page.locator("#case-sessions")).to_contain_text("Refresh tarif ke semua agen tim.")
    assert timezone.localdate() <= case.calibration_due_on


def test_the_supervisor_passes_notes_on_and_the_team_leader_acknowledges(
    page, live_server, login, pgd, member
):
    pgd.defect_notes_via_supervisor = True
    pgd.save()
    supervisor = member(pgd, Role.SUPERVISOR, full_name="Sinta Supervisor")
    leader = member(pgd, Role.TEAM_LEADER, full_name="Tari TL")
    shop, _agent = finalized(pgd, member, fail=1, supervisor=supervisor, team_leader=leader)
    login(page, supervisor)
    page.goto(f"{live_server.url}/p/PGD/followup/defects/")
    page.get_by_role("link", name="1 note to pass on").click()
    card = page.locator("article", has_text="Salah info tarif").first
    card.locator("textarea").fill("Tolong bahas saat briefing pagi.")
    card.get_by_role("button", name="Pass on to the team leader").click()
    expect(page.get_by_text("Passed on to")).to_be_visible()
    expect(page.get_by_text("No notes are waiting to be passed on.")).to_be_visible()
    defect = Defect.objects.get(shop=shop)
    assert defect.status == DefectStatus.OPEN and defect.passed_on_by == supervisor

    page.context.clear_cookies()
    login(page, leader)
    page.goto(f"{live_server.url}/p/PGD/followup/defects/")
    card = page.locator("article", has_text="Salah info tarif").first
    expect(card).to_contain_text("Tolong bahas saat briefing pagi.")
    card.locator("textarea").fill("Dibahas dengan Agus")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("The defect is acknowledged.")).to_be_visible()
