"""Retention (PGD-6: 2 years for objective evidence; TLK-6: 3 years)."""

import os
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from programs.models import RecordType, Role
from retention import services as retention
from retention.models import LegalHold, PurgeLog
from sampling.models import ContactImport, ImportStatus

pytestmark = pytest.mark.django_db


def _on(day: date):
    """The clock at noon in Jakarta on `day`."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("Asia/Jakarta"))
    )


def _import(program, month):
    """Contact data of `month`, imported on `month`."""
    with _on(month):
        record = ContactImport(
            program=program,
            month=month,
            original_name="old.csv",
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
        record.file.save(
            "old.csv", ContentFile(b"timestamp,channel,reason,category\n"), save=False
        )
        record.save()
    return record


def test_pgd_6_objective_evidence_goes_after_two_years_tlk_6_after_three(
    pgd, tlk, django_capture_on_commit_callbacks
):
    old_pgd = _import(pgd, date(2024, 10, 1))
    old_tlk = _import(tlk, date(2024, 10, 1))
    recent = _import(pgd, date(2025, 12, 1))
    listed = retention.expired_records(today=date(2026, 11, 21))
    assert [(i.program.code, i.object_id) for i in listed] == [("PGD", old_pgd.pk)]
    assert ContactImport.objects.count() == 3  # a dry run deletes nothing
    path = old_pgd.file.path
    with django_capture_on_commit_callbacks(execute=True):  # files go when it commits
        retention.purge(today=date(2026, 11, 21))
    assert set(ContactImport.objects.values_list("pk", flat=True)) == {old_tlk.pk, recent.pk}
    import os

    assert not os.path.exists(path)  # the file went with the record
    log = PurgeLog.objects.get()
    assert (log.program_code, log.record_type, log.retention_years) == ("PGD", "contact_data", 2)
    retention.purge(today=date(2027, 11, 21))
    assert not ContactImport.objects.filter(pk=old_tlk.pk).exists()  # three years later


def test_a_legal_hold_keeps_a_record(pgd):
    record = _import(pgd, date(2023, 1, 1))
    LegalHold.objects.create(
        program=pgd,
        record_type=RecordType.CONTACT_DATA,
        object_id=record.pk,
        reason="ISO audit finding",
    )
    items = retention.purge(today=date(2026, 11, 21))
    assert [i.kept_because for i in items] == ["legal hold"]
    assert ContactImport.objects.filter(pk=record.pk).exists()
    assert not PurgeLog.objects.exists()


def test_a_record_still_referenced_is_kept_with_the_reason(pgd, member):
    from sampling import services
    from tests.sampling_data import contact_month

    with _on(date(2023, 11, 28)):
        old = contact_month(pgd, date(2023, 11, 1))
        services.plan_generate(program=pgd, month=date(2023, 12, 1), user=None, seed=1)
    # The plan itself is old enough to go first, which frees its contact data.
    items = retention.purge(today=date(2026, 11, 21))
    assert {i.record_type for i in items if not i.kept_because} == {"sample_plan", "contact_data"}
    assert not ContactImport.objects.filter(pk=old.pk).exists()


def test_purge_command_dry_run_and_real(pgd):
    record = _import(pgd, date(2023, 1, 1))
    out = StringIO()
    call_command("purge_records", "--dry-run", "--today", "2026-11-21", stdout=out)
    assert "would delete PGD contact_data" in out.getvalue()
    assert ContactImport.objects.filter(pk=record.pk).exists()
    out = StringIO()
    call_command("purge_records", "--today", "2026-11-21", stdout=out)
    assert "1 record(s) deleted." in out.getvalue()
    assert not ContactImport.objects.filter(pk=record.pk).exists()


def test_the_purge_log_cannot_be_edited_in_the_admin(client, pgd):
    from programs.models import User

    admin = User.objects.create_superuser(
        email="root@example.com", password="x" * 12, full_name="Root"
    )
    client.force_login(admin)
    _import(pgd, date(2023, 1, 1))
    retention.purge(today=date(2026, 11, 21))
    log = PurgeLog.objects.get()
    response = client.post(f"/admin/retention/purgelog/{log.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert PurgeLog.objects.filter(pk=log.pk).exists()


def test_calibration_records_go_after_their_years_and_keep_their_shops_until_then(pgd, member):
    from followup.models import CalibrationSession

    session = CalibrationSession.objects.create(
        program=pgd,
        held_on=date(2023, 6, 1),
        title="Kalibrasi Juni",
        created_by=member(pgd, Role.QC_ANALYST),
    )
    retention.purge(today=date(2026, 11, 21))
    assert not CalibrationSession.objects.filter(pk=session.pk).exists()
    assert PurgeLog.objects.get().record_type == "calibration"


def test_monthly_reports_go_with_their_files_after_the_programs_years(
    pgd, tlk, django_capture_on_commit_callbacks
):
    from reporting.models import MonthlyReport

    def report(program, month):
        with _on(month):  # submitted on the report's month, for short
            r = MonthlyReport.objects.create(
                program=program,
                month=month,
                due_at=timezone.now(),
                status="acknowledged",
                submitted_at=timezone.now(),
            )
        r.pdf_file.save("r.pdf", ContentFile(b"%PDF-1.4"), save=True)
        return r

    old_pgd, old_tlk = report(pgd, date(2024, 10, 1)), report(tlk, date(2024, 10, 1))
    kept = report(pgd, date(2025, 12, 1))
    path = old_pgd.pdf_file.path
    listed = retention.expired_records(today=date(2026, 11, 21))
    assert [(i.record_type, i.object_id) for i in listed] == [("monthly_report", old_pgd.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge(today=date(2026, 11, 21))
    assert set(MonthlyReport.objects.values_list("pk", flat=True)) == {old_tlk.pk, kept.pk}
    assert not os.path.exists(path)
    assert not MonthlyReport.history.filter(id=old_pgd.pk).exists()
