"""The F-27 files off the request path (issue #20): submit freezes and answers,
the worker renders and stores the XLSX and PDF after commit (idempotently, the
old files replaced atomically), the page and the downloads say the files are
being prepared meanwhile, a draft's PDF is cached by what it shows, and long
texts are clipped in the PDF but whole in the XLSX."""

import io
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from followup.models import Defect
from programs.models import Role
from reporting import documents
from reporting.models import MonthlyReport
from reporting.selectors.reports import monthly_figures
from reporting.services import reports
from reporting.tasks import build_report_documents, sweep_report_documents
from scoring.models import Shop
from tests.report_data import DEC, report_month

pytestmark = pytest.mark.django_db

# In February both December and January are over: every reader opens December.
FEB = datetime(2027, 2, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def month(tlk, member):
    return report_month(tlk, member(tlk, Role.SHOPPER))


@pytest.fixture
def people(tlk, member):
    return {
        "analyst": member(tlk, Role.QC_ANALYST, email="pic@example.com"),
        "manager": member(tlk, Role.MANAGER, email="manajer@example.com"),
        "supervisor": member(tlk, Role.SUPERVISOR, email="spv@example.com"),
    }


def _draft(tlk, analyst):
    return reports.report_save(
        program=tlk,
        month=DEC,
        user=analyst,
        analysis="Rata-rata di bawah target.",
        recommendations="Coaching solusi untuk tim A.",
    )


def _files(report) -> list[str]:
    """The names stored under the report's revision folder."""
    storage = report.pdf_file.storage
    folder = f"reports/{report.program_id}/{report.month:%Y-%m}/r{report.revision}"
    return sorted(storage.listdir(folder)[1]) if storage.exists(folder) else []


def _url(name, tlk, *extra):
    return reverse(name, args=[tlk.code, *extra])


def test_submit_renders_nothing_and_the_worker_makes_the_files_after_commit(
    tlk, people, month, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(reports, "report_pdf", wraps=reports.report_pdf) as pdf,
        mock.patch.object(reports, "report_xlsx", wraps=reports.report_xlsx) as xlsx,
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            report = reports.report_submit(
                report=_draft(tlk, people["analyst"]), user=people["analyst"]
            )
        # Inside the transaction (and the row lock): frozen, asked for, nothing rendered.
        assert pdf.call_count == 0 and xlsx.call_count == 0
        report.refresh_from_db()
        assert report.snapshot and report.documents_pending and not report.pdf_file
        for callback in callbacks:  # the commit: the task is queued (eager here)
            callback()
        assert pdf.call_count == 1 and xlsx.call_count == 1
    report.refresh_from_db()
    assert not report.documents_pending
    assert report.pdf_file.open("rb").read().startswith(b"%PDF")
    assert report.xlsx_file.open("rb").read().startswith(b"PK")


def test_the_build_is_idempotent_and_leaves_one_pair_of_files(
    tlk, people, month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_submit(
            report=_draft(tlk, people["analyst"]), user=people["analyst"]
        )
    report.refresh_from_db()
    names = (report.xlsx_file.name, report.pdf_file.name)
    with mock.patch.object(reports, "report_pdf") as pdf:
        build_report_documents(report.pk)  # a duplicate delivery of the message
        build_report_documents(report.pk)
    assert pdf.call_count == 0  # nothing asked for any more: nothing rendered
    report.refresh_from_db()
    assert (report.xlsx_file.name, report.pdf_file.name) == names
    assert len(_files(report)) == 2
    # A check asks again: a new pair replaces the old one, deleted on commit.
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_check(report=report, user=people["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        build_report_documents(report.pk)  # and once more, late
    report.refresh_from_db()
    assert report.pdf_file.name != names[1] and not report.documents_pending
    assert _files(report) == sorted(
        n.rsplit("/", 1)[1] for n in (report.xlsx_file.name, report.pdf_file.name)
    )


def test_a_build_overtaken_by_a_newer_step_does_not_attach_its_files(
    tlk, people, month, django_capture_on_commit_callbacks
):
    """A supervisor checks while the worker renders the submitted files: those
    files lack the check, so they are dropped and the newer build makes them."""
    with django_capture_on_commit_callbacks(execute=False):
        report = reports.report_submit(
            report=_draft(tlk, people["analyst"]), user=people["analyst"]
        )
    real = reports.report_pdf

    def check_meanwhile(*args, **kwargs):
        MonthlyReport.objects.filter(pk=report.pk).update(
            documents_asked_at=datetime(2027, 1, 3, tzinfo=UTC)
        )
        return real(*args, **kwargs)

    with (
        mock.patch.object(reports, "report_pdf", side_effect=check_meanwhile),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reports.report_documents_build(report=report)
    report.refresh_from_db()
    assert report.documents_pending and not report.pdf_file
    assert _files(report) == []  # the overtaken files were deleted
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_documents_build(report=report)
    report.refresh_from_db()
    assert not report.documents_pending and len(_files(report)) == 2


def test_a_broker_outage_never_fails_the_submit_and_the_sweep_asks_again(
    tlk, people, month, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(build_report_documents, "delay", side_effect=OperationalError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = reports.report_submit(
            report=_draft(tlk, people["analyst"]), user=people["analyst"]
        )
    report.refresh_from_db()
    assert report.documents_pending and not report.pdf_file
    assert reports.requeue_stale_documents() == 0  # not stale yet
    later = report.documents_asked_at + reports.DOCUMENTS_STALE + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert sweep_report_documents() == 1  # eager: built now
    report.refresh_from_db()
    assert not report.documents_pending and report.pdf_file


@time_machine.travel(FEB, tick=False)
def test_the_page_and_the_downloads_say_the_files_are_being_prepared(
    client, tlk, people, month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = reports.report_submit(
            report=_draft(tlk, people["analyst"]), user=people["analyst"]
        )
    client.force_login(people["manager"])
    page = client.get(_url("report_detail", tlk, "2026-12")).content.decode()
    assert 'data-pending="true"' in page and "The documents are being prepared" in page
    assert 'hx-trigger="every 2s"' in page and _url("report_pdf", tlk, "2026-12") not in page
    part = client.get(_url("report_detail", tlk, "2026-12") + "?documents", HTTP_HX_REQUEST="true")
    assert part.status_code == 200 and b'id="report-documents"' in part.content
    assert b"<html" not in part.content  # the fragment only
    for name in ("report_pdf", "report_xlsx"):
        response = client.get(_url(name, tlk, "2026-12"))
        assert response.status_code == 202 and response["Retry-After"] == "5"
        assert b"being prepared" in response.content and "attachment" not in response.get(
            "Content-Disposition", ""
        )
    assert b"documents-late" not in part.content
    with time_machine.travel(FEB + timedelta(minutes=11), tick=False):  # the worker is down
        late = client.get(
            _url("report_detail", tlk, "2026-12") + "?documents", HTTP_HX_REQUEST="true"
        )
    assert b'id="documents-late"' in late.content and b"every 30s" in late.content
    for callback in callbacks:
        callback()
    part = client.get(_url("report_detail", tlk, "2026-12") + "?documents", HTTP_HX_REQUEST="true")
    assert b'data-pending="false"' in part.content and b"hx-trigger" not in part.content
    assert _url("report_pdf", tlk, "2026-12").encode() in part.content
    response = client.get(_url("report_pdf", tlk, "2026-12"))
    report.refresh_from_db()
    assert b"".join(response.streaming_content) == report.pdf_file.open("rb").read()


@time_machine.travel(FEB, tick=False)
def test_a_draft_pdf_is_rendered_once_per_state_of_its_figures(
    client, tlk, people, month, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _draft(tlk, people["analyst"])
    client.force_login(people["manager"])
    url = _url("report_pdf", tlk, "2026-12")
    with mock.patch.object(documents, "html_to_pdf", return_value=b"%PDF-1.7 draft") as render:
        first, second = client.get(url), client.get(url)
        assert render.call_count == 1
        assert first.content == second.content == b"%PDF-1.7 draft"
        assert "draft" in first["Content-Disposition"]
        Shop.objects.filter(pk=month[0].pk).update(score=0)  # the figures change
        assert client.get(url).status_code == 200
        assert render.call_count == 2
        client.get(url)
        assert render.call_count == 2
        reports.report_save(  # so do the texts
            program=tlk, month=DEC, user=people["analyst"], analysis="Lain", recommendations="R"
        )
        client.get(url)
        assert render.call_count == 3


def test_long_texts_are_clipped_in_the_pdf_and_whole_in_the_xlsx(tlk, people, month):
    long_text = "Agen tidak memverifikasi identitas pelanggan sebelum " * 12
    solution = "Verifikasi nama, tanggal lahir dan nomor kartu.\n" * 8
    Defect.objects.filter(program=tlk).update(nonconformity=long_text, correct_solution=solution)
    report = _draft(tlk, people["analyst"])
    figures = monthly_figures(tlk, DEC)
    html = documents._pdf_html(figures, report)
    assert long_text.strip() not in html and "Agen tidak memverifikasi" in html
    assert 'id="clipped-note"' in html and "the XLSX has them whole" in html
    assert "table-layout: fixed" in html
    rows, clipped = documents.clipped_nonconformities(figures)
    assert clipped == len(figures.nonconformities) > 0
    assert all(len(r.nonconformity) <= documents.PDF_TEXT_LIMIT + 2 for r in rows)
    assert all(len(r.correct_solution.splitlines()) <= documents.PDF_TEXT_LINES for r in rows)
    book = load_workbook(io.BytesIO(documents.report_xlsx(figures, report)))
    cells = {c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row}
    assert long_text in cells and solution in cells
    # Short texts are left as they are, with no note.
    assert documents.clip("Salah sapa.") == "Salah sapa."
    Defect.objects.filter(program=tlk).update(nonconformity="x", correct_solution="y")
    assert 'id="clipped-note"' not in documents._pdf_html(monthly_figures(tlk, DEC), report)


def test_the_pdf_fetcher_serves_only_local_static_files(settings, tmp_path):
    from mysteryshop.pdf import local_fetcher

    settings.STATIC_ROOT = str(tmp_path)
    (tmp_path / "logo.svg").write_text("<svg/>")
    fetcher = local_fetcher()
    assert fetcher is local_fetcher()  # one per process
    assert fetcher((tmp_path / "logo.svg").as_uri()).read() == b"<svg/>"
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"
    for url in ("https://example.com/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher(url)
