from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplingConfig(AppConfig):
    """What to test and when: contact imports, sample plans, planned shops."""

    name = "sampling"
    verbose_name = _("Sampling and scheduling")
