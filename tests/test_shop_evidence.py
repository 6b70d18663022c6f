"""The shop as evidence (#18): evidence required at submit, removed by its
shopper until submit (audited), played in the page with the right headers,
heard by calibration raters while their session lasts, and the contact's
time checked against its planned slot (TLK-5.3.1)."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from followup.models import SessionKind
from followup.services import calibration
from programs.models import Role
from reporting.selectors.reports import monthly_figures
from scoring import services
from scoring.models import Evidence, ReviewAction, ShopState
from tests.scoring_data import ready_shop
from tests.test_calibration import finalized_shop
from tests.test_followup import _finalize
from tests.test_shop_workflow import _filled

MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def _started(program, member, **kw):
    planned, shopper, agent = ready_shop(program, member, **kw)
    return services.shop_start(planned_shop=planned, user=shopper), shopper, agent


def _fill(shop, shopper, agent):
    return services.shop_save(
        shop=shop, user=shopper, data=_filled(shop, agent), version=shop.version
    )


def _add(shop, shopper, name="rekaman.mp3", content=MP3, kind="recording"):
    return services.evidence_add(
        shop=shop, user=shopper, upload=SimpleUploadedFile(name, content), kind=kind
    )


# --- Evidence required at submit --------------------------------------------------------


@pytest.mark.parametrize("preset", ["pgd", "tlk"])
def test_both_presets_ask_for_evidence_on_every_channel(request, preset):
    program = request.getfixturevalue(preset)
    assert program.channels.exists()
    assert not program.channels.filter(evidence_required=False).exists()


def test_a_shop_without_evidence_is_not_submitted_then_is_once_a_file_is_attached(pgd, member):
    shop, shopper, agent = _started(pgd, member, evidence_required=True)
    shop = _fill(shop, shopper, agent)
    with pytest.raises(ValidationError) as caught:
        services.shop_submit(shop=shop, user=shopper, version=shop.version)
    assert "evidence" in caught.value.message_dict
    assert shop.channel.name in caught.value.message_dict["evidence"][0]
    _add(shop, shopper)
    shop.refresh_from_db()
    assert services.shop_submit(shop=shop, user=shopper, version=shop.version).state in {
        ShopState.SUBMITTED,
        ShopState.SUPERVISOR_REVIEW,
    }


def test_a_channel_without_the_rule_submits_without_evidence(pgd, member):
    shop, shopper, agent = _started(pgd, member)  # the tests' default: rule off
    shop = _fill(shop, shopper, agent)
    assert services.shop_submit(shop=shop, user=shopper, version=shop.version).submitted_at


def test_the_page_says_next_to_the_evidence_that_it_is_missing(client, pgd, member):
    shop, shopper, agent = _started(pgd, member, evidence_required=True)
    shop = _fill(shop, shopper, agent)
    client.force_login(shopper)
    data = {
        "version": shop.version,
        "action": "submit",
        "executed_at": timezone.localtime(shop.executed_at, pgd.zone).strftime("%Y-%m-%dT%H:%M"),
        "channel": shop.channel_id,
        "agent": agent.pk,
        "recognised": "no",
        "time_deviation_reason": shop.time_deviation_reason,
        **{f"answer-{a.parameter_id}": a.value for a in shop.answers.all()},
    }
    response = client.post(reverse("shop_form", args=[pgd.code, shop.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#evidence">Evidence files</a>: Attach the evidence' in body
    assert "Required at submit" in body
    shop.refresh_from_db()
    assert shop.state == ShopState.DRAFT


# --- Removing an upload ----------------------------------------------------------------


def test_the_shopper_removes_a_wrong_upload_and_the_history_keeps_it(client, pgd, member):
    shop, shopper, _agent = _started(pgd, member)
    evidence = _add(shop, shopper, name="salah.png", content=PNG, kind="screenshot")
    stored = evidence.file.name
    client.force_login(shopper)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("shop_evidence_remove", args=[pgd.code, evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not evidence.file.storage.exists(stored)
    removed = shop.events.get(action=ReviewAction.EVIDENCE_REMOVED)
    assert "salah.png" in removed.comment and removed.by == shopper


def test_no_one_removes_an_upload_after_submit_or_of_someone_else(pgd, member):
    shop, shopper, agent = _started(pgd, member)
    evidence = _add(shop, shopper)
    with pytest.raises(PermissionDenied):
        services.evidence_remove(evidence=evidence, user=member(pgd, Role.QC_ANALYST))
    shop = _fill(shop, shopper, agent)
    services.shop_submit(shop=shop, user=shopper, version=shop.version)
    with pytest.raises(PermissionDenied):
        services.evidence_remove(evidence=evidence, user=shopper)
    assert Evidence.objects.filter(pk=evidence.pk).exists()


# --- Served to play in the page ----------------------------------------------------------


def test_a_recording_plays_inline_and_a_pdf_downloads_with_safe_headers(client, pgd, member):
    shop, shopper, _agent = _started(pgd, member)
    audio = _add(shop, shopper)
    pdf = _add(shop, shopper, name="tiket.pdf", content=b"%PDF-1.7\n", kind="transcript")
    client.force_login(shopper)
    page = client.get(reverse("shop_form", args=[pgd.code, shop.pk])).content.decode()
    audio_url = reverse("shop_evidence_file", args=[pgd.code, audio.pk])
    assert f'<audio class="w-100 mt-2" controls preload="metadata" src="{audio_url}"' in page
    for evidence, disposition in [(audio, "inline"), (pdf, "attachment")]:
        response = client.get(reverse("shop_evidence_file", args=[pgd.code, evidence.pk]))
        assert b"".join(response.streaming_content)
        assert response["Content-Type"] == evidence.content_type
        assert response["Content-Disposition"].startswith(disposition)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


# --- Calibration raters ---------------------------------------------------------------------


@pytest.fixture
def rated(pgd, member):
    """A finalized shop with a recording, put up for blind scoring in a session
    to which a team leader who does not lead its agent is invited."""
    shop, analyst, agent = _finalize(pgd, member)
    recording = Evidence.objects.create(
        shop=shop, kind="recording", original_name="r.mp3", content_type="audio/mpeg", size=3
    )
    recording.file.save("r.mp3", SimpleUploadedFile("r.mp3", MP3))
    rater = member(pgd, Role.TEAM_LEADER, full_name="Tina Lain")
    session = calibration.session_create(
        program=pgd,
        user=analyst,
        held_on=timezone.localdate(),
        title="Kalibrasi kasus",
        kind=SessionKind.MONTHLY,
        invitees=[analyst, rater],
    )
    calibration.case_add(session=session, user=analyst, shop=shop)
    return SimpleNamespace(
        program=pgd,
        shop=shop,
        agent=agent,
        analyst=analyst,
        rater=rater,
        session=session,
        recording=recording,
    )


def test_a_rater_hears_the_shop_under_calibration_while_the_session_lasts(client, pgd, rated):
    client.force_login(rated.rater)
    detail = reverse("shop_detail", args=[pgd.code, rated.shop.pk])
    file_url = reverse("shop_evidence_file", args=[pgd.code, rated.recording.pk])
    page = client.get(detail)
    assert page.status_code == 200
    assert f'src="{file_url}"' in page.content.decode()
    response = client.get(file_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == MP3
    calibration.attendance_confirm(session=rated.session, user=rated.rater)
    calibration.minutes_save(
        session=rated.session,
        user=rated.analyst,
        agenda="",
        discussion="Skor rekaman dibahas",
        decisions="Sepakat",
    )
    calibration.session_mark_held(session=rated.session, user=rated.analyst)
    assert client.get(detail).status_code == 403
    assert client.get(file_url).status_code == 404


def test_a_rater_reads_no_other_shop(client, pgd, rated):
    other = finalized_shop(rated, 1)
    client.force_login(rated.rater)
    assert client.get(reverse("shop_detail", args=[pgd.code, other.pk])).status_code == 403


# --- Contact time against the plan (TLK-5.3.1) -------------------------------------------


def _at(shop, minutes_from_start=0, *, from_end=False):
    planned = shop.planned_shop
    anchor = planned.slot.end if from_end else planned.slot.start
    return datetime.combine(planned.date, anchor, shop.program.zone) + timedelta(
        minutes=minutes_from_start
    )


@pytest.mark.parametrize(
    ("offset", "from_end", "minutes"),
    [
        (0, False, 0),  # at the slot's start
        (-1, False, 1),  # a minute early
        (0, True, 0),  # at its end
        (30, True, 30),  # the tolerance itself
        (31, True, 31),
        (-24 * 60 - 5, False, 24 * 60 + 5),  # the day before, as in the issue
    ],
)
def test_minutes_outside_the_planned_slot(pgd, member, offset, from_end, minutes):
    shop, _shopper, _agent = _started(pgd, member)
    shop.executed_at = _at(shop, offset, from_end=from_end)
    assert services.time_deviation(shop) == minutes


def test_a_second_inside_the_slot_is_no_deviation_and_a_second_past_is_a_minute(pgd, member):
    shop, _shopper, _agent = _started(pgd, member)
    shop.executed_at = _at(shop, from_end=True) - timedelta(seconds=1)
    assert services.time_deviation(shop) == 0
    shop.executed_at = _at(shop, from_end=True) + timedelta(seconds=1)
    assert services.time_deviation(shop) == 1


@pytest.mark.parametrize(("offset", "needs"), [(30, False), (31, True)])
def test_a_reason_is_needed_past_the_tolerance_only(pgd, member, offset, needs):
    shop, shopper, agent = _started(pgd, member)
    data = _filled(shop, agent)
    data.executed_at = _at(shop, offset, from_end=True)
    data.time_deviation_reason = ""
    shop = services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    assert shop.time_deviation_minutes == offset
    assert ("time_deviation_reason" in services.submit_errors(shop)) is needs


def test_the_reviewer_sees_the_deviation_and_the_reason_and_the_month_counts_it(
    client, pgd, member
):
    shop, analyst, _agent = _finalize(pgd, member)
    planned = shop.planned_shop
    shop.executed_at = datetime.combine(planned.date, planned.slot.start, pgd.zone) - timedelta(
        hours=2
    )
    shop.time_deviation_minutes = services.time_deviation(shop)
    shop.time_deviation_reason = "Jaringan putus saat slot"
    shop.save()
    client.force_login(analyst)
    body = client.get(reverse("shop_detail", args=[pgd.code, shop.pk])).content.decode()
    assert "120 minutes outside the planned slot" in body
    assert "Jaringan putus saat slot" in body
    assert monthly_figures(pgd, planned.date.replace(day=1)).off_slot == 1


def test_the_raters_page_plays_the_recording(client, pgd, rated):
    client.force_login(rated.rater)
    case = rated.session.cases.get()
    url = reverse("calibration_rate", args=[pgd.code, rated.session.pk, case.pk])
    body = client.get(url).content.decode()
    file_url = reverse("shop_evidence_file", args=[pgd.code, rated.recording.pk])
    assert f'<audio class="w-100 mt-2" controls preload="metadata" src="{file_url}"' in body


def test_the_manager_sets_the_rule_per_channel_on_the_channels_table(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_table_edit", args=[pgd.code, "channels"])
    body = client.get(url).content.decode()
    assert 'name="channels-0-evidence_required"' in body
    assert "vidence required at submit" in body


@pytest.mark.parametrize(
    ("role", "shown"),
    [(Role.QC_ANALYST, True), (Role.TEAM_LEADER, True), (Role.VIEWER, False)],
)
def test_the_shop_page_offers_to_log_a_customer_case(client, pgd, member, role, shown):
    shop, _analyst, agent = _finalize(pgd, member)
    user = agent.team.team_leader if role == Role.TEAM_LEADER else member(pgd, role)
    client.force_login(user)
    body = client.get(reverse("shop_detail", args=[pgd.code, shop.pk])).content.decode()
    link = reverse("case_new", args=[pgd.code]) + f"?shop={shop.pk}"
    assert (link in body) is shown
