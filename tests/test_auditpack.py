"""The ISO audit pack (PGD-6, TLK-6): one ZIP per program and month with the
sample plan, every F-31 form and F-32 record of the month's finalized shops,
the F-28 follow-up list, the submitted F-27 report, the calibration evidence,
and a manifest whose sizes and SHA-256 sums match the files; the pages that
request, follow and download it."""

import hashlib
import io
import json
import subprocess
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from followup.models import FollowUp
from followup.services import calibration
from notifications.models import Kind, Notification
from programs.models import CoachingRule, Role
from reporting.models import AuditPack, MonthlyReport, PackStatus
from reporting.services import auditpack
from reporting.tasks import build_audit_pack, sweep_audit_packs
from sampling.models import PlannedShop
from scoring import services as scoring
from scoring.models import Dispute, Shop
from scoring.selectors import shop_record
from scoring.services import AnswerInput
from tests.factories import UserFactory
from tests.querycount import assert_same_query_count, page_queries
from tests.test_calibration import finalized_shop, make_world
from tests.test_shop_workflow import _params

pytestmark = pytest.mark.django_db

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
JAKARTA = ZoneInfo("Asia/Jakarta")
REPORT_PDF = b"%PDF-1.4\n% the submitted F-27 report\n"
REPORT_XLSX = b"PK\x03\x04 the submitted F-27 workbook"


