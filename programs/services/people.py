"""Writes of the people sub-domain: who has which role in a program, and the
agents import (with the teams and areas it names), validated whole before
anything is written (programs.importer reads and checks the file). The upload
is stored and imported by the worker (`programs.tasks.agent_import_run`),
with bulk writes in one transaction."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mysteryshop import queueing
from mysteryshop.uploads import FileRejected
from programs.importer import (
    ImportResult,
    check_header,
    check_upload,
    column_order,
    data_rows,
    read_table,
    validate,
)
from programs.models import (
    Agent,
    AgentImport,
    AgentImportStatus,
    Area,
    Membership,
    Program,
    Role,
    Team,
    User,
)


@transaction.atomic
def membership_add(
    *, program: Program, email: str, full_name: str, role: str, raci: str = ""
) -> tuple[Membership, bool]:
    """Give `email` a role in the program, creating the account if needed.

    Returns (membership, account_created). A new account has no usable
    password; the caller sends the person a link to set one.
    """
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        if not full_name.strip():
            raise ValidationError(
                {"full_name": _("This person has no account yet: give their full name.")}
            )
        user = User.objects.create_user(email=email, password=None, full_name=full_name.strip())
    if Membership.objects.filter(user=user, program=program, role=role).exists():
        raise ValidationError({"role": _("This person already has this role in the program.")})
    membership = Membership.objects.create(user=user, program=program, role=role, raci=raci)
    return membership, created


def membership_remove(*, membership: Membership) -> None:
    """Take a role away; the last manager of a program cannot be removed."""
    if (
        membership.role == Role.MANAGER
        and not Membership.objects.filter(program=membership.program_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(_("A program needs at least one manager."))
    membership.delete()


# --- The agents import (PGD-4.2, TLK-5.1.2) -------------------------------------

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000  # rows per INSERT of the bulk write
UPDATE_BATCH_SIZE = 100  # rows per UPDATE of Django's bulk_update (not on PostgreSQL)
IMPORT_MAX_ATTEMPTS = 3  # starts of one import before it is failed rather than retried
IMPORT_WAITING = timedelta(minutes=1)  # queued but not started: the broker lost it
IMPORT_STALLED = timedelta(minutes=30)  # started but not finished: its worker died


def agent_import_start(*, program: Program, upload, user: User | None) -> AgentImport:
    """Store the uploaded agents file and queue its import (the worker runs
    `agent_import_process`). The cheap checks of the file (name, size, a
    workbook that unpacks too large) run here and raise FileRejected, so such a
    file is refused on the upload page and never stored.

    As for the contact import, a broker outage never breaks the request: the
    import waits, and the sweep (or the status page) queues it again. After the
    commit, `record.queued` says whether the task reached the broker (None
    before the commit)."""
    check_upload(upload, upload.name)
    upload.seek(0)
    record = AgentImport(program=program, original_name=upload.name[:255], uploaded_by=user)
    record.file.save(upload.name, upload, save=False)
    record.save()
    record.queued = None

    def send() -> None:
        record.queued = enqueue_agent_import(record.pk)

    transaction.on_commit(send)
    return record


def enqueue_agent_import(import_id: int) -> bool:
    """Queue the import; False (logged) when the broker does not answer."""
    from programs.tasks import agent_import_run

    return queueing.send(agent_import_run, import_id, what="agents import")


def agent_import_process(*, import_id: int) -> AgentImport | None:
    """Import one stored agents file; all or nothing. Idempotent: a finished
    import is left alone; an interrupted one (its write rolled back) starts
    again, up to IMPORT_MAX_ATTEMPTS starts. The agents, teams, areas and the
    import's own result are written in one transaction, so a crash never
    leaves the people written and the import unfinished."""
    claimed = AgentImport.objects.filter(
        pk=import_id,
        status__in=[AgentImportStatus.PENDING, AgentImportStatus.RUNNING],
        attempts__lt=IMPORT_MAX_ATTEMPTS,
    ).update(
        status=AgentImportStatus.RUNNING,
        started_at=timezone.now(),
        progress=5,
        attempts=F("attempts") + 1,
    )
    record = (
        AgentImport.objects.select_related("program", "uploaded_by").filter(pk=import_id).first()
    )
    if record is None:
        return None
    if not claimed:
        if not record.is_finished:  # out of attempts
            return _agent_import_gave_up(record)
        return record
    started = time.monotonic()
    user = record.uploaded_by
    # The messages are worded in the uploader's language, as they read them today.
    with record.file.open("rb") as stored:
        file = ContentFile(stored.read(), name=record.original_name)
    language = user.language_or_default if user else settings.LANGUAGE_CODE
    with translation.override(language):
        result = agents_import(
            program=record.program, file=file, user=user, finish=(record, started)
        )
    record.refresh_from_db()
    logger.info(
        "Agents import %s: %s, %s rows in %.1f s",
        record.pk,
        record.status,
        result.rows,
        record.seconds or 0,
    )
    return record


def _agent_import_finish(record: AgentImport, result: ImportResult, started: float) -> None:
    """Store what the import did (inside its transaction when it wrote)."""
    AgentImport.objects.filter(pk=record.pk).update(
        status=AgentImportStatus.SUCCEEDED if result.ok else AgentImportStatus.FAILED,
        progress=100,
        result=result.to_json(),
        finished_at=timezone.now(),
        seconds=time.monotonic() - started,
    )


def _agent_import_gave_up(record: AgentImport) -> AgentImport:
    result = ImportResult(
        file_name=record.original_name,
        file_error=_(
            "The import of this file was started %(n)d times and never finished. Nothing "
            "was saved. Split the file into smaller ones, or ask the administrator."
        )
        % {"n": record.attempts},
    )
    AgentImport.objects.filter(
        pk=record.pk, status__in=[AgentImportStatus.PENDING, AgentImportStatus.RUNNING]
    ).update(
        status=AgentImportStatus.FAILED,
        progress=100,
        result=result.to_json(),
        finished_at=timezone.now(),
    )
    record.refresh_from_db()
    logger.error("Agents import %s given up after %s attempts", record.pk, record.attempts)
    return record


def agent_imports_sweep(*, now=None) -> int:
    """Queue again imports left waiting by a broker outage and imports whose
    worker died mid-way (the write is all or nothing); fail those out of
    attempts. Returns how many were queued again."""
    now = now or timezone.now()
    stale = AgentImport.objects.filter(
        Q(status=AgentImportStatus.PENDING, created_at__lt=now - IMPORT_WAITING)
        | Q(status=AgentImportStatus.RUNNING, started_at__lt=now - IMPORT_STALLED)
    )
    queued = 0
    for record in stale:
        if record.attempts >= IMPORT_MAX_ATTEMPTS:
            _agent_import_gave_up(record)
            continue
        AgentImport.objects.filter(pk=record.pk, status=AgentImportStatus.RUNNING).update(
            status=AgentImportStatus.PENDING
        )
        enqueue_agent_import(record.pk)
        queued += 1
    return queued


def agent_import_nudge(*, record: AgentImport, now=None) -> bool:
    """The status page's part of the sweep: an import of the page still
    waiting after IMPORT_WAITING (the broker was down at the upload) is queued
    again. Returns whether the broker took it."""
    now = now or timezone.now()
    if record.status != AgentImportStatus.PENDING or record.created_at >= now - IMPORT_WAITING:
        return False
    return enqueue_agent_import(record.pk)


def agents_import(
    *, program: Program, file, user=None, finish: tuple[AgentImport, float] | None = None
) -> ImportResult:
    """Import agents from a CSV or XLSX `file` into `program`.

    Validates every row first; when any row (or the file itself) is wrong,
    returns the errors and saves nothing. Otherwise, in one transaction,
    creates the new areas and teams the file names, creates new agents and
    updates existing ones (matched by employee id) with bulk writes; unchanged
    agents are not touched, so their history stays clean. `user` is recorded
    in the history. With `finish` (the worker's import and its start), the
    import's result is stored in the same transaction.
    """
    result = ImportResult(file_name=getattr(file, "name", "") or "")

    def done() -> ImportResult:
        if finish is not None:
            _agent_import_finish(finish[0], result, finish[1])
        return result

    try:
        table = read_table(file, result)
        header_positions = check_header(table[0] if table else [])
    except FileRejected as exc:
        result.file_error = exc.message
        result.file_error_details = exc.details
        return done()
    _progress(finish, 30)
    rows = data_rows(table, header_positions, result)
    if not rows and not result.errors:
        result.file_error = _("The file has a header but no agent rows.")
        return done()
    plans, new_teams, new_areas = validate(program, rows, result)
    if not result.ok:
        result.errors.sort(key=lambda e: (e.row, column_order(e.column)))
        return done()
    _progress(finish, 60)
    result.agents_created = sum(1 for p in plans if p.is_new)
    result.agents_updated = sum(1 for p in plans if not p.is_new and p.changed)
    result.agents_unchanged = sum(1 for p in plans if not p.is_new and not p.changed)
    result.teams_created = len(new_teams)
    result.areas_created = len(new_areas)
    try:
        with transaction.atomic():
            _write(program, plans, new_teams, new_areas, user=user, file_name=result.file_name)
            done()
    except IntegrityError:
        logger.warning("Agents import of %s refused", result.file_name, exc_info=True)
        # Someone else created the same team, area or agent meanwhile.
        result.file_error = _(
            "The program's people changed while the file was being imported, so nothing "
            "was saved. Import the file again."
        )
        result.agents_created = result.agents_updated = result.agents_unchanged = 0
        result.teams_created = result.areas_created = 0
        return done()
    return result


def _progress(finish, pct: int) -> None:
    if finish is not None:
        AgentImport.objects.filter(pk=finish[0].pk).update(progress=pct)


def _bulk_update(model, objs: list, fields: list[str]) -> None:
    """UPDATE `fields` of `objs`. On PostgreSQL one `UPDATE … FROM (VALUES …)`
    per BATCH_SIZE rows (Django's bulk_update writes a CASE of n branches per
    field, which takes seconds per thousand rows); elsewhere bulk_update."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=UPDATE_BATCH_SIZE)
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    types = [f.db_type(connection) for f in columns]
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    names = ", ".join(qn(f.column) for f in columns)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in columns[1:])
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH_SIZE):
            batch = objs[start : start + BATCH_SIZE]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in batch
                for f in columns
            ]
            cursor.execute(
                f"UPDATE {qn(model._meta.db_table)} AS t SET {sets} "
                f"FROM (VALUES {', '.join([row] * len(batch))}) AS v({names}) "
                f"WHERE t.{qn(pk.column)} = v.{qn(pk.column)}",
                params,
            )


