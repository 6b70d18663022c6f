"""What to test and when: last month's contact data, the sample plan, the
planned shops (PGD-4.3–4.6, TLK-5.1.1–5.2.2)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mysteryshop.uploads import worded
from programs.models import (
    Area,
    Channel,
    ContactReason,
    InteractionCategory,
    Program,
    Scenario,
    TimeBand,
    TimeSlot,
)


def import_upload_to(instance, filename):
    return f"contact-imports/{instance.program_id}/{instance.month:%Y-%m}/{filename}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Rejected")
    NEEDS_MAPPING = "mapping", _("Values to map")


class ContactImport(models.Model):
    """One upload of a month's contacts (TLK-5.1.1). The file is kept as
    evidence; the rows are stored only as aggregated counts (ContactStat)."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="contact_imports",
        verbose_name=_("program"),
    )
    month = models.DateField(_("month"), help_text=_("First day of the month the data covers."))
    file = models.FileField(_("file"), upload_to=import_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors_preview = models.JSONField(
        _("first errors"),
        default=list,
        blank=True,
        help_text=_("The first 100 row errors: [{row, column, message}]."),
    )
    errors_file = models.FileField(_("all errors (CSV)"), blank=True, upload_to=import_upload_to)
    error_groups = models.JSONField(
        _("errors by cause"),
        default=list,
        blank=True,
        help_text=_("[{code, column, value, qualifier, n, rows}]: worded when shown."),
    )
    unknown_values = models.JSONField(
        _("values to map"),
        default=dict,
        blank=True,
        help_text=_("{kind: [{value, qualifier, n, rows}]}: values the program does not know."),
    )
    ignored_rows = models.PositiveIntegerField(
        _("rows left out"), default=0, help_text=_("Rows of channels mapped to “ignore”.")
    )
    timestamp_format = models.CharField(_("timestamp format"), max_length=40, blank=True)
    message = models.TextField(
        _("message"), blank=True, help_text=_("As worded for the uploader when it ran.")
    )
    problem = models.JSONField(
        _("problem"),
        default=dict,
        blank=True,
        help_text=_(
            "Why the file was not imported, untranslated with its values "
            "(mysteryshop.uploads.worded), worded in each reader's language."
        ),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"),
        default=0,
        help_text=_("How many times a worker started it; it fails after too many."),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "month", "status"], name="import_month_idx")]

    def __str__(self):
        return f"{self.program.code} {self.month:%Y-%m} ({self.get_status_display()})"

    @property
    def message_shown(self) -> str:
        """Why the file was not imported, in the reader's language (imports made
        before `problem` was stored show the message worded for their uploader)."""
        return worded(self.problem) if self.problem else self.message

    @property
    def is_finished(self) -> bool:
        return self.status in {
            ImportStatus.SUCCEEDED,
            ImportStatus.FAILED,
            ImportStatus.NEEDS_MAPPING,
        }


