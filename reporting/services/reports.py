"""The monthly report (F-27; PGD-4.7, 5.4; TLK-5.3.4, 5.4.1): open, write,
submit, acknowledge and correct.

A draft shows the live figures of `reporting.selectors.reports.monthly_figures`. Submitting
freezes them (`reporting.snapshot`) and asks the worker for the files: once the
transaction commits, `build_report_documents` renders the XLSX and PDF from
that frozen data, stores them and e-mails both to the program's Accountable and
Consulted members. Checking and acknowledging ask for them again (the sign-off
block changes). A correction is a new revision: the submitted one stays as it
was sent, marked superseded.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mysteryshop import queueing
from notifications.models import Kind
from notifications.services import notify
from programs.models import Membership, Program, Raci, Role, User
from programs.months import add_months
from reporting import snapshot
from reporting.dates import report_due_at, report_due_day
from reporting.documents import report_pdf, report_xlsx
from reporting.models import MonthlyReport, ReportStatus
from reporting.selectors.reports import MonthlyFigures, monthly_figures
from sampling.models import SamplePlan
from scoring.models import Shop, ShopState

logger = logging.getLogger(__name__)

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Files asked for this long ago and still not in: the broker lost the message or
# the worker died mid-build (a build takes seconds); the sweep asks again.
DOCUMENTS_STALE = timedelta(minutes=5)


def current_report(program: Program, month: date) -> MonthlyReport | None:
    """The newest revision of the month's report, if any."""
    return (
        MonthlyReport.objects.filter(program=program, month=month)
        .select_related("submitted_by", "acknowledged_by")
        .order_by("-revision")
        .first()
    )


def report_figures(report: MonthlyReport | None, program: Program, month: date) -> MonthlyFigures:
    """What the report shows: its frozen figures once submitted, else the live ones."""
    if report is not None and report.snapshot is not None:
        return snapshot.load(program, report.snapshot)
    return monthly_figures(program, month)


@transaction.atomic
def report_save(
    *, program: Program, month: date, user: User, analysis: str, recommendations: str
) -> MonthlyReport:
    """Write the analysis and recommendations of the month's draft, opening the
    draft (revision 0) if there is none yet."""
    month = month.replace(day=1)
    report = (
        MonthlyReport.objects.select_for_update()
        .filter(program=program, month=month)
        .order_by("-revision")
        .first()
    )
    if report is None:
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    program=program, month=month, due_at=report_due_at(program, month)
                )
        except IntegrityError:  # another analyst opened it at the same moment
            report = MonthlyReport.objects.select_for_update().get(
                program=program, month=month, status=ReportStatus.DRAFT
            )
    if report.frozen:
        raise ValidationError(
            _("This report was submitted; start a correction to change it."), code="frozen"
        )
    report.analysis = analysis
    report.recommendations = recommendations
    report._change_reason = "analysis written"
    report.save()
    return report


def _recipients(program: Program) -> list[User]:
    """The Accountable and Consulted members of the program (PGD-4.7)."""
    users: dict[int, User] = {}
    for membership in Membership.objects.filter(
        program=program, user__is_active=True
    ).select_related("user"):
        if membership.effective_raci in (Raci.ACCOUNTABLE, Raci.CONSULTED):
            users[membership.user_id] = membership.user
    return list(users.values())


def shops_in_review(program: Program, month: date) -> int:
    """Shops of `month` handed in and not finalized yet (with the supervisor, or
    submitted): the frozen figures would leave them out."""
    return Shop.objects.filter(
        program=program,
        state__in=[ShopState.SUBMITTED, ShopState.SUPERVISOR_REVIEW],
        planned_shop__date__gte=month,
        planned_shop__date__lt=add_months(month, 1),
    ).count()


def report_filename(report: MonthlyReport, ext: str) -> str:
    code, form = report.program.code, report.program.form_code_report
    return f"{code}-{form}-{report.month:%Y-%m}-r{report.revision}.{ext}"


