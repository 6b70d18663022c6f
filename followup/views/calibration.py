"""Calibration pages (PGD-4.8, PGD-5.5.1; records PGD-6, TLK-6): the list of
sessions with the month's status and the high-impact cases waiting, a new
session, one session (attendance, minutes, reviewed defects, root causes,
improvement plan, blind calibration scoring) and its PDF.

The analyst and the manager edit; invitees confirm their own attendance and
score; supervisors, team leaders and viewers read; shoppers get 403 and
non-members 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from followup import pdf
from followup.forms.calibration import (
    ActionForm,
    AttendeeForm,
    CaseForm,
    DefectsForm,
    MinutesForm,
    RootCauseForm,
    SessionCasesForm,
    SessionForm,
    add_service_errors,
)
from followup.models import (
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationSession,
    CaseStatus,
    CustomerCase,
    RootCause,
    SessionKind,
)
from followup.selectors import calibration
from followup.services import calibration as services
from followup.services.cases import LOGGERS
from programs.access import get_program_for
from programs.models import Program, Role
from programs.selectors.scorecards import ms_form
from scoring import engine
from scoring.models import Shop
from scoring.selectors import shop_outline
from scoring.services import parameter_specs, shop_context

READERS = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER, Role.VIEWER}
)
EDITORS = services.EDITORS


def _session(program: Program, pk: int) -> CalibrationSession:
    session = get_object_or_404(
        CalibrationSession.objects.select_related(
            "created_by", "related_shop__planned_shop", "related_shop__agent"
        ).prefetch_related("customer_cases__agent", "customer_cases__team"),
        program=program,
        pk=pk,
    )
    session.program = program  # loaded by the gate already
    return session


def _detail_url(program: Program, session: CalibrationSession, anchor: str = "") -> str:
    url = reverse("calibration_detail", args=[program.code, session.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
def calibration_list(request: HttpRequest, code: str) -> HttpResponse:
    """Sessions, the month's status (PGD-4.8: at least monthly) and the
    high-impact shops still waiting for their calibration."""
    program = get_program_for(request.user, code, roles=READERS)
    today = timezone.localdate(timezone.now(), program.zone)
    page = Paginator(calibration.sessions_for(program), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/calibration/list.html",
        {
            "program": program,
            "page": page,
            "month": calibration.month_status(program, today),
            "items": calibration.open_items(program),
            "cases": calibration.open_cases(program),
            "today": today,
            "can_edit": bool(program.user_roles & EDITORS),
            "can_log_case": bool(program.user_roles & LOGGERS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calibration_new(request: HttpRequest, code: str) -> HttpResponse:
    """Plan a session and invite its attendees."""
    program = get_program_for(request.user, code, roles=EDITORS)
    today = timezone.localdate(timezone.now(), program.zone)
    initial = {
        "held_on": today,
        "title": _("Calibration %(month)s") % {"month": f"{today:%Y-%m}"},
        "invitees": [request.user.pk],
    }
    shop_pk = request.GET.get("shop", "")
    if shop_pk.isdigit():
        shop = Shop.objects.filter(program=program, pk=int(shop_pk), high_impact=True).first()
        if shop:
            initial.update(
                kind=SessionKind.HIGH_IMPACT,
                related_shop=shop.pk,
                title=_("High-impact case, shop #%(number)s")
                % {"number": shop.planned_shop.number},
            )
    case_pk = request.GET.get("case", "")
    if case_pk.isdigit():
        case = (
            CustomerCase.objects.filter(program=program, pk=int(case_pk), status=CaseStatus.OPEN)
            .select_related("shop")
            .first()
        )
        if case:
            initial.update(
                kind=SessionKind.HIGH_IMPACT,
                customer_cases=[case.pk],
                title=_("High-impact customer case of %(day)s")
                % {"day": f"{timezone.localdate(case.occurred_at, program.zone):%Y-%m-%d}"},
            )
            if case.shop and case.shop.high_impact:
                initial["related_shop"] = case.shop.pk
    form = SessionForm(request.POST or None, initial=initial, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                program=program,
                user=request.user,
                held_on=data["held_on"],
                title=data["title"],
                kind=data["kind"],
                invitees=data["invitees"],
                related_shop=data["related_shop"],
                agenda=data["agenda"],
                customer_cases=data["customer_cases"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session is planned and its attendees invited."))
            return redirect(_detail_url(program, session))
    return render(request, "followup/calibration/new.html", {"program": program, "form": form})


# The forms of the session page, by the name their <form> posts in "form".
DETAIL_FORMS = {
    "minutes": "minutes",
    "attendee": "attendance",
    "defects": "defects",
    "root_cause": "defects",
    "action": "actions",
    "case": "scoring",
    "customer_cases": "customer-cases",
}


def _forms(session: CalibrationSession, data=None, name: str = "") -> dict:
    """The editor's forms of the session page; the one named `name` bound to `data`."""

    def bound(key):
        return data if key == name else None

    return {
        "minutes": MinutesForm(bound("minutes"), instance=session, prefix="minutes"),
        "attendee": AttendeeForm(bound("attendee"), session=session, prefix="attendee"),
        "defects": DefectsForm(bound("defects"), session=session, prefix="defects"),
        "root_cause": RootCauseForm(
            bound("root_cause"),
            instance=RootCause(session=session),
            session=session,
            prefix="cause",
        ),
        "action": ActionForm(
            bound("action"),
            instance=CalibrationAction(session=session),
            session=session,
            prefix="action",
        ),
        "case": CaseForm(bound("case"), session=session, prefix="case"),
        "customer_cases": SessionCasesForm(
            bound("customer_cases"), session=session, prefix="cases"
        ),
    }