class ContactStat(models.Model):
    """Contacts counted per reason × category × channel × weekday × hour (× area).

    `reason` is null while the file's reason text is not yet mapped to one of
    the program's reasons; the analyst maps or adds it.

    A month is tens of thousands of rows, written at once by the import with
    COPY. The foreign keys are kept by the ORM (PROTECT and CASCADE work as
    usual) and by the import, which takes every id from the program's own
    records in the same transaction, but not by database constraints, whose
    per-row checks cost more than the whole rest of the store (bench/
    import_bench.py). The counts are derived data: the uploaded file, kept as
    evidence, gives them again.
    """

    contact_import = models.ForeignKey(
        ContactImport,
        on_delete=models.CASCADE,
        related_name="stats",
        verbose_name=_("import"),
        db_constraint=False,
        db_index=False,  # stat_import_reason_idx starts with it
    )
    reason_text = models.CharField(_("reason as in the file"), max_length=200)
    reason = models.ForeignKey(
        ContactReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stats",
        verbose_name=_("reason"),
        db_constraint=False,
    )
    category = models.ForeignKey(
        InteractionCategory,
        on_delete=models.PROTECT,
        related_name="stats",
        verbose_name=_("category"),
        db_constraint=False,
        db_index=False,
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="stats",
        verbose_name=_("channel"),
        db_constraint=False,
        db_index=False,
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    hour = models.PositiveSmallIntegerField(_("hour"), validators=[MaxValueValidator(23)])
    area = models.CharField(_("area"), max_length=100, blank=True)
    count = models.PositiveIntegerField(_("contacts"))

    class Meta:
        verbose_name = _("contact count")
        verbose_name_plural = _("contact counts")
        indexes = [
            models.Index(fields=["contact_import", "reason"], name="stat_import_reason_idx"),
        ]

    def __str__(self):
        return f"{self.reason_text} {self.weekday}/{self.hour}: {self.count}"


# What a plan can say about itself; stored as {"code": …, values}, worded in the
# reader's language when shown.
PLAN_NOTES = {
    "unmapped": _(
        "%(n)s contacts have a reason not mapped to the program's reasons and are left out."
    ),
    "band_busy": _(
        "Every slot of time band %(band)s is high-traffic: the band is left out (PGD-5.2.2)."
    ),
    "band_left_out": _(
        "Time band %(band)s has %(n)s contacts (%(share)s %% of the top reasons) but no "
        "usable execution slot: it is left out of the frame."
    ),
    "scenario_gaps": _(
        "%(n)s shops have no scenario in the library yet: add scenarios for their reason "
        "and channel."
    ),
    "no_shopper": _("The program has no shopper yet: the shops are unassigned."),
    "short_week": _(
        "The week from %(week)s has %(days)s open days (a holiday or the month's edge): "
        "%(sessions)s sessions instead of %(per_week)s (PGD-4.5)."
    ),
    "band_least_busy": _(
        "Every slot of time band %(band)s is high-traffic, but the band must be covered "
        "(TLK-5.2.1.3): its least busy slot of each day is used (%(slots)s)."
    ),
    "category_none": _(
        "Category %(category)s had no contact last month: the top reasons hold none of "
        "its reasons (TLK-5.1.2)."
    ),
    "category_none_area": _(
        "Category %(category)s had no contact in area %(area)s last month: that area's "
        "top reasons hold none of its reasons (TLK-5.1.2)."
    ),
    "reasons_uncovered": _(
        "The %(n)s top reasons cannot each get a shop with %(size)s shops: some reasons "
        "have none (listed under Allocation)."
    ),
    "strata_empty": _(
        "Strata with no shop: %(n)s (their quota is too small). They are listed under "
        "Allocation and counted as uncovered in the monthly figures."
    ),
    "late_start": _(
        "The plan was made on %(made)s, during its month: shops start at the next open "
        "session, on %(start)s; %(days)s execution days had already passed."
    ),
    "slot_crowded": _(
        "Shops above the %(k)s a shopper takes in one slot: %(n)s. The month has too few "
        "sessions or shoppers for the sample."
    ),
    "area_fallback": _(
        "The program picks the top reasons per area (TLK-5.1.2), but the contact data has "
        "no area: the frame is program-wide."
    ),
    "area_blank": _("%(n)s contacts have no area: they form the group “Other / unknown area”."),
    "area_unknown": _(
        "%(n)s contacts have an area that matches none of the program's areas (%(areas)s): "
        "they form the group “Other / unknown area”. Add the missing areas under Areas to "
        "plan them on their own."
    ),
}

# The group of contacts whose area is blank or matches none of the program's areas,
# in a plan whose frame is per area (stored as area = NULL).
OTHER_AREA = _("Other / unknown area")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class SamplePlan(models.Model):
    """A month's stratified sample (PGD-4.3/4.4, TLK-5.2.1.2).

    Same contact data + same seed → same plan. Approved plans are frozen;
    later changes (reschedule, reassign) are audited on the planned shops.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="plans", verbose_name=_("program")
    )
    month = models.DateField(_("month"))
    contact_import = models.ForeignKey(
        ContactImport,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("contact data"),
    )
    seed = models.PositiveBigIntegerField(_("random seed"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    frame_total = models.PositiveIntegerField(_("contacts in the frame"), default=0)
    frame_per_area = models.BooleanField(
        _("frame per area"),
        default=False,
        help_text=_(
            "The top reasons were picked in each area (TLK-5.1.2); strata are "
            "area × reason × time band."
        ),
    )
    notes = models.JSONField(
        _("notes"),
        default=list,
        blank=True,
        help_text=_("What the plan left out and why (bands without slots, gaps)."),
    )
    busy_slots = models.JSONField(
        _("high-traffic slots"),
        default=list,
        blank=True,
        help_text=_("[weekday, slot id] pairs that were high-traffic when the plan was made."),
    )
    starts_on = models.DateField(
        _("first execution day"),
        null=True,
        blank=True,
        help_text=_("A plan made during its month starts at the next open session."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("generated by"),
    )
    created_at = models.DateTimeField(_("generated"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sample plan")
        verbose_name_plural = _("sample plans")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["program", "month"], name="plan_unique_month"),
        ]

    def __str__(self):
        return f"{self.program.code} {self.month:%Y-%m}"

    @property
    def is_frozen(self) -> bool:
        return self.status == PlanStatus.APPROVED

    @property
    def note_messages(self) -> list[str]:
        """The plan's notes in the current language."""
        return [
            str(PLAN_NOTES[note["code"]]) % {k: v for k, v in note.items() if k != "code"}
            for note in self.notes
            if isinstance(note, dict) and note.get("code") in PLAN_NOTES
        ]


class PlanStratum(models.Model):
    """One stratum (reason × time band, or area × reason × time band when the
    plan's frame is per area) with the numbers anyone can check."""

    plan = models.ForeignKey(
        SamplePlan, on_delete=models.CASCADE, related_name="strata", verbose_name=_("plan")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Empty: a program-wide frame, or the other / unknown area group."),
    )
    reason = models.ForeignKey(
        ContactReason, on_delete=models.PROTECT, related_name="+", verbose_name=_("reason")
    )
    band = models.ForeignKey(
        TimeBand, on_delete=models.PROTECT, related_name="+", verbose_name=_("time band")
    )
    population = models.PositiveIntegerField(_("contacts"))
    share = models.DecimalField(_("share"), max_digits=9, decimal_places=6)
    quota = models.DecimalField(_("exact quota"), max_digits=10, decimal_places=4)
    allocated = models.PositiveIntegerField(_("allocated"))
    lifted = models.BooleanField(
        _("lifted by a coverage rule"),
        default=False,
        help_text=_("Allocated above its proportional share so its band is covered."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("stratum")
        verbose_name_plural = _("strata")
        ordering = ["plan", "order"]
        constraints = [
            # NULL area (program-wide frame, or the other / unknown area group): one
            # stratum per reason and band; with an area, one per area, reason and band.
            models.UniqueConstraint(
                fields=["plan", "reason", "band"],
                condition=models.Q(area__isnull=True),
                name="stratum_unique_reason_band",
            ),
            models.UniqueConstraint(
                fields=["plan", "area", "reason", "band"],
                condition=models.Q(area__isnull=False),
                name="stratum_unique_area_reason_band",
            ),
        ]

    def __str__(self):
        if self.area_id:
            return f"{self.area} × {self.reason} × {self.band}"
        return f"{self.reason} × {self.band}"

    @property
    def area_label(self) -> str:
        """The area's name, or the other / unknown group (meaningful on per-area plans)."""
        return self.area.name if self.area_id else str(OTHER_AREA)


class ShopStatus(models.TextChoices):
    """Where a planned shop stands; kept by the scoring stage as its form moves
    (started, submitted, returned, finalized)."""

    PLANNED = "planned", _("Planned")
    RESCHEDULE = "reschedule", _("To reschedule")
    STARTED = "started", _("Started (draft)")
    RETURNED = "returned", _("Returned for correction")
    SUBMITTED = "submitted", _("Submitted, in review")
    DONE = "done", _("Finalized")
    CANCELLED = "cancelled", _("Cancelled")


# Shops the shopper still has to do something for once their day has passed.
OPEN_SHOP_STATUSES = (
    ShopStatus.PLANNED,
    ShopStatus.RESCHEDULE,
    ShopStatus.STARTED,
    ShopStatus.RETURNED,
)


class PlannedShop(models.Model):
    """One mystery contact to make: when, in which slot, which scenario, by whom."""

    plan = models.ForeignKey(
        SamplePlan, on_delete=models.CASCADE, related_name="shops", verbose_name=_("plan")
    )
    stratum = models.ForeignKey(
        PlanStratum, on_delete=models.CASCADE, related_name="shops", verbose_name=_("stratum")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_shops",
        verbose_name=_("area"),
        help_text=_("The stratum's area when the plan's frame is per area (TLK-5.1.2)."),
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel")
    )
    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_shops",
        verbose_name=_("scenario"),
        help_text=_("Empty: the library has no scenario to draw."),
    )
    date = models.DateField(_("date"))
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.PROTECT, related_name="+", verbose_name=_("slot")
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planned_shops",
        verbose_name=_("shopper"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ShopStatus.choices, default=ShopStatus.PLANNED
    )
    number = models.PositiveSmallIntegerField(_("number"), help_text=_("1 … n within the plan."))
    retest_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="retests",
        verbose_name=_("re-test of"),
        help_text=_("A re-test asked by a follow-up item: not part of the sample size."),
    )
    change_reason = models.CharField(_("reason for the last change"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("planned shop")
        verbose_name_plural = _("planned shops")
        ordering = ["plan", "date", "slot__start", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plannedshop_unique_number"),
        ]
        indexes = [
            models.Index(fields=["shopper", "date"], name="plannedshop_agenda_idx"),
        ]

    def __str__(self):
        return f"#{self.number} {self.date:%Y-%m-%d} {self.slot}"


class ReasonAlias(models.Model):
    """A reason as the contact-logging system writes it, mapped to a program reason.

    Made when the analyst maps an unknown reason; later imports use it.
    """

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="reason_aliases",
        verbose_name=_("program"),
    )
    alias = models.CharField(_("reason as in the file"), max_length=200)
    reason = models.ForeignKey(
        ContactReason, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("reason")
    )

    class Meta:
        verbose_name = _("reason alias")
        verbose_name_plural = _("reason aliases")
        constraints = [
            models.UniqueConstraint(fields=["program", "alias"], name="reasonalias_unique"),
        ]

    def __str__(self):
        return f"{self.alias} → {self.reason}"


class MappingKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    CHANNEL = "channel", _("Channel")
    AREA = "area", _("Area")


class ImportMapping(models.Model):
    """A value of a coded column as the contact-logging system writes it, mapped
    to the program's category, channel or area (or, for a channel, its rows ignored).

    Made on an import's page when the file has values the program does not
    know; later imports use it. A category value can be qualified by the file's
    status column (Telkom: Komplain + FCR → complaint FCR, + Eskalasi →
    escalated complaint).
    """

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="import_mappings",
        verbose_name=_("program"),
    )
    kind = models.CharField(_("column"), max_length=10, choices=MappingKind.choices)
    value = models.CharField(_("value as in the file"), max_length=200)
    qualifier = models.CharField(
        _("with status"),
        max_length=200,
        blank=True,
        help_text=_("The status column's value it goes with (categories); blank: any."),
    )
    category = models.ForeignKey(
        InteractionCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_mappings",
        verbose_name=_("category"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_mappings",
        verbose_name=_("channel"),
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_mappings",
        verbose_name=_("area"),
    )
    ignore = models.BooleanField(_("leave the rows out"), default=False)
    contact_import = models.ForeignKey(
        ContactImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mappings_made",
        verbose_name=_("made on the import of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["program", "kind", "value", "qualifier"]
        constraints = [
            models.UniqueConstraint(
                "program",
                "kind",
                Lower("value"),
                Lower("qualifier"),
                name="importmapping_unique_value",
            ),
        ]

    def __str__(self):
        value = f"{self.value} + {self.qualifier}" if self.qualifier else self.value
        return f"{value} → {self.target}"

    @property
    def target(self):
        if self.ignore:
            return _("left out")
        return getattr(self, self.kind)


class CalendarFeed(models.Model):
    """A shopper's secret ICS address for their agenda in one program."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("program"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["program", "user"], name="calendarfeed_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} · {self.program.code}"