@transaction.atomic
def report_submit(
    *,
    report: MonthlyReport,
    user: User,
    now: datetime | None = None,
    in_review_ok: bool = False,
) -> MonthlyReport:
    """Freeze the figures and ask the worker for the XLSX and PDF made from
    them, which it sends to the Accountable and the Consulted (PGD-4.7); nothing
    is rendered here, inside the lock. Submitting twice is refused;
    so is submitting while shops of the month wait for review, unless
    `in_review_ok` (they would be left out of the frozen figures)."""
    report = MonthlyReport.objects.select_for_update().select_related("program").get(pk=report.pk)
    if report.frozen:
        raise ValidationError(_("This report has already been submitted."), code="submitted")
    errors = {}
    waiting = shops_in_review(report.program, report.month)
    if waiting and not in_review_ok:
        errors["confirm_in_review"] = ngettext(
            "%(n)s shop of the month still waits for review: it is not in the figures "
            "you freeze. Review it first, or tick the box to submit without it.",
            "%(n)s shops of the month still wait for review: they are not in the figures "
            "you freeze. Review them first, or tick the box to submit without them.",
            waiting,
        ) % {"n": waiting}
    if not report.analysis.strip():
        errors["analysis"] = _("Write the analysis before submitting.")
    if not report.recommendations.strip():
        errors["recommendations"] = _("Write the recommendations before submitting.")
    if errors:
        raise ValidationError(errors)
    program = report.program
    now = now or timezone.now()
    report.snapshot = snapshot.dump(monthly_figures(program, report.month))
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now
    report.submitted_by = user
    _ask_for_files(report, now)
    report._change_reason = "submitted"
    report.save()
    return report


def _ask_for_files(report: MonthlyReport, now: datetime) -> None:
    """The stored XLSX and PDF are to be (re)made from the frozen figures, with
    the sign-off block as it stands: by the worker, once this commits, so the
    step answers at once. The caller saves `report`."""
    report.documents_asked_at = now
    transaction.on_commit(lambda: enqueue_documents(report.pk))


def enqueue_documents(report_id: int) -> bool:
    """Send the build to the worker; False (logged) when the broker is down:
    the report stays pending and the sweep sends it again."""
    from reporting.tasks import build_report_documents

    return queueing.send(build_report_documents, report_id, what="F-27 documents of report")


