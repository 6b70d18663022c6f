"""The import page's mapping form, the program's mapping list and the
confirmation before importing again over an approved plan (TLK-5.1.1)."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from devdata import exports as export_data
from programs.models import Role
from sampling import services
from sampling.models import ContactImport, ImportMapping, ImportStatus
from sampling.services import mappings
from tests.querycount import assert_same_query_count, page_queries
from tests.sampling_data import contact_month

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
DATA_ROLES = {Role.MANAGER, Role.QC_ANALYST}


def _waiting(pgd, user, tmp_path, rows=300, *, style="excel") -> ContactImport:
    items = list(export_data.contacts(export_data.profile_of(pgd), OCT, rows, seed=rows))
    path = export_data.write(tmp_path / f"oct-{rows}.csv", items, style)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    record = services.contact_import_start(program=pgd, month=OCT, upload=upload, user=user)
    return services.contact_import_process(import_id=record.pk)


@pytest.mark.parametrize("role", Role.values)
def test_the_mapping_pages_are_for_analyst_and_manager(client, pgd, member, tmp_path, role):
    record = _waiting(pgd, member(pgd, Role.QC_ANALYST), tmp_path)
    client.force_login(member(pgd, role))
    expected = 200 if role in DATA_ROLES else 403
    for url in [
        reverse("contact_import_detail", args=[pgd.code, record.pk]),
        reverse("import_mapping_list", args=[pgd.code]),
    ]:
        assert client.get(url).status_code == expected, url


def test_the_import_page_offers_each_unknown_value_with_its_suggestion(
    client, pgd, member, tmp_path
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    record = _waiting(pgd, member(pgd, Role.QC_ANALYST), tmp_path)
    body = client.get(reverse("contact_import_detail", args=[pgd.code, record.pk])).content
    body = body.decode()
    assert "Values to map" in body and 'id="mapping-form"' in body
    information = pgd.categories.get(code="information")
    assert f'<option value="category:{information.pk}" selected>' in body
    assert "<code>Informasi</code>" in body and "<code>Komplain</code>" in body
    assert "Problems by cause" not in body  # the table of values says it all


def test_one_click_maps_all_suggested_and_imports(
    client, pgd, member, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(member(pgd, Role.QC_ANALYST))
    record = _waiting(pgd, member(pgd, Role.QC_ANALYST), tmp_path)
    url = reverse("contact_import_detail", args=[pgd.code, record.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.SUCCEEDED, record.error_groups
    assert ImportMapping.objects.filter(program=pgd).count() == len(form.fields)
    listing = client.get(reverse("import_mapping_list", args=[pgd.code])).content.decode()
    assert "Informasi" in listing and record.original_name in listing


def test_an_empty_choice_is_asked_again_next_to_its_value(client, pgd, member, tmp_path):
    client.force_login(member(pgd, Role.QC_ANALYST))
    record = _waiting(pgd, member(pgd, Role.QC_ANALYST), tmp_path)
    url = reverse("contact_import_detail", args=[pgd.code, record.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    first = next(iter(form.fields))
    data[first] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body and "or leave its rows out." in body
    # What the analyst chose for the other values is kept.
    second = list(form.fields)[1]
    assert f'<option value="{data[second]}" selected>' in body
    record.refresh_from_db()
    assert record.status == ImportStatus.NEEDS_MAPPING
    assert not ImportMapping.objects.exists()  # all or nothing


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.VIEWER])
def test_only_analyst_and_manager_map(client, pgd, member, tmp_path, role):
    record = _waiting(pgd, member(pgd, Role.QC_ANALYST), tmp_path)
    client.force_login(member(pgd, role))
    url = reverse("contact_import_detail", args=[pgd.code, record.pk])
    assert client.post(url, {"map_0": "ignore"}).status_code == 403


def test_a_mapping_is_changed_or_removed_from_the_list(
    client, pgd, member, tmp_path, django_capture_on_commit_callbacks
):
    analyst = member(pgd, Role.QC_ANALYST)
    client.force_login(analyst)
    record = _waiting(pgd, analyst, tmp_path)
    url = reverse("contact_import_detail", args=[pgd.code, record.pk])
    form = client.get(url).context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {name: form[name].value() for name in form.fields})
    mapping = ImportMapping.objects.get(value="Informasi")
    listing = reverse("import_mapping_list", args=[pgd.code])
    request = pgd.categories.get(code="request")
    response = client.post(listing, {"mapping": mapping.pk, "choice": f"category:{request.pk}"})
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.category == request and mapping.history.count() == 2
    bad = client.post(listing, {"mapping": mapping.pk, "choice": "category:999999"})
    assert bad.status_code == 200 and "is not a category choice" in bad.content.decode()
    client.post(listing, {"mapping": mapping.pk, "action": "delete"})
    assert not ImportMapping.objects.filter(pk=mapping.pk).exists()
    assert mapping.history.count() == 3  # the removal is in the audit trail


def test_the_pages_keep_their_query_count_with_more_values_and_mappings(
    client, pgd, member, tmp_path
):
    analyst = member(pgd, Role.QC_ANALYST)
    client.force_login(analyst)
    small = _waiting(pgd, analyst, tmp_path, rows=50)
    large = _waiting(pgd, analyst, tmp_path, rows=2000, style="tab")
    for record in (small, large):
        record.refresh_from_db()
    detail = [
        page_queries(client, reverse("contact_import_detail", args=[pgd.code, r.pk]))
        for r in (small, large)
    ]
    assert_same_query_count(*detail)
    listing = reverse("import_mapping_list", args=[pgd.code])
    information = pgd.categories.get(code="information")
    ImportMapping.objects.create(program=pgd, kind="category", value="A", category=information)
    few = page_queries(client, listing)
    ImportMapping.objects.bulk_create(
        ImportMapping(program=pgd, kind="category", value=f"V{i}", category=information)
        for i in range(30)
    )
    assert_same_query_count(few, page_queries(client, listing))


@time_machine.travel(date(2026, 12, 3), tick=False)
def test_importing_again_over_an_approved_plan_asks_first(
    client, pgd, member, django_capture_on_commit_callbacks
):
    manager = member(pgd, Role.MANAGER)
    member(pgd, Role.SHOPPER)
    contact_month(pgd, date(2026, 11, 1))
    plan = services.plan_generate(program=pgd, month=date(2026, 12, 1), user=None, seed=3)
    services.plan_approve(plan=plan, user=manager)
    client.force_login(manager)
    url = reverse("contact_import_list", args=[pgd.code])
    content = b"timestamp,channel,reason,category\n2026-11-03 10:00,inbound,Gadai,information\n"
    response = client.post(
        url, {"month": "2026-11", "file": SimpleUploadedFile("nov.csv", content)}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The approved plan of 2026-12 was made from the 2026-11 data" in body
    assert 'value="2026-11"' in body  # the month typed is kept
    assert ContactImport.objects.filter(month=date(2026, 11, 1)).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "month": "2026-11",
                "file": SimpleUploadedFile("nov.csv", content),
                "replace_approved": "on",
            },
        )
    assert response.status_code == 302
    assert ContactImport.objects.filter(month=date(2026, 11, 1)).count() == 2
    plan.refresh_from_db()
    assert plan.status == "approved"  # the plan keeps the data it was made from
    listing = client.get(url).content.decode()
    assert "used by the plan of 2026-12" in listing


def _areas_file(tlk, tmp_path):
    channel = tlk.channels.filter(parent=None).first()
    reason = tlk.reasons.select_related("category").first()
    rows = [("Jakarta Pusat", 3), ("bandung", 2), ("Medan", 1), ("", 1)]
    lines = [
        f"2026-10-0{i + 1} 10:15,{channel.code},{reason.name},{reason.category.code},{area}"
        for i, (area, n) in enumerate(rows)
        for _ in range(n)
    ]
    path = tmp_path / "areas.csv"
    path.write_text("timestamp,channel,reason,category,area\n" + "\n".join(lines) + "\n")
    return path


def test_unknown_areas_are_mapped_or_added_and_the_plan_groups_by_them(
    client, tlk, member, tmp_path
):
    """TLK-5.1.2 picks the top reasons per area: an area the program calls
    otherwise is mapped like a category, remembered, and used by the plan."""
    jakarta = tlk.areas.create(code="jakarta", name="Jakarta")
    tlk.areas.create(code="bandung", name="Bandung")
    analyst = member(tlk, Role.QC_ANALYST)
    client.force_login(analyst)
    path = _areas_file(tlk, tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    record = services.contact_import_start(program=tlk, month=OCT, upload=upload, user=analyst)
    record = services.contact_import_process(import_id=record.pk)
    assert record.status == ImportStatus.SUCCEEDED  # areas never stop an import
    unknown = {u.value: u for u in mappings.unknown_values(record)}
    assert set(unknown) == {"Jakarta Pusat", "Medan"}  # "bandung" is a code, "" is blank
    assert unknown["Jakarta Pusat"].n == 3 and unknown["Medan"].n == 1
    assert unknown["Jakarta Pusat"].suggested == f"area:{jakarta.pk}"

    url = reverse("contact_import_detail", args=[tlk.code, record.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    medan = next(n for n in form.fields if form.fields[n].label == "Medan")
    data[medan] = "add"
    response = client.post(url, data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert "area" not in record.unknown_values  # nothing left to map
    assert client.get(url).context["form"] is None
    assert tlk.areas.filter(name="Medan").exists()
    lookup = mappings.area_lookup(tlk)
    assert lookup["jakarta pusat"] == jakarta.pk
    listing = client.get(reverse("import_mapping_list", args=[tlk.code])).content.decode()
    assert "Jakarta Pusat" in listing and f'value="area:{jakarta.pk}" selected' in listing


def test_a_program_without_areas_in_its_rule_is_not_asked_about_them(pgd, member, tmp_path):
    analyst = member(pgd, Role.QC_ANALYST)
    path = _areas_file(pgd, tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    record = services.contact_import_start(program=pgd, month=OCT, upload=upload, user=analyst)
    record = services.contact_import_process(import_id=record.pk)
    assert record.status == ImportStatus.SUCCEEDED
    assert "area" not in record.unknown_values


def test_an_area_mapping_never_changes_how_categories_are_read(tlk, member, tmp_path):
    """An area mapped under the same text as a category code leaves the category alone."""
    reason = tlk.reasons.select_related("category").first()
    ImportMapping.objects.create(
        program=tlk,
        kind="area",
        value=reason.category.code,
        area=tlk.areas.create(code="x", name="X"),
    )
    analyst = member(tlk, Role.QC_ANALYST)
    path = _areas_file(tlk, tmp_path)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    record = services.contact_import_start(program=tlk, month=OCT, upload=upload, user=analyst)
    record = services.contact_import_process(import_id=record.pk)
    assert record.status == ImportStatus.SUCCEEDED, record.error_groups
