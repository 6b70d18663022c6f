"""Contact data pages (TLK-5.1.1, 5.1.2; PGD-5.2.2): upload, progress, errors,
top-N reasons, unknown reasons, the traffic heat map."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from programs.access import EDIT_LIBRARY, get_program_for
from programs.models import Role
from programs.months import add_months, month_from_url
from sampling import importer, selectors, services
from sampling.forms import ContactImportForm, ImportMappingForm, ReasonMapForm, last_month
from sampling.importer import HEADER_ALIASES, OPTIONAL, REQUIRED
from sampling.models import ContactImport, ImportMapping, ImportStatus
from sampling.sample_file import HEADER, program_sample
from sampling.services import mappings

# Who works with contact data: the analyst (PIC) and the manager.
DATA_ROLES = frozenset({Role.MANAGER, Role.QC_ANALYST})


@login_required
@require_http_methods(["GET", "POST"])
def contact_import_list(request, code):
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    form = ContactImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"month": last_month()},
        program=program,
    )
    if request.method == "POST" and form.is_valid():
        record = services.contact_import_start(
            program=program,
            month=form.cleaned_data["month"],
            upload=form.cleaned_data["file"],
            user=request.user,
        )
        if record.queued is False:  # saved, but the broker did not take the task
            messages.warning(
                request,
                _(
                    "The file was saved, but the job queue is not answering right now: its "
                    "import starts by itself when the queue is back. There is no need to "
                    "upload it again."
                ),
            )
        else:
            messages.info(request, _("The file was received; the import runs in the background."))
        return redirect("contact_import_detail", program.code, record.pk)
    imports = list(
        ContactImport.objects.filter(program=program).select_related("uploaded_by")[:50]
    )
    plans = selectors.plans_by_import(imports)
    for record in imports:
        record.plan = plans.get(record.pk)
    return render(
        request,
        "sampling/imports/list.html",
        {
            "program": program,
            "form": form,
            "imports": imports,
            "required": REQUIRED,
            "optional": OPTIONAL,
            "channels": program.channels.all(),
            "categories": program.categories.all(),
            "aliases": HEADER_ALIASES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_import_detail(request, code, pk):
    """The import's status, its errors by cause and the values to map; htmx
    polls the status card while it runs."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    record = get_object_or_404(
        ContactImport.objects.select_related("uploaded_by", "program"), program=program, pk=pk
    )
    can_map = bool(program.user_roles & EDIT_LIBRARY)
    form = None
    unknowns, options = [], {}
    if record.unknown_values and record.is_finished:
        options = mappings.all_targets(program)
        unknowns = mappings.unknown_values(record, options)
    if unknowns:
        form = ImportMappingForm(request.POST or None, unknowns=unknowns, options=options)
        if request.method == "POST":
            if not can_map:
                raise PermissionDenied
            if form.is_valid():
                try:
                    n = mappings.import_mappings_apply(
                        record=record, choices=form.choices(), user=request.user
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    if record.status == ImportStatus.SUCCEEDED:  # areas: the data stands
                        saved = ngettext(
                            "%(n)s mapping saved; the plans use it.",
                            "%(n)s mappings saved; the plans use them.",
                            n,
                        )
                    else:
                        saved = ngettext(
                            "%(n)s mapping saved; the file is read again with it.",
                            "%(n)s mappings saved; the file is read again with them.",
                            n,
                        )
                    messages.success(request, saved % {"n": n})
                    if getattr(record, "queued", None) is False:  # the broker is away
                        messages.warning(
                            request,
                            _(
                                "The job queue is not answering right now: the file is "
                                "read again by itself when the queue is back."
                            ),
                        )
                    return redirect("contact_import_detail", program.code, record.pk)
    elif request.method == "POST":
        messages.info(request, _("This import has no values left to map."))
        return redirect("contact_import_detail", program.code, record.pk)
    template = "sampling/imports/detail.html"
    if request.htmx:
        template += "#status"
    known = {
        importer.UNKNOWN_CATEGORY: ", ".join(c.name for c in program.categories.all()),
        importer.UNKNOWN_CHANNEL: ", ".join(c.name for c in program.channels.all()),
    }
    groups = [
        {**g, "text": importer.describe_group(g, known.get(g["code"], ""))}
        for g in record.error_groups
    ]
    return render(
        request,
        template,
        {
            "program": program,
            "record": record,
            "groups": groups,
            "form": form,
            "can_map": can_map,
            "plan": selectors.plans_by_import([record]).get(record.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping_list(request, code):
    """The program's remembered mappings, where each came from; edit or remove."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    can_edit = bool(program.user_roles & EDIT_LIBRARY)
    rows = list(
        ImportMapping.objects.filter(program=program).select_related(
            "category", "channel", "area", "contact_import", "created_by"
        )
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        mapping = next((m for m in rows if str(m.pk) == request.POST.get("mapping")), None)
        if mapping is None:
            raise Http404
        if request.POST.get("action") == "delete":
            mappings.import_mapping_delete(mapping=mapping, user=request.user)
            messages.success(
                request, _("The mapping of “%(value)s” was removed.") % {"value": mapping.value}
            )
            return redirect("import_mapping_list", program.code)
        try:
            mappings.import_mapping_change(
                mapping=mapping, choice=request.POST.get("choice", ""), user=request.user
            )
        except ValidationError as exc:
            mapping.problem = " ".join(exc.messages)
        else:
            messages.success(
                request, _("The mapping of “%(value)s” was changed.") % {"value": mapping.value}
            )
            return redirect("import_mapping_list", program.code)
    options = mappings.all_targets(program)
    for m in rows:
        m.options = options[m.kind]
        m.current = (
            "ignore" if m.ignore else f"{m.kind}:{m.category_id or m.channel_id or m.area_id}"
        )
    return render(
        request,
        "sampling/imports/mappings.html",
        {"program": program, "mappings": rows, "can_edit": can_edit},
    )


@login_required
def contact_import_errors(request, code, pk):
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    record = get_object_or_404(ContactImport, program=program, pk=pk)
    if not record.errors_file:
        raise Http404
    return FileResponse(
        record.errors_file.open("rb"),
        as_attachment=True,
        filename=f"errors-{program.code}-{record.month:%Y-%m}.csv",
    )


@login_required
def contact_import_file(request, code, pk):
    """The original file, kept as evidence."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    record = get_object_or_404(ContactImport, program=program, pk=pk)
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.original_name)


@login_required
def contact_import_sample(request, code):
    """A sample file of last month in the program's own reasons and channels."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    month = last_month()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(program_sample(program, month))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{program.code}-contacts-{month:%Y-%m}.csv"'
    )
    return response


@login_required
def contact_data(request, code, month):
    """Top-N reasons, unknown reasons and the traffic heat map of a month."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    month = month_from_url(month)
    record = services.latest_import(program, month)
    if record is None:
        raise Http404
    overview = selectors.contact_overview(program, record)
    return render(
        request,
        "sampling/imports/data.html",
        {
            "program": program,
            "month": month,
            "overview": overview,
            "can_edit": bool(program.user_roles & EDIT_LIBRARY),
            "map_form": ReasonMapForm(program=program),
            "plan_month": add_months(month, 1),
        },
    )


def _contacts(n: int) -> str:
    return ngettext("%(n)s contact", "%(n)s contacts", n) % {"n": n}


@login_required
@require_POST
def reason_resolve(request, code, month):
    """Map an unknown reason to a known one, or add it to the program."""
    program = get_program_for(request.user, code, roles=EDIT_LIBRARY)
    text = request.POST.get("text", "")
    try:
        if request.POST.get("action") == "map_suggested":
            record = services.latest_import(program, month_from_url(month))
            if record is None:
                raise Http404
            reasons = {r.pk: r for r in program.reasons.all()}
            suggested = [
                u for u in selectors.import_unknown_reasons(program, record) if u.suggested
            ]
            services.reasons_map_all(
                program=program, mapping={u.text: reasons[u.suggested] for u in suggested}
            )
            messages.success(
                request,
                ngettext(
                    "%(reasons)s reason mapped as suggested (%(contacts)s).",
                    "%(reasons)s reasons mapped as suggested (%(contacts)s).",
                    len(suggested),
                )
                % {
                    "reasons": len(suggested),
                    "contacts": _contacts(sum(u.contacts for u in suggested)),
                },
            )
        elif request.POST.get("action") == "add":
            reason = services.reason_add_from_text(program=program, text=text)
            messages.success(
                request,
                _("%(reason)s was added to the program's reasons.") % {"reason": reason.name},
            )
        else:
            form = ReasonMapForm(request.POST, program=program)
            if not form.is_valid():
                raise ValidationError(_("Choose the reason it is the same as."))
            n = services.reason_map(program=program, text=text, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                _("“%(text)s” is now counted as %(reason)s (%(n)s rows).")
                % {"text": text, "reason": form.cleaned_data["reason"], "n": n},
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("contact_data", program.code, month)
