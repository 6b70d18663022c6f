"""Contact data pages (TLK-5.1.1, 5.1.2; PGD-5.2.2): upload, progress, errors,
top-N reasons, unknown reasons, the traffic heat map."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.access import EDIT_LIBRARY, get_program_for
from programs.models import Role
from programs.months import add_months, month_from_url

from .. import selectors, services
from ..demo_data import HEADER, program_sample
from ..forms import ContactImportForm, ReasonMapForm, last_month
from ..importer import OPTIONAL, REQUIRED
from ..models import ContactImport

# Who works with contact data: the analyst (PIC) and the manager.
DATA_ROLES = frozenset({Role.MANAGER, Role.QC_ANALYST})


@login_required
@require_http_methods(["GET", "POST"])
def contact_import_list(request, code):
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    form = ContactImportForm(
        request.POST or None, request.FILES or None, initial={"month": last_month()}
    )
    if request.method == "POST" and form.is_valid():
        record = services.contact_import_start(
            program=program,
            month=form.cleaned_data["month"],
            upload=form.cleaned_data["file"],
            user=request.user,
        )
        messages.info(request, _("The file was received; the import runs in the background."))
        return redirect("contact_import_detail", program.code, record.pk)
    imports = list(
        ContactImport.objects.filter(program=program).select_related("uploaded_by")[:50]
    )
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
        },
    )


@login_required
def contact_import_detail(request, code, pk):
    """The import's status; htmx polls the status card while it runs."""
    program = get_program_for(request.user, code, roles=DATA_ROLES)
    record = get_object_or_404(
        ContactImport.objects.select_related("uploaded_by"), program=program, pk=pk
    )
    template = "sampling/imports/detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"program": program, "record": record})


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


@login_required
@require_POST
def reason_resolve(request, code, month):
    """Map an unknown reason to a known one, or add it to the program."""
    program = get_program_for(request.user, code, roles=EDIT_LIBRARY)
    text = request.POST.get("text", "")
    try:
        if request.POST.get("action") == "add":
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
