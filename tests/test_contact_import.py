"""Contact data import (TLK-5.1.1): all or nothing, row-level errors."""

import codecs
import io
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from programs.models import Role
from sampling import importer, services
from sampling.models import ContactImport, ContactStat, ImportStatus, ReasonAlias

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
HEADER = "timestamp,channel,reason,category\n"
GOOD = (
    "2026-10-01T08:15:00+07:00,inbound,Informasi produk gadai,information\n"
    "2026-10-01 09:00:00+07:00,Inbound (call 1500 569),Perpanjangan gadai,request\n"
    "2026-10-02T10:30:00+07:00,digital-chat,Informasi produk gadai,Informasi (information)\n"
)


def _import(pgd, member, content: bytes, name="contacts.csv") -> ContactImport:
    user = member(pgd, Role.QC_ANALYST)
    upload = SimpleUploadedFile(name, content)
    record = services.contact_import_start(program=pgd, month=OCT, upload=upload, user=user)
    return services.contact_import_process(import_id=record.pk)


def test_tlk_5_1_1_good_file_is_stored_as_counts(pgd, member):
    record = _import(pgd, member, (HEADER + GOOD).encode())
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert (record.row_count, record.error_count, record.encoding) == (3, 0, "utf-8")
    stats = ContactStat.objects.filter(contact_import=record)
    assert sum(s.count for s in stats) == 3
    first = stats.get(hour=8)
    assert (first.weekday, first.reason.name, first.channel.code) == (
        4,
        "Informasi produk gadai",
        "inbound",
    )
    with record.file.open("rb") as evidence:  # kept as evidence
        assert evidence.read() == (HEADER + GOOD).encode()


def test_timestamps_convert_to_the_program_time_zone(pgd, member):
    content = HEADER + "2026-10-01T01:15:00Z,inbound,Informasi produk gadai,information\n"
    record = _import(pgd, member, content.encode())
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert ContactStat.objects.get(contact_import=record).hour == 8  # 01:15 UTC = 08:15 WIB


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        (
            HEADER + "yesterday,inbound,Informasi produk gadai,information\n",
            "timestamp",
            "“yesterday” is not a date and time",
        ),
        (
            HEADER + "2026-09-30T23:00:00+07:00,inbound,Informasi produk gadai,information\n",
            "timestamp",
            "is outside 2026-10, the month being imported",
        ),
        (
            HEADER + "2026-10-01T08:00:00+07:00,inbound,,information\n",
            "reason",
            "the reason for contact is empty",
        ),
    ],
)
def test_a_bad_row_rejects_the_whole_file(pgd, member, content, column, message):
    record = _import(pgd, member, (HEADER + GOOD + content[len(HEADER) :]).encode())
    assert record.status == ImportStatus.FAILED
    assert record.error_count == 1
    (error,) = record.errors_preview
    assert error["row"] == 5 and error["column"] == column and message in error["message"]
    (group,) = record.error_groups
    assert (group["n"], group["rows"], group["column"]) == (1, [5], column)
    assert not ContactStat.objects.exists()
    with record.errors_file.open("rb") as errors:
        assert errors.read().startswith(b"\xef\xbb\xbfrow,column,value,status,problem\n5,")


@pytest.mark.parametrize(
    ("content", "kind", "value"),
    [
        (
            HEADER + "2026-10-01T08:00:00+07:00,fax,Informasi produk gadai,information\n",
            "channel",
            "fax",
        ),
        (
            HEADER + "2026-10-01T08:00:00+07:00,inbound,Informasi produk gadai,praise\n",
            "category",
            "praise",
        ),
    ],
)
def test_an_unknown_coded_value_waits_to_be_mapped(pgd, member, content, kind, value):
    record = _import(pgd, member, (HEADER + GOOD + content[len(HEADER) :]).encode())
    assert record.status == ImportStatus.NEEDS_MAPPING and record.is_finished
    assert record.unknown_values == {
        kind: [{"value": value, "qualifier": "", "n": 1, "rows": [5]}]
    }
    assert not ContactStat.objects.exists()


def test_mixed_time_zone_styles_are_rejected(pgd, member):
    content = HEADER + GOOD + "2026-10-03 10:00,inbound,Informasi produk gadai,information\n"
    record = _import(pgd, member, content.encode())
    assert record.status == ImportStatus.FAILED
    assert "no time-zone offset" in record.errors_preview[0]["message"]


def test_wrong_columns_name_the_expected_ones(pgd, member):
    record = _import(pgd, member, b"when,where,why\n1,2,3\n")
    assert record.status == ImportStatus.FAILED
    assert "Missing column(s): timestamp, channel, reason, category" in record.message


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty (0 bytes)"),
        (HEADER.encode(), "header.csv", "no contact rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "contacts.csv", "not a CSV or XLSX"),
        (bytes(range(0x80, 0xA0)) * 5 + b"\x81\x8d\x8f\x90\x9d", "x.csv", "Missing column"),
    ],
)
def test_unreadable_files_are_explained(pgd, member, content, name, message):
    record = _import(pgd, member, content, name)
    assert record.status == ImportStatus.FAILED
    assert message in record.message
    assert not ContactStat.objects.exists()


def test_utf8_with_bom_and_windows_1252(pgd, member):
    bom = codecs.BOM_UTF8 + (HEADER + GOOD).encode()
    assert _import(pgd, member, bom).encoding == "utf-8-sig"
    content = HEADER + "2026-10-01T08:15:00+07:00,inbound,Keluhan café,complaint\n"
    record = _import(pgd, member, content.encode("cp1252"))
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.encoding == "cp1252"
    assert ContactStat.objects.get(contact_import=record).reason_text == "Keluhan café"