@pytest.fixture(autouse=True)
def _december(settings, tmp_path):
    """Files under a fresh media root; the clock in the middle of December 2026."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(datetime(2026, 12, 20, 10, 0, tzinfo=JAKARTA), tick=True):
        yield


def month_world(pgd, member, *, shops: int = 3, report: bool = True):
    """December 2026 of Pegadaian: `shops` finalized shops (the first with two
    nonconformities), a held calibration session with attendance and minutes,
    a follow-up item, and (when `report`) a submitted F-27 with its two files."""
    w = make_world(pgd, member)
    w.shops = [w.shop, *(finalized_shop(w, n) for n in range(1, shops))]
    calibration.attendance_confirm(session=w.session, user=w.leader)
    calibration.minutes_save(
        session=w.session,
        user=w.analyst,
        agenda="Review cacat bulan Desember",
        discussion="Info tarif gadai sering salah",
        decisions="Refreshment tarif untuk semua agen",
    )
    w.session = calibration.session_mark_held(session=w.session, user=w.analyst)
    if not FollowUp.objects.filter(program=pgd).exists():
        rule = CoachingRule.objects.filter(program=pgd).order_by("order").first()
        FollowUp.objects.create(
            program=pgd,
            shop=w.shop,
            rule=rule,
            agent=w.agent,
            team_leader=w.leader,
            kind=rule.action,
            due_on=date(2026, 12, 28),
        )
    w.follow_ups = FollowUp.objects.filter(program=pgd).count()
    if report:
        w.report = submitted_report(pgd, w.analyst)
    return w


def submitted_report(program, user, *, revision=0, month=DEC):
    report = MonthlyReport(
        program=program,
        month=month,
        revision=revision,
        status="submitted",
        due_at=timezone.now() + timedelta(days=20),
        submitted_at=timezone.now(),
        submitted_by=user,
    )
    report.pdf_file.save("report.pdf", ContentFile(REPORT_PDF), save=False)
    report.xlsx_file.save("report.xlsx", ContentFile(REPORT_XLSX), save=False)
    report.save()
    return report


def built(program, user, month=DEC) -> AuditPack:
    pack = AuditPack.objects.create(program=program, month=month, requested_by=user)
    return auditpack.audit_pack_build(pack=pack)


def read_zip(pack) -> dict[str, bytes]:
    with pack.file.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_text(content: bytes, tmp_path, name="doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


# --- What the pack holds --------------------------------------------------------------


def test_pgd_6_the_manifest_matches_the_files_of_the_zip(pgd, member):
    w = month_world(pgd, member)
    pack = built(pgd, w.analyst)
    assert pack.status == PackStatus.DONE and pack.error == ""
    assert pack.done == pack.total == len(pack.manifest) + 2 == len(read_zip(pack))
    files = read_zip(pack)
    # Every file but the two manifests is listed once, with its true size and SHA-256.
    listed = {e["path"]: e for e in pack.manifest}
    assert set(files) == {*listed, "manifest.json", "SHA256SUMS.txt"}
    assert len(listed) == len(pack.manifest)
    for path, entry in listed.items():
        assert entry["bytes"] == len(files[path]), path
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest(), path
        assert entry["description"]
    inside = json.loads(files["manifest.json"])
    assert inside["files"] == pack.manifest
    assert inside["program"] == "PGD" and inside["month"] == "2026-12"
    assert inside["time_zone"] == pgd.time_zone
    assert inside["generated_at"].startswith("2026-12-20T")  # in the program's zone
    sums = files["SHA256SUMS.txt"].decode().splitlines()
    assert sums == [f"{e['sha256']}  {e['path']}" for e in pack.manifest]


def test_pgd_6_tlk_6_every_record_of_a_small_month_is_in_the_pack(pgd, member, tmp_path):
    w = month_world(pgd, member)
    pack = built(pgd, w.analyst)
    files = read_zip(pack)
    numbers = [s.planned_shop for s in w.shops]
    expected = {
        "01-sample-plan/PGD-sample-plan-2026-12.xlsx",
        *(f"02-F-31-ms-forms/PGD-F-31-{p.date:%Y-%m-%d}-shop-{p.number:03d}.pdf" for p in numbers),
        *(
            f"03-F-32-execution-records/PGD-F-32-{p.date:%Y-%m-%d}-shop-{p.number:03d}.pdf"
            for p in numbers
        ),
        "04-F-28-follow-up/PGD-F-28-2026-12.xlsx",
        "05-F-27-monthly-report/PGD-F-27-2026-12-r0.pdf",
        "05-F-27-monthly-report/PGD-F-27-2026-12-r0.xlsx",
        f"06-calibration/PGD-calibration-2026-12-20-{w.session.pk}.pdf",
        "manifest.json",
        "SHA256SUMS.txt",
    }
    assert set(files) == expected
    # F-27: the submitted files, byte for byte.
    assert files["05-F-27-monthly-report/PGD-F-27-2026-12-r0.pdf"] == REPORT_PDF
    assert files["05-F-27-monthly-report/PGD-F-27-2026-12-r0.xlsx"] == REPORT_XLSX
    # The sample plan: the facts, the strata and every planned shop.
    book = load_workbook(io.BytesIO(files["01-sample-plan/PGD-sample-plan-2026-12.xlsx"]))
    assert book.sheetnames == ["Plan", "Strata", "Shops"]
    planned = PlannedShop.objects.filter(plan__program=pgd, plan__month=DEC).count()
    assert book["Shops"].max_row - 1 == planned
    assert book["Strata"].max_row - 1 == w.shop.planned_shop.plan.strata.count()
    facts = {r[0]: r[1] for r in book["Plan"].iter_rows(min_row=2, values_only=True)}
    assert facts["Month"] == "2026-12" and facts["Status"] == "Approved"
    # F-28: one row per follow-up item of the month's shops.
    book = load_workbook(io.BytesIO(files["04-F-28-follow-up/PGD-F-28-2026-12.xlsx"]))
    assert book.sheetnames == ["F-28", "Nonconformities"]
    assert book["F-28"].max_row - 1 == w.follow_ups
    # ... and the month's nonconformities with their correct solutions (TLK-5.6.2).
    found = list(book["Nonconformities"].iter_rows(min_row=2, values_only=True))
    assert len(found) == 2 and {r[7] for r in found} == {"Salah info tarif"}
    assert {r[8] for r in found} == {"Tarif 1,2 % per 15 hari"}
    # F-31 of the shop with two nonconformities.
    first = w.shop.planned_shop
    ms = pdf_text(
        files[f"02-F-31-ms-forms/PGD-F-31-{first.date:%Y-%m-%d}-shop-{first.number:03d}.pdf"],
        tmp_path,
        "f31",
    )
    finalized = timezone.localtime(w.shop.finalized_at, pgd.zone)
    for expected_text in (
        "IK-CC-PGD-MS",
        "F-31",
        "Mystery shopping form",
        f"#{first.number}",
        "Agus",
        "Not met",
        "Met",
        "Salah info tarif",
        "Tarif 1,2 % per 15 hari",
        "Andi Analyst",
        f"{finalized:%Y-%m-%d %H:%M}",
        "Critical errors",
    ):
        assert expected_text in ms, expected_text
    execution = pdf_text(
        files[
            f"03-F-32-execution-records/PGD-F-32-{first.date:%Y-%m-%d}-shop-{first.number:03d}.pdf"
        ],
        tmp_path,
        "f32",
    )
    for expected_text in ("F-32", "execution record", "1500569", "Agus", "Finalized"):
        assert expected_text in execution, expected_text
    minutes = pdf_text(
        files[f"06-calibration/PGD-calibration-2026-12-20-{w.session.pk}.pdf"], tmp_path, "cal"
    )
    assert "Refreshment tarif untuk semua agen" in minutes and "Tari TL" in minutes


def test_pgd_2_3_critical_errors_corrections_and_disputes_are_on_the_f31(pgd, member, tmp_path):
    """A failed critical parameter, a correction after finalizing and a dispute
    of the agent's team leader are part of the record the auditor reads."""
    w = make_world(pgd, member)
    critical = next(p for p in _params(w.shop) if p.critical_type == "CACE")
    with TestCase.captureOnCommitCallbacks(execute=True):
        scoring.shop_revise(
            shop=w.shop,
            user=w.analyst,
            reason="Rekaman diperiksa ulang",
            answers={critical.pk: AnswerInput("not_met", "Info salah", "Info benar")},
        )
    Dispute.objects.create(
        shop=w.shop, parameter=critical, raised_by=w.leader, reason="Agen sudah benar"
    )
    record = shop_record(pgd, Shop.objects.get(pk=w.shop.pk))
    text = pdf_text(auditpack.ms_form_pdf(pgd, record), tmp_path)
    for expected_text in (
        "CACE",
        "Customer",  # the critical type's label
        "Corrections after finalizing",
        "Rekaman diperiksa ulang",
        "Disputes",
        "Agen sudah",  # the reason (its column wraps)
        "Info salah",
        "Info benar",
    ):
        assert expected_text in text, expected_text
    assert "0.00" in text  # a failed CACE sets the shop's score to 0


