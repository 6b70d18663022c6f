"""Plan pages (PGD-4.3–4.6, TLK-5.2.1.2–5.2.2): generate, check, approve,
adjust; the shopper's agenda and calendar feed; progress."""

import calendar as month_calendar
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mysteryshop.site import site_parts, site_url
from programs.access import READ_SCHEDULE, get_program_for, schedule_hidden
from programs.models import Role
from programs.months import add_months, month_from_url
from sampling import ics, selectors, services
from sampling.forms import PlanGenerateForm, ShopReassignForm, ShopRescheduleForm
from sampling.models import (
    CalendarFeed,
    PlannedShop,
    PlanStatus,
    SamplePlan,
)

PLANNERS = frozenset({Role.MANAGER, Role.QC_ANALYST})  # generate, adjust
APPROVERS = frozenset({Role.MANAGER})  # approve (PGD-4.1: the Accountable)
# Progress counts reveal no schedule: viewers (operations, Consulted) read them too.
MONITORS = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.VIEWER})

SHOP_RELATED = selectors.AGENDA_RELATED


def _today(program) -> date:
    return timezone.localtime(timezone.now(), program.zone).date()


def _month_to_plan(program) -> date:
    """The form's suggestion: the first month from this one on without an approved
    plan (suggesting an approved month only earned 'cannot be regenerated')."""
    month = _today(program).replace(day=1)
    approved = set(
        SamplePlan.objects.filter(
            program=program, month__gte=month, status=PlanStatus.APPROVED
        ).values_list("month", flat=True)
    )
    while month in approved:
        month = add_months(month, 1)
    return month


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request, code):
    program = get_program_for(request.user, code, roles=READ_SCHEDULE)
    can_plan = bool(program.user_roles & PLANNERS)
    initial_month = request.GET.get("month") or f"{_month_to_plan(program):%Y-%m}"
    form = PlanGenerateForm(request.POST or None, initial={"month": initial_month})
    if request.method == "POST":
        if not can_plan:
            raise PermissionDenied
        if form.is_valid():
            try:
                plan = services.plan_generate(
                    program=program, month=form.cleaned_data["month"], user=request.user
                )
            except services.PlanMadeMeanwhile as exc:
                messages.info(request, exc.message)
                return redirect("plan_detail", program.code, f"{exc.plan.month:%Y-%m}")
            except ValidationError as exc:
                form.add_error("month", exc)
            else:
                messages.success(request, _("The plan was generated."))
                return redirect("plan_detail", program.code, f"{plan.month:%Y-%m}")
    plans = list(
        SamplePlan.objects.filter(program=program)
        .select_related("approved_by")
        .annotate(retests=Count("shops", filter=Q(shops__retest_of__isnull=False)))
        .order_by("-month")[:36]
    )
    return render(
        request,
        "sampling/plans/list.html",
        {"program": program, "plans": plans, "form": form, "can_plan": can_plan},
    )


@login_required
def plan_detail(request, code, month):
    """The allocation table anyone can check by hand, and the month's shops."""
    program = get_program_for(request.user, code, roles=READ_SCHEDULE)
    plan = get_object_or_404(
        SamplePlan.objects.select_related("contact_import", "approved_by", "created_by"),
        program=program,
        month=month_from_url(month),
    )
    strata = list(plan.strata.select_related("area", "reason__category", "band"))
    shops = list(plan.shops.select_related(*SHOP_RELATED))
    weeks = _calendar_weeks(plan.month, shops)
    return render(
        request,
        "sampling/plans/detail.html",
        {
            "program": program,
            "plan": plan,
            "strata": strata,
            "area_groups": selectors.strata_by_area(plan, strata) if plan.frame_per_area else [],
            "shops": shops,
            "weeks": weeks,
            "can_plan": bool(program.user_roles & PLANNERS) and not plan.is_frozen,
            "can_adjust": bool(program.user_roles & PLANNERS),
            "can_approve": bool(program.user_roles & APPROVERS) and not plan.is_frozen,
            "gaps": sum(1 for s in shops if s.scenario_id is None),
            "empty_strata": [s for s in strata if not s.allocated],
            "past_shops": services.past_shops(plan),
            "scenario_gaps": services.scenario_gaps(plan),
            "material": selectors.week_one_material(plan),
        },
    )


def _calendar_weeks(month: date, shops) -> list[list[dict]]:
    by_day: dict[date, list] = {}
    for shop in shops:
        by_day.setdefault(shop.date, []).append(shop)
    weeks = []
    for week in month_calendar.Calendar().monthdatescalendar(month.year, month.month):
        weeks.append(
            [
                {"day": d, "in_month": d.month == month.month, "shops": by_day.get(d, [])}
                for d in week
            ]
        )
    return weeks


