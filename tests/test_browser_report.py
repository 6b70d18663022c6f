"""Journey (issue: reporting): the analyst writes the analysis and
recommendations of December's report and submits it; the manager, who gets
it by e-mail, acknowledges it. Screenshots in English and Indonesian."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from programs.models import Role
from reporting.models import MonthlyReport, ReportStatus
from reporting.services import reports
from tests.report_data import report_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-report"))


@time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
def test_analyst_submits_and_manager_acknowledges(page, live_server, login, tlk, member):
    report_month(tlk, member(tlk, Role.SHOPPER))
    analyst = member(tlk, Role.QC_ANALYST, password="pass-1234-word")
    manager = member(tlk, Role.MANAGER, password="pass-1234-word", language="id")
    supervisor = member(tlk, Role.SUPERVISOR, password="pass-1234-word")
    url = f"{live_server.url}/p/TLK/reports/2026-12/"

    login(page, analyst)
    page.goto(f"{live_server.url}/p/TLK/reports/")
    page.get_by_role("link", name="2026-12").click()
    page.wait_for_url(url)
    assert "85.00" in page.locator("#summary").inner_text()
    page.fill("textarea[name=analysis]", "Rata-rata 85,00 di bawah target 95; solusi lemah.")
    page.get_by_role("button", name="Submit the report").click()
    # The recommendations are missing: the error sits by the field, the analysis stays.
    assert page.locator("#id_recommendations").evaluate("e => e.classList.contains('is-invalid')")
    assert "solusi lemah" in page.input_value("textarea[name=analysis]")
    page.fill("textarea[name=recommendations]", "Coaching akurasi solusi untuk tim A.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=SHOTS / "report-draft-en.png", full_page=True)
    page.get_by_role("button", name="Submit the report").click()
    page.get_by_text("The report is submitted").wait_for()
    report = MonthlyReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.pdf_file and report.xlsx_file
    assert report.on_time
    assert Notification.objects.filter(user=manager, kind="report_submitted").exists()
    # The worker made the files after the commit (eagerly here): the downloads are offered.
    documents = page.locator('#report-documents[data-pending="false"]')
    documents.get_by_role("link", name="PDF").wait_for()

    # The supervisor checks it: the sign-off block names them, and the stored PDF too.
    page.context.clear_cookies()
    login(page, supervisor)
    page.goto(url)
    page.get_by_role("button", name="Mark as checked").click()
    page.get_by_text("You checked the report").wait_for()
    signoff = page.locator("#signoff").inner_text()
    assert supervisor.get_full_name() in signoff and analyst.get_full_name() in signoff
    page.screenshot(path=SHOTS / "report-checked-en.png", full_page=True)
    report.refresh_from_db()
    assert report.checked_by == supervisor
    # While the worker makes them (again), the page says so and polls until they are in.
    MonthlyReport.objects.filter(pk=report.pk).update(documents_asked_at=timezone.now())
    page.goto(url)
    page.get_by_text("The documents are being prepared").wait_for()
    reports.report_documents_build(report=report)
    documents.get_by_role("link", name="PDF").wait_for(timeout=10_000)

    page.context.clear_cookies()
    login(page, manager)
    page.goto(url)
    page.screenshot(path=SHOTS / "report-submitted-id.png", full_page=True)
    page.get_by_role("button", name="Konfirmasi").click()
    page.locator("#report-status").get_by_text("Dikonfirmasi", exact=False).first.wait_for()
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_by == manager
    assert manager.get_full_name() in page.locator("#signoff").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SHOTS / "report-acknowledged-id-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
