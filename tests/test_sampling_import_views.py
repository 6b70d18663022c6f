"""Contact data pages: upload, progress, errors, review, reason mapping."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Role
from sampling.models import ContactImport, ImportStatus
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db
DATA_ROLES = {Role.MANAGER, Role.QC_ANALYST}
CSV = (
    "timestamp,channel,reason,category\n"
    "2026-10-01T08:15:00+07:00,inbound,Informasi produk gadai,information\n"
    "2026-10-01T09:15:00+07:00,inbound,Tanya promo,information\n"
)


@pytest.mark.parametrize("role", Role.values)
def test_contact_pages_are_for_analyst_and_manager(client, pgd, member, role):
    contact_month(pgd, date(2026, 10, 1))
    client.force_login(member(pgd, role))
    expected = 200 if role in DATA_ROLES else 403
    for url in [
        reverse("contact_import_list", args=[pgd.code]),
        reverse("contact_import_sample", args=[pgd.code]),
        reverse("contact_data", args=[pgd.code, "2026-10"]),
    ]:
        assert client.get(url).status_code == expected, url


def test_outsiders_get_404(client, pgd, outsider):
    client.force_login(outsider)
    assert client.get(reverse("contact_import_list", args=[pgd.code])).status_code == 404


def _upload(client, pgd, content, capture):
    with capture(execute=True):
        return client.post(
            reverse("contact_import_list", args=[pgd.code]),
            {"month": "2026-10", "file": SimpleUploadedFile("oct.csv", content.encode())},
        )


def test_upload_runs_the_import_and_shows_the_result(
    client, pgd, member, django_capture_on_commit_callbacks
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = _upload(client, pgd, CSV, django_capture_on_commit_callbacks)
    record = ContactImport.objects.get()
    assert response.status_code == 302
    assert record.status == ImportStatus.SUCCEEDED  # eager Celery in tests
    body = client.get(response["Location"]).content.decode()
    assert "2 contacts imported" in body
    data = client.get(reverse("contact_data", args=[pgd.code, "2026-10"])).content.decode()
    assert "Tanya promo" in data  # listed as unknown, to map
    assert "Informasi produk gadai" in data


def test_a_bad_file_lists_its_rows_and_offers_the_error_file(
    client, pgd, member, django_capture_on_commit_callbacks
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    bad = CSV + "not-a-date,inbound,X,information\n"
    _upload(client, pgd, bad, django_capture_on_commit_callbacks)
    record = ContactImport.objects.get()
    body = client.get(reverse("contact_import_detail", args=[pgd.code, record.pk])).content
    assert b"The file was not imported." in body
    assert "1 row: “not-a-date” is not a date and time" in body.decode()
    assert "First rows: 4." in body.decode()
    errors = client.get(reverse("contact_import_errors", args=[pgd.code, record.pk]))
    assert errors.status_code == 200
    assert b"4,timestamp,not-a-date" in b"".join(errors.streaming_content)


def test_upload_form_errors_keep_the_month(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.post(reverse("contact_import_list", args=[pgd.code]), {"month": "2026-10"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert 'value="2026-10"' in response.content.decode()


def test_htmx_poll_returns_the_status_fragment(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    record = ContactImport.objects.create(
        program=pgd,
        month=date(2026, 10, 1),
        original_name="x.csv",
        progress=40,
        status=ImportStatus.RUNNING,
    )
    response = client.get(
        reverse("contact_import_detail", args=[pgd.code, record.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="import-status"')
    assert 'hx-trigger="every 1s"' in body and "40 %" in body


def test_sample_file_is_last_month_in_the_programs_own_terms(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.get(reverse("contact_import_sample", args=[pgd.code]))
    lines = response.content.decode().splitlines()
    assert lines[0] == "timestamp,channel,reason,category,area"
    assert len(lines) == 4001


def test_map_and_add_unknown_reasons(client, pgd, member, django_capture_on_commit_callbacks):
    client.force_login(member(pgd, Role.QC_ANALYST))
    _upload(client, pgd, CSV, django_capture_on_commit_callbacks)
    url = reverse("reason_resolve", args=[pgd.code, "2026-10"])
    response = client.post(url, {"text": "Tanya promo", "action": "map"}, follow=True)
    assert "Choose the reason it is the same as." in response.content.decode()
    reason = pgd.reasons.get(name="Informasi produk gadai")
    response = client.post(
        url, {"text": "Tanya promo", "action": "map", "reason": reason.pk}, follow=True
    )
    assert "is now counted as" in response.content.decode()
    assert "Reasons the program does not know yet" not in response.content.decode()


MISSPELLED = (
    "timestamp,channel,reason,category\n"
    # As agents type them: a missing word, a typo, and one the program has nothing like.
    "2026-10-01T08:15:00+07:00,inbound,Informasi gadai,information\n"
    "2026-10-01T08:20:00+07:00,inbound,Informasi gadai,information\n"
    "2026-10-01T09:15:00+07:00,inbound,Perpanjangn gadai,information\n"
    "2026-10-01T10:15:00+07:00,inbound,Tanya promo bulan ini,information\n"
)


def test_unknown_reasons_come_with_a_suggestion_and_map_in_one_click(
    client, pgd, member, django_capture_on_commit_callbacks
):
    """TLK-5.1.1: each reason the program does not know is offered the known
    reason it looks most like; "map all suggested" maps exactly those."""
    client.force_login(member(pgd, Role.QC_ANALYST))
    _upload(client, pgd, MISSPELLED, django_capture_on_commit_callbacks)
    data_url = reverse("contact_data", args=[pgd.code, "2026-10"])
    unknown = {u.text: u for u in client.get(data_url).context["overview"].unknown}
    assert set(unknown) == {"Informasi gadai", "Perpanjangn gadai", "Tanya promo bulan ini"}
    assert unknown["Informasi gadai"].contacts == 2
    assert unknown["Informasi gadai"].suggested_name == "Informasi produk gadai"
    assert unknown["Perpanjangn gadai"].suggested_name == "Perpanjangan gadai"
    assert unknown["Tanya promo bulan ini"].suggested is None  # nothing alike: no guess
    body = client.get(data_url).content.decode()
    assert "Map all suggested reasons (2 reasons)" in body

    response = client.post(
        reverse("reason_resolve", args=[pgd.code, "2026-10"]),
        {"action": "map_suggested"},
        follow=True,
    )
    assert "2 reasons mapped as suggested (3 contacts)." in response.content.decode()
    left = response.context["overview"].unknown
    assert [u.text for u in left] == ["Tanya promo bulan ini"]
    # Remembered for the next import of the program.
    aliases = dict(pgd.reason_aliases.values_list("alias", "reason__name"))
    assert aliases["Perpanjangn gadai"] == "Perpanjangan gadai"


def test_map_all_suggested_in_indonesian(client, pgd, member, django_capture_on_commit_callbacks):
    user = member(pgd, Role.QC_ANALYST)
    user.language = "id"
    user.save()
    client.force_login(user)
    _upload(client, pgd, MISSPELLED, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("reason_resolve", args=[pgd.code, "2026-10"]),
        {"action": "map_suggested"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert response.status_code == 200
    assert "2 alasan dipetakan sesuai saran (3 kontak)." in response.content.decode()


def test_viewer_cannot_map_reasons(client, pgd, member):
    client.force_login(member(pgd, Role.VIEWER))
    url = reverse("reason_resolve", args=[pgd.code, "2026-10"])
    assert client.post(url, {"text": "x", "action": "add"}).status_code == 403


def test_unknown_month_is_404(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    assert client.get(reverse("contact_data", args=[pgd.code, "2026-13"])).status_code == 404
    assert client.get(reverse("contact_data", args=[pgd.code, "2026-09"])).status_code == 404


def test_contact_pages_have_constant_query_counts(client, pgd, member):
    client.force_login(member(pgd, Role.QC_ANALYST))
    contact_month(pgd, date(2026, 10, 1))
    urls = [
        reverse("contact_import_list", args=[pgd.code]),
        reverse("contact_data", args=[pgd.code, "2026-10"]),
    ]
    small = [page_queries(client, u) for u in urls]
    for i in range(8):
        contact_month(pgd, date(2026, 10, 1), seed=i + 2)
    pgd.reasons.create(name="Extra", category=pgd.categories.first())
    for before, url in zip(small, urls, strict=True):
        assert_same_query_count(before, page_queries(client, url))


def test_a_broker_outage_leaves_the_import_waiting_not_broken(
    client, pgd, member, django_capture_on_commit_callbacks, monkeypatch
):
    from sampling import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.contact_import_run, "delay", down)
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = _upload(client, pgd, CSV, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert ContactImport.objects.get().status == ImportStatus.PENDING


@time_machine.travel(datetime(2026, 11, 22, 3, 0, tzinfo=UTC), tick=False)
def test_a_month_not_begun_is_refused_next_to_the_month(client, pgd, member):
    """The walkthrough imported December's contacts on 22 November without a word."""
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.post(
        reverse("contact_import_list", args=[pgd.code]),
        {"month": "2026-12", "file": SimpleUploadedFile("dec.csv", b"timestamp\n")},
    )
    html = response.content.decode()
    assert response.status_code == 200 and not ContactImport.objects.exists()
    assert "2026-12 has not begun yet" in html and 'value="2026-12"' in html
    # The file's help text is in the request's language (it froze in English at import).
    client.force_login(member(pgd, Role.QC_ANALYST, language="id"))
    html = client.get(reverse("contact_import_list", args=[pgd.code])).content.decode()
    assert "One row per contact" not in html
