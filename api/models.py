"""Program API tokens: a secret that acts as the program in the REST API."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Program


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read_write", _("Read and push contact data")


class ApiToken(models.Model):
    """A program's API token, made by its manager. Only a SHA-256 of the secret is
    kept (the secret is shown once, when it is made) and a short prefix, so the
    manager can tell tokens apart. A revoked token stays listed, and audited."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("program")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses it, e.g. “contact-logging export”.")
    )
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    prefix = models.CharField(_("prefix"), max_length=12)
    secret_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Written at most once a minute (api.services.token_touch), outside the history.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=TokenScope.values), name="apitoken_scope_known"
            ),
        ]

    def __str__(self):
        return f"{self.program.code} {self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_push(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
