"""Issue #19 (part): the agents import runs in the worker — the upload is
stored, a thin idempotent task imports it with bulk writes in one transaction
(all or nothing, errors next to their row), the page follows its progress,
and an upload while the job queue is down says so and is imported later."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from programs import tasks
from programs.importer import COLUMNS, ImportResult
from programs.models import Agent, AgentImport, AgentImportStatus, Area, Channel, Role, Team
from programs.services import people
from tests.factories import UserFactory
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def csv_bytes(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


GOOD = csv_bytes(
    'E001,Siti Rahmawati,team-a,Team A,jkt,Jakarta,"gadai, emas",inbound;chat,2024-01-02,',
    "E002,Budi Santoso,team-a,,,,gadai,inbound,2024-03-01,2024-12-31",
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def channels(program):
    return {
        "inbound": Channel.objects.create(
            program=program, code="inbound", name="Inbound", kind="inbound"
        ),
        "chat": Channel.objects.create(program=program, code="chat", name="Chat", kind="digital"),
    }


@pytest.fixture
def analyst(program, member):
    return member(program, Role.QC_ANALYST, full_name="Andi Analyst")


def stored(program, user, content: bytes, name="agents.csv") -> AgentImport:
    """An upload stored and waiting for the worker (its task not sent)."""
    record = AgentImport(program=program, original_name=name, uploaded_by=user)
    record.file.save(name, ContentFile(content), save=False)
    record.save()
    return record


def result_of(record) -> ImportResult:
    record.refresh_from_db()
    return ImportResult.from_json(record.result)


def _detail(program, record):
    return reverse("people_import_detail", args=[program.code, record.pk])


# --- The task ----------------------------------------------------------------------


def test_the_task_imports_the_stored_file(program, channels, analyst):
    record = stored(program, analyst, GOOD)
    tasks.agent_import_run.delay(record.pk)  # eager in tests, as the worker runs it
    record.refresh_from_db()
    assert (record.status, record.progress, record.attempts) == ("succeeded", 100, 1)
    assert record.seconds is not None and record.started_at and record.finished_at
    result = result_of(record)
    assert (result.agents_created, result.teams_created, result.areas_created) == (2, 1, 1)
    assert set(Agent.objects.values_list("employee_id", flat=True)) == {"E001", "E002"}


def test_the_task_is_idempotent(program, channels, analyst):
    record = stored(program, analyst, GOOD)
    people.agent_import_process(import_id=record.pk)
    counts = (Agent.objects.count(), Agent.history.count(), Team.history.count())
    finished = AgentImport.objects.get(pk=record.pk)
    again = people.agent_import_process(import_id=record.pk)  # a redelivered message
    assert again.status == "succeeded" and again.attempts == 1
    assert again.finished_at == finished.finished_at and again.result == finished.result
    assert (Agent.objects.count(), Agent.history.count(), Team.history.count()) == counts
    assert people.agent_import_process(import_id=record.pk + 99) is None  # gone: nothing


def test_an_import_interrupted_midway_starts_again_whole(program, channels, analyst):
    record = stored(program, analyst, GOOD)
    # Its worker died while it ran: the write was rolled back, the claim stays.
    AgentImport.objects.filter(pk=record.pk).update(
        status=AgentImportStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    record = people.agent_import_process(import_id=record.pk)
    assert (record.status, record.attempts) == ("succeeded", 2)
    assert Agent.objects.count() == 2


def test_a_file_that_kills_its_worker_is_failed_after_three_starts(program, analyst):
    record = stored(program, analyst, GOOD)
    AgentImport.objects.filter(pk=record.pk).update(
        status=AgentImportStatus.RUNNING, attempts=people.IMPORT_MAX_ATTEMPTS
    )
    record = people.agent_import_process(import_id=record.pk)
    assert record.status == "failed"
    assert "started 3 times and never finished" in result_of(record).file_error
    assert not Agent.objects.exists()


def test_a_failed_write_leaves_nothing_and_the_import_unfinished(
    program, channels, analyst, monkeypatch
):
    """The agents and the import's result are one transaction: a crash inside
    the write leaves neither, and the import can run again."""
    record = stored(program, analyst, GOOD)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(people, "_agent_import_finish", crash)
    with pytest.raises(RuntimeError):
        people.agent_import_process(import_id=record.pk)
    assert not Agent.objects.exists() and not Team.objects.exists()
    record.refresh_from_db()
    assert record.status == "running" and not record.is_finished
    monkeypatch.undo()
    assert people.agent_import_process(import_id=record.pk).status == "succeeded"


# --- Bulk writes -------------------------------------------------------------------


def test_a_big_file_is_written_in_batches_with_one_history_record_per_agent(
    program, channels, analyst, monkeypatch
):
    monkeypatch.setattr(people, "BATCH_SIZE", 50)
    rows = [
        f"A{i:04d},Agen {i},tim-{i % 7},Tim {i % 7},area-{i % 3},Area {i % 3},gadai,"
        f"{'inbound;chat' if i % 2 else 'inbound'},2024-01-{1 + i % 28:02d},"
        for i in range(430)
    ]
    record = stored(program, analyst, csv_bytes(*rows))
    record = people.agent_import_process(import_id=record.pk)
    result = result_of(record)
    assert (result.agents_created, result.teams_created, result.areas_created) == (430, 7, 3)
    agent = Agent.objects.select_related("team", "area").get(employee_id="A0009")
    assert (agent.name, agent.team.code, agent.area.code) == ("Agen 9", "tim-2", "area-0")
    assert set(agent.channels.values_list("code", flat=True)) == {"inbound", "chat"}
    assert Agent.history.count() == 430
    history = agent.history.get()
    assert (history.history_type, history.history_user) == ("+", analyst)
    assert history.history_change_reason == "Imported from agents.csv"
    assert {c.channel.code for c in history.channels.all()} == {"inbound", "chat"}

    # The same file with some agents changed: only those are written.
    rows[9] = "A0009,Agen Sembilan,tim-3,,,,,chat,,"
    rows[10] = "A0010,Agen 10,tim-3,,,,gadai,inbound,2024-01-11,"
    record = people.agent_import_process(import_id=stored(program, analyst, csv_bytes(*rows)).pk)
    result = result_of(record)
    assert (result.agents_updated, result.agents_unchanged) == (2, 428)
    agent.refresh_from_db()
    assert (agent.name, agent.team.code, agent.skills, agent.active_from) == (
        "Agen Sembilan",
        "tim-3",
        "",
        None,
    )
    assert agent.area.code == "area-0"  # the team's area, tim-3 being in area-0
    assert list(agent.channels.values_list("code", flat=True)) == ["chat"]
    assert Agent.history.count() == 432
    changed = agent.history.first()
    assert changed.history_type == "~" and [c.channel.code for c in changed.channels.all()] == [
        "chat"
    ]


def test_a_bad_row_among_many_saves_nothing_and_is_named_with_its_column(program, analyst):
    rows = [f"A{i:04d},Agen {i},tim-1,Tim 1,,,,,," for i in range(120)]
    rows[57] = "A0057,Agen 57,tim-1,,,,,,31/01/2024,"
    record = people.agent_import_process(import_id=stored(program, analyst, csv_bytes(*rows)).pk)
    assert record.status == "failed"
    result = result_of(record)
    assert [(e.row, e.column) for e in result.errors] == [(59, "active_from")]
    assert "is not a date in the format YYYY-MM-DD" in result.errors[0].message
    assert not Agent.objects.exists() and not Team.objects.exists() and not Area.objects.exists()


def test_the_errors_are_worded_in_the_uploaders_language(program, member, monkeypatch):
    indonesian = member(program, Role.QC_ANALYST, language="id")
    seen = []
    validate = people.validate

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return validate(*args, **kwargs)

    monkeypatch.setattr(people, "validate", spy)
    people.agent_import_process(
        import_id=stored(program, indonesian, csv_bytes("E1,,t,T,,,,,,")).pk
    )
    assert seen == ["id"]


# --- The pages -----------------------------------------------------------------------


def test_the_upload_is_stored_and_queued_when_it_commits(
    client, program, channels, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    url = reverse("people_import", args=[program.code])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"file": SimpleUploadedFile("agen.csv", GOOD)})
    record = AgentImport.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(program, record)
    assert (record.status, record.original_name, record.uploaded_by) == (
        "pending",
        "agen.csv",
        analyst,
    )
    assert record.file.read() == GOOD and not Agent.objects.exists()  # not in the request
    assert len(callbacks) == 1
    page = client.get(_detail(program, record)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting" in page
    partial = client.get(_detail(program, record), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="import-status"') and "<html" not in partial
    callbacks[0]()  # the commit: the task is sent (and runs, eager)
    page = client.get(_detail(program, record)).content.decode()
    assert "hx-trigger" not in page and "Agents created: 2" in page


@pytest.mark.django_db(transaction=True)  # the upload commits, as in production
def test_an_upload_while_the_queue_is_down_says_so_and_is_imported_later(
    client, program, channels, analyst, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.agent_import_run, "delay", broker_down)
    client.force_login(analyst)
    url = reverse("people_import", args=[program.code])
    response = client.post(url, {"file": SimpleUploadedFile("agen.csv", GOOD)})
    page = client.get(response["Location"]).content.decode()
    assert "the job queue is not answering right now" in page
    record = AgentImport.objects.get()
    assert record.status == "pending" and not Agent.objects.exists()

    monkeypatch.undo()  # the queue is back
    assert people.agent_imports_sweep() == 0  # waiting less than a minute: not lost yet
    later = timezone.now() + timedelta(minutes=2)
    assert people.agent_imports_sweep(now=later) == 1
    record.refresh_from_db()
    assert record.status == "succeeded" and Agent.objects.count() == 2


def test_the_status_page_queues_again_an_import_left_waiting(client, program, channels, analyst):
    record = stored(program, analyst, GOOD)
    AgentImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    client.force_login(analyst)
    client.get(_detail(program, record))  # the worker (eager) takes it
    record.refresh_from_db()
    assert record.status == "succeeded"


def test_the_sweep_task_runs_the_service(program, channels, analyst):
    record = stored(program, analyst, GOOD)
    AgentImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.sweep_waiting_agent_imports.delay().get() == 1
    assert AgentImport.objects.get(pk=record.pk).status == "succeeded"


@pytest.mark.parametrize("role", Role.values)
def test_the_import_page_per_role(client, program, analyst, member, role):
    record = stored(program, analyst, GOOD)
    client.force_login(member(program, role))
    expected = 200 if role in {Role.MANAGER, Role.QC_ANALYST} else 403
    assert client.get(_detail(program, record)).status_code == expected
    assert client.get(reverse("people_import", args=[program.code])).status_code == expected


def test_outsiders_and_other_programs_imports_are_404(client, program, other_program, member):
    theirs = stored(other_program, None, GOOD)
    client.force_login(member(program, Role.MANAGER))
    assert client.get(_detail(program, theirs)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(_detail(program, stored(program, None, GOOD))).status_code == 404
    client.logout()
    response = client.get(_detail(program, theirs))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_pages_run_a_constant_number_of_queries(client, program, channels, analyst):
    client.force_login(analyst)
    upload_page = reverse("people_import", args=[program.code])

    def failed_import(n_errors: int) -> AgentImport:
        rows = [f"E{i},,nope,,,,,,," for i in range(n_errors)]
        return people.agent_import_process(import_id=stored(program, analyst, csv_bytes(*rows)).pk)

    small_detail = page_queries(client, _detail(program, failed_import(2)))
    small_upload = page_queries(client, upload_page)
    for _i in range(12):
        record = failed_import(150)
    assert_same_query_count(small_detail, page_queries(client, _detail(program, record)))
    assert_same_query_count(small_upload, page_queries(client, upload_page))
