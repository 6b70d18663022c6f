"""The program's Retention page (PGD-6, TLK-6): its rules, what the next purge
deletes and what falls due in the next 90 days, the legal holds with their
history, and the purge log. The manager places and releases holds; the QC
analyst, the records' keeper, reads it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mysteryshop.history import entries_of
from programs.access import get_program_for
from programs.models import RecordType, Role
from retention import services as retention
from retention.models import LegalHold, PurgeLog
from retention.selectors import documented_information

READERS: frozenset[str] = frozenset({Role.MANAGER, Role.QC_ANALYST})
HOLDERS: frozenset[str] = frozenset({Role.MANAGER})
PAGE_SIZE = 20


class HoldForm(forms.Form):
    """Place a legal hold on one listed record."""

    action = forms.CharField(widget=forms.HiddenInput, initial="hold")
    record_type = forms.ChoiceField(choices=RecordType.choices, widget=forms.HiddenInput)
    object_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Why must it be kept?"),
        max_length=300,
        help_text=gettext_lazy("E.g. an ISO audit finding, a customer complaint, a dispute."),
    )


class ReleaseForm(forms.Form):
    """Release one legal hold."""

    action = forms.CharField(widget=forms.HiddenInput, initial="release")
    hold = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Why may it go now?"), max_length=300)


def _hold_form(row, bound: HoldForm | None) -> HoldForm:
    """The row's form: the one posted if it was for this row (errors and typed
    text), else an empty one. Ids are unique per row."""
    item = row.item
    data = bound.data if bound is not None else {}
    if data.get("record_type") == item.record_type and data.get("object_id") == str(
        item.object_id
    ):
        return bound
    return HoldForm(
        initial={"record_type": item.record_type, "object_id": item.object_id},
        auto_id=f"id_hold_{row.key}_%s",
    )


def _release_form(hold: LegalHold, bound: ReleaseForm | None) -> ReleaseForm:
    if bound is not None and bound.data.get("hold") == str(hold.pk):
        return bound
    return ReleaseForm(initial={"hold": hold.pk}, auto_id=f"id_release_{hold.pk}_%s")


def _post(request, program) -> tuple[HoldForm | None, ReleaseForm | None, bool]:
    """Place or release a hold. Returns the bound form (to show its errors) and
    whether it succeeded."""
    if request.POST.get("action") == "release":
        form = ReleaseForm(request.POST, auto_id=f"id_release_{request.POST.get('hold')}_%s")
        if not form.is_valid():
            if form.has_error("hold"):
                messages.error(request, _("Choose a hold of the list to release."))
            return None, form, False
        try:
            released = retention.release_hold(
                program=program,
                hold_id=form.cleaned_data["hold"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as exc:
            _add_errors(request, form, exc)
            return None, form, False
        if released:
            messages.success(request, _("The hold is released."))
        else:
            messages.info(request, _("This hold was released already."))
        return None, form, True
    key = f"{request.POST.get('record_type')}-{request.POST.get('object_id')}"
    form = HoldForm(request.POST, auto_id=f"id_hold_{key}_%s")
    if not form.is_valid():
        if form.has_error("record_type") or form.has_error("object_id"):
            messages.error(request, _("Choose a record of the list to hold."))
        return form, None, False
    try:
        hold = retention.place_hold(
            program=program,
            record_type=form.cleaned_data["record_type"],
            object_id=form.cleaned_data["object_id"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except ValidationError as exc:
        _add_errors(request, form, exc)
        return form, None, False
    messages.success(
        request,
        _("%(record)s is on hold: the purge keeps it.")
        % {"record": hold.description or f"#{hold.object_id}"},
    )
    return form, None, True


def _add_errors(request, form: forms.Form, exc: ValidationError) -> None:
    """A field's error next to it; any other at the top of the page (the record
    it was about may no longer be listed)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        for error in messages_:
            if field in form.fields:
                form.add_error(field, error)
            else:
                messages.error(request, error)


@login_required
@require_http_methods(["GET", "POST"])
def retention_page(request, code):
    """The page; a POST places or releases a hold (the manager only)."""
    program = get_program_for(request.user, code, roles=READERS)
    can_hold = bool(program.user_roles & HOLDERS)
    hold_form = release_form = None
    if request.method == "POST":
        if not can_hold:
            raise PermissionDenied
        hold_form, release_form, done = _post(request, program)
        if done:
            return redirect(reverse("retention", args=[program.code]))

    schedule = retention.retention_schedule(program=program)
    holds = list(
        LegalHold.objects.filter(program=program)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
    hold_of = {(h.record_type, h.object_id): h for h in holds}
    rows = {
        name: [
            {
                "row": row,
                "hold": hold_of.get((row.item.record_type, row.item.object_id)),
                "form": _hold_form(row, hold_form) if can_hold else None,
            }
            for row in getattr(schedule, name)
        ]
        for name in ("at_next_purge", "later")
    }
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
            "at_next_purge": rows["at_next_purge"],
            "later": rows["later"],
            "kept_at_next_purge": sum(1 for r in schedule.at_next_purge if r.item.kept_because),
            "holds": [
                {"hold": h, "form": _release_form(h, release_form) if can_hold else None}
                for h in holds
            ],
            "history": _pager(request, history, "history_page", "hold-history"),
            "history_rows": entries_of(list(history), kind_labels=HOLD_KINDS),
            "log": log,
            "log_pager": _pager(request, log, "log_page", "purge-log"),
            "documents": documented_information(program=program),
        },
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
