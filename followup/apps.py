from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """After a defect: routing to team leaders, coaching, calibration."""

    name = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        from followup import readers, receivers, retests
        from sampling.services import RETEST_PROVIDERS

        receivers.connect()
        readers.connect()
        if retests.retest_requests_for not in RETEST_PROVIDERS:
            RETEST_PROVIDERS.append(retests.retest_requests_for)
