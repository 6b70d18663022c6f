"""The program's frame: categories, time bands and slots, channels, closures,
retention and the work instruction's change log."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models.core import Program

CODE_HELP = _("Stable short code used in imports and rules, e.g. 'information'.")


class InteractionCategory(models.Model):
    """Information, Request, Complaint (FCR / escalated): PGD-4.3, TLK-5.1.2."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="categories", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=CODE_HELP)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("interaction category")
        verbose_name_plural = _("interaction categories")
        ordering = ["program", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="category_unique_code"),
        ]

    def __str__(self):
        return self.name


class TimeBand(models.Model):
    """Morning, midday, afternoon, night: a range of hours of the day.

    Contacts are counted into the band their hour falls in. A band with no
    execution slot can be mapped onto another band for sampling (DESIGN.md).
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="time_bands", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=CODE_HELP)
    name = models.CharField(_("name"), max_length=100)
    start_hour = models.PositiveSmallIntegerField(
        _("from hour"), validators=[MaxValueValidator(23)]
    )
    end_hour = models.PositiveSmallIntegerField(
        _("to hour"),
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_(
            "Exclusive: a band 06–11 holds contacts from 06:00 to 10:59. A band may "
            "wrap past midnight, e.g. night 18–06."
        ),
    )
    maps_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mapped_from",
        verbose_name=_("sample in band"),
        help_text=_("When this band has no slot, sample its contacts in this band instead."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("time band")
        verbose_name_plural = _("time bands")
        ordering = ["program", "order", "start_hour"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="timeband_unique_code"),
            models.CheckConstraint(
                condition=~models.Q(start_hour=models.F("end_hour")),
                name="timeband_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.start_hour:02d}–{self.end_hour:02d})"

    def clean(self):
        if self.start_hour is not None and self.start_hour == self.end_hour % 24:
            raise ValidationError({"end_hour": _("The band must not start and end together.")})
        if self.maps_to_id and self.maps_to_id == self.pk:
            raise ValidationError({"maps_to": _("A band cannot be mapped onto itself.")})

    def contains_hour(self, hour: int) -> bool:
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour  # wraps past midnight


class TimeSlot(models.Model):
    """An execution interval, e.g. 08:30–10:00 (PGD-4.5).

    Each slot is in one band: the band its start falls in.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="time_slots", verbose_name=_("program")
    )
    band = models.ForeignKey(
        TimeBand, on_delete=models.PROTECT, related_name="slots", verbose_name=_("time band")
    )
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("execution slot")
        verbose_name_plural = _("execution slots")
        ordering = ["program", "start"]
        constraints = [
            models.UniqueConstraint(fields=["program", "start"], name="timeslot_unique_start"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="timeslot_start_before_end"
            ),
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("The slot must end after it starts.")})
        band = self.band if self.band_id else None
        if band and self.start and not band.contains_hour(self.start.hour):
            message = _("The slot must start inside its band's hours (%(band)s).")
            raise ValidationError({"band": ValidationError(message, params={"band": str(band)})})


class ChannelKind(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    DIGITAL = "digital", _("Digital")


class Channel(models.Model):
    """Inbound, Outbound, Digital (PGD-2.1), with sub-channels such as chat or e-mail."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="channels", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40, help_text=CODE_HELP)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("service"), max_length=10, choices=ChannelKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    evidence_required = models.BooleanField(
        _("evidence required at submit"),
        default=True,
        help_text=_(
            "A shop on this channel cannot be submitted without at least one evidence "
            "file (a recording or a screenshot)."
        ),
    )

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["program", "kind", "parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="channel_unique_code"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id:
            if self.parent.parent_id:
                raise ValidationError({"parent": _("Sub-channels go one level deep.")})
            if self.parent.kind != self.kind:
                raise ValidationError({"kind": _("A sub-channel has its parent's service.")})


class ProgramClosure(models.Model):
    """A program-specific non-working day (on top of public holidays)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="closures", verbose_name=_("program")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["program", "date"]
        constraints = [
            models.UniqueConstraint(fields=["program", "date"], name="closure_unique_date"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.reason}"


class RecordType(models.TextChoices):
    """Kinds of records with a retention period (PGD-6, TLK-6)."""

    DOCUMENT_LIST = "document_list", _("Request memo and documented-information list")
    CONTACT_DATA = "contact_data", _("Imported contact data")
    SAMPLE_PLAN = "sample_plan", _("Sample plans")
    MS_FORM = "ms_form", _("MS forms (F-31)")
    EXECUTION_RECORD = "execution_record", _("Execution records (F-32) and evidence files")
    FOLLOW_UP = "follow_up", _("Follow-up and coaching records (F-28)")
    CALIBRATION = "calibration", _("Calibration attendance and minutes")
    MONTHLY_REPORT = "monthly_report", _("Monthly reports (F-27)")


class RetentionRule(models.Model):
    """How many years a record type is kept (PGD-6: 2 or 3 years; TLK-6: 3 years)."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="retention_rules",
        verbose_name=_("program"),
    )
    record_type = models.CharField(_("record type"), max_length=30, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField(
        _("years kept"), validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["program", "record_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "record_type"], name="retention_unique_record_type"
            ),
        ]

    def __str__(self):
        return f"{self.get_record_type_display()}: {self.years}"


class DocumentRevision(models.Model):
    """One row of the work instruction's change log (PGD-7, TLK-7)."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("program")
    )
    revision = models.CharField(_("revision"), max_length=20)
    effective_date = models.DateField(_("effective date"))
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("document revision")
        verbose_name_plural = _("document revisions")
        ordering = ["program", "effective_date", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "revision"], name="document_revision_unique"
            ),
        ]

    def __str__(self):
        return f"{self.revision} ({self.effective_date:%Y-%m-%d})"
