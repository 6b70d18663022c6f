from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MysteryshopConfig(AppConfig):
    """Project-wide pieces: health, heartbeat, language and navigation."""

    name = "mysteryshop"
    verbose_name = _("System")