def _save(name: str, form, session: CalibrationSession, user) -> str:
    """Run the service behind the session form `name`; return the success message."""
    data = form.cleaned_data
    if name == "minutes":
        services.minutes_save(session=session, user=user, **data)
        return _("The minutes are saved.")
    if name == "attendee":
        services.attendee_add(
            session=session, user=user, person=data["person"], invited=data["invited"]
        )
        return _("%(person)s is on the attendance list.") % {"person": data["person"]}
    if name == "defects":
        added = services.defects_review(session=session, user=user, defects=data["defects"])
        return _("Defects added to the review: %(count)s.") % {"count": len(added)}
    if name == "root_cause":
        services.root_cause_add(session=session, user=user, **data)
        return _("The root cause is recorded.")
    if name == "action":
        services.action_add(session=session, user=user, **data)
        return _("The action is added to the improvement plan.")
    if name == "customer_cases":
        added = services.session_cases_add(
            session=session, user=user, customer_cases=data["customer_cases"]
        )
        return _("Customer cases added to the session: %(count)s.") % {"count": len(added)}
    services.case_add(session=session, user=user, shop=data["shop"])
    return _("The shop is ready to be scored by the raters.")


@login_required
@require_http_methods(["GET", "POST"])
def calibration_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One session: attendance, minutes, reviewed defects grouped by root
    cause, the improvement plan and the calibration scoring."""
    program = get_program_for(request.user, code, roles=READERS)
    session = _session(program, pk)
    can_edit = bool(program.user_roles & EDITORS)
    name = request.POST.get("form", "") if request.method == "POST" else ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if name not in DETAIL_FORMS:
            messages.error(request, _("This form is not known."))
            return redirect(_detail_url(program, session))
    forms = _forms(session, request.POST, name) if can_edit else {}
    if name and forms[name].is_valid():
        try:
            message = _save(name, forms[name], session, request.user)
        except ValidationError as exc:
            add_service_errors(forms[name], exc)
        else:
            messages.success(request, message)
            return redirect(_detail_url(program, session, DETAIL_FORMS[name]))
    return render(
        request,
        "followup/calibration/detail.html",
        {
            "program": program,
            "session": session,
            "page": calibration.session_page(program, session, request.user),
            "forms": forms,
            "open_form": name,
            "history": calibration.session_history(session),
        },
    )


@login_required
@require_POST
def calibration_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The signed-in attendee confirms their own attendance (one click)."""
    program = get_program_for(request.user, code, roles=READERS)
    session = _session(program, pk)
    try:
        services.attendance_confirm(session=session, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your attendance is confirmed."))
    return redirect(_detail_url(program, session, "attendance"))


@login_required
@require_POST
def calibration_attendance(request: HttpRequest, code: str, pk: int, attendee_pk: int):
    """The analyst records an attendee as present or absent."""
    program = get_program_for(request.user, code, roles=EDITORS)
    session = _session(program, pk)
    attendee = get_object_or_404(Attendee, session=session, pk=attendee_pk)
    try:
        services.attendance_record(
            attendee=attendee, user=request.user, present=request.POST.get("present") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(program, session, "attendance"))


@login_required
@require_POST
def calibration_held(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Close the session as held (attendance known, minutes written)."""
    program = get_program_for(request.user, code, roles=EDITORS)
    session = _session(program, pk)
    try:
        services.session_mark_held(session=session, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The session is marked as held."))
    return redirect(_detail_url(program, session))


@login_required
@require_POST
def calibration_action_done(request: HttpRequest, code: str, pk: int, action_pk: int):
    """The analyst, the manager or the owner closes an improvement action."""
    program = get_program_for(request.user, code, roles=READERS)
    session = _session(program, pk)
    action = get_object_or_404(CalibrationAction, session=session, pk=action_pk)
    try:
        services.action_done(action=action, user=request.user, roles=program.user_roles)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The action is marked done."))
    return redirect(_detail_url(program, session, "actions"))


@login_required
@require_http_methods(["GET", "POST"])
def calibration_rate(request: HttpRequest, code: str, pk: int, case_pk: int) -> HttpResponse:
    """A rater scores the case's shop blind, with the shop's own scorecard:
    nobody's answers are shown here, and the results only after submitting."""
    program = get_program_for(request.user, code, roles=READERS)
    session = _session(program, pk)
    case = get_object_or_404(
        CalibrationCase.objects.select_related(
            "shop__planned_shop__scenario",
            "shop__planned_shop__channel",
            "shop__agent",
            "shop__scorecard",
        ),
        session=session,
        pk=case_pk,
    )
    attendee_ids = set(session.attendees.values_list("user_id", flat=True))
    if not services.can_rate(session, request.user, program.user_roles, attendee_ids):
        raise PermissionDenied
    if case.shop.calibration_ratings.filter(session=session, rater=request.user).exists():
        messages.info(request, _("You have scored this shop already."))
        return redirect(_detail_url(program, session, "scoring"))
    case.shop.program = program
    case.shop.scorecard.program = program
    outline = shop_outline(case.shop)  # the rules the shop was scored under
    # Only what may apply to this shop is asked (#23: conditions on the scenario,
    # reason, category or channel); an answer condition is judged on submit.
    may_apply = engine.possible(parameter_specs(case.shop.scorecard), shop_context(case.shop))
    for section in outline.sections:  # built for this request only: trimmed in place
        section.parameters[:] = [p for p in section.parameters if p.pk in may_apply]
    parameters = [p for s in outline.sections for p in s.parameters]
    errors: dict[str, str] = {}
    given = {p.pk: request.POST.get(f"answer-{p.pk}", "") for p in parameters}
    if request.method == "POST":
        try:
            services.rating_submit(
                case=case, user=request.user, roles=program.user_roles, answers=given
            )
        except ValidationError as exc:
            errors = (
                {k: " ".join(v) for k, v in exc.message_dict.items()}
                if hasattr(exc, "error_dict")
                else {"": " ".join(exc.messages)}
            )
        else:
            messages.success(request, _("Your scoring is submitted; the results are below."))
            return redirect(_detail_url(program, session, f"case-{case.pk}"))
    form = ms_form(outline, answers={pk: {"answer": v} for pk, v in given.items() if v})
    numbers = {line.answer_name: line for s in form.sections for line in s.lines}
    return render(
        request,
        "followup/calibration/rate.html",
        {
            "program": program,
            "session": session,
            "case": case,
            # The recording or screenshot to score from, heard in the page
            # (followup.readers lets the session's raters read it).
            "evidence": list(case.shop.evidence.all()),
            "ms_form": form,
            "errors": [(name, numbers.get(name), message) for name, message in errors.items()],
        },
    )


@login_required
def calibration_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The attendance list and the minutes as a PDF: the objective evidence of
    PGD-4.8, under the program's document code and revision."""
    program = get_program_for(request.user, code, roles=READERS)
    session = _session(program, pk)
    content = pdf.session_pdf(program, calibration.session_page(program, session, request.user))
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{program.code}-calibration-{session.held_on:%Y-%m-%d}-{session.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
