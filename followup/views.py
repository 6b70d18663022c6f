"""Follow-up pages: the team leader's defect inbox, the F-28 follow-up list,
the monthly nonconformity recap."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mysteryshop.spreadsheets import Sheet, xlsx_response
from programs.access import get_program_for
from programs.models import Role

from . import selectors, services
from .forms import AcknowledgeForm, SessionForm
from .models import DefectStatus, FollowUpStatus

READERS = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.VIEWER, Role.SUPERVISOR, Role.TEAM_LEADER}
)


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404 from None


@login_required
def defect_inbox(request, code):
    """Defects to acknowledge (PGD-5.3.2, TLK-5.6.2); overdue ones flagged."""
    program = get_program_for(request.user, code, roles=READERS)
    status = request.GET.get("status", "open")
    defects = selectors.defects_for(program, request.user)
    if status in DefectStatus.values:
        defects = defects.filter(status=status)
    page = Paginator(defects.order_by("due_on", "pk"), 25).get_page(request.GET.get("page"))
    today = timezone.localdate(timezone.now(), program.zone)
    return render(
        request,
        "followup/defects.html",
        {
            "program": program,
            "page": page,
            "status": status,
            "statuses": DefectStatus.choices,
            "today": today,
            "form": AcknowledgeForm(),
        },
    )


@login_required
@require_POST
def defect_acknowledge(request, code, pk):
    program = get_program_for(request.user, code, roles={Role.TEAM_LEADER, Role.SUPERVISOR})
    defect = get_object_or_404(selectors.defects_for(program, request.user), pk=pk)
    form = AcknowledgeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say what you did with the agent."))
        services.defect_acknowledge(
            defect=defect, user=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("Only the agent's team leader or supervisor acknowledges it."))
    else:
        messages.success(request, _("The defect is acknowledged."))
    return redirect("defect_inbox", program.code)


@login_required
def follow_up_list(request, code):
    """F-28: every follow-up item with its status and overdue flag."""
    program = get_program_for(request.user, code, roles=READERS)
    items = selectors.follow_ups_for(program, request.user)
    status = request.GET.get("status", "")
    if status in FollowUpStatus.values:
        items = items.filter(status=status)
    items = items.order_by("status", "due_on", "pk")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{program.code}-{program.form_code_followup}.xlsx",
            [
                Sheet(
                    title=program.form_code_followup,
                    headers=[
                        _("Shop"),
                        _("Date"),
                        _("Agent"),
                        _("Team"),
                        _("Follow-up"),
                        _("Due"),
                        _("Status"),
                        _("Held on"),
                        _("Session"),
                        _("Participants"),
                        _("Notes"),
                        _("The agent's commitment"),
                        _("Outcome"),
                        _("Re-test"),
                    ],
                    rows=[
                        [
                            i.shop.planned_shop.number,
                            i.shop.planned_shop.date,
                            i.agent.name if i.agent else "",
                            i.agent.team.name if i.agent else "",
                            i.get_kind_display(),
                            i.due_on,
                            i.get_status_display(),
                            i.held_on,
                            i.get_session_type_display(),
                            i.participants,
                            i.notes,
                            i.commitment,
                            i.outcome,
                            _("yes") if i.retest_requested else "",
                        ]
                        for i in items
                    ],
                    widths=[8, 12, 22, 16, 24, 12, 12, 12, 20, 24, 40, 40, 30, 8],
                    number_formats={1: "yyyy-mm-dd", 5: "yyyy-mm-dd", 7: "yyyy-mm-dd"},
                )
            ],
        )
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    today = timezone.localdate(timezone.now(), program.zone)
    return render(
        request,
        "followup/follow_ups.html",
        {
            "program": program,
            "page": page,
            "status": status,
            "statuses": FollowUpStatus.choices,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_log(request, code, pk):
    """The team leader logs the session of a follow-up item."""
    program = get_program_for(request.user, code, roles={Role.TEAM_LEADER, Role.SUPERVISOR})
    item = get_object_or_404(selectors.follow_ups_for(program, request.user), pk=pk)
    form = SessionForm(
        request.POST or None,
        initial={
            "held_on": timezone.localdate(),
            "session_type": item.kind if item.kind != "coaching_or_sgd" else "coaching",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_log(item=item, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except PermissionDenied:
            form.add_error(None, _("Only the agent's team leader or supervisor logs it."))
        else:
            messages.success(request, _("The session is logged."))
            return redirect("follow_up_list", program.code)
    return render(
        request, "followup/follow_up_log.html", {"program": program, "item": item, "form": form}
    )


@login_required
def nonconformity_recap(request, code, month):
    """All nonconformities of a month with their correct solutions (TLK-5.6.2)."""
    program = get_program_for(request.user, code, roles=READERS)
    month = _month(month)
    rows = selectors.nonconformity_recap(program, request.user, month)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{program.code}-nonconformities-{month:%Y-%m}.xlsx",
            [
                Sheet(
                    title=_("Nonconformities"),
                    headers=[
                        _("Date"),
                        _("Shop"),
                        _("Agent"),
                        _("Team"),
                        _("Section"),
                        _("Parameter"),
                        _("Critical error"),
                        _("Nonconformity"),
                        _("Correct solution"),
                        _("Status"),
                    ],
                    rows=[
                        [
                            r.date,
                            r.shop_number,
                            r.agent,
                            r.team,
                            r.section,
                            r.parameter,
                            r.critical,
                            r.nonconformity,
                            r.correct_solution,
                            r.status,
                        ]
                        for r in rows
                    ],
                    widths=[12, 8, 22, 16, 20, 40, 10, 50, 50, 16],
                    number_formats={0: "yyyy-mm-dd"},
                )
            ],
        )
    return render(
        request, "followup/recap.html", {"program": program, "month": month, "rows": rows}
    )
