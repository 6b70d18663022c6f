"""Retention (PGD-6, TLK-6): records are kept for their program's years per
record type, then deleted with everything that belongs to them, except under
a legal hold. Every deletion is written to the purge log, which is kept.

**The clock.** A record's age counts from its own date, in its program's time
zone: a monthly report from the day it was submitted, contact data from the
day it was imported, a plan from the day it was approved (else generated), an
MS form from the day it was submitted (else finalized, else started), an
execution record from its upload, a follow-up item from the day it was made
or held (the later), a calibration session from the day it was held. A record
of `record date` kept `years` is past its retention from `due_on(record date,
years)` and goes at the first purge on or after that day.

**The unit of deletion** is one record with its parts (a plan's strata and
planned shops, a shop's answers, defects, review events and disputes, a
session's attendance, root causes and actions…). Records of a retained type
that depend on it are records of their own: evidence and follow-up items of a
shop, calibration sessions that refer to a shop, shops of a plan, plans of a
contact import. A record goes only when it is past its retention, it is not
held, nothing above it is held (a hold keeps everything below the held
record, so a held shop keeps its evidence) and every record that depends on
it goes in the same run. Dependents go first; what a delete then cascades to
is checked to hold no record of a retained type.

**One path.** `purge_plan` decides; the dry run (`expired_records`), the
Retention page (`retention_schedule`) and the real run (`purge`) all read it,
so they say the same. The real run, per program, locks the program row (holds
placed meanwhile wait for it), decides again under the lock and deletes
exactly what it listed, in one transaction. Files go when it commits.

**Purge = gone.** With a record go its history rows (django-simple-history)
and those of its parts, and every file named by the record, its parts or
their history. The purge log keeps the record's type, id, dates, the rows
deleted (model and id, no contents), who ran the purge and a SHA-256 of the
deleted rows' contents: enough to prove what went, nothing of what it said.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import registered_models

from followup.models import CalibrationSession, FollowUp
from followup.models.calibration import CalibrationCase, CalibrationRating, ReviewedDefect
from programs.models import Program, RecordType, User
from programs.months import add_months
from reporting.models import AuditPack, MonthlyReport
from retention.models import LegalHold, PurgeLog, PurgeRun
from sampling.models import ContactImport, SamplePlan
from scoring.models import Evidence, Shop

HELD = _("legal hold")
# The monthly purge: the 1st of the month, at night in the program's own zone.
PURGE_DAY = 1
PURGE_AT = time(2, 30)
LOOK_AHEAD_DAYS = 90
# Inbox and e-mail notifications name shops, agents and defects in their text:
# they go after a year, well inside the shortest record period (2 years), so no
# notification outlives the record it is about.
NOTIFICATION_DAYS = 365
PURGE_TASK = "reporting.tasks.purge_expired_records"

Key = tuple[str, int]  # (record type, id)


# --- Record types ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """How to find, date and describe one type of record."""

    model: type[models.Model]
    records: Callable  # (program) -> queryset of the program's records of this type
    # The record's own date: the first of these fields that is set, or with
    # `latest`, the latest of them. Datetimes are read in the program's zone.
    clock: tuple[tuple[str, object], ...]
    describe: Callable  # (record) -> str, shown on the page (not logged)
    noun: object  # short name, for "follow-up #12"
    # Ancestors of a record in retained types, as lookups on it: a hold on any
    # of them keeps the record.
    ancestors: tuple[tuple[str, str], ...] = ()
    latest: bool = False
    # The months whose audit pack holds a copy of the record (reporting.AuditPack).
    pack_months: Callable = lambda record: []

    def date_of(self, record, zone: ZoneInfo) -> tuple[date, str]:
        """The record's own date, in `zone`, and what it is (e.g. "submitted")."""
        found = []
        for name, label in self.clock:
            value = getattr(record, name)
            if value is None:
                continue
            day = timezone.localdate(value, zone) if isinstance(value, datetime) else value
            found.append((day, str(label)))
            if not self.latest:
                break
        return max(found, key=lambda f: f[0])

    def dated_before(self, cutoff: date, zone: ZoneInfo) -> Q:
        """Records whose own date (as `date_of` reads it) is before `cutoff`."""
        start = datetime.combine(cutoff, time(), tzinfo=zone)

        def before(name: str) -> Q:
            f = self.model._meta.get_field(name)
            return Q(**{f"{name}__lt": start if isinstance(f, models.DateTimeField) else cutoff})

        if self.latest:  # all set ones before
            q = Q()
            for name, _label in self.clock:
                q &= before(name) | Q(**{f"{name}__isnull": True})
            return q
        q, unset = Q(), Q()
        for name, _label in self.clock:
            q |= unset & before(name)
            unset &= Q(**{f"{name}__isnull": True})
        return q


