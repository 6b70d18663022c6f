"""The ISO audit pack pages (PGD-6, TLK-6): request a month's pack, watch it
being built, download it. For the manager and the QC analyst only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from programs.access import get_program_for
from programs.months import add_months
from reporting.models import AuditPack, PackStatus
from reporting.services import auditpack
from sampling.forms import MonthField


class AuditPackForm(forms.Form):
    month = MonthField(
        label=gettext_lazy("Month"),
        help_text=gettext_lazy("The month whose records the pack holds, usually last month."),
        error_messages={"invalid": gettext_lazy("Enter a month as YYYY-MM, e.g. 2026-12.")},
    )


def _last_month(program):
    today = timezone.localdate(timezone.now(), program.zone)
    return add_months(today, -1)


@login_required
@require_http_methods(["GET", "POST"])
def audit_pack_list(request, code):
    """The month picker and the program's packs with their progress."""
    program = get_program_for(request.user, code, roles=auditpack.AUDIT_PACK_ROLES)
    form = AuditPackForm(request.POST or None, initial={"month": _last_month(program)})
    if request.method == "POST" and form.is_valid():
        try:
            pack = auditpack.audit_pack_request(
                program=program, month=form.cleaned_data["month"], user=request.user
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                _("The audit pack of %(month)s is being built; this page shows its progress.")
                % {"month": f"{pack.month:%Y-%m}"},
            )
            return redirect("audit_pack_list", program.code)
    packs = AuditPack.objects.filter(program=program).select_related("requested_by")
    page = Paginator(packs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/auditpack/list.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "rows": [auditpack.pack_row(p) for p in page],
            "folders": auditpack.folders(program),
        },
    )


@login_required
@require_GET
def audit_pack_status(request, code, pk):
    """One pack's row: htmx polls it every 2 s while the pack is being built."""
    program = get_program_for(request.user, code, roles=auditpack.AUDIT_PACK_ROLES)
    pack = get_object_or_404(
        AuditPack.objects.select_related("requested_by"), program=program, pk=pk
    )
    return render(
        request,
        "reporting/auditpack/_pack_row.html",
        {"program": program, "row": auditpack.pack_row(pack)},
    )


@login_required
@require_GET
def audit_pack_download(request, code, pk):
    """The finished ZIP; a pack that failed or is not built yet has nothing to give."""
    program = get_program_for(request.user, code, roles=auditpack.AUDIT_PACK_ROLES)
    pack = get_object_or_404(AuditPack, program=program, pk=pk, status=PackStatus.DONE)
    if not pack.file:
        raise Http404
    try:
        handle = pack.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{program.code}-audit-pack-{pack.month:%Y-%m}.zip",
        content_type="application/zip",
    )
