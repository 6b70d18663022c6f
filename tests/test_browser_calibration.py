"""Journey (issue: follow-up, PGD-4.8): the analyst plans a calibration session
and invites a team leader; the team leader confirms their attendance with one
click; the analyst writes the minutes, downloads the attendance list and
minutes as a PDF, and marks the session as held."""

import pytest

from followup.models import Attendee, CalibrationSession, SessionStatus
from programs.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_confirm_minutes_and_pdf(page, live_server, login, pgd, member):
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    leader = member(pgd, Role.TEAM_LEADER, full_name="Tari TL")
    member(pgd, Role.SHOPPER, full_name="Sari Shopper")

    login(page, analyst)
    page.goto(f"{live_server.url}/p/PGD/")
    page.get_by_role("button", name="Follow-up").click()
    page.get_by_role("link", name="Calibration").click()
    page.locator("#no-session-this-month").wait_for()
    page.get_by_role("link", name="Plan a session").click()
    assert page.get_by_label("Sari Shopper", exact=False).count() == 0  # shoppers not invited
    page.fill("input[name=title]", "Kalibrasi bulanan")
    page.get_by_label("Tari TL", exact=False).check()
    page.fill("textarea[name=agenda]", "Review cacat bulan ini")
    page.get_by_role("button", name="Plan the session").click()
    page.get_by_text("The session is planned and its attendees invited.").wait_for()
    session = CalibrationSession.objects.get(title="Kalibrasi bulanan")
    assert set(session.attendees.values_list("user", flat=True)) == {analyst.pk, leader.pk}
    session_url = page.url

    page.context.clear_cookies()
    login(page, leader)
    page.goto(session_url)
    page.get_by_role("button", name="Confirm my attendance").click()
    page.get_by_text("Your attendance is confirmed.").wait_for()
    assert page.get_by_role("button", name="Confirm my attendance").count() == 0
    assert "confirmed by the attendee" in page.locator("#attendees").inner_text()
    assert Attendee.objects.get(session=session, user=leader).present is True

    page.context.clear_cookies()
    login(page, analyst)
    page.goto(session_url)
    page.fill("textarea[name=minutes-discussion]", "Verifikasi data nasabah sering terlewat.")
    page.fill("textarea[name=minutes-decisions]", "Briefing ulang SOP verifikasi minggu ini.")
    page.get_by_role("button", name="Save the minutes").click()
    page.get_by_text("The minutes are saved.").wait_for()
    assert "Briefing ulang SOP verifikasi" in page.locator("#minutes-text").inner_text()

    with page.expect_download() as download_info:
        page.locator("#pdf-link").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read(4) == b"%PDF"
    href = page.locator("#pdf-link").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"

    page.get_by_role("button", name="Mark as held").click()
    page.get_by_text("The session is marked as held.").wait_for()
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
