"""Who is served and scored: areas (sites), teams and agents. Agents are
records, not logins."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models.core import Program
from programs.models.schedule import Channel


class Area(models.Model):
    """A site or area of the contact center; reasons are adjusted per area (TLK-5.1.2)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="areas", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="area_unique_code"),
        ]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A team of agents with its team leader and supervisor (defects are routed here)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="teams", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
        verbose_name=_("area"),
    )
    team_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team leader"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_teams",
        verbose_name=_("supervisor"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="team_unique_code"),
        ]

    def __str__(self):
        return self.name


class Agent(models.Model):
    """A contact-center employee who is scored. Needs no login."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="agents", verbose_name=_("program")
    )
    employee_id = models.CharField(_("employee id"), max_length=40)
    name = models.CharField(_("name"), max_length=150)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="agents", verbose_name=_("team")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("area"),
    )
    skills = models.CharField(
        _("skills"), max_length=300, blank=True, help_text=_("Comma-separated, e.g. gadai, emas.")
    )
    channels = models.ManyToManyField(
        Channel, related_name="agents", blank=True, verbose_name=_("channels")
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[channels])

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "employee_id"], name="agent_unique_employee_id"
            ),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True)
                | models.Q(active_from__isnull=True)
                | models.Q(active_from__lte=models.F("active_to")),
                name="agent_active_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.employee_id})"

    def clean(self):
        if self.active_from and self.active_to and self.active_from > self.active_to:
            raise ValidationError({"active_to": _("The end date is before the start date.")})

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]
