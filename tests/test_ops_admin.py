"""The Django admin: the product's records are looked up there, changed only
through services (read-only admins, actions that call the services)."""

from datetime import date

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from followup.models import Defect
from programs.models import Program
from retention.models import LegalHold, PurgeLog, PurgeRun, RecordType
from sampling.models import ContactImport, ImportStatus, SamplePlan
from sampling.services import imports
from scoring.models import Shop
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ_ONLY = [Shop, ContactImport, SamplePlan, Defect, LegalHold, PurgeLog, PurgeRun]


@pytest.fixture
def root(client):
    user = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_the_admin_lists_and_never_adds_changes_or_deletes(client, root, model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = root
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "add")).status_code == 403


@pytest.fixture
def stuck(program):
    def make(status=ImportStatus.RUNNING, attempts=3):
        return ContactImport.objects.create(
            program=program,
            month=date(2026, 10, 1),
            file="contact-imports/x.csv",
            original_name="october.csv",
            status=status,
            attempts=attempts,
            progress=40,
        )

    return make


def test_a_legal_hold_opens_read_only(client, root, program):
    hold = LegalHold.objects.create(
        program=program,
        record_type=RecordType.values[0],
        object_id=1,
        reason="audit 2026",
        created_by=root,
    )
    page = client.get(_url(LegalHold, "change", hold.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(_url(LegalHold, "change", hold.pk), {"reason": "x"}).status_code == 403
    assert client.post(_url(LegalHold, "delete", hold.pk), {"post": "yes"}).status_code == 403
    hold.refresh_from_db()
    assert hold.reason == "audit 2026"


def test_requeue_starts_a_stuck_import_again_through_the_service(
    client, root, stuck, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(imports, "enqueue_import", queued.append)
    record, finished = stuck(), stuck(status=ImportStatus.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            _url(ContactImport, "changelist"),
            {"action": "requeue", "_selected_action": [record.pk, finished.pk]},
            follow=True,
        )
    record.refresh_from_db()
    finished.refresh_from_db()
    assert (record.status, record.attempts, record.progress) == (ImportStatus.PENDING, 0, 0)
    assert queued == [record.pk]
    assert finished.status == ImportStatus.SUCCEEDED
    text = answer.content.decode()
    assert "1 import requeued." in text and "1 import was left alone" in text


def test_mark_failed_gives_up_a_stuck_import_with_a_reason(client, root, stuck):
    record = stuck(status=ImportStatus.PENDING)
    client.post(
        _url(ContactImport, "changelist"),
        {"action": "mark_failed", "_selected_action": [record.pk]},
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and record.finished_at is not None
    assert "stopped by an administrator" in record.message_shown


def test_the_import_actions_need_the_change_permission(client, stuck):
    viewer = UserFactory(email="staff@example.com", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_contactimport"))
    client.force_login(viewer)
    record = stuck()
    answer = client.post(
        _url(ContactImport, "changelist"),
        {"action": "mark_failed", "_selected_action": [record.pk]},
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING
    assert answer.status_code == 200  # "no action selected": the list again


def test_a_programs_scoring_mode_is_read_only_in_the_admin(client, root, program):
    model_admin = admin.site._registry[Program]
    request = RequestFactory().get("/")
    request.user = root
    assert "scoring_mode" in model_admin.get_readonly_fields(request, program)
    page = client.get(_url(Program, "change", program.pk)).content.decode()
    assert 'name="scoring_mode"' not in page
