"""The monthly report (F-27; PGD-4.7, 5.4; TLK-5.4.1): due time, frozen snapshot,
files, e-mail to the Accountable and the Consulted, acknowledgement, corrections,
and its pages."""

import io
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from notifications.models import Kind, Notification
from notifications.services import deliver_due
from programs.models import Agent, Role
from reporting import snapshot
from reporting.documents import report_pdf, report_xlsx
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors.reports import monthly_figures
from reporting.services import reports
from scoring.models import Shop
from tests.querycount import assert_same_query_count, page_queries
from tests.report_data import DEC, report_month

pytestmark = pytest.mark.django_db

# December's report of an Asia/Jakarta program is due by the end of 5 January:
# 2027-01-06 00:00 WIB = 2027-01-05 17:00 UTC.
DUE = datetime(2027, 1, 5, 17, 0, tzinfo=UTC)


@pytest.fixture
def month(tlk, member):
    shopper = member(tlk, Role.SHOPPER)
    return report_month(tlk, shopper)


@pytest.fixture
def people(tlk, member):
    return {
        "analyst": member(tlk, Role.QC_ANALYST, email="pic@example.com", language="id"),
        "manager": member(tlk, Role.MANAGER, email="manajer@example.com"),
        "viewer": member(tlk, Role.VIEWER, email="ops@example.com"),
        "supervisor": member(tlk, Role.SUPERVISOR, email="spv@example.com"),
    }


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """A step of the report (`report_submit` unless another service is given)
    as a request runs it: once it commits, the worker (eager in tests) makes the
    stored files; the report is returned as the database has it then."""

    def run(service=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            report = (service or reports.report_submit)(**kwargs)
        report.refresh_from_db()
        return report

    return run


def _draft(tlk, analyst, text="Rata-rata di bawah target."):
    return reports.report_save(
        program=tlk,
        month=DEC,
        user=analyst,
        analysis=text,
        recommendations="Coaching solusi untuk tim A.",
    )


def test_pgd_4_7_due_at_the_end_of_the_due_day_in_the_programs_zone(tlk):
    assert tlk.time_zone == "Asia/Jakarta" and tlk.report_due_day == 5
    assert reports.report_due_at(tlk, DEC) == DUE
    tlk.report_due_day = 10
    assert reports.report_due_at(tlk, date(2027, 1, 1)) == datetime(2027, 2, 10, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        ("2027-01-05 23:59:59 +07:00", True),  # one second before midnight in Jakarta
        ("2027-01-06 00:00:00 +07:00", False),  # midnight: late
        ("2027-01-05 18:00:00 +00:00", False),  # still the 5th in UTC, the 6th in Jakarta
    ],
)
def test_on_time_or_late_around_midnight_of_the_due_day(tlk, people, month, moment, on_time):
    report = _draft(tlk, people["analyst"])
    with time_machine.travel(datetime.strptime(moment, "%Y-%m-%d %H:%M:%S %z"), tick=False):
        report = reports.report_submit(report=report, user=people["analyst"])
    assert report.on_time is on_time


def test_submit_freezes_the_figures_and_later_shop_edits_do_not_change_them(tlk, people, month):
    report = reports.report_submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    assert (
        report.status == ReportStatus.SUBMITTED and report.snapshot["overall"]["mean"] == "85.00"
    )
    Shop.objects.filter(pk=month[0].pk).update(score=0)  # a later edit of a shop
    frozen = reports.report_figures(report, tlk, DEC)
    live = monthly_figures(tlk, DEC)
    assert frozen.overall.mean == Decimal("85.00")
    assert live.overall.mean == Decimal("60.00")
    # The frozen data reads back as the very figures that were frozen.
    assert snapshot.dump(frozen) == report.snapshot


def test_snapshot_round_trip_keeps_every_figure(tlk, month):
    figures = monthly_figures(tlk, DEC)
    back = snapshot.load(tlk, snapshot.dump(figures))
    for name in (
        "overall",
        "change",
        "sections",
        "agents",
        "coverage",
        "pareto",
        "trend",
        "nonconformities",
        "critical_rates",
        "follow_up",
    ):
        assert getattr(back, name) == getattr(figures, name), name


