"""Follow-up pages: the team leader's defect inbox, the F-28 follow-up list,
the monthly nonconformity recap."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from followup.exports import follow_up_sheet, recap_sheet
from followup.forms.defects import AcknowledgeForm, PassOnForm, SessionForm
from followup.models import DefectStatus, FollowUpStatus
from followup.selectors import defects as selectors
from followup.services import defects as services
from mysteryshop.spreadsheets import xlsx_response
from programs.access import get_program_for
from programs.models import Role
from programs.months import month_from_url

READERS = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.VIEWER, Role.SUPERVISOR, Role.TEAM_LEADER}
)
# TLK-5.6.2: supervisors pass notes on; the analyst and the manager watch the step.
PASS_ON_READERS = frozenset({Role.SUPERVISOR, Role.QC_ANALYST, Role.MANAGER})


@login_required
def defect_inbox(request, code):
    """Defects to acknowledge (PGD-5.3.2, TLK-5.6.2); overdue ones flagged."""
    program = get_program_for(request.user, code, roles=READERS)
    return _defect_inbox(request, program)


def _defect_inbox(request, program, *, failed=None):
    """The inbox page; `failed` = (defect id, message, comment typed) shows an
    acknowledgement's error under its own comment box, with the text kept."""
    status = request.GET.get("status", "open")
    defects = selectors.defects_for(program, request.user)
    if status in DefectStatus.values:
        defects = defects.filter(status=status)
    page = Paginator(defects.order_by("due_on", "pk"), 25).get_page(request.GET.get("page"))
    today = timezone.localdate(timezone.now(), program.zone)
    failed_pk, error, typed = failed or (None, "", "")
    to_pass_on = (
        selectors.defects_to_pass_on(program, request.user).count()
        if program.user_roles & PASS_ON_READERS
        else 0
    )
    return render(
        request,
        "followup/defects.html",
        {
            "program": program,
            "to_pass_on": to_pass_on,
            "page": page,
            "status": status,
            "statuses": DefectStatus.choices,
            "today": today,
            "form": AcknowledgeForm(),
            "failed_pk": failed_pk,
            "failed_error": error,
            "failed_comment": typed,
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
            if not request.POST.get("comment", "").strip():
                raise ValidationError(_("Say what you did with the agent."))
            raise ValidationError(form.errors["comment"])
        services.defect_acknowledge(
            defect=defect, user=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        # Shown under this defect's own box, with what was typed (never a banner
        # that leaves the team leader guessing which defect it meant).
        failed = (defect.pk, " ".join(exc.messages), request.POST.get("comment", ""))
        return _defect_inbox(request, program, failed=failed)
    except PermissionDenied:
        messages.error(request, _("Only the agent's team leader or supervisor acknowledges it."))
    else:
        messages.success(request, _("The defect is acknowledged."))
    return redirect("defect_inbox", program.code)


@login_required
def pass_on_inbox(request, code):
    """TLK-5.6.2: the supervisor's nonconformity notes waiting to be passed on
    to the team leader, the soonest due first; late ones flagged."""
    program = get_program_for(request.user, code, roles=PASS_ON_READERS)
    return _pass_on_inbox(request, program)


def _pass_on_inbox(request, program, *, failed=None):
    defects = selectors.defects_to_pass_on(program, request.user)
    page = Paginator(defects, 25).get_page(request.GET.get("page"))
    failed_pk, error, typed = failed or (None, "", "")
    return render(
        request,
        "followup/pass_on.html",
        {
            "program": program,
            "page": page,
            "today": timezone.localdate(timezone.now(), program.zone),
            "failed_pk": failed_pk,
            "failed_error": error,
            "failed_note": typed,
        },
    )


@login_required
@require_POST
def defect_pass_on(request, code, pk):
    """The supervisor passes one defect's notes on, with an optional note."""
    program = get_program_for(request.user, code, roles={Role.SUPERVISOR})
    defect = get_object_or_404(selectors.defects_for(program, request.user), pk=pk)
    form = PassOnForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["note"])
        passed = services.defect_pass_on(
            defect=defect, user=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        failed = (defect.pk, " ".join(exc.messages), request.POST.get("note", ""))
        return _pass_on_inbox(request, program, failed=failed)
    except PermissionDenied:
        messages.error(request, _("Only the supervisor of the agent's team passes it on."))
    else:
        messages.success(
            request,
            _("Passed on to %(leader)s; to acknowledge by %(day)s.")
            % {"leader": passed.team_leader or "—", "day": f"{passed.due_on:%Y-%m-%d}"},
        )
    return redirect("defect_pass_on_inbox", program.code)


@login_required
def follow_up_list(request, code):
    """F-28: every follow-up item with its status and overdue flag."""
    program = get_program_for(request.user, code, roles=READERS)
    items = selectors.follow_ups_for(program, request.user)
    # It opens on what is still to do, the most urgent first; "all" and "done"
    # read newest first.
    status = request.GET.get("status", FollowUpStatus.OPEN)
    if status in FollowUpStatus.values:
        items = items.filter(status=status)
    else:
        status = "all"
    if status == FollowUpStatus.OPEN:
        items = items.order_by("due_on", "pk")
    else:
        items = items.order_by("-due_on", "-pk")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{program.code}-{program.form_code_followup}.xlsx",
            [follow_up_sheet(program, items)],
        )
    # The re-tests of each item and their shops, in two queries whatever the page holds.
    items = items.prefetch_related("shop__planned_shop__retests__shop")
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
    month = month_from_url(month)
    rows = selectors.nonconformity_recap(program, request.user, month)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{program.code}-nonconformities-{month:%Y-%m}.xlsx", [recap_sheet(rows)]
        )
    return render(
        request, "followup/recap.html", {"program": program, "month": month, "rows": rows}
    )
