"""The monthly report pages (F-27): the list of months, one month's report
with the analyst's texts, submit / acknowledge / correct, and its files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mysteryshop.spreadsheets import XLSX_TYPE
from programs.access import get_program_for, schedule_hidden
from programs.models import Role
from programs.months import add_months, month_from_url
from reporting.documents import draft_pdf, report_context, report_pdf, report_xlsx
from reporting.forms import CorrectionForm, ReportTextForm
from reporting.models import MonthlyReport
from reporting.selectors import dashboards
from reporting.services import reports

READERS = reports.viewer_roles()
WRITERS = frozenset({Role.QC_ANALYST})  # the PIC writes and submits (PGD-4.7)
ACKNOWLEDGERS = frozenset({Role.MANAGER})  # the Accountable acknowledges
CHECKERS = frozenset({Role.SUPERVISOR})  # the controlled form's "checked by"


@login_required
@require_GET
def report_list(request, code):
    """The last twelve months and their reports: status, due, on time or late."""
    program = get_program_for(request.user, code, roles=READERS)
    today = timezone.localdate(timezone.now(), program.zone)
    return render(
        request,
        "reporting/report/list.html",
        {"program": program, "months": reports.report_months(program, today)},
    )


def _month_not_over(program, month) -> bool:
    """A month still running: its draft lists the plan's strata and their
    counts, which stay with the planners (no tip-off to team leaders, viewers)."""
    return schedule_hidden(program.user_roles, month, dashboards.today_in(program))


def _detail(request, program, month, *, form=None, correction=None):
    if _month_not_over(program, month):
        return render(
            request,
            "reporting/report/not_over.html",
            {"program": program, "month": month, "opens_on": add_months(month, 1)},
        )
    revisions = list(
        MonthlyReport.objects.filter(program=program, month=month)
        .select_related("submitted_by", "checked_by", "acknowledged_by")
        .order_by("-revision")
    )
    report = revisions[0] if revisions else None  # the newest revision
    figures = reports.report_figures(report, program, month)
    roles = program.user_roles
    can_write = bool(roles & WRITERS) and (report is None or not report.frozen)
    if form is None and can_write:
        form = ReportTextForm(instance=report, in_review=reports.shops_in_review(program, month))
    return render(
        request,
        "reporting/report/detail.html",
        {
            **report_context(figures, report),
            "program": program,
            "month": month,
            "due_on": reports.report_due_day(program, month),
            "revisions": revisions,
            "form": form if can_write else None,
            "can_submit": can_write,
            "signoff": reports.report_signoff(report),
            "can_check": bool(roles & CHECKERS)
            and report is not None
            and report.status in ("submitted", "acknowledged")
            and not report.checked_at
            and report.submitted_by_id != request.user.pk,
            "can_acknowledge": bool(roles & ACKNOWLEDGERS)
            and report is not None
            and report.status == "submitted",
            "can_correct": bool(roles & WRITERS)
            and report is not None
            and report.status in ("submitted", "acknowledged"),
            "correction": correction or CorrectionForm(),
        },
    )


@login_required
def report_detail(request, code, month):
    """One month's report: the figures (frozen once submitted) and, for the
    analyst, the analysis and recommendations to write."""
    program = get_program_for(request.user, code, roles=READERS)
    month = month_from_url(month)
    if request.method == "GET" and request.htmx and "documents" in request.GET:
        return _documents(request, program, month)
    if request.method == "POST":
        if not program.user_roles & WRITERS:
            raise PermissionDenied
        form = ReportTextForm(request.POST)
        if form.is_valid():
            try:
                reports.report_save(
                    program=program, month=month, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The analysis and recommendations are saved."))
                return redirect("report_detail", program.code, f"{month:%Y-%m}")
        return _detail(request, program, month, form=form)
    return _detail(request, program, month)


def _documents(request, program, month):
    """The downloads of the month's report, or the notice that the worker is
    still making them: htmx polls it every 2 s while they are pending."""
    if _month_not_over(program, month):
        raise PermissionDenied(_("The report of a month still running stays with the planners."))
    return render(
        request,
        "reporting/report/_documents.html",
        {"program": program, "month": month, "report": reports.current_report(program, month)},
    )


def _report_or_404(program, month) -> MonthlyReport:
    report = reports.current_report(program, month)
    if report is None:
        raise Http404
    return report


@login_required
@require_POST
def report_submit(request, code, month):
    program = get_program_for(request.user, code, roles=WRITERS)
    month = month_from_url(month)
    # What is in the form is saved first, so nothing typed is lost on an error.
    form = ReportTextForm(request.POST, in_review=reports.shops_in_review(program, month))
    if not form.is_valid():
        return _detail(request, program, month, form=form)
    texts = {k: form.cleaned_data[k] for k in ("analysis", "recommendations")}
    try:
        report = reports.report_save(program=program, month=month, user=request.user, **texts)
        reports.report_submit(
            report=report,
            user=request.user,
            in_review_ok=form.cleaned_data.get("confirm_in_review", False),
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                for e in errors:  # a shop sent to review meanwhile: no box yet, say it above
                    form.add_error(field if field in form.fields else None, e)
        else:
            form.add_error(None, error)
        return _detail(request, program, month, form=form)
    messages.success(
        request,
        _(
            "The report is submitted. Its XLSX and PDF are being prepared and go to the "
            "Accountable and the Consulted as soon as they are ready."
        ),
    )
    return redirect("report_detail", program.code, f"{month:%Y-%m}")


def _workflow_step(request, code, month, *, roles, service, done: str):
    """A sign-off step on the submitted report (check, acknowledge): refused
    with a message above the page, or done with another."""
    program = get_program_for(request.user, code, roles=roles)
    month = month_from_url(month)
    try:
        service(report=_report_or_404(program, month), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("report_detail", program.code, f"{month:%Y-%m}")


@login_required
@require_POST
def report_acknowledge(request, code, month):
    return _workflow_step(
        request,
        code,
        month,
        roles=ACKNOWLEDGERS,
        service=reports.report_acknowledge,
        done=_("You acknowledged the report."),
    )


@login_required
@require_POST
def report_check(request, code, month):
    return _workflow_step(
        request,
        code,
        month,
        roles=CHECKERS,
        service=reports.report_check,
        done=_("You checked the report; its PDF now names you."),
    )


@login_required
@require_POST
def report_correct(request, code, month):
    program = get_program_for(request.user, code, roles=WRITERS)
    month = month_from_url(month)
    report = _report_or_404(program, month)
    correction = CorrectionForm(request.POST)
    if correction.is_valid():
        try:
            reports.report_correct(
                report=report, user=request.user, reason=correction.cleaned_data["reason"]
            )
        except ValidationError as error:
            correction.add_error(None, error)
        else:
            messages.success(request, _("A new revision is open for the correction."))
            return redirect("report_detail", program.code, f"{month:%Y-%m}")
    return _detail(request, program, month, correction=correction)


def _revision(request, program, month) -> MonthlyReport | None:
    """?revision=N, else the newest revision; None when the month has no report."""
    revision = request.GET.get("revision")
    reports_of_month = MonthlyReport.objects.filter(program=program, month=month)
    if revision is None:
        return reports.current_report(program, month)
    try:
        return reports_of_month.get(revision=int(revision))
    except (ValueError, MonthlyReport.DoesNotExist):
        raise Http404 from None


def _download(request, code, month, ext: str):
    program = get_program_for(request.user, code, roles=READERS)
    month = month_from_url(month)
    if _month_not_over(program, month):
        raise PermissionDenied(_("The report of a month still running stays with the planners."))
    report = _revision(request, program, month)
    if report is not None and report.frozen:
        if report.documents_pending:
            # The worker is making them (again): the old files lack a signature.
            response = render(
                request,
                "reporting/report/documents_pending.html",
                {"program": program, "month": month, "report": report},
                status=202,
            )
            response["Retry-After"] = "5"
            return response
        stored = getattr(report, f"{ext}_file")
        if stored:
            # The document's own name: storage may have suffixed the stored one.
            name = reports.report_filename(report, ext)
            try:
                return FileResponse(stored.open("rb"), as_attachment=True, filename=name)
            except OSError:  # the file went missing: made again below from the snapshot
                pass
    figures = reports.report_figures(report, program, month)
    signoff = reports.report_signoff(report)
    if ext == "xlsx":
        content = report_xlsx(figures, report, signoff=signoff)
    elif report is None or not report.frozen:
        content = draft_pdf(figures, report, signoff=signoff)  # cached by its figures
    else:
        content = report_pdf(figures, report, signoff=signoff)
    suffix = "draft" if report is None or not report.frozen else f"r{report.revision}"
    name = f"{program.code}-{program.form_code_report}-{month:%Y-%m}-{suffix}.{ext}"
    response = HttpResponse(
        content, content_type=XLSX_TYPE if ext == "xlsx" else "application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def report_xlsx_download(request, code, month):
    return _download(request, code, month, "xlsx")


@login_required
@require_GET
def report_pdf_download(request, code, month):
    return _download(request, code, month, "pdf")
