from django.contrib import admin

from mysteryshop.admin import ReadOnlyAdmin
from scoring.models import Shop


@admin.register(Shop)
class ShopAdmin(ReadOnlyAdmin):
    """Read-only: a shop's state, score and review change only through the scoring
    services (the form, submit, review, finalize), which keep the history."""

    list_display = [
        "pk",
        "program",
        "shopper",
        "state",
        "scoring_mode",
        "score",
        "submitted_at",
        "finalized_at",
    ]
    list_filter = ["program", "state", "scoring_mode"]
    search_fields = ["shopper__email", "shopper__full_name", "interaction_id"]
    date_hierarchy = "created_at"
    list_select_related = ["program", "shopper"]
    raw_id_fields = ["planned_shop", "agent", "finalized_by"]