def _shops(program: Program):
    return Shop.objects.filter(program=program).select_related("planned_shop")


RECORDS: dict[str, RecordKind] = {
    RecordType.MONTHLY_REPORT: RecordKind(
        model=MonthlyReport,
        records=lambda p: MonthlyReport.objects.filter(program=p),
        clock=(("submitted_at", _("submitted")), ("created_at", _("created"))),
        describe=lambda r: f"report {r.month:%Y-%m} revision {r.revision}",
        noun=_("monthly report"),
        pack_months=lambda r: [r.month],
    ),
    RecordType.CONTACT_DATA: RecordKind(
        model=ContactImport,
        records=lambda p: ContactImport.objects.filter(program=p),
        clock=(("finished_at", _("imported")), ("created_at", _("uploaded"))),
        describe=lambda r: f"{r.original_name} ({r.month:%Y-%m})",
        noun=_("contact data"),
        pack_months=lambda r: [r.month, add_months(r.month, 1)],  # the plan of the next
    ),
    RecordType.SAMPLE_PLAN: RecordKind(
        model=SamplePlan,
        records=lambda p: SamplePlan.objects.filter(program=p),
        clock=(("approved_at", _("approved")), ("created_at", _("generated"))),
        describe=lambda r: f"plan {r.month:%Y-%m}",
        noun=_("sample plan"),
        pack_months=lambda r: [r.month],
        ancestors=((RecordType.CONTACT_DATA, "contact_import_id"),),
    ),
    RecordType.MS_FORM: RecordKind(
        model=Shop,
        records=_shops,
        clock=(
            ("submitted_at", _("submitted")),
            ("finalized_at", _("finalized")),
            ("created_at", _("started")),
        ),
        describe=lambda s: f"shop #{s.planned_shop.number} {s.planned_shop.date:%Y-%m-%d}",
        noun=_("MS form"),
        pack_months=lambda s: [s.planned_shop.date.replace(day=1)],
        ancestors=(
            (RecordType.SAMPLE_PLAN, "planned_shop__plan_id"),
            (RecordType.CONTACT_DATA, "planned_shop__plan__contact_import_id"),
        ),
    ),
    RecordType.EXECUTION_RECORD: RecordKind(
        model=Evidence,
        records=lambda p: Evidence.objects.filter(shop__program=p).select_related(
            "shop__planned_shop"
        ),
        clock=(("uploaded_at", _("uploaded")),),
        describe=lambda e: f"evidence {e.original_name} of shop #{e.shop.planned_shop.number}",
        noun=_("execution record"),
        pack_months=lambda e: [e.shop.planned_shop.date.replace(day=1)],
        ancestors=(
            (RecordType.MS_FORM, "shop_id"),
            (RecordType.SAMPLE_PLAN, "shop__planned_shop__plan_id"),
            (RecordType.CONTACT_DATA, "shop__planned_shop__plan__contact_import_id"),
        ),
    ),
    RecordType.FOLLOW_UP: RecordKind(
        model=FollowUp,
        records=lambda p: FollowUp.objects.filter(program=p).select_related("shop__planned_shop"),
        clock=(("created_at", _("made")), ("held_on", _("held"))),
        latest=True,
        describe=lambda f: f"{f.get_kind_display()} #{f.pk}",
        noun=_("follow-up item"),
        pack_months=lambda f: [f.shop.planned_shop.date.replace(day=1)],
        ancestors=(
            (RecordType.MS_FORM, "shop_id"),
            (RecordType.SAMPLE_PLAN, "shop__planned_shop__plan_id"),
            (RecordType.CONTACT_DATA, "shop__planned_shop__plan__contact_import_id"),
        ),
    ),
    RecordType.CALIBRATION: RecordKind(
        model=CalibrationSession,
        records=lambda p: CalibrationSession.objects.filter(program=p),
        clock=(("held_on", _("held")),),
        describe=lambda s: f"calibration {s.held_on:%Y-%m-%d} {s.title}",
        noun=_("calibration session"),
        pack_months=lambda s: [s.held_on.replace(day=1)],
        # Its shops (the related shop and those it reviewed) are read apart: many.
    ),
}

