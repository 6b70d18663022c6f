from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The inbox and the e-mail outbox: messages to one user, in their language."""

    name = "notifications"
    verbose_name = _("Notifications")