def test_submit_needs_both_texts_and_happens_once(tlk, people, month):
    empty = reports.report_save(
        program=tlk, month=DEC, user=people["analyst"], analysis=" ", recommendations=""
    )
    with pytest.raises(ValidationError) as error:
        reports.report_submit(report=empty, user=people["analyst"])
    assert set(error.value.error_dict) == {"analysis", "recommendations"}
    report = _draft(tlk, people["analyst"])
    reports.report_submit(report=report, user=people["analyst"])
    with pytest.raises(ValidationError):
        reports.report_submit(report=report, user=people["analyst"])
    with pytest.raises(ValidationError):
        _draft(tlk, people["analyst"], text="changed after submitting")


def test_pgd_4_7_emailed_once_with_both_files_to_the_accountable_and_the_consulted(
    tlk, people, month, settings, submit
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    report = submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    notes = Notification.objects.filter(kind=Kind.REPORT_SUBMITTED)
    assert {n.user.email for n in notes} == {"manajer@example.com", "ops@example.com"}
    deliver_due()
    deliver_due()  # nothing twice
    assert sorted(m.to[0] for m in mail.outbox) == ["manajer@example.com", "ops@example.com"]
    for message in mail.outbox:
        names = [a[0] for a in message.attachments]
        assert names == [f"TLK-F-27-2026-12-r0.{ext}" for ext in ("xlsx", "pdf")]
        xlsx, pdf = (a[1] for a in message.attachments)
        assert pdf.startswith(b"%PDF") and xlsx.startswith(b"PK")
        assert xlsx == report.xlsx_file.open("rb").read()


def test_the_manager_acknowledges_and_the_analyst_is_told(tlk, people, month):
    with pytest.raises(ValidationError):  # a draft cannot be acknowledged
        reports.report_acknowledge(report=_draft(tlk, people["analyst"]), user=people["manager"])
    report = reports.report_submit(report=reports.current_report(tlk, DEC), user=people["analyst"])
    report = reports.report_acknowledge(report=report, user=people["manager"])
    assert (
        report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_by == people["manager"]
    )
    told = Notification.objects.get(kind=Kind.REPORT_ACKNOWLEDGED)
    assert told.user == people["analyst"] and "2026-12" in told.title


def test_a_correction_is_a_new_revision_and_the_sent_one_stays_as_sent(tlk, people, month, submit):
    sent = submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    sent_pdf = sent.pdf_file.open("rb").read()
    with pytest.raises(ValidationError):
        reports.report_correct(report=sent, user=people["analyst"], reason="  ")
    draft = reports.report_correct(report=sent, user=people["analyst"], reason="Skor #3 salah")
    sent.refresh_from_db()
    assert (sent.status, draft.revision, draft.status) == (ReportStatus.SUPERSEDED, 1, "draft")
    assert draft.analysis == sent.analysis and draft.due_at == sent.due_at
    assert sent.pdf_file.open("rb").read() == sent_pdf
    assert reports.current_report(tlk, DEC) == draft
    again = submit(report=draft, user=people["analyst"])
    assert again.pdf_file and again.pdf_file.name != sent.pdf_file.name


def test_xlsx_read_back_cell_by_cell(tlk, people, month):
    report = _draft(tlk, people["analyst"])
    book = load_workbook(io.BytesIO(report_xlsx(monthly_figures(tlk, DEC), report)))
    assert book.sheetnames[:3] == ["Summary", "KPIs", "Channels"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Mean score"] == 85
    assert summary["Target met"] == "no"
    assert summary["Shops done"] == 4 and summary["Shops planned"] == 40
    assert summary["CACE rate"] == 0.25  # a share, formatted as a percentage like the others
    cace = next(r for r in book["Summary"].iter_rows(min_row=2) if r[0].value == "CACE rate")
    assert cace[1].number_format == "0.0%"
    assert summary["Shops at or above target"] == 1 and summary["Share at or above target"] == 0.25
    kpis = list(book["KPIs"].iter_rows(values_only=True))
    assert kpis[0][:3] == ("Score per KPI / section", "Shops", "Mean score")
    assert kpis[1][:3] == ("Solusi (Solution)", 4, 66.67)
    assert book["KPIs"].freeze_panes == "A2"
    assert book["KPIs"]["C2"].number_format == "0.00"
    pareto = list(book["Defect Pareto"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3], r[4]) for r in pareto] == [(3, 0.75, 0.75), (1, 0.25, 1.0)]
    assert book["Defect Pareto"]["D2"].number_format == "0.0%"
    # Native charts beside the tables they draw.
    assert len(book["KPIs"]._charts) == 1 and len(book["12-month trend"]._charts) == 1
    assert len(book["Defect Pareto"]._charts) == 1
    analysis = book["Analysis"]
    assert analysis["A2"].value == "Rata-rata di bawah target."


def test_text_that_looks_like_a_formula_is_escaped_in_the_xlsx(tlk, people, month):
    Agent.objects.filter(pk=month[0].agent_id).update(name="=HYPERLINK(1)")
    Shop.objects.filter(pk=month[0].pk).update(agent=Agent.objects.filter(program=tlk).first())
    report = _draft(tlk, people["analyst"], text="+62 812 yang salah")
    book = load_workbook(io.BytesIO(report_xlsx(monthly_figures(tlk, DEC), report)))
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    texts = [c for c in cells if isinstance(c, str)]
    assert "'+62 812 yang salah" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_pdf_has_a_cover_and_the_key_figures(tlk, people, month, tmp_path):
    tlk.document_code, tlk.revision = "IK-QC-07", "3"
    report = _draft(tlk, people["analyst"])
    pdf = report_pdf(monthly_figures(tlk, DEC), report)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    first_page = text.split("\f")[0]
    assert "IK-QC-07" in first_page and "F-27" in first_page and "2026-12" in first_page
    for expected in ("85.00", "66.67", "Solusi (Solution)", "CACE", "Rata-rata di bawah target."):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "A4" in info


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _name(user) -> str:
    return user.get_full_name() or user.email


def test_the_controlled_form_names_who_prepared_checked_and_acknowledged(
    tlk, people, month, tmp_path, submit
):
    tlk.effective_date = date(2026, 1, 2)
    tlk.save(update_fields=["effective_date"])
    analyst, supervisor, manager = people["analyst"], people["supervisor"], people["manager"]
    report = submit(report=_draft(tlk, analyst), user=analyst)
    first_page = _pdf_text(report.pdf_file.open("rb").read(), tmp_path).split("\f")[0]
    assert "Prepared by" in first_page and _name(analyst) in first_page
    assert "2026-01-02" in first_page  # the form's effective date
    with pytest.raises(ValidationError):  # the author does not check their own report
        reports.report_check(report=report, user=analyst)
    submitted_pdf = report.pdf_file.name
    report = submit(reports.report_check, report=report, user=supervisor)
    assert report.checked_by == supervisor and report.pdf_file.name != submitted_pdf
    assert not report.pdf_file.storage.exists(submitted_pdf)  # replaced, deleted on commit
    with pytest.raises(ValidationError):
        reports.report_check(report=report, user=supervisor)  # once
    report = submit(reports.report_acknowledge, report=report, user=manager)
    text = _pdf_text(report.pdf_file.open("rb").read(), tmp_path).split("\f")[0]
    for who, role in ((analyst, "QC analyst"), (supervisor, "Supervisor"), (manager, "Manager")):
        assert _name(who) in text and role in text, (who, role)
    assert "Checked by" in text and "Acknowledged by" in text
    summary = {
        row[0]: row[1]
        for row in load_workbook(io.BytesIO(report.xlsx_file.open("rb").read()))[
            "Summary"
        ].iter_rows(min_row=2, values_only=True)
    }
    assert summary["Checked by"].startswith(_name(supervisor))
    assert summary["Effective date"].date() == date(2026, 1, 2)
    # The figures inside did not move: the files are made from the frozen snapshot.
    assert snapshot.load(tlk, report.snapshot).overall.mean == Decimal("85.00")


def test_a_supervisor_checks_from_the_report_page(client, tlk, people, month):
    report = reports.report_submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    page = _url("report_detail", tlk, "2026-12")
    client.force_login(people["supervisor"])
    assert b'id="check"' in client.get(page).content
    response = client.post(_url("report_check", tlk, "2026-12"), follow=True)
    assert response.status_code == 200 and b'id="check"' not in response.content
    report.refresh_from_db()
    assert report.checked_by == people["supervisor"]
    assert _name(people["supervisor"]).encode() in response.content  # in the sign-off block
    client.force_login(people["manager"])
    assert b'id="check"' not in client.get(page).content  # not the manager's step


# --- Pages -------------------------------------------------------------------------


def _url(name, tlk, *extra):
    return reverse(name, args=[tlk.code, *extra])


def test_the_analyst_writes_and_an_empty_submit_keeps_what_was_typed(client, tlk, people, month):
    client.force_login(people["analyst"])
    response = client.post(
        _url("report_submit", tlk, "2026-12"),
        {"analysis": "Analisis saya yang panjang", "recommendations": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Analisis saya yang panjang" in body
    assert response.context["form"].errors["recommendations"]
    assert MonthlyReport.objects.get().analysis == "Analisis saya yang panjang"  # saved
    response = client.post(
        _url("report_submit", tlk, "2026-12"),
        {"analysis": "Analisis", "recommendations": "Rekomendasi"},
    )
    assert response.status_code == 302
    assert MonthlyReport.objects.get().status == ReportStatus.SUBMITTED
    # Frozen: the page shows the texts, not a form.
    page = client.get(_url("report_detail", tlk, "2026-12"))
    assert page.context["form"] is None and b"Rekomendasi" in page.content


@time_machine.travel(datetime(2027, 2, 10, 3, 0, tzinfo=UTC), tick=False)
def test_downloads_serve_the_stored_files_once_submitted(client, tlk, people, month, submit):
    """In February: December and January are over, so a viewer reads them."""
    report = submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    client.force_login(people["viewer"])
    response = client.get(_url("report_pdf", tlk, "2026-12"))
    assert b"".join(response.streaming_content) == report.pdf_file.open("rb").read()
    assert "TLK-F-27-2026-12-r0.pdf" in response["Content-Disposition"]
    draft = client.get(_url("report_xlsx", tlk, "2027-01"))  # no report yet: live draft
    assert draft.status_code == 200 and "draft" in draft["Content-Disposition"]
    assert client.get(_url("report_pdf", tlk, "2026-12") + "?revision=9").status_code == 404
    assert client.get(_url("report_detail", tlk, "2026-13")).status_code == 404


def test_the_list_shows_on_time_and_late(client, tlk, people, month):
    with time_machine.travel(datetime(2027, 1, 7, 3, 0, tzinfo=UTC), tick=False):
        reports.report_submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
        client.force_login(people["manager"])
        response = client.get(_url("report_list", tlk))
    rows = response.context["months"]
    assert rows[0]["month"] == DEC and rows[0]["report"].on_time is False
    assert "late" in response.content.decode()


@pytest.mark.parametrize("name", ["report_list", "report_detail"])
def test_report_pages_run_a_constant_number_of_queries(
    client, tlk, people, member, name, django_assert_max_num_queries
):
    from tests.report_data import report_month as fill

    client.force_login(people["manager"])
    args = [] if name == "report_list" else ["2026-12"]
    shopper = member(tlk, Role.SHOPPER)
    fill(tlk, shopper)
    small = page_queries(client, _url(name, tlk, *args))
    for later in (date(2026, 10, 1), date(2026, 11, 1)):
        MonthlyReport.objects.create(
            program=tlk, month=later, due_at=reports.report_due_at(tlk, later)
        )
    # More shops in the month: the rest of the plan finalized.
    plan_shops = Shop.objects.filter(program=tlk).first().planned_shop.plan.shops
    template = Shop.objects.filter(program=tlk).first()
    for ps in plan_shops.filter(shop__isnull=True)[:10]:
        Shop.objects.create(
            planned_shop=ps,
            program=tlk,
            scorecard=template.scorecard,
            shopper=shopper,
            agent=template.agent,
            state=template.state,
            finalized_at=template.finalized_at,
            score=75,
            section_scores={"solution": "50.00"},
        )
    large = page_queries(client, _url(name, tlk, *args))
    assert_same_query_count(small, large)


def test_tlk_2_2_the_report_gives_the_overall_picture_and_the_improvement_input(
    tlk, people, month, submit
):
    """TLK-2.2: the submitted report carries the overall quality (mean against the
    target, KPIs, recurring defects with their correct solutions) and the
    recommendations that feed the improvement plan."""
    report = submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    frozen = reports.report_figures(report, tlk, DEC)
    assert (frozen.overall.mean, frozen.target_met) == (Decimal("85.00"), False)
    assert [g.label for g in frozen.sections] == ["Solusi (Solution)", "Proses (Process)"]
    assert frozen.pareto[0].defects == 3
    assert {r.correct_solution for r in frozen.nonconformities} == {"y"}
    book = load_workbook(io.BytesIO(report.xlsx_file.open("rb").read()))
    assert book["Analysis"]["B2"].value == "Coaching solusi untuk tim A."


def test_the_list_starts_at_the_programs_first_month_and_flags_overdue_ones(
    client, tlk, people, month
):
    """December 2026 is the program's first planned month: no row for the months
    before it, and a report not submitted past its due day is overdue."""
    with time_machine.travel(datetime(2027, 3, 5, 3, 0, tzinfo=UTC), tick=False):
        client.force_login(people["manager"])
        rows = client.get(_url("report_list", tlk)).context["months"]
    assert reports.first_report_month(tlk) == DEC
    assert [(r["month"], r["overdue"]) for r in rows] == [
        (date(2027, 2, 1), False),  # due by the end of today
        (date(2027, 1, 1), True),
        (DEC, True),
    ]


def test_a_program_without_plans_owes_reports_from_the_month_it_was_created(client, tlk, people):
    type(tlk).objects.filter(pk=tlk.pk).update(created_at=datetime(2026, 11, 15, 3, tzinfo=UTC))
    tlk.refresh_from_db()
    assert reports.first_report_month(tlk) == date(2026, 11, 1)
    with time_machine.travel(datetime(2026, 11, 20, 3, 0, tzinfo=UTC), tick=False):
        client.force_login(people["manager"])
        response = client.get(_url("report_list", tlk))
    assert response.context["months"] == []
    assert "No month to report on yet" in response.content.decode()
    with time_machine.travel(datetime(2026, 12, 3, 3, 0, tzinfo=UTC), tick=False):
        client.force_login(people["manager"])
        rows = client.get(_url("report_list", tlk)).context["months"]
    assert [(r["month"], r["overdue"]) for r in rows] == [(date(2026, 11, 1), False)]


def test_a_mean_of_zero_is_shown_as_zero_not_as_missing(client, tlk, people, month):
    """Shops all scored 0 (critical errors): the page says 0.00, not "—"."""
    Shop.objects.filter(program=tlk).update(score=0, section_scores={"solution": "0.00"})
    client.force_login(people["manager"])
    response = client.get(_url("report_detail", tlk, "2026-12"))
    figures = response.context["figures"]
    assert figures.overall.mean == 0
    html = response.content.decode()
    assert '<strong id="mean-score">0.00</strong>' in html
    assert '<td class="num">0.00</td>' in html  # the groups (teams, agents …)


def test_a_report_is_not_submitted_while_shops_wait_for_review_unless_confirmed(
    client, tlk, people, month
):
    """They are not in the frozen figures: the analyst is told next to a box
    and what was typed stays; ticked, the report goes without them."""
    month[3].state = "submitted"  # handed in, waiting for the QC analyst's review
    month[3].save(update_fields=["state"])
    assert reports.shops_in_review(tlk, DEC) == 1
    with pytest.raises(ValidationError) as refused:
        reports.report_submit(report=_draft(tlk, people["analyst"]), user=people["analyst"])
    assert "confirm_in_review" in refused.value.error_dict
    client.force_login(people["analyst"])
    page = client.get(_url("report_detail", tlk, "2026-12")).content.decode()
    assert 'name="confirm_in_review"' in page  # the box is there before pressing
    texts = {"analysis": "Rata-rata turun.", "recommendations": "Coaching tim A."}
    response = client.post(_url("report_submit", tlk, "2026-12"), texts)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 shop bulan ini masih menunggu ditinjau" in html  # in the analyst's language
    assert "Rata-rata turun." in html  # nothing typed is lost
    assert reports.current_report(tlk, DEC).status == ReportStatus.DRAFT
    response = client.post(
        _url("report_submit", tlk, "2026-12"), {**texts, "confirm_in_review": "on"}
    )
    assert response.status_code == 302
    report = reports.current_report(tlk, DEC)
    assert report.status == ReportStatus.SUBMITTED
    assert snapshot.load(tlk, report.snapshot).overall.n == 3  # the one in review left out