# Dependents first: what they free can go in the same run.
PURGE_ORDER = [
    RecordType.MONTHLY_REPORT,
    RecordType.EXECUTION_RECORD,
    RecordType.FOLLOW_UP,
    RecordType.CALIBRATION,
    RecordType.MS_FORM,
    RecordType.SAMPLE_PLAN,
    RecordType.CONTACT_DATA,
]
RETAINED_MODELS = {kind.model: record_type for record_type, kind in RECORDS.items()}

# A session refers to shops through these (each PROTECTs the shop).
_SESSION_LINKS = (
    (CalibrationSession, "pk", "related_shop"),
    (CalibrationCase, "session_id", "shop"),
    (CalibrationRating, "session_id", "shop"),
    (ReviewedDefect, "session_id", "defect__shop"),
)


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


def ref(record_type: str, object_id: int) -> str:
    """A short name of a record for reasons: "follow-up item #12"."""
    return gettext("%(record)s #%(id)s") % {
        "record": RECORDS[record_type].noun,
        "id": object_id,
    }


# --- The decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class Expired:
    """One record past its retention on the day asked about: it goes, or it
    stays and `kept_because` says why."""

    program: Program
    record_type: str
    object_id: int
    description: str
    record_date: date
    years: int
    kept_because: str = ""  # a reason it stays (a hold, a dependent that stays)
    held: bool = False  # under a legal hold itself
    clock: str = ""  # what the record date is: "submitted", "imported", …

    @property
    def due_on(self) -> date:
        """The first day this record is past its retention."""
        return due_on(self.record_date, self.years)

    @property
    def record_type_label(self) -> str:
        return RecordType(self.record_type).label

    @property
    def key(self) -> Key:
        return (self.record_type, self.object_id)


@dataclass
class _Node:
    record_type: str
    record: models.Model
    record_date: date
    clock: str
    ancestors: set = field(default_factory=set)  # keys above it
    children: set = field(default_factory=set)  # keys of records that depend on it
    candidate: bool = False  # past its retention on the day
    kept: str = ""


def _node(kind_type: str, record, zone: ZoneInfo, **extra) -> _Node:
    kind = RECORDS[kind_type]
    day, clock = kind.date_of(record, zone)
    ancestors = {
        (t, getattr(record, f"_anc_{i}"))
        for i, (t, _lookup) in enumerate(kind.ancestors)
        if getattr(record, f"_anc_{i}", None) is not None
    }
    return _Node(kind_type, record, day, clock, ancestors, **extra)


def _with_ancestors(kind: RecordKind, qs):
    return qs.annotate(
        **{f"_anc_{i}": models.F(lookup) for i, (_t, lookup) in enumerate(kind.ancestors)}
    )