def requeue_stale_documents(*, now: datetime | None = None) -> int:
    """Ask again for files asked for more than DOCUMENTS_STALE ago and still
    not in. A build still running is harmless to ask again: only one of them
    attaches its files. Returns how many."""
    now = now or timezone.now()
    ids = list(
        MonthlyReport.objects.filter(documents_asked_at__lt=now - DOCUMENTS_STALE).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        enqueue_documents(pk)
    return len(ids)


def report_documents_build(*, report: MonthlyReport) -> MonthlyReport:
    """Render the XLSX and PDF of a frozen report and store them, outside any
    lock. Idempotent: a report with nothing asked for is returned as it is, and
    the files are attached only if no newer step asked again meanwhile (its own
    build makes them), in one conditional UPDATE, so two builds never leave two
    pairs of files. The files replaced are deleted once that commits. The first
    time a submitted report's files are in, its recipients are told (once each)."""
    report = (
        MonthlyReport.objects.select_related(
            "program", "submitted_by", "checked_by", "acknowledged_by"
        )
        .filter(pk=report.pk)
        .first()
    )
    if report is None or report.documents_asked_at is None or report.snapshot is None:
        return report
    asked = report.documents_asked_at
    old = {ext: getattr(report, f"{ext}_file").name for ext in REPORT_TYPES}
    figures = snapshot.load(report.program, report.snapshot)  # the files show the frozen data
    signoff = report_signoff(report)
    made: dict[str, str] = {}
    try:
        for ext, render in (("xlsx", report_xlsx), ("pdf", report_pdf)):
            field = getattr(report, f"{ext}_file")
            field.save(
                report_filename(report, ext),
                ContentFile(render(figures, report, signoff=signoff)),
                save=False,
            )
            made[ext] = field.name
    except Exception:
        for name in made.values():  # nothing half-made stays behind
            report.xlsx_file.storage.delete(name)
        raise
    with transaction.atomic():
        attached = MonthlyReport.objects.filter(pk=report.pk, documents_asked_at=asked).update(
            xlsx_file=made["xlsx"], pdf_file=made["pdf"], documents_asked_at=None
        )
        storage = report.xlsx_file.storage
        if not attached:  # another build finished first, or a newer step asked again
            for name in made.values():
                storage.delete(name)
        else:
            for name in old.values():
                if name and name not in made.values():
                    transaction.on_commit(lambda name=name: storage.delete(name))
    report = MonthlyReport.objects.select_related("program", "submitted_by").get(pk=report.pk)
    if attached and report.status == ReportStatus.SUBMITTED:
        _notify_submitted(report)
    return report


def _notify_submitted(report: MonthlyReport) -> None:
    """The XLSX and PDF to the Accountable and the Consulted (PGD-4.7); once
    per recipient, however many builds run."""
    program, user = report.program, report.submitted_by
    attachments = [
        {
            "name": report_filename(report, ext),
            "path": getattr(report, f"{ext}_file").name,
            "type": t,
        }
        for ext, t in REPORT_TYPES.items()
    ]
    url = reverse("report_detail", args=[program.code, f"{report.month:%Y-%m}"])
    late = not report.on_time
    who = (user.get_full_name() or user.email) if user else ""
    for recipient in _recipients(program):
        notify(
            user=recipient,
            kind=Kind.REPORT_SUBMITTED,
            occasion=f"{report.pk}",
            program=program,
            url=url,
            attachments=attachments,
            message=lambda u: (
                _("%(form)s monthly report of %(month)s submitted (revision %(revision)s)")
                % {
                    "form": program.form_code_report,
                    "month": f"{report.month:%Y-%m}",
                    "revision": report.revision,
                },
                (
                    _("%(name)s submitted the report late, after its due day.")
                    if late
                    else _("%(name)s submitted the report on time.")
                )
                % {"name": who}
                + " "
                + _("The XLSX and PDF files are attached; the manager acknowledges it."),
            ),
        )


@dataclass(frozen=True)
class Signature:
    """One line of the controlled form's sign-off block."""

    step: str  # prepared / checked / acknowledged, worded
    name: str
    roles: str
    when: datetime | None


def report_signoff(report: MonthlyReport | None) -> list[Signature]:
    """Prepared (the analyst who submitted), checked (a supervisor) and
    acknowledged (the manager): names, roles in the program and dates, from the
    workflow. A step not taken yet has no name."""
    steps = [
        (_("Prepared by"), "submitted"),
        (_("Checked by"), "checked"),
        (_("Acknowledged by"), "acknowledged"),
    ]
    people = {}
    if report is not None:
        people = {
            step: (getattr(report, f"{step}_by"), getattr(report, f"{step}_at"))
            for _label, step in steps
        }
    ids = {user.pk for user, _when in people.values() if user is not None}
    labels = dict(Role.choices)
    roles: dict[int, list[str]] = {}
    for user_id, role in (
        Membership.objects.filter(program_id=report.program_id, user_id__in=ids)
        .order_by("role")
        .values_list("user_id", "role")
        if ids
        else []
    ):
        roles.setdefault(user_id, []).append(str(labels.get(role, role)))
    signatures = []
    for label, step in steps:
        user, when = people.get(step, (None, None))
        signatures.append(
            Signature(
                str(label),
                (user.get_full_name() or user.email) if user else "",
                ", ".join(roles.get(user.pk, [])) if user else "",
                when,
            )
        )
    return signatures


@transaction.atomic
def report_check(
    *, report: MonthlyReport, user: User, now: datetime | None = None
) -> MonthlyReport:
    """A supervisor checks the submitted report (not their own): the controlled
    form's "checked by"; the worker makes the stored files again with it."""
    report = MonthlyReport.objects.select_for_update().select_related("program").get(pk=report.pk)
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED):
        raise ValidationError(_("Only a submitted report can be checked."), code="state")
    if report.checked_at:
        raise ValidationError(_("This report has already been checked."), code="checked")
    if report.submitted_by_id == user.pk:
        raise ValidationError(
            _("The report's author cannot check it: another person does."), code="author"
        )
    report.checked_at = now or timezone.now()
    report.checked_by = user
    _ask_for_files(report, timezone.now())
    report._change_reason = "checked"
    report.save()
    return report


