from django.contrib import admin

from retention.models import LegalHold, PurgeLog, PurgeRun


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["program", "record_type", "object_id", "reason", "created_by", "created_at"]
    list_filter = ["program", "record_type"]

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(PurgeLog)
class PurgeLogAdmin(admin.ModelAdmin):
    list_display = [
        "purged_at",
        "program_code",
        "record_type",
        "object_id",
        "record_date",
        "purged_by",
        "checksum",
    ]
    list_filter = ["program_code", "record_type"]

    def has_change_permission(self, request, obj=None):
        return False  # the log is evidence: read-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    list_display = ["month", "program", "by", "started_at", "finished_at", "purged"]
    list_filter = ["program"]

    def has_add_permission(self, request):
        return False  # claimed by the scheduled purge only

    def has_change_permission(self, request, obj=None):
        return False