def purge_plan(*, program: Program, today: date) -> list[Expired]:
    """Every record of `program` past its retention on `today`, each with why it
    stays if it does. A constant number of queries, whatever the data."""
    zone = program.zone
    years = {r.record_type: r.years for r in program.retention_rules.all()}
    holds = set(LegalHold.objects.filter(program=program).values_list("record_type", "object_id"))
    nodes: dict[Key, _Node] = {}

    def add(record_type: str, qs, *, candidate: bool) -> list[_Node]:
        kind = RECORDS[record_type]
        found = []
        for record in _with_ancestors(kind, qs):
            key = (record_type, record.pk)
            node = nodes.get(key) or nodes.setdefault(key, _node(record_type, record, zone))
            node.candidate = node.candidate or candidate
            found.append(node)
        return found

    for record_type in PURGE_ORDER:
        if record_type in years:
            kind = RECORDS[record_type]
            cutoff = cutoff_for(today, years[record_type])
            add(
                record_type,
                kind.records(program).filter(kind.dated_before(cutoff, zone)),
                candidate=True,
            )

    def candidates(record_type: str) -> list[int]:
        return [k[1] for k, n in nodes.items() if k[0] == record_type and n.candidate]

    # Records that depend on the candidates, whatever their age: each keeps its parent.
    imports, plans = candidates(RecordType.CONTACT_DATA), candidates(RecordType.SAMPLE_PLAN)
    if imports:
        for node in add(
            RecordType.SAMPLE_PLAN,
            RECORDS[RecordType.SAMPLE_PLAN].records(program).filter(contact_import__in=imports),
            candidate=False,
        ):
            nodes[(RecordType.CONTACT_DATA, node.record.contact_import_id)].children.add(
                (node.record_type, node.record.pk)
            )
    if plans:
        for node in add(
            RecordType.MS_FORM,
            _shops(program).filter(planned_shop__plan__in=plans),
            candidate=False,
        ):
            nodes[(RecordType.SAMPLE_PLAN, node.record.planned_shop.plan_id)].children.add(
                (node.record_type, node.record.pk)
            )
    shops = candidates(RecordType.MS_FORM)
    if shops:
        for record_type in (RecordType.EXECUTION_RECORD, RecordType.FOLLOW_UP):
            for node in add(
                record_type,
                RECORDS[record_type].records(program).filter(shop__in=shops),
                candidate=False,
            ):
                nodes[(RecordType.MS_FORM, node.record.shop_id)].children.add(
                    (node.record_type, node.record.pk)
                )
    # Calibration sessions and the shops they refer to: links of the candidate
    # sessions (their ancestors) and of the candidate shops (their dependents).
    sessions = candidates(RecordType.CALIBRATION)
    links: set[tuple[int, int, int | None, int | None]] = set()
    if sessions or shops:
        for model, session_field, shop_path in _SESSION_LINKS:
            links.update(
                model.objects.filter(
                    Q(**{f"{session_field}__in": sessions}) | Q(**{f"{shop_path}__in": shops})
                )
                .filter(**{f"{shop_path}__isnull": False})
                .order_by()
                .values_list(
                    session_field,
                    shop_path,
                    f"{shop_path}__planned_shop__plan_id",
                    f"{shop_path}__planned_shop__plan__contact_import_id",
                )
            )
    if shops:  # the sessions that refer to them, whatever their age (one query)
        add(
            RecordType.CALIBRATION,
            RECORDS[RecordType.CALIBRATION]
            .records(program)
            .filter(
                Q(related_shop__in=shops)
                | Q(cases__shop__in=shops)
                | Q(ratings__shop__in=shops)
                | Q(reviewed_defects__defect__shop__in=shops)
            )
            .distinct(),
            candidate=False,
        )
    for session_id, shop_id, plan_id, import_id in links:
        session = nodes.get((RecordType.CALIBRATION, session_id))
        if session is None:  # another program's (not expected)
            continue
        session.ancestors.add((RecordType.MS_FORM, shop_id))
        session.ancestors.update(
            {(RecordType.SAMPLE_PLAN, plan_id), (RecordType.CONTACT_DATA, import_id)}
        )
        shop = nodes.get((RecordType.MS_FORM, shop_id))
        if shop is not None and shop.candidate:
            shop.children.add((RecordType.CALIBRATION, session_id))

    # Decide, dependents first.
    rank = {t: i for i, t in enumerate(PURGE_ORDER)}
    order = sorted(
        (n for n in nodes.values() if n.candidate),
        key=lambda n: (rank[n.record_type], n.record_date, n.record.pk),
    )
    for node in order:
        key = (node.record_type, node.record.pk)
        if key in holds:
            node.kept = str(HELD)
            continue
        held_above = sorted(a for a in node.ancestors if a in holds)
        if held_above:
            node.kept = gettext("kept with %(record)s, which is on legal hold") % {
                "record": ref(*held_above[0])
            }
            continue
        reasons = [
            _blocker(child, nodes[child], years, holds)
            for child in sorted(node.children)
            if nodes[child].kept or not nodes[child].candidate
        ]
        if reasons:
            node.kept = reasons[0]
            if len(reasons) > 1:
                node.kept += " " + gettext("(and %(n)s more)") % {"n": len(reasons) - 1}

    return [
        Expired(
            program,
            n.record_type,
            n.record.pk,
            RECORDS[n.record_type].describe(n.record)[:300],
            n.record_date,
            years[n.record_type],
            n.kept,
            held=(n.record_type, n.record.pk) in holds,
            clock=n.clock,
        )
        for n in order
    ]


