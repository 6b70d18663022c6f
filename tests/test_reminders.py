"""Reminders (PGD-4.6, TLK-5.2.1.1, TLK-5.3.1): sweeps as of a time in
Asia/Jakarta, exactly once, in the recipient's language, e-mail with retries."""

import threading
from datetime import date
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from followup.models import Defect
from followup.services import reminders as followup_reminders
from notifications import services as notifications
from notifications.models import EmailStatus, Kind, Notification, Preference
from programs.models import Role
from reporting.services import reminders
from sampling import services as sampling
from tests.sampling_data import contact_month
from tests.test_cases import finalized
from tests.test_followup import _finalize

pytestmark = pytest.mark.django_db
WIB = "+0700"


@pytest.fixture
def approved_plan(pgd, member):
    sari = member(pgd, Role.SHOPPER, full_name="Sari Shopper", language="id")
    dewi = member(pgd, Role.SHOPPER, full_name="Dewi Shopper")
    contact_month(pgd, date(2026, 11, 1))
    plan = sampling.plan_generate(program=pgd, month=date(2026, 12, 1), user=None, seed=2)
    sampling.plan_approve(plan=plan, user=member(pgd, Role.MANAGER))
    return plan, sari, dewi


def _at(text):
    return timezone.datetime.fromisoformat(text)


def test_tlk_5_3_1_todays_shops_go_out_in_the_morning_once(pgd, approved_plan):
    plan, _sari, _dewi = approved_plan
    day = plan.shops.order_by("date").first().date
    early = _at(f"{day}T05:30:00{WIB}")
    assert reminders.run_sweeps(now=early, only=["shops_today"]) == {"shops_today": 0}
    morning = _at(f"{day}T06:05:00{WIB}")
    made = reminders.run_sweeps(now=morning, only=["shops_today"])["shops_today"]
    shoppers_today = plan.shops.filter(date=day).values("shopper").distinct().count()
    assert made == shoppers_today >= 1
    assert reminders.run_sweeps(now=morning, only=["shops_today"])["shops_today"] == 0


def test_reminders_speak_the_recipients_language(pgd, approved_plan):
    plan, sari, _dewi = approved_plan
    day = plan.shops.filter(shopper=sari).order_by("date").first().date
    reminders.run_sweeps(now=_at(f"{day}T07:00:00{WIB}"), only=["shops_today"])
    note = Notification.objects.get(user=sari, kind=Kind.SHOPS_TODAY)
    assert "hari ini" in note.title  # Indonesian


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_make_each_reminder_once(pgd, approved_plan):
    if connection.vendor == "sqlite":
        pytest.skip("needs PostgreSQL for real concurrency (CI sets DATABASE_URL)")
    plan, _sari, _dewi = approved_plan
    day = plan.shops.order_by("date").first().date
    now = _at(f"{day}T06:30:00{WIB}")
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        results.append(reminders.run_sweeps(now=now, only=["shops_today"])["shops_today"])
        connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = plan.shops.filter(date=day).values("shopper").distinct().count()
    assert sum(results) == expected
    assert Notification.objects.filter(kind=Kind.SHOPS_TODAY).count() == expected


