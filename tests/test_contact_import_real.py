"""The contact import with exports as contact-logging systems make them
(TLK-5.1.1, TLK-5.1.2, PGD-4.3): Indonesian labels, day-first dates, `;`,
Windows-1252, tabs and BOM, Excel serials and date cells, a channel the
program lacks, reasons spelled three ways, Telkom's complaint split.

Files come from the one realistic generator (devdata.exports)."""

import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import translation

from devdata import exports as export_data
from programs.models import Role
from sampling import importer, services
from sampling.models import ContactImport, ContactStat, ImportMapping, ImportStatus
from sampling.services import mappings

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


def _export(program, tmp_path: Path, style: str, rows: int = 600, seed: int = 3):
    items = list(export_data.contacts(export_data.profile_of(program), OCT, rows, seed=seed))
    suffix = ".xlsx" if style.startswith("xlsx") else ".csv"
    path = export_data.write(tmp_path / f"export-{style}{suffix}", items, style)
    return items, path


def _start(program, user, path: Path, month=OCT) -> ContactImport:
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    record = services.contact_import_start(program=program, month=month, upload=upload, user=user)
    return services.contact_import_process(import_id=record.pk)


def _map_suggested(record: ContactImport, user, *, ignore_extra=True) -> ContactImport:
    """What one click on the import page does: every suggestion taken (the
    channel the program lacks left out)."""
    choices = []
    for unknown in mappings.unknown_values(record):
        choice = unknown.suggested
        if unknown.kind == "channel" and ignore_extra:
            choice = mappings.IGNORE
        assert choice, f"no suggestion for {unknown.value!r}"
        choices.append(
            mappings.MappingChoice(unknown.kind, unknown.value, unknown.qualifier, choice)
        )
    mappings.import_mappings_apply(record=record, choices=choices, user=user)
    return services.contact_import_process(import_id=record.pk)


@pytest.mark.parametrize("style", export_data.STYLES)
def test_every_export_style_is_read_counted_in_its_local_hour(
    pgd, member, tmp_path, style, django_capture_on_commit_callbacks
):
    analyst = member(pgd, Role.QC_ANALYST)
    items, path = _export(pgd, tmp_path, style)
    record = _start(pgd, analyst, path)
    # Indonesian categories are values to map, not errors to fix in the file.
    assert record.status == ImportStatus.NEEDS_MAPPING, record.error_groups
    unknown = record.unknown_values
    assert {u["value"] for u in unknown["category"]} == {"Informasi", "Permintaan", "Komplain"}
    with django_capture_on_commit_callbacks(execute=False):
        record = _map_suggested(record, analyst)
    assert record.status == ImportStatus.SUCCEEDED, record.error_groups
    kept = [c for c in items if c.channel_code]
    assert record.row_count == len(kept)
    assert record.ignored_rows == len(items) - len(kept) == 0  # PGD has an outbound channel
    # Every contact counted once, in its weekday and hour in the program's zone.
    expected = Counter((c.moment.isoweekday(), c.moment.hour) for c in kept)
    got = Counter()
    for s in ContactStat.objects.filter(contact_import=record):
        got[(s.weekday, s.hour)] += s.count
    assert got == expected


def test_day_first_is_read_as_day_first_even_when_every_day_is_at_most_12(pgd, member, tmp_path):
    """05/10/2026 in an October import is the 5th of October, not the 10th of May."""
    analyst = member(pgd, Role.QC_ANALYST)
    items = [
        c
        for c in export_data.contacts(export_data.profile_of(pgd), OCT, 400, seed=5)
        if c.moment.day <= 12
    ]
    path = export_data.write(tmp_path / "early.csv", items, "excel")
    record = _start(pgd, analyst, path)
    assert record.timestamp_format == "%d/%m/%Y %H:%M"
    assert record.status == ImportStatus.NEEDS_MAPPING  # no timestamp error at all
    assert {g["code"] for g in record.error_groups} == {importer.UNKNOWN_CATEGORY}


def test_a_windows_byte_past_the_files_head_is_read_as_windows_1252(pgd, member, tmp_path):
    """The encoding is guessed from the head; a cp1252 byte further on (a dash in
    an area name on row 2 000) still reads the whole file as Windows-1252."""
    analyst = member(pgd, Role.QC_ANALYST)
    items = list(export_data.contacts(export_data.profile_of(pgd), OCT, 2000, seed=7))
    items[-1] = dataclasses.replace(items[-1], area="Bekasi\u2013Timur")
    path = export_data.write(tmp_path / "late-dash.csv", items, "excel")
    assert "\u2013".encode("cp1252") in path.read_bytes()[importer.SAMPLE_BYTES :]
    assert importer.detect(path) == "utf-8"  # the head alone looks like UTF-8
    record = _start(pgd, analyst, path)
    assert record.encoding == "cp1252"
    assert record.status == ImportStatus.NEEDS_MAPPING, record.error_groups
    assert {g["code"] for g in record.error_groups} == {importer.UNKNOWN_CATEGORY}
    assert record.row_count == len(items)


