from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    """The shop itself: execution record (F-32), MS form (F-31), scores."""

    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self):
        from programs.selectors.setup import MODE_KEEPERS
        from scoring.selectors import shops_keeping_mode

        # The program's rules page says how many shops keep their mode before
        # the mode changes (programs never imports scoring).
        if shops_keeping_mode not in MODE_KEEPERS:
            MODE_KEEPERS.append(shops_keeping_mode)