def _blocker(child: Key, node: _Node, years: dict, holds: set) -> str:
    """Why the dependent `child` keeps its parent."""
    return capfirst(_why_dependent(child, node, years, holds))


def _why_dependent(child: Key, node: _Node, years: dict, holds: set) -> str:
    name = ref(*child)
    if child in holds:
        return gettext("%(record)s depends on it and is on legal hold") % {"record": name}
    if node.record_type not in years:
        return gettext("%(record)s depends on it and has no retention period") % {"record": name}
    if not node.candidate:
        return gettext("%(record)s depends on it and is kept until %(day)s") % {
            "record": name,
            "day": due_on(node.record_date, years[node.record_type]).isoformat(),
        }
    # Its own row says why.
    return gettext("%(record)s depends on it and stays") % {"record": name}


def expired_records(*, today: date | None = None, program: Program | None = None) -> list[Expired]:
    """The dry run: everything past its retention on `today` (the program's own
    local date if not given), of `program` or of every program, with the
    reason a record stays if it does. Exactly what `purge` deletes."""
    found = []
    for p in _programs(program):
        found += purge_plan(program=p, today=today or timezone.localdate(timezone.now(), p.zone))
    return found


def _programs(program: Program | None) -> list[Program]:
    programs = Program.objects.prefetch_related("retention_rules").order_by("pk")
    if program is not None:
        programs = programs.filter(pk=program.pk)
    return list(programs)


# --- The real run ----------------------------------------------------------------------


def purge(
    *,
    today: date | None = None,
    program: Program | None = None,
    by: str = "purge",
) -> list[Expired]:
    """Delete what `purge_plan` lists as going, of `program` or of every program,
    one transaction per program; return the plan (what went, and what stayed
    and why). `by` is who ran it, for the log."""
    found = []
    for p in _programs(program):
        found += purge_program(program=p, today=today, by=by)
    return found