@transaction.atomic
def report_acknowledge(
    *, report: MonthlyReport, user: User, now: datetime | None = None
) -> MonthlyReport:
    """The manager (Accountable) confirms they received the submitted report."""
    report = MonthlyReport.objects.select_for_update().select_related("program").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be acknowledged."), code="state")
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_at = now or timezone.now()
    report.acknowledged_by = user
    _ask_for_files(report, timezone.now())  # the stored PDF carries the acknowledgement
    report._change_reason = "acknowledged"
    report.save()
    if report.submitted_by and report.submitted_by != user:
        notify(
            user=report.submitted_by,
            kind=Kind.REPORT_ACKNOWLEDGED,
            occasion=f"{report.pk}",
            program=report.program,
            now=now,
            url=reverse("report_detail", args=[report.program.code, f"{report.month:%Y-%m}"]),
            message=lambda u: (
                _("Monthly report of %(month)s acknowledged") % {"month": f"{report.month:%Y-%m}"},
                _("%(name)s acknowledged revision %(revision)s.")
                % {"name": user.get_full_name() or user.email, "revision": report.revision},
            ),
        )
    return report


@transaction.atomic
def report_correct(*, report: MonthlyReport, user: User, reason: str) -> MonthlyReport:
    """Start a correction: a new draft revision with the same texts; the
    submitted one is kept as sent and marked superseded."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the report is corrected.")})
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED):
        raise ValidationError(_("Only a submitted report can be corrected."), code="state")
    report.status = ReportStatus.SUPERSEDED
    report._change_reason = "superseded"
    report.save()
    return MonthlyReport.objects.create(
        program=report.program,
        month=report.month,
        revision=report.revision + 1,
        due_at=report.due_at,
        analysis=report.analysis,
        recommendations=report.recommendations,
        correction_reason=reason.strip(),
    )


def first_report_month(program: Program) -> date:
    """The first month a report is owed for: the program's first planned month
    (or first report), else the month it was created in. One query."""

    def first(model):
        months = model.objects.filter(program=program).order_by("month").values("month")
        return Subquery(months[:1])

    firsts = (
        Program.objects.filter(pk=program.pk)
        .values(plan=first(SamplePlan), report=first(MonthlyReport))
        .get()
    )
    known = [m for m in firsts.values() if m is not None]
    if known:
        return min(known).replace(day=1)
    return timezone.localtime(program.created_at, program.zone).date().replace(day=1)


def report_months(program: Program, today: date, count: int = 12) -> list[dict]:
    """The last `count` months with their newest report (or None), newest first,
    from the program's first month on: the rows of the report list. Three queries."""
    first = first_report_month(program)
    months = [add_months(today, -k) for k in range(1, count + 1)]
    months = [m for m in months if m >= first]
    newest: dict[date, MonthlyReport] = {}
    for report in (
        MonthlyReport.objects.filter(
            program=program, month__gte=max(first, add_months(today, -count))
        )
        .select_related("submitted_by", "acknowledged_by")
        .order_by("month", "revision")
    ):
        newest[report.month] = report
    rows = []
    for m in months:
        report, due_on = newest.get(m), report_due_day(program, m)
        sent = report is not None and report.sent
        rows.append(
            {
                "month": m,
                "report": report,
                "due_on": due_on,
                "overdue": due_on < today and not sent,
            }
        )
    return rows


def viewer_roles() -> frozenset[str]:
    """Who reads reports: everyone in the program but the shoppers."""
    return frozenset(Role.values) - {Role.SHOPPER}
