"""The review side of scoring (TLK-5.3.4, TLK-5.6.1, PGD-2.3, PGD-5.1.2): the
review queue, the shop's page with its workflow actions, corrections,
disputes, and the shop list with its XLSX export.

Every member reaches the list and the shops they may see (selectors.can_view);
supervisors pass team leaders' forms on; managers and QC analysts return,
finalize, correct and resolve disputes; the agent's team leader disputes.
Each write is a service: a second click finds nothing left to do and says so.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from programs.access import LOG_CASES, get_program_for
from programs.models import Role
from programs.selectors.scorecards import ms_form
from scoring import selectors, services
from scoring.exports import shops_xlsx
from scoring.filters import DEFAULT_SORT, SORT_COLUMNS, SORTS, ShopFilter, sort_shops
from scoring.forms.review import (
    DisputeForm,
    FinalizeForm,
    ForwardForm,
    ResolveForm,
    ReturnForm,
    ReviseForm,
    add_service_errors,
    changed_answers,
    posted_answers,
    resolve_field_names,
)
from scoring.models import Dispute, DisputeStatus, Shop, ShopState
from scoring.selectors import FORWARDERS, QUEUE_ROLES, REVIEWERS

SHOPS_PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _shop(request, code: str, pk: int, *, roles=None) -> tuple:
    """(program, shop) for a user allowed to see the shop: 404 for non-members
    and unknown shops, 403 for a member without the role or the shop."""
    program = get_program_for(request.user, code, roles=roles)
    try:
        shop = selectors.shop_for_page(program, pk)
    except Shop.DoesNotExist:
        raise Http404 from None
    if not selectors.can_view(program, request.user, shop):
        raise PermissionDenied
    return program, shop


def _back(program, shop):
    return redirect("shop_detail", program.code, shop.pk)


def _refused(request, program, shop, exc: ValidationError):
    """A service said no (the shop moved on, a second click): say why, go back."""
    messages.error(request, " ".join(exc.messages))
    return _back(program, shop)


def _is_agents_team_leader(program, user, shop) -> bool:
    return (
        Role.TEAM_LEADER in program.user_roles
        and shop.agent_id is not None
        and shop.agent.team.team_leader_id == user.pk
    )


def _render_detail(request, program, shop, *, record=None, bound=None):
    """The shop's page; `bound` holds a submitted form with errors, by name
    ("forward", "return", "finalize", "dispute" or the dispute's pk)."""
    bound = bound or {}
    # Parameters that do not apply to this shop (#23) are not shown on its page.
    record = record or selectors.shop_record(
        program, shop, applies=services.applying_parameters(shop)
    )
    roles = program.user_roles
    reviewer = bool(roles & REVIEWERS)
    finalized = shop.state == ShopState.FINALIZED
    can_dispute = finalized and _is_agents_team_leader(program, request.user, shop)
    disputes = []
    for view in record.disputes:
        form = None
        if reviewer and view.is_open:
            form = bound.get(view.dispute.pk) or ResolveForm(
                dispute=view,
                binary=record.binary,
                current=record.answers.get(view.dispute.parameter_id, {}).get("answer", ""),
            )
        disputes.append((view, form))
    context = {
        "program": program,
        "shop": shop,
        "record": record,
        "disputes": disputes,
        "reviewer": reviewer,
        "can_forward": bool(roles & FORWARDERS) and shop.state == ShopState.SUPERVISOR_REVIEW,
        "can_review": reviewer and shop.state == ShopState.SUBMITTED,
        "can_correct": reviewer and finalized,
        "can_dispute": can_dispute,
        # Who logs a high-impact customer case (PGD-4.8; followup.cases).
        "can_log_case": bool(roles & LOG_CASES),
        "is_shopper": shop.shopper_id == request.user.pk,
        # Shoppers stay anonymous to the agents' side (team leaders, viewers), so a
        # team leader cannot tell agents who the mystery shoppers are.
        "show_shopper": selectors.sees_shoppers(program) or shop.shopper_id == request.user.pk,
        # As shop_evidence_file serves them: the shopper and the program's reviewers.
        # A calibration rater too, while the session lasts (selectors.read_granted).
        "can_download_evidence": bool(roles & {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR})
        or shop.shopper_id == request.user.pk
        or selectors.read_granted(request.user, shop),
        "show_scenario": selectors.can_see_scenario(program, request.user, shop),
        "forward_form": bound.get("forward") or ForwardForm(prefix="forward"),
        "return_form": bound.get("return") or ReturnForm(prefix="return"),
        "finalize_form": bound.get("finalize") or FinalizeForm(prefix="finalize"),
        "dispute_form": (
            bound.get("dispute") or DisputeForm(prefix="dispute", record=record)
            if can_dispute
            else None
        ),
    }
    return render(request, "scoring/review/shop_detail.html", context)


# --- Pages ---------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request, code):
    """Forms waiting for review, oldest first (TLK-5.3.4)."""
    program = get_program_for(request.user, code, roles=QUEUE_ROLES)
    page = Paginator(selectors.review_queue(program), SHOPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "scoring/review/queue.html",
        {
            "program": program,
            "page": page,
            "rows": selectors.shop_rows(program, page.object_list),
            "today": timezone.localtime(timezone.now(), program.zone).date(),
            "reviewer": bool(program.user_roles & REVIEWERS),
            "forwarder": bool(program.user_roles & FORWARDERS),
        },
    )


@login_required
@require_GET
def shop_detail(request, code, pk):
    program, shop = _shop(request, code, pk)
    return _render_detail(request, program, shop)


# --- Workflow ------------------------------------------------------------------------


@login_required
@require_POST
def shop_forward(request, code, pk):
    """The supervisor passes a team leader's form on to the QC analyst."""
    program, shop = _shop(request, code, pk, roles=FORWARDERS)
    form = ForwardForm(request.POST, prefix="forward")
    if not form.is_valid():
        return _render_detail(request, program, shop, bound={"forward": form})
    try:
        services.shop_forward(shop=shop, user=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        return _refused(request, program, shop, exc)
    messages.success(request, _("The form was passed on to the QC analyst."))
    return _back(program, shop)


@login_required
@require_POST
def shop_return(request, code, pk):
    """Send the form back to the shopper; the comment says what to correct."""
    program, shop = _shop(request, code, pk, roles=REVIEWERS)
    form = ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.shop_return(
                shop=shop, user=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _refused(request, program, shop, exc)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The form was returned to the shopper."))
            return _back(program, shop)
    return _render_detail(request, program, shop, bound={"return": form})


@login_required
@require_POST
def shop_finalize(request, code, pk):
    """Accept the form: it becomes final and read-only."""
    program, shop = _shop(request, code, pk, roles=REVIEWERS)
    form = FinalizeForm(request.POST, prefix="finalize")
    if not form.is_valid():
        return _render_detail(request, program, shop, bound={"finalize": form})
    if shop.state == ShopState.FINALIZED:
        messages.info(request, _("This shop was finalized already."))
        return _back(program, shop)
    try:
        services.shop_finalize(shop=shop, user=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        return _refused(request, program, shop, exc)
    messages.success(request, _("The shop is final."))
    return _back(program, shop)


@login_required
@require_POST
def shop_high_impact(request, code, pk):
    """Mark or unmark a high-impact case (PGD-4.8); sets, never toggles, so a
    repeated click keeps the same result."""
    program, shop = _shop(request, code, pk, roles=REVIEWERS)
    value = request.POST.get("high_impact") == "1"
    services.shop_set_high_impact(shop=shop, high_impact=value)
    if value:
        messages.success(request, _("The shop is marked as a high-impact case."))
    else:
        messages.success(request, _("The shop is no longer marked as a high-impact case."))
    return _back(program, shop)


@login_required
@require_http_methods(["GET", "POST"])
def shop_revise(request, code, pk):
    """Correct a finalized shop's answers: an audited revision with its reason."""
    program, shop = _shop(request, code, pk, roles=REVIEWERS)
    if shop.state != ShopState.FINALIZED:
        messages.error(request, _("Only a finalized shop is corrected by revision."))
        return _back(program, shop)
    record = selectors.shop_record(program, shop)
    answer_errors = []
    if request.method == "GET":
        form = ReviseForm()
        form_view = record.ms_form
    else:
        form = ReviseForm(request.POST)
        answers = posted_answers(request.POST, record)
        changed = changed_answers(answers, record)
        if form.is_valid() and not changed:
            form.add_error(None, _("Change at least one answer, or leave the shop as it is."))
        if form.is_valid():
            try:
                services.shop_revise(
                    shop=shop,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    answers=changed,
                )
            except ValidationError as exc:
                answer_errors = _answer_errors(exc, record)
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The correction was saved as a revision."))
                return _back(program, shop)
        form_view = ms_form(
            record.outline,
            answers={
                pk: {
                    "answer": a.value,
                    "nonconformity": a.nonconformity,
                    "correct_solution": a.correct_solution,
                }
                for pk, a in answers.items()
            },
        )
    return render(
        request,
        "scoring/review/revise.html",
        {
            "program": program,
            "shop": shop,
            "record": record,
            "form": form,
            "form_view": form_view,
            "answer_errors": answer_errors,
        },
    )


def _answer_errors(exc: ValidationError, record) -> list[tuple[str, str, str]]:
    """(number, parameter, message) for the service's per-answer messages;
    they are removed from `exc` so only the rest reaches the form."""
    if not hasattr(exc, "error_dict"):
        return []
    found = []
    for key in list(exc.error_dict):
        kind, _sep, pk = key.rpartition("-")
        if kind in {"answer", "nonconformity", "correct_solution"} and pk.isdigit():
            parameter = record.parameters.get(int(pk))
            for message in exc.error_dict.pop(key):
                found.append(
                    (
                        record.numbers.get(int(pk), ""),
                        parameter.text if parameter else pk,
                        " ".join(message.messages),
                    )
                )
    return sorted(found)


# --- Disputes ------------------------------------------------------------------------


@login_required
@require_POST
def dispute_open(request, code, pk):
    """The agent's team leader disputes one parameter, within the program's window."""
    program, shop = _shop(request, code, pk, roles={Role.TEAM_LEADER})
    record = selectors.shop_record(program, shop)
    form = DisputeForm(request.POST, prefix="dispute", record=record)
    if form.is_valid():
        parameter = record.parameters[form.cleaned_data["parameter"]]
        try:
            services.dispute_open(
                shop=shop,
                parameter=parameter,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The dispute was sent to the QC analyst."))
            return _back(program, shop)
    return _render_detail(request, program, shop, record=record, bound={"dispute": form})


@login_required
@require_POST
def dispute_resolve(request, code, pk, dispute_pk):
    """The analyst keeps the score or changes the answer (by revision)."""
    program, shop = _shop(request, code, pk, roles=REVIEWERS)
    dispute = get_object_or_404(Dispute, shop=shop, pk=dispute_pk)
    if dispute.status != DisputeStatus.OPEN:
        messages.info(request, _("This dispute is resolved already."))
        return _back(program, shop)
    record = selectors.shop_record(program, shop)
    view = next(d for d in record.disputes if d.dispute.pk == dispute.pk)
    form = ResolveForm(
        request.POST,
        dispute=view,
        binary=record.binary,
        current=record.answers.get(dispute.parameter_id, {}).get("answer", ""),
    )
    if form.is_valid():
        try:
            services.dispute_resolve(
                dispute=dispute,
                user=request.user,
                keep=form.keep,
                comment=form.cleaned_data["comment"],
                new_answer=form.new_answer(),
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _refused(request, program, shop, exc)
            add_service_errors(form, exc, resolve_field_names(dispute.parameter_id))
        else:
            if form.keep:
                messages.success(request, _("The dispute is resolved: the score is kept."))
            else:
                messages.success(request, _("The dispute is resolved: the answer was changed."))
            return _back(program, shop)
    return _render_detail(request, program, shop, record=record, bound={dispute.pk: form})


# --- The list and its export ---------------------------------------------------------


def _filtered(request, program):
    """(filterset, sorted shops, sort) of the list's query string."""
    visible = selectors.visible_shops(program, request.user)
    filterset = ShopFilter(request.GET, queryset=visible, program=program)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else DEFAULT_SORT
    if not selectors.sees_shoppers(program):
        del filterset.filters["shopper"]  # no list of shoppers for the agents' side
        sort = DEFAULT_SORT if sort.lstrip("-") == "shopper" else sort
    shops = sort_shops(filterset.qs.select_related(*selectors.SHOP_RELATED), sort)
    return filterset, shops, sort


def _sort_links(sort: str) -> dict[str, dict]:
    """For each sortable column: the ?sort= its heading links to, and how the
    list is sorted by it now (for aria-sort)."""
    links = {}
    for column in SORT_COLUMNS:
        state = "ascending" if sort == column else "descending" if sort == f"-{column}" else ""
        links[column] = {"next": f"-{column}" if sort == column else column, "state": state}
    return links


@login_required
@require_GET
def shop_list(request, code):
    """Every shop the user may see, filtered, sorted and paged (PGD-5.1.2)."""
    program = get_program_for(request.user, code)
    filterset, shops, sort = _filtered(request, program)
    page = Paginator(shops, SHOPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "scoring/review/shop_list.html",
        {
            "program": program,
            "filter": filterset,
            "page": page,
            "rows": selectors.shop_rows(program, page.object_list, user=request.user),
            "show_shoppers": selectors.sees_shoppers(program),
            "sort": sort,
            "sort_links": _sort_links(sort),
            "filters_open": bool(filterset.errors)
            or any(request.GET.get(name) for name in filterset.filters),
        },
    )


@login_required
@require_GET
def shop_list_export(request, code):
    """The filtered list as an Excel workbook, in the list's order."""
    program = get_program_for(request.user, code)
    _filterset, shops, _sort = _filtered(request, program)
    rows = selectors.shop_rows(program, shops, user=request.user)
    content = shops_xlsx(rows, selectors.section_columns(shops))
    today = timezone.localdate(timezone=program.zone)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="shops-{program.code}-{today:%Y-%m-%d}.xlsx"'
    )
    return response
