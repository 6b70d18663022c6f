"""Program setup pages: rules, frame tables, channels, members, audit trail,
new program from a preset."""

import pytest
from django.core import mail
from django.urls import reverse

from programs.models import (
    InteractionCategory,
    Membership,
    Program,
    ProgramClosure,
    Role,
    TimeSlot,
)
from tests.factories import MembershipFactory, UserFactory
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

READ_PAGES = ["program_settings", "program_frame", "channel_list", "member_list", "program_detail"]


def _rules_post(program, **changes):
    data = {
        "name": program.name,
        "is_active": "on",
        "time_zone": program.time_zone,
        "monthly_sample_size": program.monthly_sample_size,
        "top_n_reasons": program.top_n_reasons,
        "min_shops_per_band": program.min_shops_per_band,
        "execution_pattern": program.execution_pattern,
        "sessions_per_week": program.sessions_per_week or "",
        "execution_weeks": program.execution_weeks,
        "working_days": program.working_days,
        "skip_public_holidays": "on",
        "avoid_high_traffic": "on" if program.avoid_high_traffic else "",
        "traffic_threshold_percent": program.traffic_threshold_percent,
        "max_shops_per_shopper_slot": program.max_shops_per_shopper_slot,
        "scoring_mode": program.scoring_mode,
        "target_score": program.target_score,
        "report_due_day": program.report_due_day,
        "report_reminder_days": program.report_reminder_days,
        "dispute_window_days": program.dispute_window_days,
        "defect_ack_days": program.defect_ack_days,
        "calibration_due_day": program.calibration_due_day,
        "supervisor_handin_days": program.supervisor_handin_days,
        "contact_time_tolerance_minutes": program.contact_time_tolerance_minutes,
        "case_calibration_days": program.case_calibration_days,
        "defect_notes_via_supervisor": "on" if program.defect_notes_via_supervisor else "",
        "document_code": program.document_code,
        "document_title": program.document_title,
        "revision": program.revision,
        "effective_date": "",
        "form_code_report": "F-27",
        "form_code_followup": "F-28",
        "form_code_ms_form": "F-31",
        "form_code_execution": "F-32",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("role", Role.values)
def test_every_member_reads_setup_pages(client, pgd, member, page, role):
    client.force_login(member(pgd, role))
    assert client.get(reverse(page, args=[pgd.code])).status_code == 200


@pytest.mark.parametrize("page", [*READ_PAGES, "program_history"])
def test_setup_pages_are_hidden_from_outsiders(client, pgd, outsider, page):
    client.force_login(outsider)
    assert client.get(reverse(page, args=[pgd.code])).status_code == 404


@pytest.mark.parametrize("role", Role.values)
def test_audit_trail_is_for_manager_and_analyst(client, pgd, member, role):
    client.force_login(member(pgd, role))
    expected = 200 if role in {Role.MANAGER, Role.QC_ANALYST} else 403
    assert client.get(reverse("program_history", args=[pgd.code])).status_code == expected


def test_manager_changes_sample_size_and_target(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_settings", args=[pgd.code])
    response = client.post(url, _rules_post(pgd, monthly_sample_size=60, target_score="90"))
    assert response.status_code == 302
    pgd.refresh_from_db()
    assert (pgd.monthly_sample_size, pgd.target_score) == (60, 90)
    assert pgd.history.first().monthly_sample_size == 60


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_the_manager_changes_rules(client, pgd, member, role):
    client.force_login(member(pgd, role))
    url = reverse("program_settings", args=[pgd.code])
    assert client.post(url, _rules_post(pgd, monthly_sample_size=1)).status_code == 403
    pgd.refresh_from_db()
    assert pgd.monthly_sample_size == 56


def test_bad_rules_keep_what_was_typed_and_say_why(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_settings", args=[pgd.code])
    response = client.post(
        url,
        _rules_post(
            pgd,
            monthly_sample_size="0",
            target_score="120",
            sessions_per_week="",
            document_code="KEEP-ME",
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Say how many sessions run every week." in body
    assert "Ensure this value is less than or equal to 100." in body
    assert 'value="KEEP-ME"' in body
    pgd.refresh_from_db()
    assert pgd.monthly_sample_size == 56


def test_weeks_pattern_needs_a_week(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    url = reverse("program_settings", args=[tlk.code])
    response = client.post(url, _rules_post(tlk, execution_weeks=[]))
    assert "Give one or more weeks of the month, 1 to 5." in response.content.decode()


def _formset_data(prefix, rows, initial):
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_manager_adds_a_closure(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_table_edit", args=[pgd.code, "closures"])
    assert client.get(url).status_code == 200
    data = _formset_data("closures", [{"date": "2026-12-24", "reason": "Cuti bersama"}], 0)
    assert client.post(url, data).status_code == 302
    assert ProgramClosure.objects.get(program=pgd).reason == "Cuti bersama"


def test_a_slot_outside_its_band_is_refused_with_nothing_saved(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_table_edit", args=[pgd.code, "slots"])
    slots = list(TimeSlot.objects.filter(program=pgd).order_by("start"))
    night = pgd.time_bands.get(code="night")
    rows = [
        {"id": s.pk, "band": s.band_id, "start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}"}
        for s in slots
    ]
    rows[0]["end"] = "10:15"  # a valid change that must not be saved either
    rows.append({"band": night.pk, "start": "09:00", "end": "10:00"})
    response = client.post(url, _formset_data("slots", rows, len(slots)))
    assert response.status_code == 200
    assert "must start inside its band" in response.content.decode()
    assert TimeSlot.objects.filter(program=pgd).count() == 6
    assert TimeSlot.objects.get(pk=slots[0].pk).end.strftime("%H:%M") == "10:00"


def test_a_category_in_use_cannot_be_deleted(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_table_edit", args=[pgd.code, "categories"])
    categories = list(InteractionCategory.objects.filter(program=pgd).order_by("order"))
    rows = [{"id": c.pk, "code": c.code, "name": c.name, "order": c.order} for c in categories]
    rows[0]["DELETE"] = "on"
    response = client.post(url, _formset_data("categories", rows, len(rows)))
    assert response.status_code == 200
    assert "still in use" in response.content.decode()
    assert InteractionCategory.objects.filter(program=pgd).count() == 3


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_the_manager_edits_frame_tables(client, pgd, member, role):
    client.force_login(member(pgd, role))
    url = reverse("program_table_edit", args=[pgd.code, "slots"])
    assert client.get(url).status_code == 403


def test_unknown_frame_table_is_404(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    assert client.get(reverse("program_table_edit", args=[pgd.code, "nope"])).status_code == 404


def test_manager_adds_a_new_person_who_gets_a_set_password_mail(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("member_list", args=[pgd.code])
    response = client.post(
        url, {"email": "new.qco@example.com", "full_name": "Nia QCO", "role": Role.SHOPPER}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="new.qco@example.com").role == Role.SHOPPER
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_adding_a_stranger_without_a_name_is_explained(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    response = client.post(
        reverse("member_list", args=[pgd.code]), {"email": "x@example.com", "role": Role.VIEWER}
    )
    assert response.status_code == 200
    assert "give their full name" in response.content.decode()
    assert 'value="x@example.com"' in response.content.decode()


def test_pgd_4_2_raci_override_and_last_manager_protection(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    tl = member(pgd, Role.TEAM_LEADER)
    tl_membership = Membership.objects.get(user=tl, program=pgd)
    assert tl_membership.effective_raci == "I"
    client.post(reverse("member_update", args=[pgd.code, tl_membership.pk]), {"raci": "R"})
    tl_membership.refresh_from_db()
    assert tl_membership.effective_raci == "R"
    own = Membership.objects.get(user=manager, program=pgd)
    response = client.post(
        reverse("member_update", args=[pgd.code, own.pk]), {"action": "remove"}, follow=True
    )
    assert "at least one manager" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_members_of_another_program_are_out_of_reach(client, pgd, tlk, member):
    client.force_login(member(pgd, Role.MANAGER))
    other = MembershipFactory(program=tlk, role=Role.VIEWER)
    url = reverse("member_update", args=[pgd.code, other.pk])
    assert client.post(url, {"action": "remove"}).status_code == 404


def test_audit_trail_shows_who_changed_what(client, pgd, member):
    manager = member(pgd, Role.MANAGER, full_name="Maya Manager")
    client.force_login(manager)
    client.post(
        reverse("program_settings", args=[pgd.code]), _rules_post(pgd, monthly_sample_size=60)
    )
    body = client.get(reverse("program_history", args=[pgd.code])).content.decode()
    assert "Maya Manager" in body
    assert "monthly sample size" in body
    assert "56 → 60" in body


def test_manager_creates_a_third_program_from_a_preset(client, pgd, tlk, member):
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    url = reverse("program_new")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "preset": "telkom",
            "name": "CC Telkom Area 2",
            "code": "TLK2",
            "organization": pgd.organization_id,
        },
    )
    assert response.status_code == 302
    program = Program.objects.get(code="TLK2")
    assert program.monthly_sample_size == 40
    assert Membership.objects.filter(user=manager, program=program, role=Role.MANAGER).exists()


def test_new_program_code_must_be_free_and_valid(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_new")
    data = {"preset": "telkom", "name": "X", "code": "pgd", "organization": pgd.organization_id}
    assert "exists already" in client.post(url, data).content.decode()
    data["code"] = "bad code!"
    assert "letters, digits" in client.post(url, data).content.decode()
    assert Program.objects.count() == 1


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_managers_create_programs(client, pgd, member, role):
    client.force_login(member(pgd, role))
    assert client.get(reverse("program_new")).status_code == 403


@pytest.mark.parametrize("page", [*READ_PAGES, "program_history"])
def test_setup_pages_have_constant_query_counts(client, pgd, member, page):
    manager = member(pgd, Role.MANAGER)
    client.force_login(manager)
    url = reverse(page, args=[pgd.code])
    small = page_queries(client, url)
    for i in range(15):
        MembershipFactory(program=pgd, role=Role.VIEWER, user=UserFactory())
        ProgramClosure.objects.create(program=pgd, date=f"2027-01-{i + 1:02d}", reason="x")
        InteractionCategory.objects.create(program=pgd, code=f"c{i}", name=f"C {i}")
    client.post(
        reverse("program_settings", args=[pgd.code]), _rules_post(pgd, monthly_sample_size=57)
    )
    assert_same_query_count(small, page_queries(client, url))


def test_the_rules_form_keeps_the_effective_date_in_indonesian_and_the_trail_shows_iso(
    client, pgd, member
):
    """Walkthrough: opening the rules in Indonesian and saving erased the date."""
    from datetime import date

    pgd.effective_date = date(2019, 6, 19)
    pgd.save()
    manager = member(pgd, Role.MANAGER, language="id")
    client.force_login(manager)
    html = client.get(reverse("program_settings", args=[pgd.code])).content.decode()
    assert 'value="2019-06-19"' in html
    client.post(
        reverse("program_settings", args=[pgd.code]),
        _rules_post(pgd, effective_date="2019-06-19", monthly_sample_size=60),
    )
    pgd.refresh_from_db()
    assert pgd.effective_date == date(2019, 6, 19)
    client.post(
        reverse("program_settings", args=[pgd.code]),
        _rules_post(pgd, effective_date="2020-01-02", monthly_sample_size=60),
    )
    body = client.get(reverse("program_history", args=[pgd.code])).content.decode()
    assert "2019-06-19 → 2020-01-02" in body
