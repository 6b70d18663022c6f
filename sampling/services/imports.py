"""Writes of contact data: the monthly import of contact statistics (TLK-5.1.1,
PGD-4.3), its retries and sweep, and the resolution of unknown contact reasons."""

import logging
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy

from mysteryshop import queueing
from mysteryshop.uploads import worded
from programs.models import (
    ContactReason,
    Program,
    User,
)
from sampling import importer
from sampling.models import (
    ContactImport,
    ContactStat,
    ImportStatus,
    MappingKind,
    ReasonAlias,
)
from sampling.services import mappings

logger = logging.getLogger(__name__)


# Stored untranslated in ContactImport.problem; the ngettext_lazy call only marks
# the pair as one plural entry for makemessages.
ROWS_HAVE_ERRORS = (
    "%(n)s row has errors; nothing was imported.",
    "%(n)s rows have errors; nothing was imported.",
)
ngettext_lazy(
    "%(n)s row has errors; nothing was imported.",
    "%(n)s rows have errors; nothing was imported.",
    "n",
)


def latest_import(program: Program, month: date) -> ContactImport | None:
    """The newest successful import of `month`'s contacts."""
    return (
        ContactImport.objects.filter(program=program, month=month, status=ImportStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def contact_import_start(*, program: Program, month: date, upload, user: User) -> ContactImport:
    """Store the uploaded file (kept as evidence) and queue its import.

    A broker outage never breaks the request: the import stays waiting and
    the periodic sweep queues it again. Once the transaction commits,
    `record.queued` says whether the task reached the broker (None before the
    commit), so the page can tell the user the file is safe either way.
    """
    record = ContactImport(
        program=program,
        month=month.replace(day=1),
        original_name=upload.name[:255],
        uploaded_by=user,
    )
    record.file.save(upload.name, upload, save=False)
    record.save()
    record.queued = None

    def send() -> None:
        record.queued = enqueue_import(record.pk)

    transaction.on_commit(send)
    return record


def enqueue_import(import_id: int) -> bool:
    from sampling.tasks import contact_import_run

    return queueing.send(contact_import_run, import_id, what="contact import")


IMPORT_MAX_ATTEMPTS = 3  # starts of one import before it is failed rather than retried

IMPORT_WAITING = timedelta(minutes=1)  # queued but not started: the broker lost it

IMPORT_STALLED = timedelta(minutes=30)  # started but not finished: its worker died


def contact_import_process(*, import_id: int) -> ContactImport:
    """Validate, aggregate and store one import; all or nothing. Idempotent:
    a finished import is left alone, an interrupted one starts again, up to
    IMPORT_MAX_ATTEMPTS starts (a file that kills its worker is failed, not
    retried forever)."""
    claimed = ContactImport.objects.filter(
        pk=import_id,
        status__in=[ImportStatus.PENDING, ImportStatus.RUNNING],
        attempts__lt=IMPORT_MAX_ATTEMPTS,
    ).update(
        status=ImportStatus.RUNNING,
        started_at=timezone.now(),
        progress=1,
        attempts=F("attempts") + 1,
    )
    record = ContactImport.objects.select_related("program", "uploaded_by").get(pk=import_id)
    if not claimed:
        if not record.is_finished:  # out of attempts
            return _import_gave_up(record)
        return record
    # Its messages are worded in its uploader's language.
    user = record.uploaded_by
    with translation.override(user.language_or_default if user else settings.LANGUAGE_CODE):
        return _import_run(record, time.monotonic())


def _import_run(record: ContactImport, started: float) -> ContactImport:
    program = record.program

    def progress(pct: int) -> None:
        ContactImport.objects.filter(pk=record.pk).update(progress=pct)

    lookups = mappings.import_lookups(program)
    try:
        with _stored_path(record.file) as path:
            result = importer.parse(
                path,
                time_zone=program.time_zone,
                year=record.month.year,
                month=record.month.month,
                channels=lookups.channels,
                categories=lookups.categories,
                progress=progress,
            )
    except importer.FileRejected as exc:
        return _import_failed(record, exc.problem, started)
    except DatabaseError:
        raise  # the database is away: the task fails and the sweep runs the import again
    except Exception:  # a file the reader did not foresee: fail it rather than retry forever
        logger.exception("Contact import %s: unexpected error while reading the file", record.pk)
        return _import_failed(
            record,
            {
                "text": gettext_noop(
                    "The file could not be read. Check that it is CSV or XLSX with the "
                    "expected columns; if it is, send it to your administrator."
                )
            },
            started,
        )
    record.encoding = result.encoding
    record.row_count = result.rows
    record.ignored_rows = result.ignored_rows
    record.timestamp_format = result.timestamp_format
    record.error_groups = result.error_groups
    record.unknown_values = result.unknown()
    record.error_count = result.error_total
    record.errors_preview = [
        {"row": e.row, "column": e.column, "message": e.message} for e in result.errors
    ]
    if not result.ok:
        with tempfile.TemporaryDirectory() as tmp:
            errors = Path(tmp) / "errors.csv"
            importer.errors_csv(result, errors)
            with errors.open("rb") as fh:
                record.errors_file.save(f"errors-{record.pk}.csv", File(fh), save=False)
        if result.needs_mapping:
            return _import_finished(record, ImportStatus.NEEDS_MAPPING, started)
        return _import_failed(
            record,
            {
                "text": ROWS_HAVE_ERRORS[0],
                "plural": ROWS_HAVE_ERRORS[1],
                "n": result.error_total,
                "params": {"n": result.error_total},
                "grouped": ["n"],
            },
            started,
        )
    aliases = reason_lookup(program)
    areas = result.table.group_by("area").agg(pl.col("n").sum())
    unknown_areas = mappings.unknown_areas(program, dict(areas.iter_rows()))
    if unknown_areas:
        record.unknown_values = {**record.unknown_values, MappingKind.AREA: unknown_areas}
    with transaction.atomic():
        ContactStat.objects.filter(contact_import=record).delete()
        _store_counts(record, result.table, aliases)
        return _import_finished(record, ImportStatus.SUCCEEDED, started)


@contextmanager
def _stored_path(stored):
    """A path to the stored upload: the file itself when the storage is a local
    folder (read in place), else a temporary copy."""
    try:
        local = Path(stored.path)
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    with stored.open("rb") as fh, tempfile.NamedTemporaryFile(suffix=".upload") as tmp:
        shutil.copyfileobj(fh, tmp)
        tmp.flush()
        yield Path(tmp.name)


STAT_COLUMNS = [
    "contact_import_id",
    "reason_text",
    "reason_id",
    "category_id",
    "channel_id",
    "weekday",
    "hour",
    "area",
    "count",
]


def _store_counts(record: ContactImport, table, aliases: dict[str, int]) -> None:
    """The aggregated counts, with PostgreSQL's COPY where the database is one
    (the frame written as CSV in one go: no Python object per row)."""
    table = table.select(
        contact_import_id=pl.lit(record.pk, pl.Int64),
        reason_text=pl.col("reason"),
        reason_id=pl.col("reason")
        .str.to_lowercase()
        .replace_strict(aliases, default=None, return_dtype=pl.Int64),
        category_id="category_id",
        channel_id="channel_id",
        weekday="weekday",
        hour="hour",
        area="area",
        count="n",
    )
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(ContactStat._meta.get_field(c).column) for c in STAT_COLUMNS)
        sql = f"COPY {quote(ContactStat._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
        # Texts quoted, so that an empty area is "" and only a missing id is NULL.
        data = table.write_csv(include_header=False, quote_style="non_numeric")
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.write(data)
        return
    ContactStat.objects.bulk_create(
        (ContactStat(**dict(zip(STAT_COLUMNS, row, strict=True))) for row in table.iter_rows()),
        batch_size=5000,
    )


def _import_gave_up(record: ContactImport) -> ContactImport:
    """Fail an import whose workers died IMPORT_MAX_ATTEMPTS times (nothing of it was
    written: each run writes all or nothing)."""
    problem = {
        "text": gettext_noop(
            "The import stopped %(n)s times before it could finish, so it was given up; "
            "nothing was imported. Upload the file again, or split it into smaller files; "
            "if it happens again, tell your administrator."
        ),
        "params": {"n": record.attempts},
    }
    ContactImport.objects.filter(
        pk=record.pk, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(
        status=ImportStatus.FAILED,
        progress=100,
        finished_at=timezone.now(),
        message=worded(problem),
        problem=problem,
    )
    record.refresh_from_db()
    logger.error("Contact import %s given up after %s attempts", record.pk, record.attempts)
    return record


def imports_sweep(*, now=None) -> int:
    """Queue again imports left waiting by a broker outage and imports whose worker
    died mid-way (the write is all or nothing); fail those out of attempts.
    Returns how many were queued again."""
    now = now or timezone.now()
    stale = ContactImport.objects.filter(
        Q(status=ImportStatus.PENDING, created_at__lt=now - IMPORT_WAITING)
        | Q(status=ImportStatus.RUNNING, started_at__lt=now - IMPORT_STALLED)
    )
    queued = 0
    for record in stale:
        if record.attempts >= IMPORT_MAX_ATTEMPTS:
            _import_gave_up(record)
            continue
        ContactImport.objects.filter(pk=record.pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.PENDING
        )
        enqueue_import(record.pk)
        queued += 1
    return queued


def contact_import_requeue(*, record: ContactImport, user: User) -> bool:
    """Start an unfinished import again from the beginning (the Django admin's
    "requeue": a worker that was killed for memory, a lost message). Its attempts
    start again from zero; a finished import is left alone (False)."""
    claimed = ContactImport.objects.filter(
        pk=record.pk, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(status=ImportStatus.PENDING, attempts=0, progress=0, started_at=None)
    if claimed:
        logger.warning("Contact import %s requeued by %s", record.pk, user)
        transaction.on_commit(lambda: enqueue_import(record.pk))
    return bool(claimed)


def contact_import_fail(*, record: ContactImport, user: User) -> bool:
    """Give up an unfinished import (the Django admin's "mark failed"); nothing of
    it was written (each run writes all or nothing). A finished one: False."""
    problem = {
        "text": gettext_noop(
            "The import was stopped by an administrator; nothing was imported. "
            "Upload the file again."
        ),
        "params": {},
    }
    claimed = ContactImport.objects.filter(
        pk=record.pk, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(
        status=ImportStatus.FAILED,
        progress=100,
        finished_at=timezone.now(),
        message=worded(problem),
        problem=problem,
    )
    if claimed:
        logger.warning("Contact import %s marked failed by %s", record.pk, user)
    return bool(claimed)


def _import_failed(record: ContactImport, problem: dict, started: float) -> ContactImport:
    """Fail the import, storing why untranslated (worded for each reader) and,
    for the record, worded in the uploader's language."""
    return _import_finished(record, ImportStatus.FAILED, started, problem=problem)


def _import_finished(
    record: ContactImport, status: str, started: float, *, problem: dict | None = None
) -> ContactImport:
    record.status = status
    record.problem = problem or {}
    record.message = worded(problem) if problem else ""
    record.progress = 100
    record.finished_at = timezone.now()
    record.seconds = time.monotonic() - started
    record.save()
    return record


def reason_lookup(program: Program) -> dict[str, int]:
    """Reason text (lower case) → reason id, from names and the analyst's aliases."""
    lookup = {r.name.strip().lower(): r.pk for r in ContactReason.objects.filter(program=program)}
    for alias in ReasonAlias.objects.filter(program=program):
        lookup[alias.alias.strip().lower()] = alias.reason_id
    return lookup


@transaction.atomic
def reason_map(*, program: Program, text: str, reason: ContactReason) -> int:
    """Map a reason as the file writes it to a program reason, now and for
    later imports. Returns how many counts were updated."""
    if reason.program_id != program.pk:
        raise ValidationError(_("Choose a reason of this program."))
    ReasonAlias.objects.update_or_create(program=program, alias=text, defaults={"reason": reason})
    return ContactStat.objects.filter(
        contact_import__program=program, reason=None, reason_text=text
    ).update(reason=reason)


@transaction.atomic
def reasons_map_all(*, program: Program, mapping: dict[str, ContactReason]) -> int:
    """Map several reasons as the file writes them at once (the suggestions the
    analyst accepted); all or none. Returns how many counts were updated."""
    return sum(
        reason_map(program=program, text=text, reason=reason) for text, reason in mapping.items()
    )


@transaction.atomic
def reason_add_from_text(*, program: Program, text: str) -> ContactReason:
    """Add an unknown reason to the program, in the category most of its contacts have."""
    top = (
        ContactStat.objects.filter(contact_import__program=program, reason=None, reason_text=text)
        .values("category_id")
        .annotate(n=Sum("count"))
        .order_by("-n", "category_id")
        .first()
    )
    if top is None:
        raise ValidationError(_("No contact has this reason."))
    if ContactReason.objects.filter(program=program, name__iexact=text).exists():
        raise ValidationError(_("A reason with this name exists already: map it instead."))
    reason = ContactReason.objects.create(
        program=program, name=text, category_id=top["category_id"]
    )
    ContactStat.objects.filter(
        contact_import__program=program, reason=None, reason_text=text
    ).update(reason=reason)
    return reason