def test_pgd_4_6_overdue_defects_then_escalation_over_a_weekend(pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    supervisor = member(pgd, Role.SUPERVISOR, full_name="Sigit")
    agent.team.supervisor = supervisor
    agent.team.save()
    defect = Defect.objects.get(shop=shop)
    defect.due_on = date(2026, 12, 4)  # a Friday
    defect.save()
    reminders.run_sweeps(now=_at(f"2026-12-04T09:00:00{WIB}"), only=["defects"])
    assert not Notification.objects.exists()  # due today: not late yet
    reminders.run_sweeps(now=_at(f"2026-12-05T09:00:00{WIB}"), only=["defects"])
    assert list(Notification.objects.values_list("kind", "user")) == [
        (Kind.DEFECT_OVERDUE, agent.team.team_leader.pk)
    ]
    # The escalation waits one working day: Monday the 7th; it goes out on the 8th.
    reminders.run_sweeps(now=_at(f"2026-12-07T09:00:00{WIB}"), only=["defects"])
    assert not Notification.objects.filter(kind=Kind.DEFECT_ESCALATED).exists()
    reminders.run_sweeps(now=_at(f"2026-12-08T09:00:00{WIB}"), only=["defects"])
    assert Notification.objects.get(kind=Kind.DEFECT_ESCALATED).user == supervisor


def test_follow_up_overdue(pgd, member):
    shop, _analyst, agent = _finalize(pgd, member, fail=[5])
    item = shop.follow_ups.get()
    when = timezone.datetime.combine(item.due_on, timezone.datetime.min.time())
    reminders.run_sweeps(
        now=timezone.make_aware(when) + timezone.timedelta(days=1, hours=9), only=["follow_ups"]
    )
    assert Notification.objects.get(kind=Kind.FOLLOW_UP_OVERDUE).user == agent.team.team_leader


def test_tlk_5_2_1_1_data_and_plan_by_the_end_of_week_one(pgd, member):
    analyst = member(pgd, Role.QC_ANALYST)
    manager = member(pgd, Role.MANAGER)
    reminders.run_sweeps(now=_at(f"2026-12-07T10:00:00{WIB}"), only=["week_one"])
    assert not Notification.objects.exists()
    reminders.run_sweeps(now=_at(f"2026-12-08T10:00:00{WIB}"), only=["week_one"])
    kinds = set(Notification.objects.values_list("kind", "user"))
    assert kinds == {
        (Kind.DATA_MISSING, analyst.pk),
        (Kind.DATA_MISSING, manager.pk),
        (Kind.PLAN_NOT_APPROVED, analyst.pk),
        (Kind.PLAN_NOT_APPROVED, manager.pk),
    }


def test_pgd_4_6_progress_behind_plan_weekly_to_supervisors(pgd, member, approved_plan):
    supervisor = member(pgd, Role.SUPERVISOR)
    with time_machine.travel(_at(f"2026-12-20T09:00:00{WIB}")):
        reminders.run_sweeps(now=timezone.now(), only=["progress"])
        reminders.run_sweeps(now=timezone.now(), only=["progress"])
    assert Notification.objects.filter(kind=Kind.PROGRESS_BEHIND, user=supervisor).count() == 1


def test_smtp_failure_is_retried_with_backoff_then_sent(pgd, approved_plan):
    plan, sari, _dewi = approved_plan
    day = plan.shops.filter(shopper=sari).order_by("date").first().date
    now = _at(f"{day}T07:00:00{WIB}")
    reminders.run_sweeps(now=now, only=["shops_today"])
    note = Notification.objects.get(user=sari)
    with mock.patch("notifications.services._send", side_effect=ConnectionRefusedError("smtp")):
        assert notifications.deliver_due(now=now) == (0, Notification.objects.count())
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == (EmailStatus.PENDING, 1)
    assert "ConnectionRefusedError" in note.email_error
    assert notifications.deliver_due(now=now) == (0, 0)  # not due again yet
    later = now + timezone.timedelta(minutes=2)
    notifications.deliver_due(now=later)
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT
    sent = [m for m in mail.outbox if m.to == [sari.email]]
    assert len(sent) == 1
    assert "/p/PGD/sampling/agenda/" in sent[0].body
    assert sent[0].alternatives and "text/html" in sent[0].alternatives[0][1]
    assert '<html lang="id">' in sent[0].alternatives[0][0]  # Sari reads Indonesian


def test_an_email_left_sending_by_a_killed_worker_is_sent_after_its_lease(pgd, approved_plan):
    plan, sari, _dewi = approved_plan
    day = plan.shops.filter(shopper=sari).order_by("date").first().date
    now = _at(f"{day}T07:00:00{WIB}")
    reminders.run_sweeps(now=now, only=["shops_today"])
    total = Notification.objects.exclude(email_status=EmailStatus.NONE).count()
    # A worker claims its first row, then dies before sending (no exception handled).
    with (
        mock.patch("notifications.services._send", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        notifications.deliver_due(now=now)
    stuck = Notification.objects.get(email_status=EmailStatus.SENDING)
    # Others go out; the claimed one waits for its lease to run out, then goes once.
    assert notifications.deliver_due(now=now + timezone.timedelta(minutes=5)) == (total - 1, 0)
    stuck.refresh_from_db()
    assert stuck.email_status == EmailStatus.SENDING
    assert notifications.deliver_due(now=now + timezone.timedelta(minutes=16)) == (1, 0)
    assert not Notification.objects.exclude(email_status__in=["sent", "none"]).exists()
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == total == len(set(recipients))


def test_preferences_turn_email_off(pgd, approved_plan):
    plan, sari, _dewi = approved_plan
    Preference.objects.create(user=sari, kind=Kind.SHOPS_TODAY, email=False)
    day = plan.shops.filter(shopper=sari).order_by("date").first().date
    reminders.run_sweeps(now=_at(f"{day}T07:00:00{WIB}"), only=["shops_today"])
    assert Notification.objects.get(user=sari).email_status == EmailStatus.NONE


def test_run_reminders_command_as_of_a_time(pgd, approved_plan, capsys):
    plan, _sari, _dewi = approved_plan
    day = plan.shops.order_by("date").first().date
    call_command("run_reminders", "--at", f"{day} 08:00")
    out = capsys.readouterr().out
    assert "shops_today: " in out and "e-mail: " in out
    call_command("run_reminders", "--at", f"{day} 08:00")
    assert "shops_today: 0 reminder(s) made" in capsys.readouterr().out


def test_inbox_unread_count_and_mark_read(client, pgd, approved_plan):
    plan, sari, _dewi = approved_plan
    day = plan.shops.filter(shopper=sari).order_by("date").first().date
    reminders.run_sweeps(now=_at(f"{day}T07:00:00{WIB}"), only=["shops_today"])
    client.force_login(sari)
    body = client.get(reverse("inbox")).content.decode()
    assert 'id="unread-count">1' in body
    note = Notification.objects.get(user=sari)
    response = client.post(reverse("inbox_read", args=[note.pk]))
    assert response["Location"] == note.url
    assert 'id="unread-count"' not in client.get(reverse("inbox")).content.decode()


def test_preferences_page(client, pgd, member):
    user = member(pgd, Role.TEAM_LEADER)
    client.force_login(user)
    assert client.get(reverse("notification_preferences")).status_code == 200
    client.post(reverse("notification_preferences"), {"email": [Kind.DEFECT_OVERDUE]})
    assert (
        dict(Preference.objects.filter(user=user).values_list("kind", "email"))[
            Kind.FOLLOW_UP_OVERDUE
        ]
        is False
    )


def test_operations_page_is_for_administrators(client, pgd, member):
    user = member(pgd, Role.MANAGER)
    client.force_login(user)
    assert client.get(reverse("reminder_operations")).status_code == 302  # to admin login
    user.is_staff = True
    user.save()
    assert client.get(reverse("reminder_operations")).status_code == 200


def test_inbox_pages_query_counts(client, pgd, member):
    from tests.querycount import assert_same_query_count, page_queries

    user = member(pgd, Role.SUPERVISOR)
    client.force_login(user)
    Notification.objects.create(
        user=user,
        program=pgd,
        kind=Kind.PROGRESS_BEHIND,
        key=f"first:{user.pk}",
        title="t",
        body="b",
    )
    small = page_queries(client, reverse("inbox"))
    for i in range(25):
        Notification.objects.create(
            user=user,
            program=pgd,
            kind=Kind.PROGRESS_BEHIND,
            key=f"x:{i}:{user.pk}",
            title=f"t{i}",
            body="b",
        )
    assert_same_query_count(small, page_queries(client, reverse("inbox")))


def test_pgd_4_8_no_calibration_held_by_the_due_day(pgd, member):
    from followup.models import CalibrationSession, SessionStatus

    analyst = member(pgd, Role.QC_ANALYST)
    reminders.run_sweeps(now=_at(f"2026-12-24T09:00:00{WIB}"), only=["calibration"])
    assert not Notification.objects.exists()  # due on the 25th
    reminders.run_sweeps(now=_at(f"2026-12-25T09:00:00{WIB}"), only=["calibration"])
    reminders.run_sweeps(now=_at(f"2026-12-26T09:00:00{WIB}"), only=["calibration"])
    assert Notification.objects.get(kind=Kind.CALIBRATION_MISSING).user == analyst
    CalibrationSession.objects.create(
        program=pgd,
        held_on=date(2027, 1, 20),
        title="Jan",
        status=SessionStatus.HELD,
        held_marked_at=timezone.now(),
        created_by=analyst,
    )
    reminders.run_sweeps(now=_at(f"2027-01-26T09:00:00{WIB}"), only=["calibration"])
    assert Notification.objects.filter(kind=Kind.CALIBRATION_MISSING).count() == 1


def test_tlk_5_6_2_notes_with_the_supervisor_remind_the_supervisor_not_the_team_leader(
    pgd, member
):
    """While the notes wait for the supervisor, the team leader cannot act on
    them: the overdue-defect sweep leaves them alone and the follow-up sweep
    reminds the supervisor instead, once."""
    pgd.defect_notes_via_supervisor = True
    pgd.save()
    supervisor = member(pgd, Role.SUPERVISOR)
    _shop, agent = finalized(pgd, member, fail=1, supervisor=supervisor)
    late = _at("2027-03-01T08:00:00+0700")
    assert reminders.run_sweeps(now=late, only=["defects"]) == {"defects": 0}
    assert followup_reminders.run_sweeps(now=late, only=["pass_on"]) == {"pass_on": 1}
    assert followup_reminders.run_sweeps(now=late, only=["pass_on"]) == {"pass_on": 0}
    note = Notification.objects.get(kind=Kind.DEFECT_TO_PASS_ON)
    assert note.user == supervisor and agent.name in note.body
    assert not Notification.objects.filter(user=agent.team.team_leader).exists()