def purge_program(
    *, program: Program, today: date | None = None, by: str = "purge", run: PurgeRun | None = None
) -> list[Expired]:
    """The real run for one program: decide under the program's lock, delete
    exactly what was decided, log each record; one transaction (an error
    undoes the whole run, files included). A record whose delete would take
    a record of a retained type the decision did not see (made meanwhile) is
    left whole, with `CHANGED` as its reason, and so is what it keeps."""
    files: set[tuple] = set()
    packs: dict[date, PurgeLog] = {}  # month -> the first log entry of a record of it
    done: list[Expired] = []
    with transaction.atomic():
        # Holds are placed under the same lock: none lands between deciding and deleting.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        day = today or timezone.localdate(timezone.now(), program.zone)
        for item in purge_plan(program=program, today=day):
            if not item.kept_because:
                unit_files: set[tuple] = set()
                try:
                    with transaction.atomic():  # a savepoint: a conflict undoes this record only
                        entry, months = _delete_unit(item, by=by, files=unit_files, run=run)
                except PurgeConflict:
                    item = replace(item, kept_because=str(CHANGED))
                else:
                    files |= unit_files
                    for month in months:
                        packs.setdefault(month, entry)
            done.append(item)
        _delete_packs(program, packs, files)
        _delete_old_notifications(program, day)
        if run is not None:
            run.purged = sum(1 for i in done if not i.kept_because)
            run.finished_at = timezone.now()
            run.save(update_fields=["purged", "finished_at"])
        # Files only once the rows are gone for good: a rollback keeps both.
        transaction.on_commit(lambda: _delete_files(files))
    return done


def _delete_old_notifications(program: Program, day: date) -> int:
    """The program's notifications older than `NOTIFICATION_DAYS` (they copy
    names and numbers of the records they are about)."""
    from notifications.models import Notification

    start = datetime.combine(day - timedelta(days=NOTIFICATION_DAYS), time.min, program.zone)
    deleted, _per_model = Notification.objects.filter(
        program=program, created_at__lt=start
    ).delete()
    return deleted


class PurgeConflict(Exception):
    """A record changed between the decision and the delete (e.g. a dependent
    made meanwhile): its delete is undone and it waits for the next purge."""


CHANGED = _("it changed while the purge ran; the next purge looks at it again")


def _delete_unit(
    item: Expired, *, by: str, files: set, run: PurgeRun | None
) -> tuple[PurgeLog, list[date]]:
    """Delete one record with its parts, their history rows and (on commit)
    files; log it. Returns the log entry and the months of the audit packs
    that hold a copy of it."""
    kind = RECORDS[item.record_type]
    record = kind.records(item.program).get(pk=item.object_id)
    months = kind.pack_months(record)
    using = router.db_for_write(kind.model)
    collector = Collector(using=using, origin=record)
    try:
        collector.collect([record])
    except (ProtectedError, RestrictedError) as exc:
        raise PurgeConflict(f"{item.record_type} #{item.object_id}: still referenced") from exc
    deleted: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for model, instances in collector.data.items():
        deleted[model].extend(instances)
    for qs in collector.fast_deletes:
        deleted[qs.model].extend(qs)
    for model, instances in deleted.items():
        others = [o for o in instances if not (model is kind.model and o.pk == record.pk)]
        if model in RETAINED_MODELS and others:  # a record of its own would go unlisted
            raise PurgeConflict(
                f"{item.record_type} #{item.object_id} would delete {model._meta.label}"
            )
    with translation.override(None):  # the log keeps the word untranslated; the page translates it
        clock = kind.date_of(record, item.program.zone)[1]
    checksum = _checksum(deleted)
    ids = {model: sorted(o.pk for o in instances) for model, instances in deleted.items()}
    for model, instances in deleted.items():
        files.update(_files_of(model, instances))
    collector.delete()  # simple-history writes a "-" row for each: removed below
    history = _delete_history(kind.model, item.object_id, ids, files)
    # Holds released earlier keep their history for audits, but not what the
    # record said (a title, a file name): only its type, id and date.
    LegalHold.history.filter(
        program_id=item.program.pk, record_type=item.record_type, object_id=item.object_id
    ).update(description=_log_description(item))
    entry = PurgeLog.objects.create(
        program=item.program,
        program_code=item.program.code,
        record_type=item.record_type,
        object_id=item.object_id,
        description=_log_description(item),
        record_date=item.record_date,
        clock=clock,
        due_on=item.due_on,
        retention_years=item.years,
        purged_by=by[:150],
        checksum=checksum,
        rows={
            "deleted": {
                m._meta.label_lower: pks
                for m, pks in sorted(ids.items(), key=lambda e: e[0]._meta.label)
            },
            "history": history,
        },
        run=run,
    )
    return entry, months