def test_the_same_reason_spelled_three_ways_is_one_reason(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    ImportMapping.objects.bulk_create(
        ImportMapping(program=pgd, kind="category", value=label, category=c)
        for label, c in [
            ("Informasi", pgd.categories.get(code="information")),
            ("Permintaan", pgd.categories.get(code="request")),
            ("Komplain", pgd.categories.get(code="complaint")),
        ]
    )
    items, path = _export(pgd, tmp_path, "iso")
    record = _start(pgd, analyst, path)
    assert record.status == ImportStatus.SUCCEEDED, record.error_groups
    stats = ContactStat.objects.filter(contact_import=record)
    known = stats.exclude(reason=None)
    truth = Counter(c.reason_name for c in items if c.reason_name != "Tanya promo bulan ini")
    got = Counter()
    for s in known:
        got[s.reason.name] += s.count
    assert got == truth
    # Only the reason the program does not know is left to map, whatever its spelling.
    unknown = {s.reason_text.lower() for s in stats.filter(reason=None)}
    assert unknown == {"tanya promo bulan ini"}


def test_telkom_splits_complaints_by_the_status_column(
    tlk, member, tmp_path, django_capture_on_commit_callbacks
):
    analyst = member(tlk, Role.QC_ANALYST)
    items, path = _export(tlk, tmp_path, "excel", rows=800)
    record = _start(tlk, analyst, path)
    assert record.status == ImportStatus.NEEDS_MAPPING
    categories = {(u["value"], u["qualifier"]) for u in record.unknown_values["category"]}
    assert categories == {
        ("Informasi", ""),
        ("Permintaan", ""),
        ("Komplain", "FCR"),
        ("Komplain", "Eskalasi"),
    }
    suggested = {(u.value, u.qualifier): u.suggested for u in mappings.unknown_values(record)}
    fcr, escalated = (tlk.categories.get(code=c) for c in ("complaint_fcr", "complaint_escalated"))
    assert suggested[("Komplain", "FCR")] == f"category:{fcr.pk}"
    assert suggested[("Komplain", "Eskalasi")] == f"category:{escalated.pk}"
    # Telkom has no outbound channel: its rows are offered to be left out.
    (channel,) = record.unknown_values["channel"]
    assert channel["value"] == export_data.EXTRA_CHANNEL
    with django_capture_on_commit_callbacks(execute=False):
        record = _map_suggested(record, analyst)
    assert record.status == ImportStatus.SUCCEEDED, record.error_groups
    outbound = sum(1 for c in items if not c.channel_code)
    assert record.ignored_rows == outbound > 0
    assert record.row_count == len(items) - outbound
    by_category = dict(
        ContactStat.objects.filter(contact_import=record)
        .values_list("category__code")
        .annotate(n=Sum("count"))
    )
    truth = Counter(c.category_code for c in items if c.channel_code)
    assert by_category == dict(truth)
    # The next month's export needs no mapping at all.
    nov_items = list(export_data.contacts(export_data.profile_of(tlk), date(2026, 11, 1), 300))
    nov = export_data.write(tmp_path / "nov.csv", nov_items, "excel")
    assert _start(tlk, analyst, nov, month=date(2026, 11, 1)).status == ImportStatus.SUCCEEDED


def test_grouped_errors_name_value_count_and_first_rows(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    lines = ["Waktu;Kanal;Alasan;Kategori"]
    lines += [f"0{1 + i % 9}/10/2026 10:00;Inbound;Gadai;Komplain" for i in range(30)]
    lines += [
        "32/10/2026 10:00;Inbound;Gadai;information",
        "05/11/2026 10:00;Inbound;;information",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    record = _start(pgd, analyst, path)
    assert record.status == ImportStatus.FAILED  # a bad time cannot be mapped away
    groups = {g["code"]: g for g in record.error_groups}
    assert groups[importer.UNKNOWN_CATEGORY]["n"] == 30
    assert groups[importer.UNKNOWN_CATEGORY]["rows"] == [2, 3, 4, 5, 6]
    known = ", ".join(c.name for c in pgd.categories.all())
    text = importer.describe_group(groups[importer.UNKNOWN_CATEGORY], known)
    assert text == (
        f"30 rows: category “Komplain” is not a category of this program (known: {known}). "
        "First rows: 2, 3, 4, 5, 6."
    )
    assert "“32/10/2026 10:00” is not a date and time" in importer.describe_group(
        groups[importer.BAD_TIME]
    )
    assert "outside 2026-10" in importer.describe_group(groups[importer.OUTSIDE])


def test_errors_are_worded_in_the_readers_language(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    analyst.language = "id"
    analyst.save()
    path = tmp_path / "bad.csv"
    path.write_text("waktu,kanal,alasan,kategori\n32/10/2026 10:00,Inbound,Gadai,information\n")
    record = _start(pgd, analyst, path)
    (group,) = record.error_groups
    with translation.override("id"):
        text = importer.describe_group(group)
        assert "bukan tanggal dan waktu" in text and "Baris pertama: 2." in text
    with translation.override("en"):
        assert "is not a date and time" in importer.describe_group(group)
    # What the worker stored for the uploader is in the uploader's language.
    assert "baris" in record.message


def test_why_a_file_failed_is_worded_for_each_reader(client, pgd, member, tmp_path):
    """The worker stores the reason untranslated with its values: the Indonesian
    uploader and an English manager each read it in their own language."""
    analyst = member(pgd, Role.QC_ANALYST)
    analyst.language = "id"
    analyst.save()
    path = tmp_path / "no-channel.csv"
    path.write_text("waktu;alasan;kategori\n01/10/2026 09:00;Gadai;information\n")
    record = _start(pgd, analyst, path)
    assert record.status == ImportStatus.FAILED
    assert record.problem["params"]["missing"] == "channel"
    with translation.override("id"):
        assert record.message_shown.startswith("Kolom tidak ada: channel.")
    with translation.override("en"):
        assert record.message_shown.startswith("Missing column(s): channel.")
    assert record.message.startswith("Kolom tidak ada")  # as the uploader read it then

    manager = member(pgd, Role.MANAGER)
    manager.language = "en"
    manager.save()
    client.force_login(manager)
    page = client.get(f"/p/{pgd.code}/sampling/imports/{record.pk}/").content.decode()
    assert "Missing column(s): channel." in page


def test_a_row_count_in_a_stored_message_is_grouped_in_the_readers_language(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    path = tmp_path / "bad.csv"
    lines = "".join(f"32/10/2026 10:{i % 60:02d},Inbound,Gadai,information\n" for i in range(1200))
    path.write_text("waktu,kanal,alasan,kategori\n" + lines)
    record = _start(pgd, analyst, path)
    assert record.status == ImportStatus.FAILED
    with translation.override("en"):
        assert record.message_shown == "1,200 rows have errors; nothing was imported."
    with translation.override("id"):
        assert record.message_shown.startswith("1.200 baris")


def test_an_area_too_long_or_a_late_nul_byte_fails_in_validation_not_in_the_store(
    pgd, member, tmp_path
):
    analyst = member(pgd, Role.QC_ANALYST)
    good = "2026-10-05 10:00,inbound,Gadai,information,Jakarta\n"
    path = tmp_path / "late.csv"
    path.write_text(
        "timestamp,channel,reason,category,area\n"
        + good * 3000  # past the first 64 KB
        + "2026-10-05 10:00,inbound,Ga\x00dai,information,Jakarta\n"
        + "2026-10-05 10:00,inbound,Gadai,information,"
        + "x" * 101
        + "\n"
    )
    record = _start(pgd, analyst, path)
    assert record.status == ImportStatus.FAILED
    assert {(g["code"], tuple(g["rows"])) for g in record.error_groups} == {
        (importer.NUL_CHARACTER, (3002,)),
        (importer.LONG_AREA, (3003,)),
    }
    assert not ContactStat.objects.exists()


def test_a_mapping_is_remembered_listed_and_audited(
    pgd, member, tmp_path, client, django_capture_on_commit_callbacks
):
    analyst = member(pgd, Role.QC_ANALYST)
    _items, path = _export(pgd, tmp_path, "tab", rows=200)
    record = _start(pgd, analyst, path)
    with django_capture_on_commit_callbacks(execute=False):
        _map_suggested(record, analyst)
    mapping = ImportMapping.objects.get(value="Informasi", program=pgd)
    assert mapping.contact_import == record and mapping.created_by == analyst
    assert mapping.history.count() == 1
    mappings.import_mapping_change(
        mapping=mapping, choice=f"category:{pgd.categories.get(code='request').pk}", user=analyst
    )
    assert mapping.history.count() == 2
    with pytest.raises(Exception, match="not a category choice"):
        mappings.import_mapping_change(mapping=mapping, choice="channel:1", user=analyst)


def test_extra_reasons_and_suggestions_rank_by_similarity(pgd):
    options = mappings.targets(pgd, "category")
    by_label = {o.label: o.choice for o in options}
    assert mappings.suggestion("Informasi", "", options) == by_label["Informasi (information)"]
    assert mappings.suggestion("permintaan", "", options) == by_label["Permintaan (request)"]
    assert mappings.suggestion("Pujian", "", options) == ""  # nothing close: the analyst says


def test_the_error_list_does_not_hand_a_formula_to_a_spreadsheet(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    path = tmp_path / "evil.csv"
    path.write_text(
        'timestamp,channel,reason,category\n=HYPERLINK("http://x"),inbound,Gadai,information\n'
    )
    record = _start(pgd, analyst, path)
    with record.errors_file.open("rb") as fh:
        content = fh.read().decode("utf-8-sig")
    assert "'=HYPERLINK" in content and ",=HYPERLINK" not in content