def _write(program, plans, new_teams, new_areas, *, user, file_name):
    """Write the validated file: areas and teams (few) one by one, agents,
    their channels and their history in batches of BATCH_SIZE. Called in a
    transaction."""
    # History keeps at most 100 characters of a change reason.
    reason = (_("Imported from %(file)s") % {"file": file_name})[:100]
    for area in new_areas.values():
        area.program = program
        area.save()
    areas = {a.code.lower(): a for a in Area.objects.filter(program=program)}
    for team in new_teams.values():
        team.program = program
        team.area = areas.get(team._area_key)
        team._history_user = user
        team._change_reason = reason
        team.save()
    teams = {t.code.lower(): t for t in Team.objects.filter(program=program)}

    created, updated, channel_changes = [], [], []
    for plan in plans:
        agent = plan.agent
        if plan.fields_changed:
            agent.team = teams[plan.team_key]
            agent.area = areas.get(plan.area_key)
        if plan.is_new:
            created.append(agent)
        elif plan.changed:
            updated.append(agent)
        if plan.channels_changed and (plan.channel_ids or not plan.is_new):
            channel_changes.append(plan)
    Agent.objects.bulk_create(created, batch_size=BATCH_SIZE)
    _bulk_update(
        Agent,
        [p.agent for p in plans if not p.is_new and p.fields_changed],
        ["name", "team", "area", "skills", "active_from", "active_to"],
    )
    through = Agent.channels.through
    through.objects.filter(
        agent_id__in=[p.agent.pk for p in channel_changes if not p.is_new]
    ).delete()
    through.objects.bulk_create(
        [
            through(agent_id=p.agent.pk, channel_id=channel_id)
            for p in channel_changes
            for channel_id in sorted(p.channel_ids)
        ],
        batch_size=BATCH_SIZE,
    )
    # One history record per agent written ("+" new, "~" changed), with its
    # channels as they now are, as a save and a set of channels would leave.
    now = timezone.now()
    history = [
        *Agent.history.bulk_history_create(
            created,
            batch_size=BATCH_SIZE,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        ),
        *Agent.history.bulk_history_create(
            updated,
            batch_size=BATCH_SIZE,
            update=True,
            default_user=user,
            default_change_reason=reason,
            default_date=now,
        ),
    ]
    written = {record.id for record in history}
    links: dict[int, list[tuple[int, int]]] = {}  # agent -> (link id, channel)
    for link_id, agent_id, channel_id in (
        through.objects.filter(agent__program=program)
        .order_by("channel_id")
        .values_list("id", "agent_id", "channel_id")
    ):
        if agent_id in written:
            links.setdefault(agent_id, []).append((link_id, channel_id))
    m2m = Agent.history.model._meta.get_field("historicalagent_channels").related_model
    m2m.objects.bulk_create(
        [
            m2m(id=link_id, history_id=record.history_id, agent_id=record.id, channel_id=channel)
            for record in history
            for link_id, channel in links.get(record.id, ())
        ],
        batch_size=BATCH_SIZE,
    )