def test_the_requester_is_told_once_when_the_pack_is_ready(pgd, member):
    w = month_world(pgd, member, shops=1)
    pack = built(pgd, w.analyst)
    note = Notification.objects.get(user=w.analyst, kind=Kind.AUDIT_PACK_READY)
    assert note.url == reverse("audit_pack_list", args=["PGD"])
    assert "2026-12" in note.title
    auditpack.audit_pack_build(pack=pack)
    assert Notification.objects.filter(kind=Kind.AUDIT_PACK_READY).count() == 1


def test_a_month_without_a_submitted_report_gets_a_note(pgd, member):
    w = month_world(pgd, member, shops=1, report=False)
    MonthlyReport.objects.create(  # a draft is not what was sent
        program=pgd, month=DEC, due_at=timezone.now() + timedelta(days=20)
    )
    files = read_zip(built(pgd, w.analyst))
    report = [p for p in files if p.startswith("05-")]
    assert report == ["05-F-27-monthly-report/README.txt"]
    assert "not submitted yet" in files[report[0]].decode()


def test_the_report_as_sent_is_in_the_pack_even_while_it_is_corrected(pgd, member):
    """The latest revision that is not a draft: the submitted one stays the one
    sent (superseded) while its correction is a draft; then the correction."""
    w = month_world(pgd, member, shops=1)
    MonthlyReport.objects.filter(pk=w.report.pk).update(status="superseded")
    MonthlyReport.objects.create(
        program=pgd, month=DEC, revision=1, due_at=w.report.due_at, correction_reason="typo"
    )
    files = read_zip(built(pgd, w.analyst))
    assert sorted(p for p in files if p.startswith("05-")) == [
        "05-F-27-monthly-report/PGD-F-27-2026-12-r0.pdf",
        "05-F-27-monthly-report/PGD-F-27-2026-12-r0.xlsx",
    ]
    MonthlyReport.objects.filter(month=DEC, revision=1).delete()
    correction = submitted_report(pgd, w.analyst, revision=1)
    MonthlyReport.objects.filter(pk=correction.pk).update(status="acknowledged")
    pack = built(pgd, w.analyst)
    files = read_zip(pack)
    assert sorted(p for p in files if p.startswith("05-")) == [
        "05-F-27-monthly-report/PGD-F-27-2026-12-r1.pdf",
        "05-F-27-monthly-report/PGD-F-27-2026-12-r1.xlsx",
    ]
    described = {e["path"]: e["description"] for e in pack.manifest}
    assert (
        "revision 1 (Acknowledged)" in described["05-F-27-monthly-report/PGD-F-27-2026-12-r1.pdf"]
    )


