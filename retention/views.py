"""The program's Retention page (PGD-6, TLK-6): its rules, what the next purge
deletes and what falls due in the next 90 days, a search for any record, the
legal holds with their history, and the purge log. The manager places and
releases holds on a record's own page (one small form, not one per row); the
QC analyst, the records' keeper, reads it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mysteryshop.history import entries_of
from programs.access import get_program_for
from programs.models import RecordType, Role
from retention import services as retention
from retention.forms import HoldForm, RecordSearchForm, ReleaseForm
from retention.models import LegalHold, PurgeLog
from retention.selectors import documented_information, found_record, found_records, record_ids

READERS: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})
HOLDERS: frozenset[str] = frozenset({Role.MANAGER})
PAGE_SIZE = 20
RECORDS_PAGE_SIZE = 25  # rows of each list of records (due now, due later, found)


def _holds_of(program, items) -> dict[tuple[str, int], LegalHold]:
    """The holds on the listed records (one query, only the page's rows)."""
    match = Q()
    for item in items:
        match |= Q(record_type=item.record_type, object_id=item.object_id)
    if not items:
        return {}
    return {
        (h.record_type, h.object_id): h for h in LegalHold.objects.filter(match, program=program)
    }


@login_required
@require_http_methods(["GET"])
def retention_page(request, code):
    """The page: rules, what the next purge deletes and what falls due, a
    search for any record to hold, the holds, their history and the purge log.
    Every list is paged; each row links to the record's own page, where the
    manager places or releases its hold."""
    program = get_program_for(request.user, code, roles=READERS)
    can_hold = bool(program.user_roles & HOLDERS)

    schedule = retention.retention_schedule(program=program)
    due_now = Paginator(schedule.at_next_purge, RECORDS_PAGE_SIZE).get_page(
        request.GET.get("due_page")
    )
    later = Paginator(schedule.later, RECORDS_PAGE_SIZE).get_page(request.GET.get("later_page"))
    hold_of = _holds_of(program, [row.item for row in (*due_now, *later)])

    def rows(page):
        return [
            {"row": row, "hold": hold_of.get((row.item.record_type, row.item.object_id))}
            for row in page
        ]

    search = RecordSearchForm(request.GET if "find" in request.GET else None)
    found = found_page = None
    if search.is_bound and search.is_valid():
        criteria = search.cleaned_data
        found_page = Paginator(
            record_ids(
                program=program,
                record_type=criteria["record_type"],
                month=criteria["month"],
                shop=criteria["shop"],
                agent=criteria["agent"],
            ),
            RECORDS_PAGE_SIZE,
        ).get_page(request.GET.get("found_page"))
        found = found_records(program=program, ids=list(found_page))

    holds = Paginator(
        LegalHold.objects.filter(program=program)
        .select_related("created_by")
        .order_by("-created_at", "-pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("holds_page"))
    history = Paginator(
        LegalHold.history.filter(program_id=program.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("history_page"))
    log = Paginator(
        PurgeLog.objects.filter(program=program).order_by("-purged_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("log_page"))
    rules = sorted(
        program.retention_rules.all(), key=lambda r: RecordType.values.index(r.record_type)
    )
    return render(
        request,
        "retention/page.html",
        {
            "program": program,
            "can_hold": can_hold,
            "schedule": schedule,
            "rules": [{"rule": r, "purged": r.record_type in retention.RECORDS} for r in rules],
            "at_next_purge": rows(due_now),
            "at_next_purge_count": len(schedule.at_next_purge),
            "due_pager": _pager(request, due_now, "due_page", "due-now"),
            "later": rows(later),
            "later_pager": _pager(request, later, "later_page", "due-later"),
            "kept_at_next_purge": sum(1 for r in schedule.at_next_purge if r.item.kept_because),
            "search": search,
            "found": found,
            "found_pager": found_page and _pager(request, found_page, "found_page", "find"),
            "back": request.get_full_path(),
            "holds": holds,
            "holds_pager": _pager(request, holds, "holds_page", "holds"),
            "history": _pager(request, history, "history_page", "hold-history"),
            "history_rows": entries_of(list(history), kind_labels=HOLD_KINDS),
            "log": log,
            "log_pager": _pager(request, log, "log_page", "purge-log"),
            "documents": documented_information(program=program),
        },
    )


def _back(request, program) -> str:
    """Where to go after a hold or release: the Retention page the manager came
    from (its search and pages kept), never another site."""
    page = reverse("retention", args=[program.code])
    back = request.POST.get("back") or request.GET.get("back") or ""
    if back.startswith(page) and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return back
    return page


def _add_errors(request, form: forms.Form, exc: ValidationError) -> None:
    """A field's error next to it; any other at the top of the page."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        for error in messages_:
            if field in form.fields:
                form.add_error(field, error)
            else:
                messages.error(request, error)


@login_required
@require_http_methods(["GET", "POST"])
def retention_record(request, code, record_type, object_id):
    """One record of the program, due or not: the manager places a legal hold
    on it, or releases the one it has, with a reason."""
    program = get_program_for(request.user, code, roles=HOLDERS)
    record = found_record(program=program, record_type=record_type, object_id=object_id)
    back = _back(request, program)
    if record is None:
        if request.method == "POST" and record_type in retention.RECORDS:
            # Purged or deleted since the manager opened its page.
            messages.error(request, _("This record is no longer there."))
            return redirect(back)
        raise Http404
    # What the manager's page showed: a second click on "Release" must not
    # place a hold, nor a second "Hold it" release one.
    action = request.POST.get("action") or ("release" if record.hold else "hold")
    form_class = ReleaseForm if action == "release" else HoldForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if action == "release":
                released = record.hold is not None and retention.release_hold(
                    program=program, hold_id=record.hold.pk, reason=reason, user=request.user
                )
                if released:
                    messages.success(request, _("The hold is released."))
                else:
                    messages.info(request, _("This hold was released already."))
            else:
                hold = retention.place_hold(
                    program=program,
                    record_type=record_type,
                    object_id=object_id,
                    reason=reason,
                    user=request.user,
                )
                messages.success(
                    request,
                    _("%(record)s is on hold: the purge keeps it.")
                    % {"record": hold.description or f"#{hold.object_id}"},
                )
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            return redirect(back)
    return render(
        request,
        "retention/record.html",
        {"program": program, "record": record, "form": form, "action": action, "back": back},
    )


def _pager(request, page, param: str, anchor: str) -> dict:
    """Links to the previous and next page of one of the page's lists, keeping
    the other list's page."""

    def url(number):
        query = request.GET.copy()
        query[param] = number
        return f"?{query.urlencode()}#{anchor}"

    return {
        "page": page,
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


HOLD_KINDS = {
    "+": gettext_lazy("Placed"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Released"),
}
