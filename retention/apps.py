from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """How long records are kept (PGD-6, TLK-6): legal holds, the purge and its log."""

    name = "retention"
    verbose_name = _("Retention")
