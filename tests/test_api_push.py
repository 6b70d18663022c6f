"""Pushing a month of contact data through the API: the same checks, importer,
mappings and error texts as the upload on the contact data page, whether the
push is a file (multipart) or JSON lines. Files come from the one realistic
generator (devdata.exports), as in tests/test_contact_import_real.py."""

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from api.models import TokenScope
from api.services import token_create
from devdata import exports as export_data
from programs.models import Role
from sampling.models import ContactImport, ImportStatus

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture
def people(pgd, member):
    manager = member(pgd, Role.MANAGER)
    analyst = member(pgd, Role.QC_ANALYST)
    _token, secret = token_create(
        program=pgd, name="export", scope=TokenScope.READ_WRITE, user=manager
    )
    return {"manager": manager, "analyst": analyst, "auth": {"Authorization": f"Bearer {secret}"}}


def _export(program, tmp_path: Path, style="iso", rows=300):
    items = list(export_data.contacts(export_data.profile_of(program), OCT, rows, seed=3))
    suffix = ".xlsx" if style.startswith("xlsx") else ".csv"
    return items, export_data.write(tmp_path / f"export-{style}{suffix}", items, style)


def _bad_file(tmp_path: Path) -> Path:
    """Indonesian headers, `;`, Windows-1252: a bad time, a time outside the month,
    an empty reason and categories to map."""
    lines = ["Waktu;Kanal;Alasan;Kategori"]
    lines += [f"0{1 + i % 9}/10/2026 10:00;Inbound;Gadai;Komplain" for i in range(30)]
    lines += [
        "32/10/2026 10:00;Inbound;Gadai;information",
        "05/11/2026 10:00;Inbound;Gadai;information",
        "06/10/2026 10:00;Inbound;;information",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return path


def _page_upload(client, program, user, path: Path, month="2026-10", **extra) -> ContactImport:
    client.force_login(user)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = client.post(
        reverse("contact_import_list", args=[program.code]),
        {"month": month, "file": upload, **extra},
    )
    assert response.status_code == 302, response.content[:500]
    client.logout()
    return ContactImport.objects.order_by("-pk").first()


def _api_push(client, program, auth, path: Path, month="2026-10"):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(
        reverse("api:import_list", args=[program.code]),
        {"month": month, "file": upload},
        headers=auth,
    )


def _poll(client, program, auth, import_id: int) -> dict:
    url = reverse("api:import_detail", args=[program.code, import_id])
    response = client.get(url, headers=auth)
    assert response.status_code == 200
    return response.json()


def test_a_bad_file_gives_the_same_errors_as_the_page(
    client, pgd, people, tmp_path, django_capture_on_commit_callbacks
):
    path = _bad_file(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        by_page = _page_upload(client, pgd, people["analyst"], path)
    with django_capture_on_commit_callbacks(execute=True):
        response = _api_push(client, pgd, people["auth"], path)
    assert response.status_code == 202
    accepted = response.json()
    assert response["Location"] == accepted["url"]
    assert accepted["status"] == ImportStatus.PENDING
    by_page.refresh_from_db()
    assert by_page.status == ImportStatus.FAILED
    pushed = ContactImport.objects.get(pk=accepted["id"])
    assert pushed.status == ImportStatus.FAILED
    assert pushed.uploaded_by == people["manager"]  # the token's maker
    assert pushed.error_groups == by_page.error_groups
    assert pushed.errors_preview == by_page.errors_preview
    api_view = _poll(client, pgd, people["auth"], pushed.pk)
    page_view = _poll(client, pgd, people["auth"], by_page.pk)
    assert api_view["status"] == "failed"
    problem = api_view["problem"]
    assert problem["type"] == "urn:mysteryshop:problem:import-rejected"
    assert problem["status"] == 422
    assert problem["detail"] == by_page.message_shown
    for key in ("title", "detail", "groups", "errors", "error_count"):
        assert problem[key] == page_view["problem"][key]
    assert problem["errors"] and all("row" in e and "message" in e for e in problem["errors"])
    # The page shows the same sentences, grouped by cause.
    client.force_login(people["analyst"])
    page = client.get(reverse("contact_import_detail", args=[pgd.code, by_page.pk])).content
    for group in problem["groups"]:
        assert group["text"] in page.decode()
    assert problem["errors_url"] == reverse("contact_import_errors", args=[pgd.code, pushed.pk])


def test_errors_are_worded_in_the_readers_language(
    client, pgd, people, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _api_push(client, pgd, people["auth"], _bad_file(tmp_path))
    url = response.json()["url"]
    english = client.get(url, headers=people["auth"]).json()["problem"]
    indonesian = client.get(url, headers={**people["auth"], "Accept-Language": "id"}).json()[
        "problem"
    ]
    assert [g["code"] for g in english["groups"]] == [g["code"] for g in indonesian["groups"]]
    assert "rows have errors" in english["detail"]
    assert english["detail"] != indonesian["detail"]


@pytest.mark.parametrize("style", ["iso", "xlsx"])
def test_a_real_export_asks_for_the_same_mappings(
    client, pgd, people, tmp_path, style, django_capture_on_commit_callbacks
):
    _items, path = _export(pgd, tmp_path, style)
    with django_capture_on_commit_callbacks(execute=True):
        by_page = _page_upload(client, pgd, people["analyst"], path)
    with django_capture_on_commit_callbacks(execute=True):
        response = _api_push(client, pgd, people["auth"], path)
    by_page.refresh_from_db()
    body = _poll(client, pgd, people["auth"], response.json()["id"])
    assert by_page.status == ImportStatus.NEEDS_MAPPING
    assert body["status"] == "mapping"
    assert body["problem"]["type"] == "urn:mysteryshop:problem:values-to-map"
    assert {v["value"] for v in body["values_to_map"] if v["kind"] == "category"} == {
        "Informasi",
        "Permintaan",
        "Komplain",
    }
    pushed = ContactImport.objects.get(pk=body["id"])
    assert pushed.unknown_values == by_page.unknown_values
    assert pushed.row_count == by_page.row_count


def test_json_lines_go_through_the_same_importer(
    client, pgd, people, tmp_path, django_capture_on_commit_callbacks
):
    items, path = _export(pgd, tmp_path, "iso", rows=200)
    with django_capture_on_commit_callbacks(execute=True):
        by_page = _page_upload(client, pgd, people["analyst"], path)
    by_page.refresh_from_db()
    lines = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=_delimiter(path)):
            lines.append(json.dumps(row, ensure_ascii=False))
    body = "\n".join(lines) + "\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:import_list", args=[pgd.code]) + "?month=2026-10",
            data=body.encode(),
            content_type="application/x-ndjson",
            headers=people["auth"],
        )
    assert response.status_code == 202, response.content
    pushed = ContactImport.objects.get(pk=response.json()["id"])
    assert pushed.status == by_page.status == ImportStatus.NEEDS_MAPPING
    assert pushed.unknown_values == by_page.unknown_values
    assert pushed.row_count == by_page.row_count == len(items)


