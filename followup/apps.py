from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """After a defect: routing to team leaders, coaching, calibration."""

    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        from . import receivers

        receivers.connect()