@login_required
@require_POST
def plan_action(request, code, month):
    """Regenerate (new seed) or assign evenly (analyst); approve (manager)."""
    program = get_program_for(request.user, code, roles=PLANNERS)
    plan = get_object_or_404(SamplePlan, program=program, month=month_from_url(month))
    action = request.POST.get("action")
    try:
        if action == "approve":
            get_program_for(request.user, code, roles=APPROVERS)
            services.plan_approve(
                plan=plan,
                user=request.user,
                past_ok=request.POST.get("past_ok") == "1",
                gaps_ok=request.POST.get("gaps_ok") == "1",
            )
            messages.success(request, _("The plan is approved and frozen."))
        elif action == "regenerate":
            services.plan_generate(program=program, month=plan.month, user=request.user)
            messages.success(request, _("The plan was generated again with a new seed."))
        elif action == "assign":
            n = services.plan_assign_evenly(plan=plan)
            messages.success(request, _("%(n)s shops were assigned evenly.") % {"n": n})
        else:
            raise Http404
    except services.PlanMadeMeanwhile as exc:
        messages.info(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("plan_detail", program.code, month)


@login_required
@require_http_methods(["GET", "POST"])
def shop_edit(request, code, pk):
    """Reschedule or reassign one shop, with a reason; the change is audited."""
    program = get_program_for(request.user, code, roles=PLANNERS)
    shop = get_object_or_404(
        PlannedShop.objects.select_related("plan", *SHOP_RELATED), plan__program=program, pk=pk
    )
    shoppers = services.shoppers_of(program)
    action = request.POST.get("action")
    move = ShopRescheduleForm(
        request.POST if action == "reschedule" else None,
        program=program,
        initial={"day": shop.date, "slot": shop.slot_id},
        prefix="move",
    )
    give = ShopReassignForm(
        request.POST if action == "reassign" else None,
        shoppers=shoppers,
        initial={"shopper": shop.shopper_id},
        prefix="give",
    )
    form = move if action == "reschedule" else give if action == "reassign" else None
    if form is not None and form.is_valid():
        try:
            if action == "reschedule":
                services.shop_reschedule(
                    shop=shop,
                    day=form.cleaned_data["day"],
                    slot=form.cleaned_data["slot"],
                    reason=form.cleaned_data["reason"],
                    busy_ok=form.cleaned_data["busy_ok"],
                )
            else:
                services.shop_reassign(
                    shop=shop,
                    shopper=form.cleaned_data["shopper"],
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as exc:
            # Next to its field; a refusal about the shop itself goes above the form.
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, found in errors.items():
                for error in found:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Shop #%(n)s was changed.") % {"n": shop.number})
            return redirect("plan_detail", program.code, f"{shop.plan.month:%Y-%m}")
    history = list(shop.history.select_related("history_user", "shopper", "slot")[:20])
    return render(
        request,
        "sampling/plans/shop_edit.html",
        {"program": program, "shop": shop, "move": move, "give": give, "history": history},
    )


def _later_by_week(request, later: list) -> dict:
    """The shops after this week, one month at a time (?month=YYYY-MM, the
    first month with shops by default), grouped by week (Monday first)."""
    months = sorted({s.date.replace(day=1) for s in later})
    wanted = request.GET.get("month", "")
    chosen = next((m for m in months if f"{m:%Y-%m}" == wanted), months[0] if months else None)
    weeks: dict = {}
    for shop in later:
        if shop.date.replace(day=1) == chosen:
            monday = shop.date - timedelta(days=shop.date.weekday())
            weeks.setdefault(monday, []).append(shop)
    return {
        "later_shops": later,
        "later_months": months,
        "later_month": chosen,
        "later_weeks": list(weeks.items()),
    }


@login_required
def agenda(request, code):
    """The signed-in shopper's shops: overdue, today, this week, and later."""
    program = get_program_for(request.user, code, roles={Role.SHOPPER})
    today = _today(program)
    week_end = today + timedelta(days=6 - today.weekday())
    shops = list(selectors.shopper_shops(program, request.user, today)[:200])
    overdue = list(selectors.shopper_overdue(program, request.user, today)[:100])
    feed = services.calendar_feed_for(program=program, user=request.user)
    feed_url = site_url(reverse("calendar_feed", args=[feed.token]))
    return render(
        request,
        "sampling/plans/agenda.html",
        {
            "program": program,
            "overdue_shops": overdue,
            "today_shops": [s for s in shops if s.date == today],
            "week_shops": [s for s in shops if today < s.date <= week_end],
            **_later_by_week(request, [s for s in shops if s.date > week_end]),
            "today": today,
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://").replace(
                "http://", "webcal://"
            ),
        },
    )


@login_required
@require_POST
def agenda_feed_reset(request, code):
    program = get_program_for(request.user, code, roles={Role.SHOPPER})
    services.calendar_feed_reset(program=program, user=request.user)
    messages.success(request, _("Your calendar address was changed; the old one no longer works."))
    return redirect("agenda", program.code)


def calendar_feed(request, token):
    """The ICS feed: no login (calendar apps cannot log in); the token is the secret."""
    feed = CalendarFeed.objects.select_related("program", "user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    if not feed.program.memberships.filter(user=feed.user, role=Role.SHOPPER).exists():
        raise Http404
    since = timezone.now().date() - timedelta(days=31)
    shops = selectors.shopper_shops(feed.program, feed.user, since)[:500]
    # A calendar app sends no language: the feed speaks its subscriber's.
    with translation.override(feed.user.language_or_default):
        body = ics.shops_ics(shops, program=feed.program, host=site_parts()[1])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.program.code}-agenda.ics"'
    return response


@login_required
def sample_progress(request, code):
    """Planned vs done to date, per week and per stratum, with behind-plan flags."""
    program = get_program_for(request.user, code, roles=MONITORS)
    today = _today(program)
    month = (
        month_from_url(request.GET["month"]) if request.GET.get("month") else today.replace(day=1)
    )
    plan = SamplePlan.objects.filter(program=program, month=month).first()
    progress = selectors.plan_progress(plan, today) if plan else None
    # A viewer sees a running month's shops done, not its schedule (no tip-off).
    hidden = schedule_hidden(program.user_roles, month, today)
    return render(
        request,
        "sampling/plans/progress.html",
        {
            "program": program,
            "plan": plan,
            "month": month,
            "progress": progress,
            "today": today,
            "schedule_hidden": hidden,
            "opens_on": add_months(month, 1),
        },
    )
