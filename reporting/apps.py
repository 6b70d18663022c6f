from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """What managers read: dashboards, monthly reports, audit packs; and the reminders."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from reporting import receivers

        receivers.connect()
