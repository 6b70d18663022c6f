"""Retention (PGD-6, TLK-6): records are kept for their program's years per
record type, then deleted with their files, except under a legal hold. Every
deletion is written to the purge log, which is kept.

A record's age counts from its date (the month of contact data and plans, the
day of a shop, the day a follow-up item was made): it goes on the first purge
after `record date + years`.

The program's Retention page reads the same walk for one program and a date
ahead (`retention_schedule`), and places and releases legal holds
(`place_hold`, `release_hold`), whose history is kept for audits.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup.models import CalibrationSession, FollowUp
from followup.selectors import calibration
from programs.models import Program, RecordType, User
from reporting.models import MonthlyReport
from retention.models import LegalHold, PurgeLog
from sampling.models import ContactImport, SamplePlan
from scoring.models import Evidence, Shop


@dataclass(frozen=True)
class Expired:
    program: Program
    record_type: str
    object_id: int
    description: str
    record_date: date
    years: int
    kept_because: str = ""  # a reason it stays (hold, still referenced)
    held: bool = False  # under a legal hold

    @property
    def due_on(self) -> date:
        """The first day this record is past its retention."""
        return due_on(self.record_date, self.years)

    @property
    def record_type_label(self) -> str:
        return RecordType(self.record_type).label


@dataclass(frozen=True)
class RecordKind:
    """How to find, describe and delete one type of record."""

    records: Callable  # (program) -> queryset of the program's records of this type
    expired: Callable  # (program, cutoff date) -> iterable of (obj, record date)
    describe: Callable
    delete: Callable
    # (records) -> {pk: why it cannot go yet} for those of them still referenced;
    # one query for all of them, whatever their number.
    blocked: Callable = lambda objs: {}


HELD = _("legal hold")


def _delete_import(record: ContactImport) -> None:
    for field in (record.file, record.errors_file):
        if field:
            field.delete(save=False)
    record.delete()


def _delete_shop(shop: Shop) -> None:
    for evidence in shop.evidence.all():
        evidence.file.delete(save=False)
    shop.delete()


def _delete_evidence(evidence: Evidence) -> None:
    evidence.file.delete(save=False)
    evidence.delete()


def _delete_report(report: MonthlyReport) -> None:
    report.xlsx_file.delete(save=False)
    report.pdf_file.delete(save=False)
    pk = report.pk
    report.delete()
    MonthlyReport.history.filter(id=pk).delete()  # its audit rows hold the texts too


def _reports(program: Program):
    return MonthlyReport.objects.filter(program=program)


def _imports(program: Program):
    return ContactImport.objects.filter(program=program)


def _plans(program: Program):
    return SamplePlan.objects.filter(program=program)


def _shops(program: Program):
    return Shop.objects.filter(program=program).select_related("planned_shop")


def _evidence(program: Program):
    return Evidence.objects.filter(shop__program=program).select_related("shop__planned_shop")


def _follow_ups(program: Program):
    return FollowUp.objects.filter(program=program)


def _because(ids: Iterable[int], reason) -> dict[int, str]:
    return dict.fromkeys(ids, reason)


RECORDS: dict[str, RecordKind] = {
    RecordType.MONTHLY_REPORT: RecordKind(
        records=_reports,
        expired=lambda p, cutoff: ((r, r.month) for r in _reports(p).filter(month__lt=cutoff)),
        describe=lambda r: f"report {r.month:%Y-%m} revision {r.revision}",
        delete=_delete_report,
    ),
    RecordType.CONTACT_DATA: RecordKind(
        records=_imports,
        expired=lambda p, cutoff: ((r, r.month) for r in _imports(p).filter(month__lt=cutoff)),
        describe=lambda r: f"{r.original_name} ({r.month:%Y-%m})",
        delete=_delete_import,
        blocked=lambda objs: _because(
            SamplePlan.objects.filter(contact_import__in=objs).values_list(
                "contact_import_id", flat=True
            ),
            _("a sample plan still refers to it"),
        ),
    ),
    RecordType.SAMPLE_PLAN: RecordKind(
        records=_plans,
        expired=lambda p, cutoff: ((r, r.month) for r in _plans(p).filter(month__lt=cutoff)),
        describe=lambda r: f"plan {r.month:%Y-%m}",
        delete=lambda r: r.delete(),
        blocked=lambda objs: _because(
            Shop.objects.filter(planned_shop__plan__in=objs).values_list(
                "planned_shop__plan_id", flat=True
            ),
            _("MS forms of its shops are still kept"),
        ),
    ),
    RecordType.MS_FORM: RecordKind(
        records=_shops,
        expired=lambda p, cutoff: (
            (s, s.planned_shop.date) for s in _shops(p).filter(planned_shop__date__lt=cutoff)
        ),
        describe=lambda s: f"shop #{s.planned_shop.number} {s.planned_shop.date:%Y-%m-%d}",
        delete=_delete_shop,
        blocked=lambda objs: _because(
            calibration.shops_in_calibration(objs),
            _("a calibration session still refers to it"),
        ),
    ),
    RecordType.CALIBRATION: RecordKind(
        records=lambda p: CalibrationSession.objects.filter(program=p),
        expired=lambda p, cutoff: (
            (s, s.held_on) for s in calibration.sessions_dated_before(p, cutoff)
        ),
        describe=lambda s: f"calibration {s.held_on:%Y-%m-%d} {s.title}",
        delete=lambda s: s.delete(),  # attendance, minutes' parts, actions, ratings go with it
    ),
    RecordType.EXECUTION_RECORD: RecordKind(
        records=_evidence,
        expired=lambda p, cutoff: (
            (e, e.shop.planned_shop.date)
            for e in _evidence(p).filter(shop__planned_shop__date__lt=cutoff)
        ),
        describe=lambda e: f"evidence {e.original_name} of shop #{e.shop.planned_shop.number}",
        delete=_delete_evidence,
    ),
    RecordType.FOLLOW_UP: RecordKind(
        records=_follow_ups,
        expired=lambda p, cutoff: (
            (f, f.created_at.date()) for f in _follow_ups(p).filter(created_at__date__lt=cutoff)
        ),
        describe=lambda f: f"{f.get_kind_display()} #{f.pk}",
        delete=lambda f: f.delete(),
    ),
}


def cutoff_for(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due_on(record_date: date, years: int) -> date:
    """The first day on which a record of `record_date` kept `years` is past its
    retention: the first `today` with `record_date < cutoff_for(today, years)`."""
    try:
        day = record_date.replace(year=record_date.year + years)
    except ValueError:  # 29 February
        day = record_date.replace(year=record_date.year + years, day=28)
    day += timedelta(days=1)
    while not record_date < cutoff_for(day, years):  # only around 29 February
        day += timedelta(days=1)
    return day


PURGE_ORDER = [  # child records first, so what they freed can go in the same run
    RecordType.MONTHLY_REPORT,
    RecordType.EXECUTION_RECORD,
    RecordType.FOLLOW_UP,
    RecordType.CALIBRATION,
    RecordType.MS_FORM,
    RecordType.SAMPLE_PLAN,
    RecordType.CONTACT_DATA,
]


def _walk(today: date, *, delete: bool, program: Program | None = None) -> list[Expired]:
    found: list[Expired] = []
    programs = Program.objects.prefetch_related("retention_rules")
    holds = LegalHold.objects.all()
    if program is not None:
        programs, holds = programs.filter(pk=program.pk), holds.filter(program=program)
    programs = list(programs)
    holds = set(holds.values_list("program_id", "record_type", "object_id"))
    for record_type in PURGE_ORDER:
        kind = RECORDS[record_type]
        for program in programs:
            rule = next(
                (r for r in program.retention_rules.all() if r.record_type == record_type), None
            )
            if rule is None:
                continue
            # Listed before anything of this type goes; the types it depends on
            # went earlier in PURGE_ORDER, so what they freed is free here.
            expired = list(kind.expired(program, cutoff_for(today, rule.years)))
            held = {obj.pk for obj, _day in expired if (program.pk, record_type, obj.pk) in holds}
            unheld = [obj for obj, _day in expired if obj.pk not in held]
            blocked = kind.blocked(unheld) if unheld else {}
            for obj, record_date in expired:
                item = Expired(
                    program,
                    record_type,
                    obj.pk,
                    kind.describe(obj)[:300],
                    record_date,
                    rule.years,
                    HELD if obj.pk in held else blocked.get(obj.pk, ""),
                    held=obj.pk in held,
                )
                if delete and not item.kept_because:
                    with transaction.atomic():
                        if LegalHold.objects.filter(
                            program=program, record_type=record_type, object_id=obj.pk
                        ).exists():  # held from the Retention page since the walk began
                            item = replace(item, kept_because=HELD, held=True)
                        else:
                            kind.delete(obj)
                            PurgeLog.objects.create(
                                program=program,
                                program_code=program.code,
                                record_type=record_type,
                                object_id=item.object_id,
                                description=item.description,
                                record_date=record_date,
                                retention_years=rule.years,
                            )
                found.append(item)
    return found


def expired_records(*, today: date | None = None, program: Program | None = None) -> list[Expired]:
    """Everything past its retention on `today` (of `program`, or of every
    program), with the reason a record stays if it does. A `today` ahead looks
    ahead: what will be past its retention by then, as things stand now.

    (A dry run: a plan whose shops go in the same run is listed as blocked.)
    """
    return _walk(today or timezone.localdate(), delete=False, program=program)


def purge(*, today: date | None = None) -> list[Expired]:
    """Delete expired records that are neither held nor still referenced; log each."""
    return _walk(today or timezone.localdate(), delete=True)


# --- The Retention page: what goes when, and legal holds ---------------------------

LOOK_AHEAD_DAYS = 90
PURGE_TASK = "reporting.tasks.purge_expired_records"


def purge_runs(after: datetime, until: date) -> list[datetime]:
    """The times the beat schedule runs the purge after `after`, up to the
    (local) day `until`."""
    entry = next(
        (e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == PURGE_TASK), None
    )
    schedule = entry["schedule"] if entry else None
    if not isinstance(schedule, crontab):  # an interval: taken to run every day from now
        days = (until - timezone.localdate(after)).days
        return [after + timedelta(days=n) for n in range(days + 1)]
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    runs, day = [], after.astimezone(zone).date()
    while day <= until + timedelta(days=1):  # the beat's zone may be behind the local one
        if (
            day.day in schedule.day_of_month
            and day.month in schedule.month_of_year
            and day.isoweekday() % 7 in schedule.day_of_week  # crontab: 0 is Sunday
        ):
            for hour, minute in product(sorted(schedule.hour), sorted(schedule.minute)):
                run = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                if after < run and timezone.localdate(run) <= until:
                    runs.append(run)
        day += timedelta(days=1)
    return runs


@dataclass(frozen=True)
class Upcoming:
    """A record of the program past its retention by the look-ahead date."""

    item: Expired
    goes_at: datetime | None  # the purge that deletes it (unless it is kept)

    @property
    def key(self) -> str:
        return f"{self.item.record_type}-{self.item.object_id}"


@dataclass(frozen=True)
class RetentionSchedule:
    today: date
    until: date  # the look-ahead date
    next_purge: datetime | None
    at_next_purge: list[Upcoming]  # past their retention at the next purge
    later: list[Upcoming]  # falling due after it, by `until`


def retention_schedule(
    *, program: Program, now: datetime | None = None, days: int = LOOK_AHEAD_DAYS
) -> RetentionSchedule:
    """The program's records that the next purge would delete, and those that
    fall due in the next `days` days, each with the purge that deletes it and
    the reason it stays if it does. One walk; a constant number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)  # the purge's own today
    until = today + timedelta(days=days)
    # Runs for a year past the look-ahead: a record due by then has its purge among them.
    runs = purge_runs(now, until + timedelta(days=366))
    next_purge = runs[0] if runs else None
    next_day = timezone.localdate(next_purge) if next_purge else today
    items = _walk(max(until, next_day), delete=False, program=program)
    at_next_purge, later = [], []
    for item in sorted(items, key=lambda i: (i.due_on, i.record_type, i.object_id)):
        due = item.due_on
        goes_at = next((run for run in runs if timezone.localdate(run) >= due), None)
        (at_next_purge if due <= next_day else later).append(Upcoming(item, goes_at))
    return RetentionSchedule(today, until, next_purge, at_next_purge, later)


