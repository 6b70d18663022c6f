"""The role dashboards and the yearly summary (PGD-4.6, 4.7, 5.1.2; TLK-2.2, 5.4.1).

Views stay thin: parse the month or year, call the selectors of
reporting.selectors.dashboards / reporting.selectors.yearly, render."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mysteryshop.spreadsheets import xlsx_response
from programs.access import get_program_for, schedule_hidden
from programs.forms.library import MonthField
from programs.models import Role
from reporting.selectors import dashboards, yearly

HEALTH_ROLES = frozenset({Role.MANAGER, Role.VIEWER})
# The yearly summary: everybody of the program but shoppers (who see no figures).
YEARLY_ROLES = frozenset(Role.values) - {Role.SHOPPER}


class MonthForm(forms.Form):
    month = MonthField(label=gettext_lazy("Month"), required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=yearly.FIRST_YEAR,
        max_value=yearly.LAST_YEAR,
    )


def _url(name: str, *args) -> str | None:
    """The address of `name`, or None while that page is not part of the product."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def asked_month(request, today) -> tuple:
    """(month, form): the month asked for (`?month=YYYY-MM`), else the last
    complete one as of `today`; a bad value is said on the form."""
    form = MonthForm(request.GET if "month" in request.GET else None)
    month = dashboards.last_complete_month(today)
    if form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    return month, form


@login_required
@require_GET
def dashboard(request, code):
    """One page, a panel per role the user holds in the program."""
    program = get_program_for(request.user, code)
    roles = program.user_roles
    today = dashboards.today_in(program)
    context = {"program": program, "today": today, "charts": {}}
    if roles & HEALTH_ROLES:
        month, form = asked_month(request, today)
        health = dashboards.health(program, month)
        # A viewer reads a running month without its allocation (no tip-off).
        hidden = schedule_hidden(roles, month, today)
        context.update(health=health, month_form=form, schedule_hidden=hidden)
        context["charts"].update(health.charts)
    if Role.QC_ANALYST in roles:
        queue = dashboards.analyst_queue(program, request.user, today)
        context["queue"] = queue
        context["report_url"] = _url(
            "report_detail", program.code, f"{queue.report_month:%Y-%m}"
        ) or _url("report_list", program.code)
    if Role.SUPERVISOR in roles:
        supervision = dashboards.supervisor_panel(program, request.user, today)
        context["supervision"] = supervision
        context["charts"].update(supervision.charts)
    if Role.TEAM_LEADER in roles:
        context["leader"] = dashboards.team_leader_panel(program, request.user, today)
    if Role.SHOPPER in roles:
        context["agenda"] = dashboards.shopper_agenda(program, request.user, today)
    return render(request, "reporting/dashboard/dashboard.html", context)


def _year(request, program) -> tuple[int, YearForm]:
    form = YearForm(request.GET if "year" in request.GET else None)
    year = dashboards.today_in(program).year
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    return year, form


@login_required
@require_GET
def yearly_summary(request, code):
    """The figures of the twelve months of a year, and the year's mean."""
    program = get_program_for(request.user, code, roles=YEARLY_ROLES)
    year, form = _year(request, program)
    summary = yearly.yearly_summary(program, year)
    return render(
        request,
        "reporting/yearly/summary.html",
        {
            "program": program,
            "summary": summary,
            "year_form": form,
            "year": year,
            "previous_year": year - 1 if year > yearly.FIRST_YEAR else None,
            "next_year": year + 1 if year < yearly.LAST_YEAR else None,
            "charts": yearly.yearly_charts(summary),
            "critical_kinds": yearly.CRITICAL_KINDS,
        },
    )


@login_required
@require_GET
def yearly_summary_xlsx(request, code):
    """The yearly summary's tables, one sheet each."""
    program = get_program_for(request.user, code, roles=YEARLY_ROLES)
    year, _form = _year(request, program)
    summary = yearly.yearly_summary(program, year)
    return xlsx_response(f"{program.code}-{year}-summary.xlsx", yearly.yearly_sheets(summary))
