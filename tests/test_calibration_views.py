"""Calibration pages (PGD-4.8, PGD-5.5.1): who opens what, the forms with bad
input, one-click attendance, blind scoring, the PDF, constant query counts."""

import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followup.models import (
    Attendee,
    CalibrationAction,
    CalibrationRating,
    CalibrationSession,
    RootCause,
    SessionKind,
)
from followup.services import calibration as services
from programs.models import Role
from tests.querycount import assert_same_query_count, page_queries
from tests.test_calibration import answers_for, finalized_shop, make_world

pytestmark = pytest.mark.django_db

READERS = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.TEAM_LEADER, Role.VIEWER}
EDITORS = {Role.MANAGER, Role.QC_ANALYST}


@pytest.fixture
def world(pgd, member):
    w = make_world(pgd, member)
    w.case = services.case_add(session=w.session, user=w.analyst, shop=w.shop)
    return w


def _url(name, w, *args):
    return reverse(name, args=[w.program.code, *args])


def _get_urls(w):
    s = w.session.pk
    return {
        "calibration_list": (_url("calibration_list", w), READERS),
        "calibration_new": (_url("calibration_new", w), EDITORS),
        "calibration_detail": (_url("calibration_detail", w, s), READERS),
        "calibration_pdf": (_url("calibration_pdf", w, s), READERS),
        # Raters: the attendees and the analyst/manager; a fresh member is no attendee.
        "calibration_rate": (_url("calibration_rate", w, s, w.case.pk), EDITORS),
    }


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize(
    "name",
    [
        "calibration_list",
        "calibration_new",
        "calibration_detail",
        "calibration_pdf",
        "calibration_rate",
    ],
)
def test_pages_per_role(client, world, member, role, name):
    url, allowed = _get_urls(world)[name]
    client.force_login(member(world.program, role))
    assert client.get(url).status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("role", Role.values)
def test_writes_per_role(client, world, member, role):
    """Only the analyst and the manager change a session; members who are not
    on the attendance list confirm nothing."""
    w = world
    user = member(w.program, role)
    client.force_login(user)
    s = w.session.pk
    attendee = Attendee.objects.get(session=w.session, user=w.leader)
    action = services.action_add(
        session=w.session,
        user=w.analyst,
        description="x",
        owner=w.leader,
        due_on=timezone.localdate(),
    )
    editor = role in EDITORS
    posts = [
        (_url("calibration_new", w), {}, 200 if editor else 403),  # 200: form errors
        (_url("calibration_detail", w, s), {"form": "minutes"}, 302 if editor else 403),
        (
            _url("calibration_attendance", w, s, attendee.pk),
            {"present": "1"},
            302 if editor else 403,
        ),
        (_url("calibration_held", w, s), {}, 302 if editor else 403),
        (_url("calibration_action_done", w, s, action.pk), {}, 302 if editor else 403),
        (_url("calibration_confirm", w, s), {}, 403),
    ]
    for url, data, expected in posts:
        assert client.post(url, data).status_code == expected, url


def test_outsider_gets_404_everywhere(client, world, outsider):
    client.force_login(outsider)
    for url, _allowed in _get_urls(world).values():
        assert client.get(url).status_code == 404
    assert client.post(_url("calibration_confirm", world, world.session.pk)).status_code == 404


def test_another_programs_session_is_not_found(client, world, tlk, member):
    other = CalibrationSession.objects.create(
        program=tlk, held_on=timezone.localdate(), title="TLK", created_by=world.analyst
    )
    client.force_login(world.analyst)
    for name in ["calibration_detail", "calibration_pdf"]:
        assert client.get(_url(name, world, other.pk)).status_code == 404