def test_semicolon_separated_csv(pgd, member):
    content = (HEADER + GOOD).replace(",", ";")
    assert _import(pgd, member, content.encode()).status == ImportStatus.SUCCEEDED


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_file(pgd, member):
    rows = [
        ["timestamp", "channel", "reason", "category"],
        ["2026-10-01 08:15", "inbound", "Informasi produk gadai", "information"],
    ]
    record = _import(pgd, member, _xlsx(rows), "contacts.xlsx")
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.encoding == "xlsx"


def test_xlsx_formula_without_a_value_is_a_row_error(pgd, member):
    rows = [
        ["timestamp", "channel", "reason", "category"],
        ["=TODAY()", "inbound", "Informasi produk gadai", "information"],
    ]
    record = _import(pgd, member, _xlsx(rows), "contacts.xlsx")
    assert record.status == ImportStatus.FAILED
    assert record.errors_preview[0]["column"] == "timestamp"


def test_unknown_reasons_are_kept_for_mapping(pgd, member):
    content = HEADER + "2026-10-01T08:15:00+07:00,inbound,Tanya gadai HP,information\n"
    record = _import(pgd, member, content.encode())
    assert record.status == ImportStatus.SUCCEEDED
    stat = ContactStat.objects.get(contact_import=record)
    assert stat.reason is None
    reason = pgd.reasons.get(name="Informasi produk gadai")
    assert services.reason_map(program=pgd, text="Tanya gadai HP", reason=reason) == 1
    assert ReasonAlias.objects.filter(program=pgd, alias="Tanya gadai HP").exists()
    again = _import(pgd, member, content.encode())  # a later import uses the alias
    assert ContactStat.objects.get(contact_import=again).reason == reason


def test_an_unknown_reason_can_be_added(pgd, member):
    content = HEADER + "2026-10-01T08:15:00+07:00,inbound,Gadai kendaraan,request\n"
    _import(pgd, member, content.encode())
    reason = services.reason_add_from_text(program=pgd, text="Gadai kendaraan")
    assert reason.category.code == "request"
    assert ContactStat.objects.get().reason == reason


def test_processing_twice_changes_nothing(pgd, member):
    record = _import(pgd, member, (HEADER + GOOD).encode())
    again = services.contact_import_process(import_id=record.pk)
    assert again.status == ImportStatus.SUCCEEDED
    assert ContactStat.objects.filter(contact_import=record).count() == 3


def test_errors_listed_in_full_beyond_the_first_100(tmp_path):
    rows = "".join(f"2026-10-01T08:{i % 60:02d}:00+07:00,fax,R,information\n" for i in range(250))
    path = Path(tmp_path / "c.csv")
    path.write_text(HEADER + rows)
    result = importer.parse(
        path,
        time_zone="Asia/Jakarta",
        year=2026,
        month=10,
        channels={"inbound": 1},
        categories={"information": 1},
    )
    assert result.error_total == 250 and len(result.errors) == importer.ERRORS_SHOWN
    assert [e.row for e in result.errors[:3]] == [2, 3, 4]
    (group,) = result.error_groups
    assert (group["n"], group["rows"], group["value"]) == (250, [2, 3, 4, 5, 6], "fax")
    importer.errors_csv(result, tmp_path / "errors.csv")
    assert len((tmp_path / "errors.csv").read_text().splitlines()) == 251


def _stalled(pgd, member, *, attempts: int) -> ContactImport:
    """An import whose worker died `attempts` times, the last 31 minutes ago."""
    user = member(pgd, Role.QC_ANALYST)
    upload = SimpleUploadedFile("contacts.csv", (HEADER + GOOD).encode())
    record = services.contact_import_start(program=pgd, month=OCT, upload=upload, user=user)
    ContactImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING,
        attempts=attempts,
        started_at=timezone.now() - timedelta(minutes=31),
    )
    return record


def test_the_sweep_runs_a_stalled_import_again_and_it_finishes(pgd, member):
    record = _stalled(pgd, member, attempts=2)
    assert services.imports_sweep() == 1  # eager in tests: the worker runs it now
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED, record.message
    assert record.attempts == 3
    assert ContactStat.objects.filter(contact_import=record).count() == 3


def test_an_import_that_keeps_killing_its_worker_is_given_up_not_retried_forever(pgd, member):
    record = _stalled(pgd, member, attempts=services.IMPORT_MAX_ATTEMPTS)
    assert services.imports_sweep() == 0
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert "stopped 3 times" in record.message and "nothing was imported" in record.message
    assert not ContactStat.objects.filter(contact_import=record).exists()
    assert services.imports_sweep() == 0  # and it stays failed


def test_a_message_delivered_again_after_the_last_attempt_fails_the_import(pgd, member):
    record = _stalled(pgd, member, attempts=services.IMPORT_MAX_ATTEMPTS)
    again = services.contact_import_process(import_id=record.pk)
    assert again.status == ImportStatus.FAILED
    assert not ContactStat.objects.filter(contact_import=record).exists()


def test_the_sweep_leaves_a_fresh_upload_and_a_running_import_alone(pgd, member):
    user = member(pgd, Role.QC_ANALYST)
    upload = SimpleUploadedFile("contacts.csv", (HEADER + GOOD).encode())
    fresh = services.contact_import_start(program=pgd, month=OCT, upload=upload, user=user)
    running = _stalled(pgd, member, attempts=1)
    ContactImport.objects.filter(pk=running.pk).update(started_at=timezone.now())
    assert services.imports_sweep() == 0
    assert ContactImport.objects.get(pk=fresh.pk).status == ImportStatus.PENDING
    assert ContactImport.objects.get(pk=running.pk).status == ImportStatus.RUNNING