def test_a_month_with_nothing_yet_says_so_in_each_folder(pgd, member):
    analyst = member(pgd, Role.QC_ANALYST)
    pack = built(pgd, analyst, month=NOV)
    files = read_zip(pack)
    notes = {p: files[p].decode() for p in files if p.endswith("README.txt")}
    assert set(notes) == {
        "01-sample-plan/README.txt",
        "02-F-31-ms-forms/README.txt",
        "03-F-32-execution-records/README.txt",
        "05-F-27-monthly-report/README.txt",
        "06-calibration/README.txt",
    }
    assert "No sample plan" in notes["01-sample-plan/README.txt"]
    assert "No calibration session was held in 2026-11" in notes["06-calibration/README.txt"]
    # The follow-up list is there, with its headers only.
    sheet = load_workbook(io.BytesIO(files["04-F-28-follow-up/PGD-F-28-2026-11.xlsx"])).active
    assert sheet.max_row == 1
    assert {e["path"] for e in pack.manifest} == set(files) - {"manifest.json", "SHA256SUMS.txt"}


def test_the_pack_is_written_in_the_requesters_language(pgd, member, tmp_path):
    w = month_world(pgd, member, shops=1)
    w.analyst.language = "id"
    w.analyst.save()
    pack = built(pgd, w.analyst)
    first = w.shop.planned_shop
    name = f"02-F-31-ms-forms/PGD-F-31-{first.date:%Y-%m-%d}-shop-{first.number:03d}.pdf"
    text = pdf_text(read_zip(pack)[name], tmp_path)
    assert "Kesalahan kritis" in text or "Ketidaksesuaian" in text
    assert json.loads(read_zip(pack)["manifest.json"])["language"] == "id"


def test_formula_text_in_a_record_stays_text_in_the_spreadsheets(pgd, member):
    w = month_world(pgd, member, shops=1)
    FollowUp.objects.filter(program=pgd).update(notes='=HYPERLINK("http://evil","x")')
    files = read_zip(built(pgd, w.analyst))
    sheet = load_workbook(io.BytesIO(files["04-F-28-follow-up/PGD-F-28-2026-12.xlsx"])).active
    notes = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes and all(n.startswith("'=") for n in notes)


# --- Idempotency, failure, the task --------------------------------------------------------