def test_plan_a_session_and_bad_input_keeps_what_was_typed(client, world, member):
    w = world
    client.force_login(w.analyst)
    url = _url("calibration_new", w)
    page = client.get(url).content.decode()
    assert "Andi Analyst" in page and "Sari Shopper" not in page  # shoppers are not invited
    response = client.post(
        url,
        {
            "held_on": "",
            "title": "",
            "kind": SessionKind.HIGH_IMPACT,
            "agenda": "Bahas kasus komplain viral",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in body
    assert "Choose the customer case (or the high-impact shop) this session is about." in body
    assert "Bahas kasus komplain viral" in body
    assert CalibrationSession.objects.count() == 1
    response = client.post(
        url,
        {
            "held_on": timezone.localdate().isoformat(),
            "title": "Kalibrasi Desember",
            "kind": SessionKind.MONTHLY,
            "invitees": [w.analyst.pk, w.leader.pk],
        },
    )
    session = CalibrationSession.objects.get(title="Kalibrasi Desember")
    assert response.status_code == 302
    assert response["Location"] == _url("calibration_detail", w, session.pk)
    assert set(session.attendees.values_list("user", flat=True)) == {w.analyst.pk, w.leader.pk}
    assert session.created_by == w.analyst


def test_a_flagged_shop_preselects_a_high_impact_session(client, world):
    w = world
    w.shop.high_impact = True
    w.shop.save()
    client.force_login(w.analyst)
    listing = client.get(_url("calibration_list", w)).content.decode()
    assert "Calibration needed" in listing and "Plan its session" in listing
    form = client.get(_url("calibration_new", w) + f"?shop={w.shop.pk}").context["form"]
    assert form.initial["kind"] == SessionKind.HIGH_IMPACT
    assert form.initial["related_shop"] == w.shop.pk


def test_the_list_says_when_the_month_has_no_session_held(client, world):
    w = world
    client.force_login(w.leader)
    body = client.get(_url("calibration_list", w)).content.decode()
    assert "No calibration session has been held in" in body
    assert "Kalibrasi bulanan" in body  # planned this month
    session = w.session
    services.attendance_confirm(session=session, user=w.leader)
    services.minutes_save(
        session=session, user=w.analyst, agenda="", discussion="a", decisions="b"
    )
    services.session_mark_held(session=session, user=w.analyst)
    body = client.get(_url("calibration_list", w)).content.decode()
    assert "No calibration session has been held in" not in body
    assert "is held" in body


def test_one_click_attendance_for_the_signed_in_attendee_only(client, world, member):
    w = world
    url = _url("calibration_detail", w, w.session.pk)
    client.force_login(w.leader)
    assert "Confirm my attendance" in client.get(url).content.decode()
    response = client.post(_url("calibration_confirm", w, w.session.pk), follow=True)
    assert "Your attendance is confirmed." in response.content.decode()
    assert "Confirm my attendance" not in response.content.decode()
    lines = {a.user_id: a for a in Attendee.objects.filter(session=w.session)}
    assert lines[w.leader.pk].present and lines[w.leader.pk].confirmed_at
    assert lines[w.analyst.pk].confirmed_at is None
    client.force_login(member(w.program, Role.TEAM_LEADER))  # not invited
    page = client.get(url).content.decode()
    assert "Confirm my attendance" not in page
    assert client.post(_url("calibration_confirm", w, w.session.pk)).status_code == 403


def test_minutes_defects_root_causes_and_actions_from_the_page(client, world):
    w = world
    client.force_login(w.analyst)
    url = _url("calibration_detail", w, w.session.pk)
    response = client.post(
        url,
        {
            "form": "minutes",
            "minutes-agenda": "Review cacat",
            "minutes-discussion": "Verifikasi data terlewat",
            "minutes-decisions": "Briefing ulang",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#minutes")
    defects = list(w.shop.defects.values_list("pk", flat=True))
    client.post(url, {"form": "defects", "defects-defects": defects})
    assert w.session.reviewed_defects.count() == 2
    reviewed = list(w.session.reviewed_defects.values_list("pk", flat=True))
    # A root cause without its description: the message, and nothing saved.
    response = client.post(
        url, {"form": "root_cause", "cause-category": "process", "cause-defects": reviewed}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not RootCause.objects.exists()
    client.post(
        url,
        {
            "form": "root_cause",
            "cause-category": "process",
            "cause-description": "SOP verifikasi tidak jelas",
            "cause-defects": reviewed,
        },
    )
    cause = RootCause.objects.get()
    assert set(cause.defects.values_list("pk", flat=True)) == set(reviewed)
    # An action due before the session: the message, the text kept, nothing saved.
    response = client.post(
        url,
        {
            "form": "action",
            "action-description": "Perbarui SOP verifikasi",
            "action-owner": w.leader.pk,
            "action-due_on": (w.session.held_on - timedelta(days=1)).isoformat(),
            "action-root_cause": cause.pk,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "The due date cannot be before the session." in body
    assert "Perbarui SOP verifikasi" in body and not CalibrationAction.objects.exists()
    client.post(
        url,
        {
            "form": "action",
            "action-description": "Perbarui SOP verifikasi",
            "action-owner": w.leader.pk,
            "action-due_on": (w.session.held_on + timedelta(days=7)).isoformat(),
            "action-root_cause": cause.pk,
        },
    )
    action = CalibrationAction.objects.get()
    client.force_login(w.leader)  # the owner closes it
    client.post(_url("calibration_action_done", w, w.session.pk, action.pk))
    action.refresh_from_db()
    assert action.status == "done"
    body = client.get(url).content.decode()
    assert "SOP verifikasi tidak jelas" in body and "Briefing ulang" in body
    assert "Mark done" not in body


def test_an_unknown_form_changes_nothing(client, world):
    client.force_login(world.analyst)
    response = client.post(_url("calibration_detail", world, world.session.pk), {"form": "x"})
    assert response.status_code == 302


def test_blind_scoring_from_the_pages(client, world, member):
    w = world
    detail = _url("calibration_detail", w, w.session.pk)
    rate = _url("calibration_rate", w, w.session.pk, w.case.pk)
    services.rating_submit(
        case=w.case,
        user=w.analyst,
        roles=frozenset({Role.QC_ANALYST}),
        answers=answers_for(w.shop, [3]),
    )
    client.force_login(w.leader)
    page = client.get(detail).content.decode()
    assert "The results appear once you have submitted your own scoring." in page
    assert "Score spread" not in page
    form = client.get(rate).content.decode()
    assert 'name="answer-' in form and "Not met × 1" not in form
    # Half the form: the messages, the answers kept, nothing saved.
    half = {f"answer-{pk}": v for pk, v in list(answers_for(w.shop).items())[:6]}
    response = client.post(rate, half)
    body = response.content.decode()
    assert response.status_code == 200 and body.count('data-message="Answer this parameter."') == 6
    first = next(iter(half))
    assert f'id="{first}-met" value="met" autocomplete="off" checked' in body
    assert not CalibrationRating.objects.filter(rater=w.leader).exists()
    response = client.post(rate, {f"answer-{k}": v for k, v in answers_for(w.shop).items()})
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert "Score spread" in page and "Fleiss" in page and "Your score: 100.00" in page
    assert client.get(rate).status_code == 302  # scored already


def test_pdf_download(client, world, tmp_path):
    w = world
    services.attendance_confirm(session=w.session, user=w.leader)
    client.force_login(w.leader)
    response = client.get(_url("calibration_pdf", w, w.session.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "evidence.pdf"
    path.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "IK-CC-PGD-MS" in text and "Tari TL" in text


# --- Constant query counts -------------------------------------------------------------------


def _grow(w, member, n: int, shop_index: int):
    """n more of everything the list and the detail page show."""
    today = timezone.localdate()
    tl = frozenset({Role.TEAM_LEADER})
    services.defects_review(session=w.session, user=w.analyst, defects=w.shop.defects.all())
    for i in range(n):
        person = member(w.program, Role.TEAM_LEADER, full_name=f"TL {shop_index}.{i}")
        services.attendee_add(
            session=w.session, user=w.analyst, person=person, invited=bool(i % 2)
        )
        services.attendance_confirm(session=w.session, user=person)
        cause = services.root_cause_add(
            session=w.session,
            user=w.analyst,
            category="people",
            description=f"Sebab {i}",
            defects=w.session.reviewed_defects.all()[:1],
        )
        services.action_add(
            session=w.session,
            user=w.analyst,
            description=f"Aksi {i}",
            owner=person,
            due_on=today,
            root_cause=cause,
        )
        services.rating_submit(case=w.case, user=person, roles=tl, answers=answers_for(w.shop))
        other = CalibrationSession.objects.create(
            program=w.program, held_on=today, title=f"Sesi {i}", created_by=w.analyst
        )
        Attendee.objects.create(session=other, user=person)
    shop = finalized_shop(w, shop_index)
    shop.high_impact = True
    shop.save()
    case = services.case_add(session=w.session, user=w.analyst, shop=shop)
    services.rating_submit(case=case, user=w.leader, roles=tl, answers=answers_for(shop, [1, 2]))


def test_list_and_detail_have_constant_query_counts(client, world, member):
    w = world
    w.shop.high_impact = True
    w.shop.save()
    _grow(w, member, 1, shop_index=1)
    urls = [_url("calibration_list", w), _url("calibration_detail", w, w.session.pk)]
    small = {}
    for viewer in [w.leader, w.analyst]:  # a reader and an editor (with the forms)
        client.force_login(viewer)
        small[viewer.pk] = [page_queries(client, u) for u in urls]
    _grow(w, member, 4, shop_index=2)
    for viewer in [w.leader, w.analyst]:
        client.force_login(viewer)
        for before, url in zip(small[viewer.pk], urls, strict=True):
            assert_same_query_count(before, page_queries(client, url))


def test_defects_are_ticked_from_a_searchable_list_not_a_ctrl_click_select(client, world):
    """#22: picking several defects needed Ctrl-click in a <select multiple>."""
    client.force_login(world.analyst)
    body = client.get(_url("calibration_detail", world, world.session.pk)).content.decode()
    assert body.count('name="defects-defects"') == world.shop.defects.count()
    assert 'type="checkbox" class="form-check-input"  name="defects-defects"' in body
    assert 'data-filter-list="#defects-choices"' in body and "<select multiple" not in body


def test_the_minutes_editor_open_by_itself_has_no_button_that_folds_it(client, world):
    """#22: 'Edit the minutes' hid the editor that was already open."""
    client.force_login(world.analyst)
    url = _url("calibration_detail", world, world.session.pk)
    empty = client.get(url).content.decode()
    assert 'id="minutes-form"' in empty and 'data-bs-target="#minutes-form"' not in empty
    client.post(
        url,
        {
            "form": "minutes",
            "minutes-agenda": "Review",
            "minutes-discussion": "Dibahas",
            "minutes-decisions": "Sepakat",
        },
    )
    written = client.get(url).content.decode()
    assert 'data-bs-target="#minutes-form"' in written  # folded: the button opens it
