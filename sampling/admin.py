from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mysteryshop.admin import ReadOnlyAdmin
from sampling.models import ContactImport, SamplePlan
from sampling.services import imports


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyAdmin):
    """Read-only, with the two operations an administrator needs for an import
    that is stuck (its worker killed, its message lost): requeue it, or mark it
    failed so the analyst uploads again. Both go through the import services."""

    list_display = [
        "pk",
        "program",
        "month",
        "original_name",
        "status",
        "progress",
        "attempts",
        "row_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["program", "status"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    list_select_related = ["program"]
    actions = ["requeue", "mark_failed"]

    def has_operate_permission(self, request):
        return request.user.has_perm("sampling.change_contactimport")

    @admin.action(
        description=_("Requeue (start again from the beginning)"), permissions=["operate"]
    )
    def requeue(self, request, queryset):
        with transaction.atomic():
            done = sum(
                imports.contact_import_requeue(record=record, user=request.user)
                for record in queryset
            )
        self._report(request, queryset.count(), done, "requeued")

    @admin.action(
        description=_("Mark failed (the analyst uploads again)"), permissions=["operate"]
    )
    def mark_failed(self, request, queryset):
        done = sum(
            imports.contact_import_fail(record=record, user=request.user) for record in queryset
        )
        self._report(request, queryset.count(), done, "failed")

    def _report(self, request, selected, done, what):
        if what == "requeued":
            text = ngettext("%(n)d import requeued.", "%(n)d imports requeued.", done)
        else:
            text = ngettext("%(n)d import marked failed.", "%(n)d imports marked failed.", done)
        self.message_user(request, text % {"n": done}, messages.SUCCESS)
        if skipped := selected - done:
            self.message_user(
                request,
                ngettext(
                    "%(n)d import was left alone: it has finished already.",
                    "%(n)d imports were left alone: they have finished already.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )


@admin.register(SamplePlan)
class SamplePlanAdmin(ReadOnlyAdmin):
    """Read-only: plans are generated, regenerated and approved by the sampling
    services (same data and seed → same plan; an approved plan is frozen)."""

    list_display = [
        "program",
        "month",
        "status",
        "sample_size",
        "frame_total",
        "seed",
        "created_at",
        "approved_by",
        "approved_at",
    ]
    list_filter = ["program", "status"]
    date_hierarchy = "month"
    list_select_related = ["program", "approved_by"]
    raw_id_fields = ["contact_import"]