def test_a_done_pack_is_not_built_again(pgd, member):
    w = month_world(pgd, member, shops=1)
    pack = built(pgd, w.analyst)
    name, manifest, finished = pack.file.name, pack.manifest, pack.finished_at
    again = auditpack.audit_pack_build(pack=pack)
    assert (again.file.name, again.manifest, again.finished_at) == (name, manifest, finished)
    stored = pack.file.storage.listdir(f"audit-packs/{pgd.pk}/2026-12")[1]
    assert stored == [name.rsplit("/", 1)[1]]


def test_a_pack_being_built_elsewhere_is_left_alone(pgd, member):
    analyst = member(pgd, Role.QC_ANALYST)
    pack = AuditPack.objects.create(
        program=pgd, month=NOV, requested_by=analyst, status=PackStatus.RUNNING, done=3, total=9
    )
    again = auditpack.audit_pack_build(pack=pack)
    assert (again.status, again.done, again.file.name) == (PackStatus.RUNNING, 3, "")


def test_a_failing_document_marks_the_pack_failed_and_serves_nothing(
    pgd, member, client, monkeypatch
):
    w = month_world(pgd, member, shops=2)

    def broken(program, record):
        raise RuntimeError("no font for this script")

    monkeypatch.setattr(auditpack, "execution_pdf", broken)
    pack = built(pgd, w.analyst)
    assert pack.status == PackStatus.FAILED
    assert "03-F-32-execution-records/" in pack.error
    assert "RuntimeError: no font for this script" in pack.error
    assert pack.file.name == "" and pack.manifest == [] and pack.finished_at
    assert 0 < pack.done < pack.total  # it stopped where the document failed
    storage = pack.file.storage
    assert not storage.exists(f"audit-packs/{pgd.pk}/2026-12") or storage.listdir(
        f"audit-packs/{pgd.pk}/2026-12"
    ) == ([], [])
    assert not Notification.objects.filter(kind=Kind.AUDIT_PACK_READY).exists()
    client.force_login(w.analyst)
    url = reverse("audit_pack_download", args=["PGD", pack.pk])
    assert client.get(url).status_code == 404
    page = client.get(reverse("audit_pack_list", args=["PGD"])).content.decode()
    assert "The pack could not be built" in page and "no font for this script" in page
    # A failed pack stays failed; asking again makes a new one that builds.
    assert auditpack.audit_pack_build(pack=pack).status == PackStatus.FAILED
    monkeypatch.undo()
    assert built(pgd, w.analyst).status == PackStatus.DONE


def test_a_failure_after_the_file_was_stored_removes_it(pgd, member, monkeypatch):
    from django.db.models.fields.files import FieldFile

    real_save = FieldFile.save

    def save_then_fail(self, name, content, save=True):
        real_save(self, name, content, save=False)
        raise OSError("disk full after writing")

    monkeypatch.setattr(FieldFile, "save", save_then_fail)
    pack = built(pgd, member(pgd, Role.QC_ANALYST), month=NOV)
    assert pack.status == PackStatus.FAILED
    assert "OSError: disk full after writing" in pack.error
    assert pack.file.storage.listdir(f"audit-packs/{pgd.pk}/2026-11") == ([], [])


def test_the_task_builds_the_requested_pack(pgd, member, django_capture_on_commit_callbacks):
    w = month_world(pgd, member, shops=1)
    with django_capture_on_commit_callbacks(execute=True):
        pack = auditpack.audit_pack_request(program=pgd, month=DEC, user=w.analyst)
    pack.refresh_from_db()
    assert pack.status == PackStatus.DONE and pack.file
    build_audit_pack(pack.pk)  # a duplicate delivery changes nothing
    build_audit_pack(987654)  # a pack deleted meanwhile: nothing to do
    assert AuditPack.objects.get(pk=pack.pk).file.name == pack.file.name


