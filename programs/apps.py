from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """The program and who is in it: users, organizations, programs, roles."""

    name = "programs"
    verbose_name = _("Programs")
