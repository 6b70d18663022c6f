"""Retention (PGD-6, TLK-6): records are kept for their program's years per
record type, then deleted with their files, except under a legal hold. Every
deletion is written to the purge log, which is kept.

A record's age counts from its date (the month of contact data and plans, the
day of a shop, the day a follow-up item was made): it goes on the first purge
after `record date + years`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from followup import calibration
from followup.models import FollowUp
from programs.models import Program, RecordType
from sampling.models import ContactImport, SamplePlan
from scoring.models import Evidence, Shop

from .models import LegalHold, MonthlyReport, PurgeLog


@dataclass(frozen=True)
class Expired:
    program: Program
    record_type: str
    object_id: int
    description: str
    record_date: date
    years: int
    kept_because: str = ""  # a reason it stays (hold, still referenced)


@dataclass(frozen=True)
class RecordKind:
    """How to find, describe and delete one type of record."""

    expired: Callable  # (program, cutoff date) -> iterable of (obj, record date)
    describe: Callable
    delete: Callable
    blocker: Callable = lambda obj: ""  # why it cannot go yet, if anything


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


RECORDS: dict[str, RecordKind] = {
    RecordType.MONTHLY_REPORT: RecordKind(
        expired=lambda p, cutoff: (
            (r, r.month) for r in MonthlyReport.objects.filter(program=p, month__lt=cutoff)
        ),
        describe=lambda r: f"report {r.month:%Y-%m} revision {r.revision}",
        delete=_delete_report,
    ),
    RecordType.CONTACT_DATA: RecordKind(
        expired=lambda p, cutoff: (
            (r, r.month) for r in ContactImport.objects.filter(program=p, month__lt=cutoff)
        ),
        describe=lambda r: f"{r.original_name} ({r.month:%Y-%m})",
        delete=_delete_import,
        blocker=lambda r: "a sample plan still refers to it" if r.plans.exists() else "",
    ),
    RecordType.SAMPLE_PLAN: RecordKind(
        expired=lambda p, cutoff: (
            (r, r.month) for r in SamplePlan.objects.filter(program=p, month__lt=cutoff)
        ),
        describe=lambda r: f"plan {r.month:%Y-%m}",
        delete=lambda r: r.delete(),
        blocker=lambda r: (
            "MS forms of its shops are still kept"
            if Shop.objects.filter(planned_shop__plan=r).exists()
            else ""
        ),
    ),
    RecordType.MS_FORM: RecordKind(
        expired=lambda p, cutoff: (
            (s, s.planned_shop.date)
            for s in Shop.objects.filter(program=p, planned_shop__date__lt=cutoff).select_related(
                "planned_shop"
            )
        ),
        describe=lambda s: f"shop #{s.planned_shop.number} {s.planned_shop.date:%Y-%m-%d}",
        delete=_delete_shop,
        blocker=lambda s: (
            "a calibration session still refers to it"
            if calibration.shop_in_calibration(s)
            else ""
        ),
    ),
    RecordType.CALIBRATION: RecordKind(
        expired=lambda p, cutoff: (
            (s, s.held_on) for s in calibration.sessions_dated_before(p, cutoff)
        ),
        describe=lambda s: f"calibration {s.held_on:%Y-%m-%d} {s.title}",
        delete=lambda s: s.delete(),  # attendance, minutes' parts, actions, ratings go with it
    ),
    RecordType.EXECUTION_RECORD: RecordKind(
        expired=lambda p, cutoff: (
            (e, e.shop.planned_shop.date)
            for e in Evidence.objects.filter(
                shop__program=p, shop__planned_shop__date__lt=cutoff
            ).select_related("shop__planned_shop")
        ),
        describe=lambda e: f"evidence {e.original_name} of shop #{e.shop.planned_shop.number}",
        delete=_delete_evidence,
    ),
    RecordType.FOLLOW_UP: RecordKind(
        expired=lambda p, cutoff: (
            (f, f.created_at.date())
            for f in FollowUp.objects.filter(program=p, created_at__date__lt=cutoff)
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


PURGE_ORDER = [  # child records first, so what they freed can go in the same run
    RecordType.MONTHLY_REPORT,
    RecordType.EXECUTION_RECORD,
    RecordType.FOLLOW_UP,
    RecordType.CALIBRATION,
    RecordType.MS_FORM,
    RecordType.SAMPLE_PLAN,
    RecordType.CONTACT_DATA,
]


def _walk(today: date, *, delete: bool) -> list[Expired]:
    found: list[Expired] = []
    programs = list(Program.objects.prefetch_related("retention_rules"))
    holds = set(LegalHold.objects.values_list("program_id", "record_type", "object_id"))
    for record_type in PURGE_ORDER:
        kind = RECORDS[record_type]
        for program in programs:
            rule = next(
                (r for r in program.retention_rules.all() if r.record_type == record_type), None
            )
            if rule is None:
                continue
            for obj, record_date in kind.expired(program, cutoff_for(today, rule.years)):
                held = (program.pk, record_type, obj.pk) in holds
                item = Expired(
                    program,
                    record_type,
                    obj.pk,
                    kind.describe(obj)[:300],
                    record_date,
                    rule.years,
                    "legal hold" if held else kind.blocker(obj),
                )
                found.append(item)
                if delete and not item.kept_because:
                    with transaction.atomic():
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
    return found


def expired_records(*, today: date | None = None) -> list[Expired]:
    """Everything past its retention now, with the reason a record stays if it does.

    (A dry run: a plan whose shops go in the same run is listed as blocked.)
    """
    return _walk(today or timezone.localdate(), delete=False)


def purge(*, today: date | None = None) -> list[Expired]:
    """Delete expired records that are neither held nor still referenced; log each."""
    return _walk(today or timezone.localdate(), delete=True)
