"""Library pages: contact reasons (TLK-5.1.2), the scenario library
(TLK-5.2.1.1, TLK-4.1) and the coaching rules (TLK-5.5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mysteryshop.history import history_entries
from programs.access import EDIT_LIBRARY, EDIT_RULES, READ_SCENARIOS, get_program_for
from programs.filters import ScenarioFilter
from programs.forms.library import CoachingRuleForm, ContactReasonForm, ScenarioForm
from programs.models import CoachingRule, ContactReason, Scenario
from programs.selectors import library as selectors
from programs.services import library as services

SCENARIOS_PER_PAGE = 25

# --- Contact reasons -------------------------------------------------------------


@login_required
@require_GET
def reason_list(request, code):
    """The program's contact reasons with their category and scenario counts."""
    program = get_program_for(request.user, code)
    reasons = (
        ContactReason.objects.filter(program=program)
        .select_related("category")
        .annotate(
            scenario_count=Count("scenarios"),
            active_scenario_count=Count("scenarios", filter=Q(scenarios__is_active=True)),
        )
        .order_by("category__order", "category__name", "name")
    )
    return render(
        request,
        "programs/library/reason_list.html",
        {
            "program": program,
            "reasons": reasons,
            "can_edit": bool(program.user_roles & EDIT_LIBRARY),
            "can_read_scenarios": bool(program.user_roles & READ_SCENARIOS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reason_edit(request, code, pk=None):
    """Add a reason (no pk) or change one."""
    program = get_program_for(request.user, code, roles=EDIT_LIBRARY)
    reason = get_object_or_404(ContactReason, program=program, pk=pk) if pk else None
    form = ContactReasonForm(request.POST or None, instance=reason, program=program)
    if request.method == "POST" and form.is_valid():
        reason = form.save()
        messages.success(request, _("Reason “%(name)s” saved.") % {"name": reason.name})
        return redirect("reason_list", program.code)
    return render(
        request,
        "programs/library/reason_form.html",
        {"program": program, "form": form, "reason": reason},
    )


@login_required
@require_POST
def reason_remove(request, code, pk):
    """Delete an unused reason; deactivate one that scenarios use."""
    program = get_program_for(request.user, code, roles=EDIT_LIBRARY)
    reason = get_object_or_404(ContactReason, program=program, pk=pk)
    if services.reason_remove(reason=reason):
        messages.success(request, _("Reason “%(name)s” deleted.") % {"name": reason.name})
    else:
        messages.info(
            request,
            _(
                "Reason “%(name)s” is used by scenarios, so it was deactivated instead of "
                "deleted: it is no longer offered for new scenarios."
            )
            % {"name": reason.name},
        )
    return redirect("reason_list", program.code)


# --- Scenarios -------------------------------------------------------------------


@login_required
@require_GET
def scenario_list(request, code):
    """The scenario library: search, filters, pages. An htmx request (the
    search box as the user types) gets the results part only."""
    program = get_program_for(request.user, code, roles=READ_SCENARIOS)
    scenarios = Scenario.objects.filter(program=program).select_related(
        "reason__category", "channel__parent"
    )
    filterset = ScenarioFilter(request.GET, queryset=scenarios, program=program)
    page = Paginator(filterset.qs, SCENARIOS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "program": program,
        "filter": filterset,
        "page": page,
        "filters_open": bool(filterset.errors)
        or any(request.GET.get(name) for name in filterset.filters if name != "q"),
        "can_edit": bool(program.user_roles & EDIT_LIBRARY),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "programs/library/_scenario_results.html", context)
    return render(request, "programs/library/scenario_list.html", context)


@login_required
@require_GET
def scenario_detail(request, code, pk):
    """A scenario in full (script and correct answer) with its change history."""
    program = get_program_for(request.user, code, roles=READ_SCENARIOS)
    scenario = get_object_or_404(
        Scenario.objects.select_related("reason__category", "channel__parent"),
        program=program,
        pk=pk,
    )
    history = history_entries(scenario.history.all(), related=("reason", "channel"))
    return render(
        request,
        "programs/library/scenario_detail.html",
        {
            "program": program,
            "scenario": scenario,
            "history": history,
            "can_edit": bool(program.user_roles & EDIT_LIBRARY),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request, code, pk=None):
    """Add a scenario (no pk; ?copy=<id> starts from a copy of another) or change one."""
    program = get_program_for(request.user, code, roles=EDIT_LIBRARY)
    scenario = get_object_or_404(Scenario, program=program, pk=pk) if pk else None
    initial = {}
    copy_of = request.GET.get("copy")
    if scenario is None and copy_of:
        if not copy_of.isdigit():
            raise Http404
        source = get_object_or_404(Scenario, program=program, pk=copy_of)
        initial = ScenarioForm.initial_from(source)
    form = ScenarioForm(request.POST or None, instance=scenario, initial=initial, program=program)
    if request.method == "POST" and form.is_valid():
        scenario = form.save()
        messages.success(request, _("Scenario “%(title)s” saved.") % {"title": scenario.title})
        return redirect("scenario_detail", program.code, scenario.pk)
    return render(
        request,
        "programs/library/scenario_form.html",
        {"program": program, "form": form, "scenario": scenario},
    )


# --- Coaching rules ----------------------------------------------------------------


@login_required
@require_GET
def coaching_rule_list(request, code):
    """The program's coaching rules in plain language, in the order they are
    applied, with their recent changes."""
    program = get_program_for(request.user, code)
    section_names = dict(selectors.published_section_choices(program))
    rules = [
        (
            rule,
            selectors.rule_sentence(
                rule, target=program.target_score, section_names=section_names
            ),
        )
        for rule in CoachingRule.objects.filter(program=program).order_by("order", "id")
    ]
    history = history_entries(CoachingRule.history.filter(program_id=program.pk), limit=30)
    return render(
        request,
        "programs/library/coaching_rule_list.html",
        {
            "program": program,
            "rules": rules,
            "history": history,
            "can_edit": bool(program.user_roles & EDIT_RULES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def coaching_rule_edit(request, code, pk=None):
    """Add a coaching rule (no pk) or change one; its history below the form."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    rule = get_object_or_404(CoachingRule, program=program, pk=pk) if pk else None
    form = CoachingRuleForm(request.POST or None, instance=rule, program=program)
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        messages.success(request, _("Coaching rule “%(name)s” saved.") % {"name": rule.label})
        return redirect("coaching_rule_list", program.code)
    history = history_entries(rule.history.all()) if rule else []
    return render(
        request,
        "programs/library/coaching_rule_form.html",
        {"program": program, "form": form, "rule": rule, "history": history},
    )


@login_required
@require_POST
def coaching_rule_toggle(request, code, pk):
    """Deactivate an active rule, or activate an inactive one."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    rule = get_object_or_404(CoachingRule, program=program, pk=pk)
    rule.is_active = not rule.is_active
    rule.save(update_fields=["is_active"])
    if rule.is_active:
        messages.success(request, _("Coaching rule “%(name)s” is active.") % {"name": rule.label})
    else:
        messages.success(
            request, _("Coaching rule “%(name)s” is deactivated.") % {"name": rule.label}
        )
    return redirect("coaching_rule_list", program.code)


@login_required
@require_POST
def coaching_rule_move(request, code, pk):
    """Move a rule one place up or down."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    rule = get_object_or_404(CoachingRule, program=program, pk=pk)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        messages.error(request, _("Choose whether to move the rule up or down."))
    else:
        services.coaching_rule_move(rule=rule, step=step)
    return redirect("coaching_rule_list", program.code)
