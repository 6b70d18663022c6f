from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """The shop itself: execution record (F-32), MS form (F-31), scores."""

    name = "scoring"
    verbose_name = _("Scoring")