def _delimiter(path: Path) -> str:
    head = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return max([",", ";", "\t", "|"], key=head.count)


def test_a_line_that_is_not_json_is_named(client, pgd, people):
    response = client.post(
        reverse("api:import_list", args=[pgd.code]) + "?month=2026-10",
        data=b'{"timestamp": "2026-10-01 08:00"}\nnot json\n',
        content_type="application/x-ndjson",
        headers=people["auth"],
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Line 2 is not JSON")
    assert not ContactImport.objects.exists()


def test_the_form_checks_are_the_pages(client, pgd, people, tmp_path):
    """A month not begun, and a UTF-16 file: refused with the page's own texts."""
    path = tmp_path / "utf16.csv"
    path.write_text("timestamp,channel,reason,category\n", encoding="utf-16")
    response = _api_push(client, pgd, people["auth"], path, month="2099-01")
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:mysteryshop:problem:invalid-request"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["month"] == (
        "2099-01 has not begun yet: contact data is imported once its month is over."
    )
    from sampling.forms.imports import upload_problem

    upload = SimpleUploadedFile(path.name, path.read_bytes())
    assert fields["file"] == upload_problem(upload)
    assert not ContactImport.objects.exists()


def test_an_approved_plans_month_asks_first(client, pgd, people, tmp_path):
    from sampling.services import plan_approve, plan_generate
    from tests.sampling_data import contact_month

    contact_month(pgd, OCT)
    plan_approve(plan=plan_generate(program=pgd, month=date(2026, 11, 1), user=None), user=None)
    _items, path = _export(pgd, tmp_path)
    response = _api_push(client, pgd, people["auth"], path)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["replace_approved"]
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = client.post(
        reverse("api:import_list", args=[pgd.code]),
        {"month": "2026-10", "file": upload, "replace_approved": "true"},
        headers=people["auth"],
    )
    assert response.status_code == 202


def test_an_unknown_body_type_is_415(client, pgd, people):
    response = client.post(
        reverse("api:import_list", args=[pgd.code]),
        data="{}",
        content_type="application/json",
        headers=people["auth"],
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_a_signed_in_analyst_pushes_too(
    client, pgd, people, tmp_path, django_capture_on_commit_callbacks
):
    _items, path = _export(pgd, tmp_path)
    client.force_login(people["analyst"])
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:import_list", args=[pgd.code]), {"month": "2026-10", "file": upload}
        )
    assert response.status_code == 202
    assert ContactImport.objects.get(pk=response.json()["id"]).uploaded_by == people["analyst"]
