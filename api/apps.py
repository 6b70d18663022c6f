from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/): program tokens, and endpoints that read and push a
    program's data through the other apps' services and selectors."""

    name = "api"
    verbose_name = _("REST API")
