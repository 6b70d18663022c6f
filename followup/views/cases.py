"""High-impact customer case pages (PGD-4.8, PGD-5.5.1): the list (open cases
first, overdue ones flagged), logging a case, and one case with the calibration
that evaluates it.

Managers, QC analysts, supervisors and team leaders log cases; viewers read;
shoppers get 403 and non-members 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from followup.forms.calibration import add_service_errors
from followup.forms.cases import CaseFilterForm, CaseForm
from followup.selectors import cases as selectors
from followup.services import cases as services
from followup.services.calibration import EDITORS
from programs.access import get_program_for
from programs.models import Role
from scoring.models import Shop

READERS = frozenset(
    {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER, Role.VIEWER}
)
LOGGERS = services.LOGGERS
SHOP_READERS = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR})


@login_required
@require_GET
def case_list(request: HttpRequest, code: str) -> HttpResponse:
    """The program's high-impact customer cases, open ones first."""
    program = get_program_for(request.user, code, roles=READERS)
    filters = CaseFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(selectors.cases_for(program, status), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/cases/list.html",
        {
            "program": program,
            "page": page,
            "filters": filters,
            "status": status,
            "today": timezone.localdate(timezone.now(), program.zone),
            "can_log": bool(program.user_roles & LOGGERS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, code: str) -> HttpResponse:
    """Log a case; `?shop=<id>` starts from a (high-impact) mystery shop."""
    program = get_program_for(request.user, code, roles=LOGGERS)
    with timezone.override(program.zone):  # typed times are the program's
        initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
        shop_pk = request.GET.get("shop", "")
        if shop_pk.isdigit():
            shop = (
                Shop.objects.filter(program=program, pk=int(shop_pk))
                .select_related("agent__team")
                .first()
            )
            if shop is not None:
                initial.update(shop=shop.pk, agent=shop.agent_id)
                if shop.agent_id:
                    initial["team"] = shop.agent.team_id
        form = CaseForm(request.POST or None, initial=initial, program=program)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_log(
                    program=program, user=request.user, roles=program.user_roles, **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The case is logged. Its calibration is due by %(day)s.")
                    % {"day": f"{case.calibration_due_on:%Y-%m-%d}"},
                )
                return redirect("case_detail", program.code, case.pk)
        return render(request, "followup/cases/form.html", {"program": program, "form": form})


@login_required
@require_GET
def case_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One case: what happened, whom it concerns, its due calibration and the
    session(s) that evaluate it, and its history."""
    program = get_program_for(request.user, code, roles=READERS)
    page = selectors.case_page(program, pk, timezone.localdate(timezone.now(), program.zone))
    if page is None:
        raise Http404
    return render(
        request,
        "followup/cases/detail.html",
        {
            "program": program,
            "page": page,
            "case": page.case,
            "history": page.history,
            "can_plan": bool(program.user_roles & EDITORS),
            # The shop's page is for those who review shops, not the agents' side.
            "can_open_shop": bool(program.user_roles & SHOP_READERS),
        },
    )