def _delete_packs(program: Program, packs: dict[date, PurgeLog], files: set) -> None:
    """An audit pack of a month copies its records (F-31, F-32, F-28, minutes):
    it goes, row and ZIP, with the first of them; it can be built again from
    what is left. The log entry of that record lists it."""
    if not packs:
        return
    for pack in AuditPack.objects.filter(program=program, month__in=list(packs)):
        files.update(_files_of(AuditPack, [pack]))
        entry = packs[pack.month]
        entry.rows["deleted"].setdefault("reporting.auditpack", []).append(pack.pk)
        entry.save(update_fields=["rows"])
        pack.delete()


def _log_description(item: Expired) -> str:
    """What the log says the record was: its type, id and date, no contents
    (names, titles, file names stay out of the log)."""
    return f"{item.record_type} #{item.object_id} {item.record_date:%Y-%m-%d}"


def _checksum(deleted: dict) -> str:
    """SHA-256 of the deleted rows, serialized in a fixed order: proves what
    went without keeping it."""
    digest = hashlib.sha256()
    for model in sorted(deleted, key=lambda m: m._meta.label):
        rows = sorted(deleted[model], key=lambda o: o.pk)
        data = json.loads(serializers.serialize("json", rows))
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _file_fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _files_of(model, instances) -> set[tuple[str, str]]:
    found = set()
    for name in _file_fields(model):
        storage = model._meta.get_field(name).storage
        for obj in instances:
            value = getattr(obj, name)
            if value:
                found.add((storage, str(value)))
    return found


def _history_model(model):
    if model._meta.db_table not in registered_models:
        return None
    return getattr(model, model._meta.simple_history_manager_attribute).model


def _delete_history(root_model, root_pk: int, deleted: dict, files: set) -> dict[str, int]:
    """Delete the history rows of everything deleted (`deleted`: model -> ids),
    and those of the root's parts deleted before (e.g. a plan's regenerated
    planned shops), collecting the files their rows name. Returns the rows
    deleted per history table."""
    counts: dict[str, int] = {}

    def drop(history_model, source_model, qs):
        for f in _file_fields(source_model):
            storage = source_model._meta.get_field(f).storage
            for value in (
                qs.exclude(**{f: ""}).exclude(**{f"{f}__isnull": True}).values_list(f, flat=True)
            ):
                if not source_model.objects.filter(**{f: value}).exists():
                    files.add((storage, value))
        n, _by_model = qs.delete()
        if n:
            label = history_model._meta.label_lower
            counts[label] = counts.get(label, 0) + n

    for model, pks in deleted.items():
        history = _history_model(model)
        if history is not None:
            drop(history, model, history.objects.filter(id__in=pks))
    # Parts of the root that were deleted earlier: their history names the root.
    for model in registered_models.values():
        if model in RETAINED_MODELS or model._meta.auto_created:
            continue
        history = _history_model(model)
        if history is None:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is root_model:
                drop(
                    history,
                    model,
                    history.objects.filter(**{f.attname: root_pk}).exclude(
                        id__in=model.objects.values("pk")  # a row still there keeps its own
                    ),
                )
    return counts


def _delete_files(files: Iterable[tuple]) -> None:
    for storage, name in sorted(files, key=lambda f: f[1]):
        storage.delete(name)


