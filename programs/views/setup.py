"""Program setup pages: rules, frame tables, channels, members, audit trail,
and new programs from a preset."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from mysteryshop.site import site_parts
from programs.access import EDIT_RULES, get_program_for
from programs.forms.setup import (
    CategoryForm,
    ChannelForm,
    ClosureForm,
    MemberAddForm,
    MembershipRaciForm,
    ProgramFromPresetForm,
    ProgramRulesForm,
    RetentionForm,
    RevisionForm,
    TimeBandForm,
    TimeSlotForm,
    table_formset,
)
from programs.models import (
    Membership,
    Organization,
    Program,
    Raci,
    Role,
)
from programs.selectors.setup import AUDIT_LIMIT, audit_entries
from programs.services import people as people_services
from programs.services import setup as services


@dataclass(frozen=True)
class FrameTable:
    key: str
    title: str
    clause: str
    form: type
    order_by: tuple[str, ...]
    related: tuple[str, ...] = ()


FRAME_TABLES = {
    t.key: t
    for t in [
        FrameTable(
            "categories",
            gettext_lazy("Interaction categories"),
            "PGD-4.3, TLK-5.1.2",
            CategoryForm,
            ("order", "name"),
        ),
        FrameTable(
            "bands",
            gettext_lazy("Time bands"),
            "PGD-4.3, TLK-5.2.1.3",
            TimeBandForm,
            ("order", "start_hour"),
            ("maps_to",),
        ),
        FrameTable(
            "slots",
            gettext_lazy("Execution slots"),
            "PGD-4.5",
            TimeSlotForm,
            ("start",),
            ("band",),
        ),
        FrameTable(
            "closures",
            gettext_lazy("Closures (besides public holidays)"),
            "PGD-4.5",
            ClosureForm,
            ("date",),
        ),
        FrameTable(
            "retention",
            gettext_lazy("Retention of records"),
            "PGD-6, TLK-6",
            RetentionForm,
            ("record_type",),
        ),
        FrameTable(
            "revisions",
            gettext_lazy("Change log of the work instruction"),
            "PGD-7, TLK-7",
            RevisionForm,
            ("effective_date", "revision"),
        ),
        FrameTable(
            "channels",
            gettext_lazy("Channels"),
            "PGD-2.1",
            ChannelForm,
            ("kind", "parent_id", "name"),
            ("parent",),
        ),
    ]
}


def _table_rows(program: Program, table: FrameTable):
    model = table.form.Meta.model
    return (
        model.objects.filter(program=program)
        .select_related(*table.related)
        .order_by(*table.order_by)
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_settings(request, code):
    """The program's rules: managers edit them, every member reads them."""
    program = get_program_for(request.user, code)
    can_edit = bool(program.user_roles & EDIT_RULES)
    form = ProgramRulesForm(request.POST or None, instance=program)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("The program's rules were saved."))
            if form.mode_change is not None:
                messages.info(
                    request,
                    ngettext(
                        "The new scoring mode applies to new shops only; %(count)s shop "
                        "started before keeps the mode it was scored under.",
                        "The new scoring mode applies to new shops only; %(count)s shops "
                        "started before keep the mode they were scored under.",
                        form.mode_change.kept,
                    )
                    % {"count": form.mode_change.kept},
                )
            return redirect("program_settings", program.code)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "programs/setup/settings.html",
        {"program": program, "form": form, "can_edit": can_edit},
    )


@login_required
def program_frame(request, code):
    """Categories, time bands, slots, closures, retention and change log."""
    program = get_program_for(request.user, code)
    keys = ["categories", "bands", "slots", "closures", "retention", "revisions"]
    tables = [(FRAME_TABLES[k], list(_table_rows(program, FRAME_TABLES[k]))) for k in keys]
    return render(
        request,
        "programs/setup/frame.html",
        {"program": program, "tables": tables, "can_edit": bool(program.user_roles & EDIT_RULES)},
    )