def test_asking_twice_while_it_is_built_makes_one_pack(
    pgd, member, django_capture_on_commit_callbacks
):
    analyst, manager = member(pgd, Role.QC_ANALYST), member(pgd, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = auditpack.audit_pack_request(program=pgd, month=DEC, user=analyst)
        second = auditpack.audit_pack_request(program=pgd, month=DEC, user=manager)
        other = auditpack.audit_pack_request(program=pgd, month=NOV, user=manager)
    assert first == second != other
    assert len(callbacks) == 2  # one build per pack
    assert AuditPack.objects.filter(program=pgd).count() == 2
    AuditPack.objects.filter(pk=first.pk).update(status=PackStatus.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        fresh = auditpack.audit_pack_request(program=pgd, month=DEC, user=analyst)
    assert fresh != first  # a finished pack is not reused: the month may have changed


def test_a_month_not_started_is_refused(pgd, member):
    analyst = member(pgd, Role.QC_ANALYST)
    with pytest.raises(auditpack.ValidationError) as exc:
        auditpack.audit_pack_request(program=pgd, month=date(2027, 1, 1), user=analyst)
    assert "month" in exc.value.message_dict
    assert not AuditPack.objects.exists()


def test_a_broker_outage_keeps_the_pack_queued_and_the_sweep_sends_it_again(
    pgd, member, client, monkeypatch
):
    sent = []

    def down(pack_id):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(build_audit_pack, "delay", down)
    analyst = member(pgd, Role.QC_ANALYST)
    client.force_login(analyst)
    url = reverse("audit_pack_list", args=["PGD"])
    response = client.post(url, {"month": "2026-11"})
    assert response.status_code == 302
    pack = AuditPack.objects.get()
    assert pack.status == PackStatus.QUEUED
    monkeypatch.setattr(build_audit_pack, "delay", sent.append)
    assert sweep_audit_packs() == 0  # too young to be called lost
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert sweep_audit_packs() == 1
    assert sent == [pack.pk]
    # A build whose worker died long ago goes back to the queue too.
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.RUNNING)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert sweep_audit_packs() == 1
    assert AuditPack.objects.get(pk=pack.pk).status == PackStatus.QUEUED


def test_queries_per_shop_are_bounded(pgd, member):
    """Each shop costs its shop_record reads (scorecard outline, evidence,
    events, revisions, disputes); nothing else grows with the month."""
    w = month_world(pgd, member, shops=2)

    def queries(month):
        pack = AuditPack.objects.create(program=pgd, month=month, requested_by=w.analyst)
        with CaptureQueriesContext(connection) as ctx:
            auditpack.audit_pack_build(pack=pack)
        return len(ctx)

    two = queries(DEC)
    finalized_shop(w, 2)
    finalized_shop(w, 3)
    four = queries(DEC)
    per_shop = (four - two) / 2
    assert per_shop <= 9, (two, four)


# --- The pages ------------------------------------------------------------------------------


def _done_pack(program, user, month=DEC):
    pack = AuditPack.objects.create(
        program=program,
        month=month,
        requested_by=user,
        status=PackStatus.DONE,
        done=2,
        total=2,
        finished_at=timezone.now(),
        manifest=[{"path": "a.txt", "bytes": 1, "sha256": "0" * 64, "description": "a"}],
    )
    pack.file.save("pack.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return pack


PAGES = ("audit_pack_list", "audit_pack_status", "audit_pack_download")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_pages_per_role(client, pgd, member, role, name):
    owner = member(pgd, Role.MANAGER)
    pack = _done_pack(pgd, owner)
    args = ["PGD"] if name == "audit_pack_list" else ["PGD", pack.pk]
    client.force_login(member(pgd, role))
    response = client.get(reverse(name, args=args))
    allowed = role in {Role.MANAGER, Role.QC_ANALYST}
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("name", PAGES)
def test_outsiders_get_404_and_visitors_the_login(client, pgd, tlk, member, name):
    pack = _done_pack(pgd, member(pgd, Role.MANAGER))
    args = ["PGD"] if name == "audit_pack_list" else ["PGD", pack.pk]
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    # The manager of another program cannot reach this pack through their program.
    client.force_login(member(tlk, Role.MANAGER))
    if name != "audit_pack_list":
        assert client.get(reverse(name, args=["TLK", pack.pk])).status_code == 404


def test_the_download_is_the_zip_as_an_attachment(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    pack = _done_pack(pgd, manager)
    client.force_login(manager)
    response = client.get(reverse("audit_pack_download", args=["PGD", pack.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="PGD-audit-pack-2026-12.zip"'
    assert b"".join(response.streaming_content).startswith(b"PK")


def test_nothing_to_download_is_a_clean_404(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    no_file = AuditPack.objects.create(program=pgd, month=DEC, status=PackStatus.DONE)
    queued = AuditPack.objects.create(program=pgd, month=NOV)
    gone = _done_pack(pgd, manager, month=NOV)
    gone.file.storage.delete(gone.file.name)
    for pack in (no_file, queued, gone):
        assert client.get(reverse("audit_pack_download", args=["PGD", pack.pk])).status_code == 404
    page = client.get(reverse("audit_pack_list", args=["PGD"])).content.decode()
    assert "The file is no longer there" in page


def test_requesting_a_pack_from_the_page(client, pgd, member, django_capture_on_commit_callbacks):
    analyst = member(pgd, Role.QC_ANALYST)
    client.force_login(analyst)
    url = reverse("audit_pack_list", args=["PGD"])
    page = client.get(url).content.decode()
    assert 'name="month"' in page and 'value="2026-11"' in page  # last month by default
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-11"})
    assert response.status_code == 302 and response["Location"] == url
    pack = AuditPack.objects.get()
    assert (pack.month, pack.requested_by, pack.status) == (NOV, analyst, PackStatus.DONE)
    page = client.get(url).content.decode()
    assert "is being built" in page  # the message
    assert reverse("audit_pack_download", args=["PGD", pack.pk]) in page


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("", "This field is required."),
        ("2026-13", "Enter a month as YYYY-MM, e.g. 2026-12."),
        ("2027-02", "This month has not started yet"),
    ],
)
def test_bad_months_are_explained_next_to_the_field(client, pgd, member, month, message):
    client.force_login(member(pgd, Role.MANAGER))
    response = client.post(reverse("audit_pack_list", args=["PGD"]), {"month": month})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="error_1_id_month"' in body and message in body
    assert f'value="{month}"' in body or not month  # what was typed is kept
    assert not AuditPack.objects.exists()


def test_the_status_row_polls_while_the_pack_is_built(client, pgd, member):
    analyst = member(pgd, Role.QC_ANALYST, full_name="Andi Analyst")
    client.force_login(analyst)
    pack = AuditPack.objects.create(
        program=pgd, month=NOV, requested_by=analyst, status=PackStatus.RUNNING, done=3, total=10
    )
    url = reverse("audit_pack_status", args=["PGD", pack.pk])
    row = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}"' in row and 'hx-trigger="every 2s"' in row
    assert 'aria-valuenow="30"' in row and "pack-progress-30" in row and "3 of 10 files" in row
    assert "Download" not in row and "style=" not in row
    AuditPack.objects.filter(pk=pack.pk).update(status=PackStatus.DONE)
    pack.refresh_from_db()
    pack.file.save("p.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    row = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in row and "Ready" in row
    assert reverse("audit_pack_download", args=["PGD", pack.pk]) in row


def test_times_are_shown_in_the_programs_zone(client, pgd, member):
    pgd.time_zone = "Asia/Jayapura"  # UTC+9
    pgd.save()
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    pack = _done_pack(pgd, manager)
    shown = timezone.localtime(pack.created_at, ZoneInfo("Asia/Jayapura"))
    page = client.get(reverse("audit_pack_list", args=["PGD"])).content.decode()
    assert f"{shown:%Y-%m-%d %H:%M}" in page


def test_the_list_page_runs_a_constant_number_of_queries(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    url = reverse("audit_pack_list", args=["PGD"])

    def grow(n):
        for i in range(n):
            month = date(2025, 1 + i % 12, 1)
            who = member(pgd, Role.QC_ANALYST)
            if i % 3 == 0:
                _done_pack(pgd, who, month=month)
            else:
                AuditPack.objects.create(
                    program=pgd,
                    month=month,
                    requested_by=who,
                    status=[PackStatus.RUNNING, PackStatus.FAILED][i % 2],
                    error="x",
                )

    grow(2)
    small = page_queries(client, url)
    grow(15)
    large = page_queries(client, url)
    assert_same_query_count(small, large)


def test_a_month_of_many_shops_packs_every_form_and_record(pgd, member):
    """Every finalized shop of the month gives its F-31 form and F-32 record. How
    long PGD-4.4's 56 shops take is measured by the benchmark (bench/pages.py),
    not bounded here."""
    w = make_world(pgd, member)
    planned = list(
        PlannedShop.objects.filter(plan__program=pgd, plan__month=DEC)
        .exclude(pk=w.shop.planned_shop_id)
        .order_by("number")[:9]
    )
    assert len(planned) == 9
    _clone_finalized(w.shop, planned[:4])
    small = AuditPack.objects.create(program=pgd, month=DEC, requested_by=w.analyst)
    small = auditpack.audit_pack_build(pack=small)
    _clone_finalized(w.shop, planned[4:])
    pack = AuditPack.objects.create(program=pgd, month=DEC, requested_by=w.analyst)
    pack = auditpack.audit_pack_build(pack=pack)
    assert pack.status == PackStatus.DONE, pack.error
    assert sum(1 for e in small.manifest if e["path"].endswith(".pdf")) == 5 * 2
    assert sum(1 for e in pack.manifest if e["path"].endswith(".pdf")) == 10 * 2


def _clone_finalized(shop, planned_shops):
    """Copies of a finalized shop (answers, review events) on other planned shops:
    a full month without scoring 55 forms through the services."""
    from scoring.models import Answer, ReviewEvent, Shop

    answers = list(shop.answers.all())
    events = list(shop.events.all())
    for planned in planned_shops:
        copy = Shop.objects.get(pk=shop.pk)
        copy.pk = None
        copy.id = None
        copy.planned_shop = planned
        copy.save()
        Answer.objects.bulk_create(
            Answer(
                shop=copy,
                parameter_id=a.parameter_id,
                value=a.value,
                nonconformity=a.nonconformity,
                correct_solution=a.correct_solution,
            )
            for a in answers
        )
        ReviewEvent.objects.bulk_create(
            ReviewEvent(shop=copy, action=e.action, by_id=e.by_id, comment=e.comment)
            for e in events
        )


def test_a_pack_that_waited_in_the_queue_is_not_taken_from_the_worker_building_it(
    pgd, member, monkeypatch
):
    """Stale is judged from when its build started: asked for 90 minutes ago,
    claimed 10 minutes ago, it is still being built; claimed 61 minutes ago (the
    worker died) it is queued again; an old running row without a start time
    falls back to when it was asked for."""
    sent = []
    monkeypatch.setattr(auditpack, "enqueue_build", sent.append)  # no worker here
    user = member(pgd, Role.QC_ANALYST)
    now = timezone.now()
    building, dead, legacy = (
        AuditPack.objects.create(program=pgd, month=DEC, requested_by=user) for _ in range(3)
    )
    AuditPack.objects.filter(pk__in=[building.pk, dead.pk, legacy.pk]).update(
        status=PackStatus.RUNNING, created_at=now - timedelta(minutes=90)
    )
    AuditPack.objects.filter(pk=building.pk).update(started_at=now - timedelta(minutes=10))
    AuditPack.objects.filter(pk=dead.pk).update(started_at=now - timedelta(minutes=61))
    auditpack.requeue_stale(now=now)
    status = dict(AuditPack.objects.values_list("pk", "status"))
    assert sorted(sent) == sorted([dead.pk, legacy.pk])
    assert status[building.pk] == PackStatus.RUNNING
    assert status[dead.pk] == status[legacy.pk] == PackStatus.QUEUED