# --- The schedule: monthly, at night in each program's zone -----------------------------


def scheduled_run_at(program: Program, day: date) -> datetime:
    """When the monthly purge runs for `program` in the month of `day`."""
    return datetime.combine(day.replace(day=PURGE_DAY), PURGE_AT, tzinfo=program.zone)


def purge_due_programs(*, now: datetime | None = None, by: str = "beat") -> int:
    """The hourly beat task's work: purge every program whose local time is
    past the night of the 1st (02:30) and whose purge of this month has not
    run. Claimed by a row per program and month, so a repeated or concurrent
    run purges nothing twice; a failed run is tried again the next hour until
    the 1st is over. Returns the records deleted."""
    now = now or timezone.now()
    purged = 0
    for program in _programs(None):
        local = now.astimezone(program.zone)
        month = local.date().replace(day=1)
        if local.day != PURGE_DAY or now < scheduled_run_at(program, month):
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    run = PurgeRun.objects.create(program=program, month=month, by=by)
            except IntegrityError:
                continue  # this month's run happened (or runs now)
            items = purge_program(program=program, today=local.date(), by=by, run=run)
        purged += sum(1 for i in items if not i.kept_because)
    return purged


def purge_runs(program: Program, after: datetime, until: date) -> list[datetime]:
    """The times the monthly purge of `program` runs after `after`, up to the
    program's local day `until`."""
    zone = program.zone
    local = after.astimezone(zone).date().replace(day=1)
    runs = []
    while local <= until:
        run = scheduled_run_at(program, local)
        if after < run and run.date() <= until:
            runs.append(run)
        local = (local + timedelta(days=32)).replace(day=1)
    return runs


# --- The Retention page: what goes when, and legal holds ---------------------------


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
    the reason it stays if it does. One decision (`purge_plan`) as of the
    look-ahead day; a constant number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now, program.zone)
    until = today + timedelta(days=days)
    # Runs for a year past the look-ahead: a record due by then has its purge among them.
    runs = purge_runs(program, now, until + timedelta(days=366))
    next_purge = runs[0] if runs else None
    # Each record as the purge that first finds it past its retention sees it:
    # one decision per purge in the look-ahead (three or four), and one as of
    # the look-ahead day for what falls due after the last of them.
    days_ = sorted({run.date() for run in runs if run.date() <= until} | {until})
    if next_purge is not None and next_purge.date() > until:
        days_ = [next_purge.date()]
    next_day = days_[0] if next_purge is not None else today
    at_next_purge, later = [], []
    previous = None
    for day in days_:
        for item in purge_plan(program=program, today=day):
            due = item.due_on
            if previous is not None and due <= previous:
                continue  # listed by the decision of an earlier purge
            goes_at = next((run for run in runs if run.date() >= due), None)
            (at_next_purge if due <= next_day else later).append(Upcoming(item, goes_at))
        previous = day
    key = lambda u: (u.item.due_on, PURGE_ORDER.index(u.item.record_type), u.item.object_id)  # noqa: E731
    return RetentionSchedule(
        today, until, next_purge, sorted(at_next_purge, key=key), sorted(later, key=key)
    )


def place_hold(
    *, program: Program, record_type: str, object_id: int, reason: str, user: User | None
) -> LegalHold:
    """Keep one record of `program` (and what depends on it) past its retention
    until the hold is released. Placing it again (a double click) returns the
    hold already there."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record must be kept.")})
    kind = RECORDS.get(record_type)
    if kind is None:
        raise ValidationError(_("Records of this type are not purged: they need no hold."))
    hold_of = {"program": program, "record_type": record_type, "object_id": object_id}
    with transaction.atomic():
        # The purge decides and deletes under this lock: a hold waits for it, or it for the hold.
        Program.objects.select_for_update().filter(pk=program.pk).first()
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
