from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def validate_time_zone(value):
    if value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a known time zone."), params={"zone": value})


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

    @property
    def language_or_default(self) -> str:
        """What is written for this user away from a request (e-mails, the
        worker's messages) is in this language."""
        return self.language or settings.LANGUAGE_CODE

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


class ExecutionPattern(models.TextChoices):
    SESSIONS_PER_WEEK = "sessions_per_week", _("A number of sessions every week")
    WEEKS_OF_MONTH = "weeks_of_month", _("Only in given weeks of the month")


class ScoringMode(models.TextChoices):
    WEIGHTED = "weighted", _("Weighted QM score")
    BINARY = "binary", _("Binary 1 / 0")


def default_working_days():
    return [1, 2, 3, 4, 5]


def default_execution_weeks():
    return [2]


class Program(models.Model):
    """A mystery-shopping program: one work instruction (IK) run from settings.

    Every rule that differs between programs is a field here or a row of a
    related table (categories, time bands, slots, retention, coaching rules),
    never a code branch.
    """

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
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Jakarta", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(_("active"), default=True)
    preset = models.CharField(_("created from preset"), max_length=40, blank=True, editable=False)

    # Sampling (PGD-4.3/4.4, TLK-5.1.2, TLK-5.2.1.2)
    monthly_sample_size = models.PositiveIntegerField(
        _("monthly sample size"),
        default=56,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("Shops per month (Pegadaian: 56; Telkom: at least 40)."),
    )
    sample_size_is_minimum = models.BooleanField(
        _("sample size is a minimum"),
        default=False,
        help_text=_("Tick when the instruction says 'at least' this many shops."),
    )
    top_n_reasons = models.PositiveSmallIntegerField(
        _("top-N contact reasons"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many of last month's most frequent reasons form the sampling frame."),
    )
    top_reasons_per_area = models.BooleanField(
        _("top reasons per area"),
        default=False,
        help_text=_(
            "TLK-5.1.2: pick the top-N reasons in each area separately, matching the "
            "contact data's area column to the program's areas by code or name. Contacts "
            "of an unknown or blank area form an 'other / unknown area' group. Without "
            "area data the frame stays program-wide."
        ),
    )

    top_reasons_per_category = models.BooleanField(
        _("best reason of each category in the top-N"),
        default=False,
        help_text=_(
            "TLK-5.1.2: the top-N always holds the most frequent reason of each "
            "interaction category that has contacts (information, request, complaint "
            "FCR, escalated complaint); the rest by count. The plan says when a "
            "category had no contact."
        ),
    )

    min_shops_per_band = models.PositiveSmallIntegerField(
        _("minimum shops per time band"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "Coverage rule applied before proportional allocation: every time band "
            "with contacts and a slot gets at least this many shops (Telkom: 1)."
        ),
    )

    # Scheduling (PGD-4.5, PGD-5.2.2, TLK-5.2.1.3)
    execution_pattern = models.CharField(
        _("execution pattern"),
        max_length=20,
        choices=ExecutionPattern.choices,
        default=ExecutionPattern.SESSIONS_PER_WEEK,
    )
    sessions_per_week = models.PositiveSmallIntegerField(
        _("sessions per week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(35)],
        help_text=_("For the weekly pattern: e.g. 4 (Pegadaian)."),
    )
    execution_weeks = models.JSONField(
        _("execution weeks of the month"),
        default=default_execution_weeks,
        blank=True,
        help_text=_("For the weeks pattern: e.g. [2] for week II only (Telkom)."),
    )
    working_days = models.JSONField(
        _("working days"),
        default=default_working_days,
        help_text=_("ISO weekdays on which shops may run: 1 = Monday … 7 = Sunday."),
    )
    skip_public_holidays = models.BooleanField(
        _("skip public holidays"),
        default=True,
        help_text=_("Indonesian public holidays (and the program's closures) get no shops."),
    )
    holiday_country = models.CharField(_("holiday calendar"), max_length=2, default="ID")
    avoid_high_traffic = models.BooleanField(
        _("avoid high-traffic slots"),
        default=True,
        help_text=_(
            "PGD-5.2.2: no shop in a slot that is busy as a rate (contacts per hour on "
            "each day that weekday falls on, against the mean of the program's slots). "
            "Telkom's instruction has no such rule."
        ),
    )
    traffic_threshold_percent = models.PositiveSmallIntegerField(
        _("high-traffic threshold (%)"),
        default=120,
        validators=[MinValueValidator(50), MaxValueValidator(500)],
        help_text=_(
            "A slot whose contacts per hour per day exceed this percentage of the mean "
            "of the program's slots on its working days is high-traffic (PGD-5.2.2)."
        ),
    )
    max_shops_per_shopper_slot = models.PositiveSmallIntegerField(
        _("shops per shopper per slot (at most)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "Shops are spread over sessions and slots: no shopper gets more than this "
            "many shops in one slot of one day while the plan has room elsewhere."
        ),
    )

    # Scoring and reporting (PGD-5.1.2, PGD-4.7, TLK-5.3.3)
    scoring_mode = models.CharField(
        _("scoring mode"), max_length=10, choices=ScoringMode.choices, default=ScoringMode.WEIGHTED
    )
    target_score = models.DecimalField(
        _("target average score"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    report_due_day = models.PositiveSmallIntegerField(
        _("report due day of month"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The monthly report is due by this day of the next month."),
    )
    report_reminder_days = models.PositiveSmallIntegerField(
        _("report reminder (days before it is due)"),
        default=2,
        validators=[MaxValueValidator(20)],
        help_text=_(
            "The analysts are reminded this many days before the report's due day; "
            "the manager is told the day after it if it is still not submitted."
        ),
    )

    team_leader_forms_via_supervisor = models.BooleanField(
        _("forms filled by team leaders go to their supervisor first"),
        default=False,
        help_text=_("TLK-5.3.4: team leaders hand their MS forms to the service supervisor."),
    )
    supervisor_handin_days = models.PositiveSmallIntegerField(
        _("hand-in to the supervisor (working days)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "TLK-5.3.4: a form filled by a team leader or supervisor is handed in this "
            "many working days after the shop's day; the supervisor is reminded of forms "
            "waiting past it, and they are flagged overdue."
        ),
    )
    defect_notes_via_supervisor = models.BooleanField(
        _("nonconformity notes go through the supervisor"),
        default=False,
        help_text=_(
            "TLK-5.6.2: the QC analyst's notes on a nonconformity go to the service "
            "supervisor, who passes them on to the team leader; each step is timed."
        ),
    )
    contact_time_tolerance_minutes = models.PositiveSmallIntegerField(
        _("contact time tolerance (minutes)"),
        default=30,
        validators=[MaxValueValidator(720)],
        help_text=_(
            "TLK-5.3.1: a contact that starts more than this many minutes outside its "
            "planned day and slot needs a reason from the shopper; the reviewer sees it "
            "and the monthly figures count it."
        ),
    )
    dispute_window_days = models.PositiveSmallIntegerField(
        _("dispute window (days)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_("How long after a shop is finalized a team leader may dispute a parameter."),
    )

    defect_ack_days = models.PositiveSmallIntegerField(
        _("defect acknowledgement deadline (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Team leaders acknowledge a defect within this many working days."),
    )

    case_calibration_days = models.PositiveSmallIntegerField(
        _("high-impact case evaluated within (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "PGD-4.8: a calibration that evaluates a high-impact customer case is due "
            "this many working days after the case is logged."
        ),
    )
    calibration_due_day = models.PositiveSmallIntegerField(
        _("calibration held by day of month"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "PGD-4.8: at least one calibration a month; from this day on, the analysts "
            "and the manager are reminded while none has been held."
        ),
    )

    # The work instruction itself (PGD-7, TLK-7) and its form codes.
    document_code = models.CharField(_("document code"), max_length=60, blank=True)
    document_title = models.CharField(_("document title"), max_length=200, blank=True)
    revision = models.CharField(_("revision"), max_length=20, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    form_code_report = models.CharField(_("report form code"), max_length=20, default="F-27")
    form_code_followup = models.CharField(_("follow-up form code"), max_length=20, default="F-28")
    form_code_ms_form = models.CharField(_("MS form code"), max_length=20, default="F-31")
    form_code_execution = models.CharField(_("execution form code"), max_length=20, default="F-32")

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report_due_day__gte=1, report_due_day__lte=28),
                name="program_report_due_day_range",
            ),
            models.CheckConstraint(
                condition=models.Q(target_score__gte=0, target_score__lte=100),
                name="program_target_score_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.execution_pattern == ExecutionPattern.SESSIONS_PER_WEEK:
            if not self.sessions_per_week:
                errors["sessions_per_week"] = _("Say how many sessions run every week.")
        else:
            weeks = self.execution_weeks or []
            if not weeks or not all(isinstance(w, int) and 1 <= w <= 5 for w in weeks):
                errors["execution_weeks"] = _("Give one or more weeks of the month, 1 to 5.")
        days = self.working_days or []
        if not days or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
            errors["working_days"] = _("Choose at least one working day.")
        if errors:
            raise ValidationError(errors)

    @property
    def preset_label(self) -> str:
        """The preset the program was made from, by its name ("Contact Center Telkom")."""
        from programs.presets import PRESETS

        return PRESETS.get(self.preset, {}).get("label", self.preset)

    @property
    def execution_weeks_label(self) -> str:
        """The weeks pattern as a reader says it: "week II (days 8–14)" (TLK-5.2.1.3);
        week n of a month is its days 7n-6 to 7n (the fifth: 29 to the end)."""
        numerals = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}
        labels = []
        for n in sorted(self.execution_weeks or []):
            first, last = 7 * n - 6, 7 * n
            if n == 5:
                labels.append(_("week V (day 29 to the month's end)"))
            else:
                labels.append(
                    _("week %(roman)s (days %(first)d–%(last)d)")
                    % {"roman": numerals.get(n, n), "first": first, "last": last}
                )
        return ", ".join(str(label) for label in labels)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def user_role_labels(self) -> list[str]:
        """Labels of the roles the access gate found for the current user."""
        from programs.access import role_labels

        return role_labels(getattr(self, "user_roles", ()))


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    QC_ANALYST = "qc_analyst", _("QC analyst")
    SHOPPER = "shopper", _("Shopper")
    SUPERVISOR = "supervisor", _("Supervisor")
    TEAM_LEADER = "team_leader", _("Team leader")
    VIEWER = "viewer", _("Viewer")


class Raci(models.TextChoices):
    ACCOUNTABLE = "A", _("Accountable")
    RESPONSIBLE = "R", _("Responsible")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


ROLE_RACI = {
    Role.MANAGER: Raci.ACCOUNTABLE,
    Role.QC_ANALYST: Raci.RESPONSIBLE,
    Role.VIEWER: Raci.CONSULTED,
}


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
    raci = models.CharField(
        _("RACI"),
        max_length=1,
        choices=Raci.choices,
        blank=True,
        help_text=_("Blank: the role's usual part (manager A, analyst R, viewer C, others I)."),
    )
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

    @property
    def effective_raci(self) -> str:
        """The RACI letter in force: set explicitly (PGD-4.2) or the role's usual one."""
        return self.raci or ROLE_RACI.get(self.role, Raci.INFORMED)