def place_hold(
    *, program: Program, record_type: str, object_id: int, reason: str, user: User | None
) -> LegalHold:
    """Keep one record of `program` past its retention until the hold is released.
    Placing it again (a double click) returns the hold already there."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record must be kept.")})
    kind = RECORDS.get(record_type)
    if kind is None:
        raise ValidationError(_("Records of this type are not purged: they need no hold."))
    hold_of = {"program": program, "record_type": record_type, "object_id": object_id}
    with transaction.atomic():
        record = kind.records(program).filter(pk=object_id).first()
        if record is None:
            raise ValidationError(_("This record is no longer there."))
        existing = LegalHold.objects.filter(**hold_of).first()
        if existing is not None:
            return existing
        hold = LegalHold(
            **hold_of, reason=reason, description=kind.describe(record)[:300], created_by=user
        )
        # The unique constraint is the database's to check: a concurrent click
        # that saved first is caught below, not reported as an error.
        hold.full_clean(validate_unique=False, validate_constraints=False)
        hold._history_user = user  # simple-history: who placed it, also outside a request
        try:
            with transaction.atomic():  # a savepoint: a concurrent double click lands here
                hold.save()
        except IntegrityError:
            return LegalHold.objects.get(**hold_of)
    return hold


def release_hold(*, program: Program, hold_id: int, reason: str, user: User | None) -> bool:
    """Release a legal hold of `program`: the record goes at the next purge if it
    is past its retention. The hold's history keeps the release, by whom and
    why (as its change reason). False when it was released already (a double
    click)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record may go now.")})
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(program=program, pk=hold_id).first()
        if hold is None:
            return False
        hold._change_reason = reason
        hold._history_user = user
        hold.delete()
    return True
