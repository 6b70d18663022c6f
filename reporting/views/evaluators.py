"""The quality of the evaluators (issue #23): per shopper and month, for the QC
analyst and the manager only (the agents' side never sees how shoppers are graded)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mysteryshop.spreadsheets import xlsx_response
from programs.access import get_program_for
from programs.models import Role
from reporting.selectors import dashboards, evaluators
from reporting.views.dashboards import asked_month

EVALUATOR_ROLES = frozenset({Role.MANAGER, Role.QC_ANALYST})


@login_required
@require_GET
def evaluator_quality(request, code):
    program = get_program_for(request.user, code, roles=EVALUATOR_ROLES)
    month, form = asked_month(request, dashboards.today_in(program))
    quality = evaluators.evaluator_quality(program, month)
    return render(
        request,
        "reporting/evaluators/quality.html",
        {
            "program": program,
            "quality": quality,
            "month_form": form,
            "coaching_below": float(evaluators.COACHING_BELOW),
            "late_after_days": evaluators.LATE_AFTER_DAYS,
            "min_raters": evaluators.MIN_RATERS,
        },
    )


@login_required
@require_GET
def evaluator_quality_xlsx(request, code):
    program = get_program_for(request.user, code, roles=EVALUATOR_ROLES)
    month, _form = asked_month(request, dashboards.today_in(program))
    quality = evaluators.evaluator_quality(program, month)
    return xlsx_response(
        f"{program.code}-{month:%Y-%m}-evaluators.xlsx", evaluators.evaluator_sheets(quality)
    )
