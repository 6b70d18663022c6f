from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by e-mail. Roles are held per program (Membership)."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of pages and e-mails; blank follows the browser."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("system administrator"),
        default=False,
        help_text=_("May use the Django admin. Product pages never depend on it."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """The contact-center operator (or client) that runs programs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Program(models.Model):
    """A mystery-shopping program: one work instruction (IK) run from settings."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                _("Use letters, digits, '-' and '_' only."),
            )
        ],
        help_text=_("Short code used in addresses and documents, e.g. PGD."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def user_role_labels(self) -> list[str]:
        """Labels of the roles the access gate found for the current user."""
        from .access import role_labels

        return role_labels(getattr(self, "user_roles", ()))


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    QC_ANALYST = "qc_analyst", _("QC analyst")
    SHOPPER = "shopper", _("Shopper")
    SUPERVISOR = "supervisor", _("Supervisor")
    TEAM_LEADER = "team_leader", _("Team leader")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in one program; a user may hold several roles in a program."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("program"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["program__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.program} · {self.get_role_display()}"
