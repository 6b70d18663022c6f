"""Report due / overdue reminders (PGD-4.7; issue: reminders): as of a time in
the program's zone, across month ends and the due day, once per recipient."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command

from notifications.models import Kind, Notification
from programs.models import Role
from reporting.services import reminders, reports

pytestmark = pytest.mark.django_db


def _sweep(when: str) -> int:
    """Run the report sweep as of `when` in Asia/Jakarta."""
    return reminders.run_sweeps(now=datetime.fromisoformat(f"{when}+07:00"), only=["report"])[
        "report"
    ]


@pytest.fixture
def people(pgd, member):
    # The program ran in 2026 (reports are owed only from its first month), whatever
    # the date the tests run on.
    type(pgd).objects.filter(pk=pgd.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    return {
        "analyst": member(pgd, Role.QC_ANALYST, email="pic@example.com", language="id"),
        "analyst2": member(pgd, Role.QC_ANALYST, email="qca@example.com", language="en"),
        "manager": member(pgd, Role.MANAGER, email="manajer@example.com"),
        "viewer": member(pgd, Role.VIEWER),
    }


def test_pgd_4_7_due_reminder_from_two_days_before_the_5th_once(pgd, people):
    assert (pgd.report_due_day, pgd.report_reminder_days) == (5, 2)
    assert _sweep("2027-01-02T23:59:00") == 0  # too early
    assert _sweep("2027-01-03T00:00:00") == 2  # the 3rd in Jakarta: both analysts
    assert _sweep("2027-01-04T09:00:00") == 0  # once
    due = Notification.objects.filter(kind=Kind.REPORT_DUE)
    assert {n.user for n in due} == {people["analyst"], people["analyst2"]}
    by_user = {n.user.email: n.title for n in due}
    assert by_user["qca@example.com"].startswith("The 2026-12 report")
    assert "2026-12" in by_user["pic@example.com"] and "report" not in by_user["pic@example.com"]
    assert all(n.url == "/p/PGD/reports/2026-12/" for n in due)


def test_overdue_the_day_after_goes_to_the_manager_too(pgd, people):
    assert _sweep("2027-01-05T23:00:00") == 2  # still the due day: "due"
    assert not Notification.objects.filter(kind=Kind.REPORT_OVERDUE).exists()
    assert _sweep("2027-01-06T00:30:00") == 3  # the 6th in Jakarta (still the 5th in UTC)
    overdue = Notification.objects.filter(kind=Kind.REPORT_OVERDUE)
    assert {n.user for n in overdue} == {people["analyst"], people["analyst2"], people["manager"]}
    assert _sweep("2027-01-07T09:00:00") == 0


def test_no_reminder_once_submitted(pgd, people):
    report = reports.report_save(
        program=pgd,
        month=datetime(2026, 12, 1).date(),
        user=people["analyst"],
        analysis="a",
        recommendations="r",
    )
    assert _sweep("2027-01-03T08:00:00") == 2  # a draft is not a report
    reports.report_submit(report=report, user=people["analyst"])
    assert _sweep("2027-01-06T08:00:00") == 0


def test_month_end_and_a_later_due_day(pgd, people):
    pgd.report_due_day, pgd.report_reminder_days = 10, 0
    pgd.save()
    assert _sweep("2027-01-10T08:00:00") == 2  # December's report, due the 10th
    assert _sweep("2027-01-31T23:00:00") == 3  # ... and overdue at the month's end
    assert _sweep("2027-02-01T08:00:00") == 0  # January's now, due 10 February
    assert _sweep("2027-02-10T08:00:00") == 2
    keys = Notification.objects.filter(user=people["analyst2"]).values_list("key", flat=True)
    assert sorted(k.split(":")[0] + ":" + k.split(":")[2] for k in keys) == [
        "report_due:2026-12",
        "report_due:2027-01",
        "report_overdue:2026-12",
    ]


def test_issue_8_done_when_the_command_as_of_the_3rd_fills_inbox_and_mail_once(
    pgd, people, capsys, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("run_reminders", "--at", "2027-01-03 07:00", "--sweep", "report")
    assert "report: 2 reminder(s) made" in capsys.readouterr().out
    call_command("run_reminders", "--at", "2027-01-03 07:00", "--sweep", "report")
    assert "report: 0 reminder(s) made" in capsys.readouterr().out
    assert sorted(m.to[0] for m in mail.outbox) == ["pic@example.com", "qca@example.com"]
    indonesian = next(m for m in mail.outbox if m.to == ["pic@example.com"])
    english = next(m for m in mail.outbox if m.to == ["qca@example.com"])
    assert "due by 2027-01-05" in english.subject
    assert "due by" not in indonesian.subject and "2027-01-05" in indonesian.subject


def test_no_reminder_for_a_month_before_the_program_ran(pgd, people):
    type(pgd).objects.filter(pk=pgd.pk).update(created_at=datetime(2027, 1, 2, tzinfo=UTC))
    assert _sweep("2027-01-03T00:00:00") == 0  # December 2026: the program did not exist
    assert _sweep("2027-01-06T00:30:00") == 0
    assert not Notification.objects.exists()
