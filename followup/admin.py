from django.contrib import admin

from followup.models import Defect
from mysteryshop.admin import ReadOnlyAdmin


@admin.register(Defect)
class DefectAdmin(ReadOnlyAdmin):
    """Read-only: defects are routed, passed on and acknowledged by the follow-up
    services (with their reminders and notifications)."""

    list_display = ["pk", "program", "agent", "team_leader", "status", "due_on", "created_at"]
    list_filter = ["program", "status"]
    search_fields = ["agent__name", "team_leader__email"]
    date_hierarchy = "created_at"
    list_select_related = ["program", "agent", "team_leader"]
