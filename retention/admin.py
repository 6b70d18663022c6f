from django.contrib import admin

from mysteryshop.admin import ReadOnlyAdmin
from retention.models import LegalHold, PurgeLog, PurgeRun


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    """Read-only: holds are placed and lifted on the program's Retention page,
    through the hold service, which records who and why (PGD-6, TLK-6)."""

    list_display = ["program", "record_type", "object_id", "reason", "created_by", "created_at"]
    list_filter = ["program", "record_type"]
    list_select_related = ["program", "created_by"]


@admin.register(PurgeLog)
class PurgeLogAdmin(ReadOnlyAdmin):
    """The log is evidence of what the purge deleted: read-only."""

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


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    """Claimed by the scheduled purge only; kept with its log."""

    list_display = ["month", "program", "by", "started_at", "finished_at", "purged"]
    list_filter = ["program"]