@login_required
def channel_list(request, code):
    program = get_program_for(request.user, code)
    table = FRAME_TABLES["channels"]
    return render(
        request,
        "programs/setup/frame.html",
        {
            "program": program,
            "tables": [(table, list(_table_rows(program, table)))],
            "can_edit": bool(program.user_roles & EDIT_RULES),
            "title": _("Channels"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_table_edit(request, code, table):
    """Edit one frame table as a formset; all rows are saved together or not at all."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    frame_table = FRAME_TABLES.get(table)
    if frame_table is None:
        raise Http404
    formset_class = table_formset(frame_table.form)
    formset = formset_class(
        request.POST or None,
        queryset=_table_rows(program, frame_table),
        form_kwargs={"program": program},
        prefix=table,
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.formset_save(formset)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(exc.messages)
        else:
            messages.success(request, _("%(table)s saved.") % {"table": frame_table.title})
            return redirect("channel_list" if table == "channels" else "program_frame", code)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "programs/setup/table_edit.html",
        {"program": program, "formset": formset, "table": frame_table},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, code):
    """Who is in the program, their roles and RACI part (PGD-4.2)."""
    program = get_program_for(request.user, code)
    can_edit = bool(program.user_roles & EDIT_RULES)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                membership, created = people_services.membership_add(
                    program=program, **form.cleaned_data
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                if created:
                    _send_set_password_link(request, membership.user)
                messages.success(
                    request,
                    _("%(user)s is now %(role)s.")
                    % {"user": membership.user, "role": membership.get_role_display()},
                )
                return redirect("member_list", code)
    memberships = list(
        Membership.objects.filter(program=program)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    raci = [
        (label, [m for m in memberships if m.effective_raci == letter])
        for letter, label in Raci.choices
    ]
    return render(
        request,
        "programs/setup/members.html",
        {
            "program": program,
            "memberships": memberships,
            "raci": raci,
            "form": form,
            "can_edit": can_edit,
            "roles": Role.choices,
        },
    )


def _send_set_password_link(request, user) -> None:
    """E-mail a new member a link to choose their password.

    PasswordResetForm skips accounts without a usable password, which is
    exactly what a new account is, so the link is built here.
    """
    protocol, domain = site_parts()
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        "domain": domain,
    }
    PasswordResetForm().send_mail(
        "registration/welcome_subject.txt",
        "registration/welcome_email.txt",
        context,
        from_email=None,
        to_email=user.email,
    )


@login_required
@require_POST
def member_update(request, code, pk):
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    membership = get_object_or_404(Membership, program=program, pk=pk)
    if request.POST.get("action") == "remove":
        try:
            people_services.membership_remove(membership=membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The role was removed."))
        return redirect("member_list", code)
    form = MembershipRaciForm(request.POST, instance=membership)
    if form.is_valid():
        form.save()
        messages.success(request, _("The RACI part was saved."))
    else:
        messages.error(request, _("Choose a valid RACI part."))
    return redirect("member_list", code)


# --- Audit trail ------------------------------------------------------------------


@login_required
def program_history(request, code):
    program = get_program_for(request.user, code, roles={Role.MANAGER, Role.QC_ANALYST})
    return render(
        request,
        "programs/setup/history.html",
        {"program": program, "entries": audit_entries(program), "limit": AUDIT_LIMIT},
    )


# --- New program from a preset -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def program_new(request):
    """Managers create a program from a seed preset, in an organization they manage in."""
    organizations = Organization.objects.filter(
        programs__memberships__user=request.user, programs__memberships__role=Role.MANAGER
    ).distinct()
    if not organizations.exists():
        raise PermissionDenied
    form = ProgramFromPresetForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create_from_preset(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(name)s was created from the preset.") % {"name": program.name}
            )
            return redirect("program_settings", program.code)
    return render(request, "programs/setup/program_new.html", {"form": form})
